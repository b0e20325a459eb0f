"""Fixtures for adapter contract tests: a kie.ai emulator and a provider pointed at it."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from typing import Any

import pytest
import pytest_asyncio
from pydantic import SecretStr

from bot.config import KieSettings
from bot.providers.kie import KieProvider
from tests.fakes.kie import KieEmulator

API_KEY = "kie-test-key"


class FakeClock:
    """Wall time the tests move by hand, so stage tests never race the emulator."""

    def __init__(self, start: float = 1_750_000_000.0) -> None:
        self.now = start

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest_asyncio.fixture
async def emu(clock: FakeClock) -> AsyncIterator[KieEmulator]:
    emulator = KieEmulator(api_key=API_KEY, generation_seconds=100.0, clock=clock)
    await emulator.start()
    yield emulator
    await emulator.stop()


@pytest.fixture
def make_settings(emu: KieEmulator) -> Callable[..., KieSettings]:
    def make(**overrides: Any) -> KieSettings:
        fields: dict[str, Any] = {
            "kind": "kie",
            "name": "kie",
            "base_url": emu.base_url,
            "api_key": SecretStr(API_KEY),
            "retry_base_seconds": 0.01,
        }
        fields.update(overrides)
        return KieSettings(**fields)

    return make


@pytest_asyncio.fixture
async def make_kie(
    make_settings: Callable[..., KieSettings],
) -> AsyncIterator[Callable[..., KieProvider]]:
    made: list[KieProvider] = []

    def make(**overrides: Any) -> KieProvider:
        provider = KieProvider(make_settings(**overrides))
        made.append(provider)
        return provider

    yield make
    for provider in made:
        await provider.aclose()


@pytest.fixture
def kie(make_kie: Callable[..., KieProvider]) -> KieProvider:
    return make_kie()
