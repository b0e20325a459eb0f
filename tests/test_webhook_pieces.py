"""Every dialect's genuine callbacks are read whole, however the network cuts them up.

Each emulator sends its real callback (kie and Kunavo signed) to the bot's
real receiver, with chunked transfer-encoding or with a Content-Length and
several TCP writes a few milliseconds apart, as reverse proxies deliver them.
"""

from __future__ import annotations

import time
from typing import Any

import pytest
from pydantic import SecretStr

from bot.callbacks.receiver import CallbackReceiver, callback_url_for
from bot.config import CallbackSettings
from bot.jobs.models import Job
from bot.jobs.store import JobStore
from tests.providers.helpers import GENERATION, VENDORS, FakeClock, Vendor

KIE_SECRET = "kie-webhook-secret-for-pieces"


def signing(vendor: Vendor) -> dict[str, Any]:
    """kie signs only when asked: sign here too, so its signature check is crossed."""
    return {"webhook_secret": KIE_SECRET} if vendor.name == "kie" else {}


@pytest.mark.parametrize("delivery", ["whole", "chunked", "trickle"])
@pytest.mark.parametrize("vendor", VENDORS, ids=str)
async def test_callback_in_pieces_is_accepted(
    vendor: Vendor, delivery: str, store: JobStore
) -> None:
    clock = FakeClock()
    emu = vendor.emulator(
        api_key=vendor.api_key, generation_seconds=GENERATION, clock=clock, **signing(vendor)
    )
    emu.callback_delivery = delivery
    await emu.start()
    secret = signing(vendor).get("webhook_secret")
    extra = {"webhook_secret": SecretStr(secret)} if secret else {}
    provider = vendor.provider_cls(vendor.settings(base_url=emu.base_url, **extra))
    settings = CallbackSettings(
        enabled=True, listen_host="127.0.0.1", listen_port=0, public_url="http://x"
    )
    woken: list[str] = []
    receiver = CallbackReceiver(settings, store, {vendor.name: provider}, woken.append, clock=clock)
    await receiver.start()
    try:
        job = Job(
            id="job-pieces",
            guild_id=1,
            channel_id=2,
            user_id=3,
            provider=vendor.name,
            request=vendor.request,
            callback_token="p" * 32,
            created_at=time.time(),
            deadline_at=time.time() + 600,
        )
        url = (callback_url_for(settings, job) or "").replace(
            "http://x", f"http://127.0.0.1:{receiver.port}"
        )
        job.vendor_task_id = await provider.submit(vendor.request, job.id, url)
        await store.add(job)
        clock.advance(2 * GENERATION)
        await emu.callbacks_idle(seconds=10)
    finally:
        await emu.stop()
        await receiver.stop()
        await provider.aclose()
    statuses = emu.callback_statuses
    assert statuses, "no callback was sent"
    assert set(statuses) == {200}, statuses
    assert woken == [job.id] * len(statuses)
    assert await store.get(job.id) == job  # a callback only wakes; it changes nothing
