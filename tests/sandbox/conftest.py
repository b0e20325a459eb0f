"""Fixtures of the sandbox tests: a provider on a clock that only moves when told."""

from __future__ import annotations

import pytest

from bot.providers.sandbox import SandboxProvider
from tests.sandbox.helpers import FakeClock, settings


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def provider(clock: FakeClock) -> SandboxProvider:
    return SandboxProvider(settings(), clock=clock)
