"""Contract tests: ApixoProvider against the APIXO emu over real HTTP on 127.0.0.1."""

from __future__ import annotations

import asyncio
import json
import logging
import time
from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
import pytest_asyncio
from pydantic import SecretStr

from bot.errors import MalformedResponse, MediaError, ProviderError, TransientProviderError
from bot.providers.apixo import ApixoProvider, ApixoSettings
from bot.providers.apixo.adapter import DEFAULT_POLL
from bot.providers.base import (
    CallbackEvent,
    CallbackRejected,
    FailureReason,
    GenerateRequest,
    TaskState,
    TaskStatus,
)
from tests.fakes.apixo import FAILURES, ApixoEmulator
from tests.providers.helpers import (
    APIXO,
    GENERATION,
    WRONG_KEY,
    FakeClock,
    Receiver,
    assert_no_secret,
    polls_until,
    provider_fixtures,
    wait_until,
)
from tests.providers.helpers import submit_error as vendor_submit_error

R = FailureReason
VENDOR = APIXO
API_KEY = APIXO.api_key
MakeApixo = Callable[..., ApixoProvider]
REQUEST = GenerateRequest(prompt="a calm piano piece", model="v4.5")
SUBMIT = "/api/v1/generateTask/suno"
STATUS = "/api/v1/statusTask/suno"
ATTEMPTS = 5  # ApixoSettings.retries defaults to 4 retries after the first attempt
# GENERATION: emulated seconds: text at 30, first at 60, done at 100


# -- fixtures ------------------------------------------------------------------


make_apixo_fixture, apixo_fixture = provider_fixtures("apixo")


# -- helpers -------------------------------------------------------------------


async def submit_error(apixo: ApixoProvider) -> ProviderError:
    return await vendor_submit_error(apixo, REQUEST, API_KEY)


async def finished(apixo: ApixoProvider, clock: FakeClock) -> tuple[str, TaskStatus]:
    task_id = await apixo.submit(REQUEST, "job-1")
    clock.advance(GENERATION)
    return task_id, await apixo.status(task_id)


def state(callback_body: bytes) -> Any:
    return json.loads(callback_body)["data"]["state"]


# -- policy and catalogue --------------------------------------------------------


def test_default_poll_policy_follows_the_docs_advice(apixo: ApixoProvider) -> None:
    assert apixo.poll_policy == DEFAULT_POLL
    assert DEFAULT_POLL.first_delay == pytest.approx(45)
    assert DEFAULT_POLL.delay(1) == pytest.approx(8)  # "then every 5-10 s"
    assert polls_until(120, DEFAULT_POLL) <= 8
    assert max(DEFAULT_POLL.delay(n) for n in range(1, 30)) == pytest.approx(30)


def test_poll_policy_overrides_come_from_settings(make_apixo: MakeApixo) -> None:
    apixo = make_apixo(poll_first_seconds=90, poll_max_interval_seconds=10)
    assert (apixo.poll_policy.first_delay, apixo.poll_policy.max_interval) == (90, 10)
    assert apixo.poll_policy.interval == DEFAULT_POLL.interval


def test_models_map_catalog_keys_and_respect_the_config_list(make_apixo: MakeApixo) -> None:
    assert make_apixo().models == {
        "v4": "V4",
        "v4.5": "V4_5",
        "v4.5-plus": "V4_5PLUS",
        "v4.5-all": "V4_5ALL",
        "v5": "V5",
    }
    assert make_apixo(models=["v4.5-all", "v5"]).models == {"v4.5-all": "V4_5ALL", "v5": "V5"}


@pytest.mark.parametrize(("model", "offered"), [("v3.5", [])])  # and test_common.py
async def test_model_not_offered_is_refused_without_a_request(
    make_apixo: MakeApixo, emu: ApixoEmulator, model: str, offered: list[str]
) -> None:
    apixo = make_apixo(models=offered)
    with pytest.raises(ProviderError) as info:
        await apixo.submit(GenerateRequest(prompt="x", model=model), "job-1")
    assert info.value.reason is R.INVALID_INPUT
    assert emu.hits[SUBMIT] == 0


# -- submit body -------------------------------------------------------------------


async def test_submit_without_callback_asks_for_async(
    apixo: ApixoProvider, emu: ApixoEmulator
) -> None:
    request = GenerateRequest(
        prompt="rainy night", model="v4.5-plus", instrumental=True, style="lofi", title="Rain"
    )
    task_id = await apixo.submit(request, "job-1")
    assert emu.task_ids() == [task_id]
    assert emu.submits == [
        {
            "request_type": "async",
            "provider": "auto",
            "input": {
                "mode": "V4_5PLUS",
                "prompt": "rainy night\nStyle: lofi",
                "customMode": False,
                "instrumental": True,
            },
        }
    ]


async def test_submit_with_callback_url_asks_for_callbacks(
    apixo: ApixoProvider, emu: ApixoEmulator, receiver: Receiver
) -> None:
    await apixo.submit(REQUEST, "job-1", receiver.url)
    (body,) = emu.submits
    assert (body["request_type"], body["callback_url"]) == ("callback", receiver.url)
    assert body["input"]["mode"] == "V4_5"


@pytest.mark.parametrize("routing", ["auto", "value", "official"])
async def test_routing_comes_from_settings(
    make_apixo: MakeApixo, emu: ApixoEmulator, routing: str
) -> None:
    await make_apixo(routing=routing).submit(REQUEST, "job-1")
    assert emu.submits[0]["provider"] == routing


# -- states ------------------------------------------------------------------------


async def test_task_walks_through_every_state(
    apixo: ApixoProvider, emu: ApixoEmulator, clock: FakeClock
) -> None:
    task_id = await apixo.submit(REQUEST, "job-1")
    created = datetime.fromtimestamp(clock.now, UTC)

    pending = await apixo.status(task_id)
    assert (pending.state, pending.tracks, pending.code) == (TaskState.QUEUED, [], "pending")
    clock.advance(35)
    text = await apixo.status(task_id)
    assert (text.state, text.tracks, text.code) == (TaskState.RUNNING, [], "processing")
    clock.advance(30)
    assert (await apixo.status(task_id)).state is TaskState.RUNNING  # APIXO has no partial
    clock.advance(35)

    done = await apixo.status(task_id)
    assert (done.state, done.failure, done.code) == (TaskState.SUCCEEDED, None, "success")
    assert [t.vendor_track_id for t in done.tracks] == [f"{task_id}-1", f"{task_id}-2"]
    for track in done.tracks:
        assert track.vendor_task_id == task_id
        assert track.audio_url.startswith(emu.base_url)
        assert track.image_url.endswith(".png")
        assert track.lyrics.startswith("[Verse 1]\na calm piano piece")
        assert track.expires_at == created + timedelta(days=15)
    assert emu.polls[task_id] == 4
    assert emu.completed_at[task_id] == pytest.approx(clock.now)


async def test_instrumental_has_no_lyrics(apixo: ApixoProvider, clock: FakeClock) -> None:
    task_id = await apixo.submit(GenerateRequest(prompt="x", model="v5", instrumental=True), "j")
    clock.advance(GENERATION)
    assert all(t.lyrics == "" for t in (await apixo.status(task_id)).tracks)


@pytest.mark.parametrize("form", ["objects", "plain_urls", "object", "with_ids"])
async def test_every_result_json_form_yields_two_tracks(
    apixo: ApixoProvider, emu: ApixoEmulator, clock: FakeClock, form: str
) -> None:
    emu.plain_urls = form == "plain_urls"
    emu.result_as_object = form == "object"
    emu.result_ids = form == "with_ids"
    task_id, status = await finished(apixo, clock)
    assert status.state is TaskState.SUCCEEDED
    one, two = status.tracks
    assert (one.audio_url, two.audio_url) == (
        f"{emu.base_url}/files/{task_id}/1.mp3",
        f"{emu.base_url}/files/{task_id}/2.mp3",
    )
    assert bool(one.image_url) is (form != "plain_urls")
    suffix = "-audio-1" if form == "with_ids" else "-1"
    assert one.vendor_track_id == task_id + suffix


FAIL_CODES = [
    ("content_violation", R.CONTENT_POLICY),
    ("nsfw", R.CONTENT_POLICY),
    ("prompt_too_long", R.INVALID_INPUT),
    ("invalid_prompt", R.INVALID_INPUT),
    ("timeout", R.TIMEOUT),
    ("model_unavailable", R.PROVIDER_ERROR),
    ("generation_failed", R.PROVIDER_ERROR),
    ("insufficient_credits", R.INSUFFICIENT_CREDITS),
]


@pytest.mark.parametrize(("outcome", "reason"), FAIL_CODES)
async def test_every_fail_code_maps_to_its_reason(
    apixo: ApixoProvider,
    emu: ApixoEmulator,
    clock: FakeClock,
    outcome: str,
    reason: FailureReason,
) -> None:
    emu.plan(outcome)
    _, status = await finished(apixo, clock)
    fail_code, fail_msg, _ = FAILURES[outcome]
    assert (status.state, status.failure) == (TaskState.FAILED, reason)
    assert (status.code, status.detail) == (f"failed:{fail_code}", fail_msg)
    assert status.tracks == []


async def test_unknown_fail_code_is_unknown(
    apixo: ApixoProvider, emu: ApixoEmulator, clock: FakeClock
) -> None:
    emu.plan("generation_failed", fail_code="QUOTA_GREMLIN", fail_msg="odd")
    _, status = await finished(apixo, clock)
    assert (status.state, status.failure, status.code) == (
        TaskState.FAILED,
        R.UNKNOWN,
        "failed:QUOTA_GREMLIN",
    )


async def test_early_failure_is_seen_before_the_generation_time(
    apixo: ApixoProvider, emu: ApixoEmulator, clock: FakeClock
) -> None:
    emu.plan("content_violation")
    task_id = await apixo.submit(REQUEST, "job-1")
    assert (await apixo.status(task_id)).state is TaskState.QUEUED
    clock.advance(31)
    assert (await apixo.status(task_id)).failure is R.CONTENT_POLICY


# -- vendor errors: HTTP status or body code -----------------------------------------

REFUSALS = [
    (400, R.INVALID_INPUT),
    (401, R.PROVIDER_ERROR),
    (402, R.INSUFFICIENT_CREDITS),
    (403, R.PROVIDER_ERROR),
    (404, R.PROVIDER_ERROR),
]
TRANSIENT = [
    (429, R.RATE_LIMITED),
    (500, R.PROVIDER_ERROR),
    (502, R.PROVIDER_ERROR),
    (503, R.PROVIDER_ERROR),
    (504, R.PROVIDER_ERROR),
]


@pytest.mark.parametrize("as_http", [True, False], ids=["http", "body"])
@pytest.mark.parametrize(("code", "reason"), REFUSALS)
async def test_refusals_are_not_retried_and_keep_the_raw_code(
    apixo: ApixoProvider, emu: ApixoEmulator, code: int, reason: FailureReason, as_http: bool
) -> None:
    emu.fail_submit(code, f"vendor says {code}", http_status=None if as_http else 200)
    error = await submit_error(apixo)
    assert type(error) is ProviderError
    assert (error.reason, error.code, error.detail) == (reason, str(code), f"vendor says {code}")
    assert emu.hits[SUBMIT] == 1
    assert emu.submits == []


@pytest.mark.parametrize("as_http", [True, False], ids=["http", "body"])
@pytest.mark.parametrize(("code", "reason"), TRANSIENT)
async def test_transient_codes_are_retried_then_succeed(
    apixo: ApixoProvider, emu: ApixoEmulator, code: int, reason: FailureReason, as_http: bool
) -> None:
    emu.fail_submit(code, "busy", http_status=None if as_http else 200, count=2)
    task_id = await apixo.submit(REQUEST, "job-1")
    assert emu.task_ids() == [task_id]
    assert emu.hits[SUBMIT] == 3


@pytest.mark.parametrize("as_http", [True, False], ids=["http", "body"])
@pytest.mark.parametrize(("code", "reason"), TRANSIENT)
async def test_transient_codes_beyond_the_budget_raise_transient(
    apixo: ApixoProvider, emu: ApixoEmulator, code: int, reason: FailureReason, as_http: bool
) -> None:
    emu.fail_submit(code, "busy", http_status=None if as_http else 200, count=100)
    error = await submit_error(apixo)
    assert isinstance(error, TransientProviderError)
    assert (error.reason, error.code) == (reason, str(code))
    assert emu.hits[SUBMIT] == ATTEMPTS


async def test_error_detail_keeps_data_error(apixo: ApixoProvider, emu: ApixoEmulator) -> None:
    emu.fail_submit(400, "Invalid parameters", error="prompt exceeds 500 characters")
    error = await submit_error(apixo)
    assert error.detail == "Invalid parameters: prompt exceeds 500 characters"


async def test_vendor_validation_refusal_is_invalid_input(
    apixo: ApixoProvider, emu: ApixoEmulator
) -> None:
    with pytest.raises(ProviderError) as info:
        await apixo.submit(GenerateRequest(prompt="x" * 501, model="v5"), "job-1")
    assert (info.value.reason, info.value.code) == (R.INVALID_INPUT, "400")
    assert "500 characters" in info.value.detail


async def test_errors_on_polls(apixo: ApixoProvider, emu: ApixoEmulator) -> None:
    task_id = await apixo.submit(REQUEST, "job-1")
    emu.fail_status(503, "overloaded", count=2)
    assert (await apixo.status(task_id)).state is TaskState.QUEUED
    assert emu.hits[STATUS] == 3
    emu.fail_status(402, "no credits", http_status=200)
    with pytest.raises(ProviderError) as info:
        await apixo.status(task_id)
    assert (info.value.reason, info.value.code) == (R.INSUFFICIENT_CREDITS, "402")


@pytest.mark.parametrize("code", [403])  # 401: test_common.py
async def test_rejected_key_is_logged_for_the_admin_and_never_echoed(
    make_apixo: MakeApixo,
    emu: ApixoEmulator,
    caplog: pytest.LogCaptureFixture,
    code: int,
) -> None:
    secret = WRONG_KEY
    apixo = make_apixo(api_key=SecretStr(secret))
    emu.api_key = secret if code == 403 else API_KEY
    if code == 403:
        emu.fail_submit(403, "Forbidden")
    with caplog.at_level(logging.DEBUG), pytest.raises(ProviderError) as info:
        await apixo.submit(REQUEST, "job-1")
    assert (info.value.reason, info.value.code) == (R.PROVIDER_ERROR, str(code))
    assert_no_secret(info.value, secret)
    assert any(
        r.levelno == logging.ERROR and "APIXO_API_KEY" in r.getMessage() for r in caplog.records
    )
    assert secret not in caplog.text


async def test_key_echoed_by_the_vendor_is_masked(apixo: ApixoProvider, emu: ApixoEmulator) -> None:
    emu.fail_submit(400, f"bad request for key {API_KEY}")
    error = await submit_error(apixo)
    assert error.detail == "bad request for key ***"


# -- reseller tables -------------------------------------------------------------------


async def test_reseller_override_makes_a_body_429_mean_out_of_credits(
    make_apixo: MakeApixo, emu: ApixoEmulator
) -> None:
    # The HTTP 429 form is covered for every dialect in test_common.py.
    apixo = make_apixo(error_reasons={"429": "insufficient_credits"})
    emu.fail_submit(429, "credits exhausted", http_status=200, count=5)
    error = await submit_error(apixo)
    assert type(error) is ProviderError
    assert (error.reason, error.code) == (R.INSUFFICIENT_CREDITS, "429")
    assert emu.hits[SUBMIT] == 1


async def test_reseller_override_remaps_a_fail_code(
    make_apixo: MakeApixo, emu: ApixoEmulator, clock: FakeClock
) -> None:
    apixo = make_apixo(error_reasons={"GENERATION_FAILED": "content_policy"})
    emu.plan("generation_failed")
    _, status = await finished(apixo, clock)
    assert status.failure is R.CONTENT_POLICY


# -- malformed answers ---------------------------------------------------------------


async def test_unparseable_result_json_is_malformed(
    apixo: ApixoProvider, emu: ApixoEmulator, clock: FakeClock
) -> None:
    task_id = await apixo.submit(REQUEST, "job-1")
    clock.advance(GENERATION)
    emu.malformed_next("bad_result_json")
    with pytest.raises(MalformedResponse, match="resultJson"):
        await apixo.status(task_id)
    assert (await apixo.status(task_id)).state is TaskState.SUCCEEDED


# -- rate limits and overload ------------------------------------------------------------


# -- downloads --------------------------------------------------------------------------


async def test_download_before_the_song_exists_is_a_media_error(
    apixo: ApixoProvider, emu: ApixoEmulator, tmp_path: Path
) -> None:
    task_id = await apixo.submit(REQUEST, "job-1")
    with pytest.raises(MediaError):
        await apixo.download(f"{emu.base_url}/files/{task_id}/1.mp3", tmp_path / "x", 10_000)


# -- callbacks ---------------------------------------------------------------------------


async def test_callbacks_arrive_per_stage_and_name_the_task(
    apixo: ApixoProvider, emu: ApixoEmulator, clock: FakeClock, receiver: Receiver
) -> None:
    task_id = await apixo.submit(REQUEST, "job-1", receiver.url)
    for step, count in ((35, 1), (30, 2), (35, 3)):
        clock.advance(step)
        await receiver.wait_for(count)
    assert [stage for stage, _ in emu.callbacks_sent] == ["text", "first", "complete"]
    for (headers, body), (_, sent) in zip(receiver.received, emu.callbacks_sent, strict=True):
        assert json.loads(body) == sent
        assert "authorization" not in headers  # unsigned, and never our key
        event = apixo.read_callback(headers, body, clock.now)
        assert event == CallbackEvent(task_id=task_id, event_id=None)
    assert state(receiver.received[-1][1]) == "success"
    # The bot confirms a wake-up with one status fetch.
    assert (await apixo.status(task_id)).state is TaskState.SUCCEEDED


async def test_failure_callback_is_accepted(
    apixo: ApixoProvider, emu: ApixoEmulator, clock: FakeClock, receiver: Receiver
) -> None:
    emu.plan("nsfw")
    task_id = await apixo.submit(REQUEST, "job-1", receiver.url)
    clock.advance(GENERATION)  # jumps past text and first: only the final callback goes
    await receiver.wait_for(1)
    headers, body = receiver.received[0]
    assert json.loads(body)["code"] == 400
    assert apixo.read_callback(headers, body, clock.now).task_id == task_id
    assert [stage for stage, _ in emu.callbacks_sent] == ["failed"]
    assert (await apixo.status(task_id)).failure is R.CONTENT_POLICY


async def test_callbacks_stalled_after_first_leave_polling_to_finish(
    apixo: ApixoProvider, emu: ApixoEmulator, clock: FakeClock, receiver: Receiver
) -> None:
    emu.drop_callbacks_after("first")
    task_id = await apixo.submit(REQUEST, "job-1", receiver.url)
    for step, count in ((35, 1), (30, 2)):
        clock.advance(step)
        await receiver.wait_for(count)
    clock.advance(35)
    await asyncio.sleep(0.1)  # time enough for a "complete" callback that must not come
    assert [stage for stage, _ in emu.callbacks_sent] == ["text", "first"]
    assert len(receiver.received) == 2
    assert (await apixo.status(task_id)).state is TaskState.SUCCEEDED


async def test_disabled_callbacks_send_nothing(
    apixo: ApixoProvider, emu: ApixoEmulator, clock: FakeClock, receiver: Receiver
) -> None:
    emu.callbacks_enabled = False
    task_id = await apixo.submit(REQUEST, "job-1", receiver.url)
    for step in (35, 30, 35):
        clock.advance(step)
        await asyncio.sleep(0.05)
    assert (emu.callbacks_sent, receiver.received) == ([], [])
    assert (await apixo.status(task_id)).state is TaskState.SUCCEEDED


async def test_real_time_run_with_callbacks(
    make_settings: Callable[..., ApixoSettings], receiver: Receiver
) -> None:
    emu = ApixoEmulator(api_key=API_KEY, generation_seconds=0.3)
    await emu.start()
    apixo = ApixoProvider(make_settings(base_url=emu.base_url))
    try:
        task_id = await apixo.submit(REQUEST, "job-1", receiver.url)
        await wait_until(lambda: any(state(body) == "success" for _, body in receiver.received))
        events = {apixo.read_callback(h, b, time.time()).task_id for h, b in receiver.received}
        assert events == {task_id}
        assert (await apixo.status(task_id)).state is TaskState.SUCCEEDED
    finally:
        await apixo.aclose()
        await emu.stop()


@pytest.mark.parametrize(
    "body",
    [
        b"",
        b"not json",
        b"\xff\xfe",
        b"[1, 2]",
        b'{"code": 200}',
        b'{"data": "task_1"}',
        b'{"data": {}}',
        b'{"data": {"taskId": ""}}',
        b'{"data": {"taskId": 12345}}',
        b'{"taskId": "task_1"}',
        json.dumps({"data": {"taskId": "x" * 500}}).encode(),
    ],
)
def test_read_callback_rejects_junk(apixo: ApixoProvider, body: bytes) -> None:
    with pytest.raises(CallbackRejected):
        apixo.read_callback({}, body, time.time())


# -- parsing edge cases, without the emu ----------------------------------------------


@pytest_asyncio.fixture
async def answer_with(
    make_settings: Callable[..., ApixoSettings],
) -> AsyncIterator[Callable[[Any], ApixoProvider]]:
    """An ApixoProvider whose every status answer is ``{code: 200, msg, data}``."""
    made: list[ApixoProvider] = []

    def make(data: Any) -> ApixoProvider:
        def answer(request: httpx.Request) -> httpx.Response:
            return httpx.Response(200, json={"code": 200, "msg": "success", "data": data})

        provider = ApixoProvider(make_settings(), transport=httpx.MockTransport(answer))
        made.append(provider)
        return provider

    yield make
    for provider in made:
        await provider.aclose()


def task(state: str, **extra: Any) -> dict[str, Any]:
    return {"taskId": "t1", "state": state, "createTime": 1_750_000_000_000, **extra}


def result(*items: Any) -> str:
    return json.dumps({"resultUrls": list(items)})


@pytest.mark.parametrize(
    "data",
    [
        task("success"),  # no resultJson
        task("success", resultJson=None),
        task("success", resultJson=""),
        task("success", resultJson="{oops"),
        task("success", resultJson=42),
        task("success", resultJson="[1, 2]"),
        task("success", resultJson=result()),
        task("success", resultJson=json.dumps({"resultUrls": "x"})),
        task("success", resultJson=result({"image_url": "https://cdn/i.jpg"})),
        task("success", resultJson=result({"audio_url": ""})),
        task("success", resultJson=result(7)),
        {"taskId": "t1"},  # no state
        ["not", "an", "object"],
    ],
)
async def test_unreadable_status_is_malformed(
    answer_with: Callable[[Any], ApixoProvider], data: Any
) -> None:
    with pytest.raises(MalformedResponse):
        await answer_with(data).status("t1")


async def test_camel_case_items_and_complete_state_are_read(
    answer_with: Callable[[Any], ApixoProvider],
) -> None:
    item = {
        "id": "a1",
        "audioUrl": "https://cdn/a.mp3",
        "streamAudioUrl": "https://cdn/s",
        "imageUrl": "https://cdn/i.jpg",
        "title": "Song",
        "tags": "pop",
        "duration": "61.5",
        "modelName": "chirp-crow",
    }
    status = await answer_with(task("complete", resultJson=result(item), lyrics="la")).status("t1")
    (track,) = status.tracks
    assert status.state is TaskState.SUCCEEDED
    assert (track.vendor_track_id, track.stream_url, track.image_url) == (
        "a1",
        "https://cdn/s",
        "https://cdn/i.jpg",
    )
    assert (track.title, track.tags, track.duration, track.model, track.lyrics) == (
        "Song",
        "pop",
        61.5,
        "chirp-crow",
        "la",
    )


@pytest.mark.parametrize(
    ("created", "expected"),
    [
        (1_750_000_000_000, datetime(2025, 6, 15, 15, 6, 40, tzinfo=UTC)),  # epoch ms
        ("1750000000000", datetime(2025, 6, 15, 15, 6, 40, tzinfo=UTC)),
        (1_750_000_000, datetime(2025, 6, 15, 15, 6, 40, tzinfo=UTC)),  # epoch seconds
        ("yesterday", None),
        (None, None),
    ],
)
async def test_expiry_is_fifteen_days_after_create_time(
    answer_with: Callable[[Any], ApixoProvider], created: Any, expected: datetime | None
) -> None:
    data = task("success", resultJson=result("https://cdn/a.mp3"), createTime=created)
    (track,) = (await answer_with(data).status("t1")).tracks
    assert track.expires_at == (expected + timedelta(days=15) if expected else None)


async def test_failed_without_fail_code_is_unknown(
    answer_with: Callable[[Any], ApixoProvider],
) -> None:
    status = await answer_with(task("failed", failMsg="no idea")).status("t1")
    assert (status.state, status.failure, status.code, status.detail) == (
        TaskState.FAILED,
        R.UNKNOWN,
        "failed",
        "no idea",
    )


async def test_unknown_state_keeps_polling_and_is_logged(
    answer_with: Callable[[Any], ApixoProvider], caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.WARNING, logger="bot.providers.apixo"):
        status = await answer_with(task("queued_upstream")).status("t1")
    assert (status.state, status.code) == (TaskState.RUNNING, "queued_upstream")
    assert "queued_upstream" in caplog.text


async def test_submit_without_task_id_is_malformed(
    make_settings: Callable[..., ApixoSettings],
) -> None:
    def answer(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, json={"code": 200, "message": "success", "data": {}})

    apixo = ApixoProvider(make_settings(), transport=httpx.MockTransport(answer))
    with pytest.raises(MalformedResponse):
        await apixo.submit(REQUEST, "job-1")
    await apixo.aclose()


async def test_a_stream_is_kept_from_the_first_stage(
    apixo: ApixoProvider, emu: ApixoEmulator, clock: FakeClock, tmp_path: Path
) -> None:
    emu.streams_early = True
    task_id = await apixo.submit(REQUEST, "job-1")
    clock.advance(35)
    assert (await apixo.status(task_id)).tracks == []  # text: nothing streams yet
    clock.advance(30)

    first = await apixo.status(task_id)
    streams = [f"{emu.base_url}/stream/{task_id}/{n}" for n in (1, 2)]
    assert first.state is TaskState.RUNNING
    assert [(t.stream_url, t.audio_url) for t in first.tracks] == [(s, "") for s in streams]
    assert await apixo.download(streams[0], tmp_path / "s.mp3", 10_000_000) > 0
    clock.advance(35)
    done = await apixo.status(task_id)
    assert [t.vendor_track_id for t in done.tracks] == [t.vendor_track_id for t in first.tracks]
    assert [t.stream_url for t in done.tracks] == streams
    assert all(t.audio_url for t in done.tracks)
