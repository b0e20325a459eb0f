"""Fixtures for the adapter contract tests: an emulator per dialect and providers pointed at it.

Each dialect module names its vendor with a module-level ``VENDOR`` (see
``helpers.Vendor``); ``test_common.py`` overrides ``vendor`` to run on all four.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from typing import Any

import httpx
import pytest
import pytest_asyncio

from bot.media.guard import GuardedTransport, also_private
from tests.providers.helpers import GENERATION, FakeClock, Receiver, Vendor


@pytest.fixture
def vendor(request: pytest.FixtureRequest) -> Vendor:
    return request.module.VENDOR


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest_asyncio.fixture
async def emu(vendor: Vendor, clock: FakeClock) -> AsyncIterator[Any]:
    emulator = vendor.emulator(api_key=vendor.api_key, generation_seconds=GENERATION, clock=clock)
    await emulator.start()
    yield emulator
    await emulator.stop()


@pytest.fixture
def make_settings(vendor: Vendor, emu: Any) -> Callable[..., Any]:
    """Settings for ``vendor`` pointed at the emulator; keyword arguments override fields."""

    def make(**overrides: Any) -> Any:
        return vendor.settings(**{"base_url": emu.base_url, **overrides})

    return make


@pytest_asyncio.fixture
async def make_provider(
    vendor: Vendor, make_settings: Callable[..., Any]
) -> AsyncIterator[Callable[..., Any]]:
    """Providers for ``vendor``, closed after the test; keywords override settings."""
    made: list[Any] = []

    def make(*, transport: httpx.AsyncBaseTransport | None = None, **overrides: Any) -> Any:
        # The emulators serve media on 127.0.0.1: the testing policy lets it through.
        media = GuardedTransport(also_private)
        provider = vendor.provider_cls(
            make_settings(**overrides), transport=transport, media_transport=media
        )
        made.append(provider)
        return provider

    yield make
    for provider in made:
        await provider.aclose()


@pytest.fixture
def provider(make_provider: Callable[..., Any]) -> Any:
    return make_provider()


@pytest_asyncio.fixture
async def receiver() -> AsyncIterator[Receiver]:
    hook = Receiver()
    await hook.start()
    yield hook
    await hook.stop()
