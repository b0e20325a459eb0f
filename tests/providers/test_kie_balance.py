"""The kie.ai credit balance over HTTP, against the emulator; vendors without one say None."""

from __future__ import annotations

import pytest

from bot.errors import ProviderError
from bot.providers.kie import KieProvider
from bot.providers.sandbox import SandboxProvider
from tests.fakes.kie import KieEmulator
from tests.providers.helpers import KIE
from tests.sandbox.helpers import settings as sandbox_settings

VENDOR = KIE


async def test_the_balance_is_the_vendors_credit_figure(
    provider: KieProvider, emu: KieEmulator
) -> None:
    emu.credits = 987.5
    assert await provider.balance() == 987.5


async def test_a_refused_balance_query_is_a_provider_error(
    provider: KieProvider, emu: KieEmulator
) -> None:
    emu.fail_credit(401, "You do not have access permissions")
    with pytest.raises(ProviderError):
        await provider.balance()


async def test_a_vendor_that_reports_no_balance_says_none() -> None:
    assert await SandboxProvider(sandbox_settings()).balance() is None
