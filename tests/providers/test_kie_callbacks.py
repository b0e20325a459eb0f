"""kie.ai callbacks over real HTTP: the emulator POSTs to a loopback receiver, KieProvider reads.

Most tests step a fake clock and call ``flush_callbacks``, so every stage is
deterministic; one test lets the emulator's real-time scheduler do the sending.
"""

from __future__ import annotations

import asyncio
import base64
import json
import time
from collections.abc import Callable
from typing import Any

import pytest
import pytest_asyncio
from pydantic import SecretStr

from bot.providers.base import CallbackRejected, FailureReason, GenerateRequest, TaskState
from bot.providers.kie import KieProvider, KieSettings
from tests.fakes.kie import KieEmulator, webhook_signature
from tests.providers.helpers import KIE, FakeClock, Receiver, provider_fixtures

MakeKie = Callable[..., KieProvider]
Headers = dict[str, str]
REQUEST = GenerateRequest(prompt="a calm piano piece", model="v4.5")
SECRET = "kie-webhook-secret-0123456789"
OTHER_SECRET = "some-other-webhook-secret"
VENDOR = KIE
API_KEY = KIE.api_key


make_kie_fixture, kie_fixture = provider_fixtures("kie")


TRACK_FIELDS = {
    "id",
    "audio_url",
    "source_audio_url",
    "stream_audio_url",
    "image_url",
    "prompt",
    "model_name",
    "title",
    "tags",
    "createTime",
    "duration",
}
# The conftest emulator takes 100 s per task: text at 30 s, first at 60 s, done at 100 s.
TO_TEXT, TO_FIRST, TO_DONE = 30.0, 30.0, 40.0


async def advance(emu: KieEmulator, clock: FakeClock, seconds: float) -> None:
    """Move the timeline and deliver whatever became due."""
    clock.advance(seconds)
    await emu.flush_callbacks()


async def run_to_done(emu: KieEmulator, clock: FakeClock) -> None:
    for step in (TO_TEXT, TO_FIRST, TO_DONE):
        await advance(emu, clock, step)


def types(receiver: Receiver) -> list[str]:
    return [json.loads(body)["data"]["callbackType"] for _, body in receiver.received]


def payload(body: bytes) -> Any:
    return json.loads(body)


def assert_no_secrets(exc: BaseException) -> None:
    texts = [str(exc), repr(exc), *map(str, exc.args)]
    for secret in (SECRET, OTHER_SECRET, API_KEY):
        assert not any(secret in text for text in texts), texts


def rejected(kie: KieProvider, headers: Headers, body: bytes, now: float) -> CallbackRejected:
    with pytest.raises(CallbackRejected) as info:
        kie.read_callback(headers, body, now)
    assert_no_secrets(info.value)
    return info.value


# -- delivery and shape --------------------------------------------------------


async def test_stages_arrive_in_order_and_name_the_task(
    kie: KieProvider, emu: KieEmulator, clock: FakeClock, receiver: Receiver
) -> None:
    task_id = await kie.submit(REQUEST, "job-1", receiver.url)
    assert emu.submits[-1]["callBackUrl"] == receiver.url

    await advance(emu, clock, TO_TEXT - 1)
    assert receiver.received == []  # nothing before the stage is due
    await advance(emu, clock, 1)
    assert types(receiver) == ["text"]
    await advance(emu, clock, TO_FIRST)
    assert types(receiver) == ["text", "first"]
    await advance(emu, clock, TO_DONE)
    assert types(receiver) == ["text", "first", "complete"]
    await advance(emu, clock, 100)
    assert len(receiver.received) == 3  # each stage exactly once

    assert [body for _, _, body in emu.callbacks_sent] == [body for _, body in receiver.received]
    assert emu.callback_errors == []
    for headers, body in receiver.received:
        event = kie.read_callback(headers, body, clock())
        assert (event.task_id, event.event_id) == (task_id, None)
    assert (await kie.status(task_id)).state is TaskState.SUCCEEDED


async def test_callback_bodies_are_snake_case_with_urls_as_the_stage_allows(
    kie: KieProvider, emu: KieEmulator, clock: FakeClock, receiver: Receiver
) -> None:
    task_id = await kie.submit(REQUEST, "job-1", receiver.url)
    await run_to_done(emu, clock)
    text, first, complete = (payload(body) for _, body in receiver.received)
    for stage in (text, first, complete):
        assert stage["code"] == 200
        assert stage["msg"]
        assert set(stage["data"]) == {"callbackType", "task_id", "data"}
        assert stage["data"]["task_id"] == task_id
        assert [set(track) for track in stage["data"]["data"]] == [TRACK_FIELDS] * 2
    assert all(t["audio_url"] == t["stream_audio_url"] == "" for t in text["data"]["data"])
    assert all(t["audio_url"] == "" and t["stream_audio_url"] for t in first["data"]["data"])
    assert all(t["audio_url"] and t["duration"] for t in complete["data"]["data"])


async def test_signed_callbacks_are_accepted_with_the_secret_on_both_sides(
    make_kie: MakeKie, emu: KieEmulator, clock: FakeClock, receiver: Receiver
) -> None:
    emu.webhook_secret = SECRET
    kie = make_kie(webhook_secret=SecretStr(SECRET))
    task_id = await kie.submit(REQUEST, "job-1", receiver.url)
    await run_to_done(emu, clock)
    assert types(receiver) == ["text", "first", "complete"]
    for headers, body in receiver.received:
        stamp = headers["x-webhook-timestamp"]
        assert headers["x-webhook-signature"] == webhook_signature(SECRET, task_id, stamp)
        # Read a minute after the last stage: still fresh.
        assert kie.read_callback(headers, body, clock() + 60).task_id == task_id


async def test_unsigned_callbacks_are_accepted_when_no_secret_is_configured(
    kie: KieProvider, emu: KieEmulator, clock: FakeClock, receiver: Receiver
) -> None:
    task_id = await kie.submit(REQUEST, "job-1", receiver.url)
    await advance(emu, clock, TO_TEXT)
    headers, body = receiver.received[0]
    assert "x-webhook-signature" not in headers
    assert kie.read_callback(headers, body, clock()).task_id == task_id
    # Signed by an account whose secret the bot does not know: still only a wake-up.
    signed = {"x-webhook-timestamp": "1", "x-webhook-signature": "bm9wZQ=="}
    assert kie.read_callback(signed, body, clock()).task_id == task_id


async def test_a_sensitive_prompt_sends_one_error_callback(
    kie: KieProvider, emu: KieEmulator, clock: FakeClock, receiver: Receiver
) -> None:
    emu.plan("sensitive")
    task_id = await kie.submit(REQUEST, "job-1", receiver.url)
    await run_to_done(emu, clock)
    assert types(receiver) == ["error"]
    headers, body = receiver.received[0]
    assert payload(body)["code"] == 400
    assert payload(body)["data"]["data"] == []
    assert kie.read_callback(headers, body, clock()).task_id == task_id
    status = await kie.status(task_id)
    assert (status.state, status.failure) == (TaskState.FAILED, FailureReason.CONTENT_POLICY)


async def test_an_audio_failure_sends_text_then_error_with_the_vendor_code(
    kie: KieProvider, emu: KieEmulator, clock: FakeClock, receiver: Receiver
) -> None:
    emu.plan("audio_failed", error_code=531)
    await kie.submit(REQUEST, "job-1", receiver.url)
    await run_to_done(emu, clock)
    assert types(receiver) == ["text", "error"]
    assert payload(receiver.received[1][1])["code"] == 531


async def test_skipped_stages_are_never_sent(
    kie: KieProvider, emu: KieEmulator, clock: FakeClock, receiver: Receiver
) -> None:
    emu.skip_callback_stages = {"text", "first"}
    task_id = await kie.submit(REQUEST, "job-1", receiver.url)
    await run_to_done(emu, clock)
    assert types(receiver) == ["complete"]
    headers, body = receiver.received[0]
    assert kie.read_callback(headers, body, clock()).task_id == task_id


async def test_stalled_callbacks_stop_after_the_named_stage(
    kie: KieProvider, emu: KieEmulator, clock: FakeClock, receiver: Receiver
) -> None:
    emu.stall_callbacks_after = "first"
    task_id = await kie.submit(REQUEST, "job-1", receiver.url)
    await run_to_done(emu, clock)
    await advance(emu, clock, 600)
    assert types(receiver) == ["text", "first"]
    # Only the callbacks went quiet: polling still sees the task finish.
    assert (await kie.status(task_id)).state is TaskState.SUCCEEDED


@pytest.mark.parametrize("url", [None, "https://example.invalid/suno-callback"])
async def test_unreachable_callback_urls_get_nothing(
    kie: KieProvider, emu: KieEmulator, clock: FakeClock, url: str | None
) -> None:
    await kie.submit(REQUEST, "job-1", url)  # None: KieProvider sends its placeholder
    assert emu.submits[-1]["callBackUrl"] == "https://example.invalid/suno-callback"
    await run_to_done(emu, clock)
    assert emu.callbacks_sent == []


async def test_disabled_callbacks_send_nothing(
    kie: KieProvider, emu: KieEmulator, clock: FakeClock, receiver: Receiver
) -> None:
    emu.callbacks_enabled = False
    await kie.submit(REQUEST, "job-1", receiver.url)
    await run_to_done(emu, clock)
    assert receiver.received == []
    assert emu.callbacks_sent == []


def test_the_emulator_refuses_unknown_stage_names() -> None:
    with pytest.raises(ValueError, match="unknown callback stage"):
        KieEmulator(skip_callback_stages={"done"})
    with pytest.raises(ValueError, match="unknown callback stage"):
        KieEmulator(stall_callbacks_after="halfway")


# -- real time -----------------------------------------------------------------


async def test_the_scheduler_sends_signed_callbacks_in_real_time(receiver: Receiver) -> None:
    emulator = KieEmulator(generation_seconds=0.6, webhook_secret=SECRET)
    await emulator.start()
    settings = KieSettings(
        kind="kie",
        name="kie",
        base_url=emulator.base_url,
        api_key=SecretStr(emulator.api_key),
        webhook_secret=SecretStr(SECRET),
    )
    kie = KieProvider(settings)
    try:
        task_id = await kie.submit(REQUEST, "job-1", receiver.url)
        async with asyncio.timeout(5):
            await receiver.wait_for(3)
        assert types(receiver) == ["text", "first", "complete"]
        for headers, body in receiver.received:
            assert kie.read_callback(headers, body, time.time()).task_id == task_id
    finally:
        await kie.aclose()
        await emulator.stop()


async def test_stop_cancels_callbacks_still_to_come(receiver: Receiver) -> None:
    emulator = KieEmulator(api_key=API_KEY, generation_seconds=60.0)
    await emulator.start()
    settings = KieSettings(
        kind="kie", name="kie", base_url=emulator.base_url, api_key=SecretStr(API_KEY)
    )
    kie = KieProvider(settings)
    try:
        await kie.submit(REQUEST, "job-1", receiver.url)
        await asyncio.sleep(0.15)  # the scheduler is running, with nothing due yet
    finally:
        await kie.aclose()
        await emulator.stop()
    pumps = [t for t in asyncio.all_tasks() if "_pump_callbacks" in repr(t.get_coro())]
    assert pumps == []
    await emulator.flush_callbacks()  # after stop: a no-op, not an error
    assert receiver.received == []


# -- rejections ----------------------------------------------------------------


@pytest_asyncio.fixture
async def signed(
    make_kie: MakeKie, emu: KieEmulator, clock: FakeClock, receiver: Receiver
) -> tuple[KieProvider, str, Headers, bytes]:
    """A verifying provider and a genuine signed ``text`` callback it accepts."""
    emu.webhook_secret = SECRET
    kie = make_kie(webhook_secret=SecretStr(SECRET))
    task_id = await kie.submit(REQUEST, "job-1", receiver.url)
    await advance(emu, clock, TO_TEXT)
    headers, body = receiver.received[0]
    assert kie.read_callback(headers, body, clock()).task_id == task_id
    return kie, task_id, headers, body


def _resign(task_id: str, timestamp: int) -> Headers:
    """Headers with a valid signature for ``timestamp``: only freshness can refuse them."""
    stamp = str(timestamp)
    signature = webhook_signature(SECRET, task_id, stamp)
    return {"x-webhook-timestamp": stamp, "x-webhook-signature": signature}


def _without(headers: Headers, *names: str) -> Headers:
    return {name: value for name, value in headers.items() if name not in names}


# Each case turns (task id, genuine headers, body, now) into a forgery to refuse.
Forgery = Callable[[str, Headers, bytes, float], tuple[Headers, bytes, float]]
STALE = 301  # signing.MAX_AGE_SECONDS is 300
FORGERIES: dict[str, Forgery] = {
    "forged signature": lambda t, h, b, n: (
        {**h, "x-webhook-signature": base64.b64encode(b"\0" * 32).decode()},
        b,
        n,
    ),
    "signature not base64": lambda t, h, b, n: ({**h, "x-webhook-signature": "%%%"}, b, n),
    "signature not ASCII": lambda t, h, b, n: ({**h, "x-webhook-signature": "sïgnature"}, b, n),
    "missing signature": lambda t, h, b, n: (_without(h, "x-webhook-signature"), b, n),
    "missing timestamp": lambda t, h, b, n: (_without(h, "x-webhook-timestamp"), b, n),
    "missing both": lambda t, h, b, n: ({"content-type": "application/json"}, b, n),
    "malformed timestamp": lambda t, h, b, n: ({**h, "x-webhook-timestamp": "soon"}, b, n),
    "stale, read late": lambda t, h, b, n: (h, b, n + STALE),
    "future, read early": lambda t, h, b, n: (h, b, n - STALE),
    "stale, validly signed": lambda t, h, b, n: (_resign(t, int(n) - STALE), b, n),
    "future, validly signed": lambda t, h, b, n: (_resign(t, int(n) + STALE), b, n),
    "timestamp replaced": lambda t, h, b, n: ({**h, "x-webhook-timestamp": str(int(n) + 1)}, b, n),
    "tampered task_id": lambda t, h, b, n: (h, b.replace(t.encode(), b"f" * len(t)), n),
    "malformed JSON": lambda t, h, b, n: (h, b[: len(b) // 2], n),
    "no task_id": lambda t, h, b, n: (h, b.replace(b'"task_id"', b'"taskId"'), n),
}


@pytest.mark.parametrize("forge", FORGERIES.values(), ids=FORGERIES.keys())
async def test_forged_or_stale_signed_callbacks_are_rejected(
    signed: tuple[KieProvider, str, Headers, bytes], clock: FakeClock, forge: Forgery
) -> None:
    kie, task_id, headers, body = signed
    rejected(kie, *forge(task_id, dict(headers), body, clock()))


async def test_a_callback_signed_with_another_secret_is_rejected(
    make_kie: MakeKie, emu: KieEmulator, clock: FakeClock, receiver: Receiver
) -> None:
    emu.webhook_secret = SECRET
    kie = make_kie(webhook_secret=SecretStr(OTHER_SECRET))
    await kie.submit(REQUEST, "job-1", receiver.url)
    await advance(emu, clock, TO_TEXT)
    headers, body = receiver.received[0]
    rejected(kie, headers, body, clock())


@pytest.mark.parametrize(
    "body",
    [
        b"",
        b"not json",
        b"\xff\xfe{}",
        b"[" * 100_000 + b"]" * 100_000,
        b"[]",
        b'{"code": 200}',
        b'{"data": null}',
        b'{"data": {"callbackType": "complete", "data": []}}',
        b'{"data": {"task_id": ""}}',
        b'{"data": {"task_id": 123}}',
        b'{"data": {"task_id": "abc def"}}',
        b'{"data": {"task_id": "abc\\ndef"}}',
        b'{"data": {"task_id": "' + b"a" * 129 + b'"}}',
    ],
    ids=lambda body: repr(body[:30]),
)
def test_callbacks_without_a_usable_task_id_are_rejected_even_unsigned(
    kie: KieProvider, clock: FakeClock, body: bytes
) -> None:
    rejected(kie, {}, body, clock())
