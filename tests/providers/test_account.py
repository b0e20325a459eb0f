"""``Provider.account`` (what ``suno-bot doctor`` asks each vendor), on every dialect."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from pydantic import SecretStr

from bot.errors import TransientProviderError
from tests.providers.helpers import KIE, VENDORS, WRONG_KEY, Vendor

Make = Callable[..., Any]


@pytest.fixture(params=VENDORS, ids=str)
def vendor(request: pytest.FixtureRequest) -> Vendor:
    return request.param


async def test_a_working_key_is_accepted_with_the_balance_where_the_vendor_tells(
    vendor: Vendor, provider: Any, emu: Any
) -> None:
    account = await provider.account()
    assert account.key_accepted is True
    # Only kie.ai documents a balance call.
    assert account.balance == (emu.credits if vendor is KIE else None)


async def test_a_wrong_key_is_refused_not_raised(vendor: Vendor, make_provider: Make) -> None:
    account = await make_provider(api_key=SecretStr(WRONG_KEY)).account()
    assert account.key_accepted is False


async def test_a_vendor_that_fails_raises_for_the_doctor_to_report(
    make_provider: Make, emu: Any
) -> None:
    emu.fail_requests(503, count=1)
    with pytest.raises(TransientProviderError):
        await make_provider(retries=0).account()
