"""Builds the configured providers, in priority order."""

from __future__ import annotations

import itertools
import logging
from collections.abc import Sequence

import httpx

from bot.media.guard import GuardedTransport, policy_for
from bot.media.settings import MediaSettings
from bot.providers.apixo import ApixoProvider, ApixoSettings
from bot.providers.apixo.adapter import APIXO_MODELS
from bot.providers.base import Provider
from bot.providers.catalog import MODELS
from bot.providers.evolink import EvolinkProvider, EvolinkSettings
from bot.providers.evolink.adapter import EVOLINK_MODELS
from bot.providers.kie import KieProvider, KieSettings
from bot.providers.kie.adapter import KIE_MODELS
from bot.providers.kunavo import KunavoProvider, KunavoSettings
from bot.providers.kunavo.adapter import KUNAVO_MODELS
from bot.providers.sandbox import SandboxProvider, SandboxSettings

log = logging.getLogger(__name__)

# Every kind of entry ``[[providers]]`` may hold: ``bot.config`` composes its settings
# from this union (telling them apart by ``kind``), and ``_build`` makes each one's adapter.
ProviderSettings = SandboxSettings | KieSettings | ApixoSettings | EvolinkSettings | KunavoSettings

# Catalog keys each kind can run at all, before an entry's ``models`` narrows them.
_KIND_MODELS: dict[str, Sequence[str]] = {
    "sandbox": list(MODELS),
    "kie": list(KIE_MODELS),
    "apixo": list(APIXO_MODELS),
    "evolink": list(EVOLINK_MODELS),
    "kunavo": list(KUNAVO_MODELS),
}


def vendor_models(entry: ProviderSettings) -> Sequence[str]:
    """The catalog models the entry's kind of vendor offers."""
    return _KIND_MODELS[entry.kind]


def build_providers(
    entries: Sequence[ProviderSettings], media: MediaSettings | None = None
) -> list[Provider]:
    # sorted() is stable: entries of equal priority keep the file's order.
    ordered = sorted(entries, key=lambda e: e.priority)
    for before, after in itertools.pairwise(ordered):
        if before.priority == after.priority:
            log.warning(
                'providers "%s" and "%s" both have priority %d: "%s" is tried first'
                " (the order of the file)",
                before.name,
                after.name,
                before.priority,
                before.name,
            )
    return [_build(entry, media or MediaSettings()) for entry in ordered]


def _build(entry: ProviderSettings, media: MediaSettings) -> Provider:
    # Each vendor gets its own pool, all refusing the same addresses.
    guard: httpx.AsyncBaseTransport = GuardedTransport(policy_for(media.allow_private_addresses))
    match entry:
        case SandboxSettings():
            return SandboxProvider(entry)
        case KieSettings():
            return KieProvider(entry, media_transport=guard)
        case ApixoSettings():
            return ApixoProvider(entry, media_transport=guard)
        case EvolinkSettings():
            return EvolinkProvider(entry, media_transport=guard)
        case KunavoSettings():
            return KunavoProvider(entry, media_transport=guard)
