"""Builds the configured providers, in priority order."""

from __future__ import annotations

from collections.abc import Sequence

from bot.config import KieSettings, ProviderSettings, SandboxSettings
from bot.providers.base import Provider
from bot.providers.kie import KieProvider
from bot.providers.sandbox import SandboxProvider


def build_providers(entries: Sequence[ProviderSettings]) -> list[Provider]:
    providers: list[Provider] = []
    for entry in sorted(entries, key=lambda e: e.priority):
        match entry:
            case SandboxSettings():
                providers.append(SandboxProvider(entry))
            case KieSettings():
                providers.append(KieProvider(entry))
    return providers
