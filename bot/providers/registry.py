"""Builds the configured providers, in priority order."""

from __future__ import annotations

from collections.abc import Sequence

from bot.config import (
    ApixoSettings,
    EvolinkSettings,
    KieSettings,
    KunavoSettings,
    ProviderSettings,
    SandboxSettings,
)
from bot.providers.apixo import ApixoProvider
from bot.providers.base import Provider
from bot.providers.evolink import EvolinkProvider
from bot.providers.kie import KieProvider
from bot.providers.kunavo import KunavoProvider
from bot.providers.sandbox import SandboxProvider


def build_providers(entries: Sequence[ProviderSettings]) -> list[Provider]:
    return [_build(entry) for entry in sorted(entries, key=lambda e: e.priority)]


def _build(entry: ProviderSettings) -> Provider:
    match entry:
        case SandboxSettings():
            return SandboxProvider(entry)
        case KieSettings():
            return KieProvider(entry)
        case ApixoSettings():
            return ApixoProvider(entry)
        case EvolinkSettings():
            return EvolinkProvider(entry)
        case KunavoSettings():
            return KunavoProvider(entry)
