"""Builds the configured providers, in priority order."""

from __future__ import annotations

from collections.abc import Sequence

import httpx

from bot.config import (
    ApixoSettings,
    EvolinkSettings,
    KieSettings,
    KunavoSettings,
    MediaSettings,
    ProviderSettings,
    SandboxSettings,
)
from bot.media_guard import GuardedTransport, policy_for
from bot.providers.apixo import ApixoProvider
from bot.providers.base import Provider
from bot.providers.evolink import EvolinkProvider
from bot.providers.kie import KieProvider
from bot.providers.kunavo import KunavoProvider
from bot.providers.sandbox import SandboxProvider


def build_providers(
    entries: Sequence[ProviderSettings], media: MediaSettings | None = None
) -> list[Provider]:
    ordered = sorted(entries, key=lambda e: e.priority)
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
