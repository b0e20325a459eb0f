"""Contract tests: KieProvider against the kie.ai emulator over real HTTP on 127.0.0.1."""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest

from bot.errors import (
    AnswerLost,
    MalformedResponse,
    MediaError,
    ProviderError,
    TransientProviderError,
)
from bot.providers.base import FailureReason, GenerateRequest, TaskState, TaskStatus
from bot.providers.http import RetryPolicy, VendorHttp, parse_retry_after
from bot.providers.kie import KieProvider
from bot.providers.kie.adapter import DEFAULT_POLL
from tests.fakes.kie import KieEmulator
from tests.providers.helpers import KIE, FakeClock, polls_until, provider_fixtures
from tests.providers.helpers import submit_error as vendor_submit_error

R = FailureReason
MakeKie = Callable[..., KieProvider]
REQUEST = GenerateRequest(prompt="a calm piano piece", model="v4.5")
SUBMIT = "/api/v1/generate"
RECORD = "/api/v1/generate/record-info"
ATTEMPTS = 5  # KieSettings.retries defaults to 4 retries after the first attempt
VENDOR = KIE
API_KEY = KIE.api_key


make_kie_fixture, kie_fixture = provider_fixtures("kie")


async def submit_error(kie: KieProvider) -> ProviderError:
    return await vendor_submit_error(kie, REQUEST, API_KEY)


# -- policy and catalogue ------------------------------------------------------


def test_default_poll_policy_spends_at_most_8_polls_on_two_minutes(kie: KieProvider) -> None:
    assert kie.poll_policy == DEFAULT_POLL
    assert DEFAULT_POLL.first_delay == pytest.approx(35)
    assert polls_until(120, kie.poll_policy) <= 8
    # Gentle on the vendor's ~3 requests/s per task: never closer than 15 s apart.
    assert min(DEFAULT_POLL.delay(n) for n in range(1, 20)) >= 15
    assert max(DEFAULT_POLL.delay(n) for n in range(1, 20)) == pytest.approx(60)


def test_poll_policy_overrides_come_from_settings(make_kie: MakeKie) -> None:
    kie = make_kie(poll_first_seconds=5, poll_interval_seconds=2)
    assert kie.poll_policy.first_delay == 5
    assert kie.poll_policy.interval == 2
    assert kie.poll_policy.backoff == DEFAULT_POLL.backoff


def test_models_map_catalog_keys_and_respect_the_config_list(make_kie: MakeKie) -> None:
    assert make_kie().models == {
        "v3.5": "V3_5",
        "v4": "V4",
        "v4.5": "V4_5",
        "v4.5-plus": "V4_5PLUS",
        "v4.5-all": "V4_5ALL",
        "v5": "V5",
    }
    assert make_kie(models=["v4", "v5"]).models == {"v4": "V4", "v5": "V5"}


# -- submit and states ---------------------------------------------------------


async def test_submit_sends_kie_description_mode_body(kie: KieProvider, emu: KieEmulator) -> None:
    request = GenerateRequest(
        prompt="rainy night", model="v4.5-plus", instrumental=True, style="lofi", title="Rain"
    )
    task_id = await kie.submit(request, "job-1")
    assert emu.task_ids() == [task_id]
    assert emu.submits == [
        {
            "prompt": "rainy night\nStyle: lofi",
            "customMode": False,
            "instrumental": True,
            "model": "V4_5PLUS",
            "callBackUrl": "https://example.invalid/suno-callback",
        }
    ]


async def test_task_walks_through_every_stage(
    kie: KieProvider, emu: KieEmulator, clock: FakeClock
) -> None:
    task_id = await kie.submit(REQUEST, "job-1")
    submitted = datetime.fromtimestamp(clock.now, UTC)

    pending = await kie.status(task_id)
    assert (pending.state, pending.tracks, pending.code) == (TaskState.QUEUED, [], "PENDING")

    clock.advance(35)  # generation_seconds=100: text at 30, first at 60, done at 100
    text = await kie.status(task_id)
    assert (text.state, text.code) == (TaskState.RUNNING, "TEXT_SUCCESS")
    assert len(text.tracks) == 2
    assert all(t.lyrics.startswith("[Verse]") and not t.stream_url for t in text.tracks)

    clock.advance(30)
    first = await kie.status(task_id)
    assert (first.state, first.code) == (TaskState.PARTIAL, "FIRST_SUCCESS")
    assert all(t.audio_url == "" and t.stream_url for t in first.tracks)

    clock.advance(40)
    done = await kie.status(task_id)
    assert (done.state, done.failure, done.code) == (TaskState.SUCCEEDED, None, "SUCCESS")
    one, two = done.tracks
    assert one.vendor_track_id != two.vendor_track_id
    assert (one.title, one.tags) != (two.title, two.tags)
    assert one.duration != two.duration
    for track in done.tracks:
        assert track.vendor_task_id == task_id
        assert track.audio_url.startswith(emu.base_url)
        assert all((track.stream_url, track.image_url, track.model, track.lyrics))
        assert track.duration == pytest.approx(2.0, abs=0.1)
        assert track.expires_at is not None
        assert abs(track.expires_at - (submitted + timedelta(days=14))) < timedelta(seconds=2)
    assert emu.polls[task_id] == 4
    assert emu.completed_at[task_id] == pytest.approx(clock.now - 5)


async def test_record_info_param_is_the_submit_body_as_a_json_string(
    kie: KieProvider, emu: KieEmulator
) -> None:
    task_id = await kie.submit(REQUEST, "job-1")
    async with httpx.AsyncClient(
        base_url=emu.base_url, headers={"Authorization": f"Bearer {API_KEY}"}
    ) as client:
        body = (await client.get(RECORD, params={"taskId": task_id})).json()
        credit = (await client.get("/api/v1/chat/credit")).json()
    assert (body["code"], body["msg"]) == (200, "success")
    assert body["data"]["operationType"] == "generate"
    assert json.loads(body["data"]["param"]) == emu.submits[0]
    assert isinstance(body["data"]["createTime"], int)
    assert isinstance(credit["data"], float | int)


async def test_callback_exception_with_audio_counts_as_success(
    kie: KieProvider, emu: KieEmulator, clock: FakeClock
) -> None:
    emu.plan("callback_exception")
    task_id = await kie.submit(REQUEST, "job-1")
    clock.advance(100)
    status = await kie.status(task_id)
    assert status.state is TaskState.SUCCEEDED
    assert status.code == "CALLBACK_EXCEPTION"
    assert "callback" in status.detail.lower()
    assert all(t.audio_url for t in status.tracks)


async def test_sensitive_words_fail_with_content_policy(
    kie: KieProvider, emu: KieEmulator, clock: FakeClock
) -> None:
    emu.plan("sensitive")
    task_id = await kie.submit(REQUEST, "job-1")
    clock.advance(40)
    status = await kie.status(task_id)
    assert (status.state, status.failure) == (TaskState.FAILED, R.CONTENT_POLICY)
    assert status.code == "SENSITIVE_WORD_ERROR"
    assert status.detail


@pytest.mark.parametrize(
    ("error_code", "reason"), [(531, R.PROVIDER_ERROR), (451, R.CONTENT_POLICY), (None, None)]
)
async def test_audio_failed_takes_its_reason_from_the_error_code(
    kie: KieProvider,
    emu: KieEmulator,
    clock: FakeClock,
    error_code: int | None,
    reason: FailureReason | None,
) -> None:
    emu.plan("audio_failed", error_code=error_code, error_message="boom")
    task_id = await kie.submit(REQUEST, "job-1")
    clock.advance(65)
    status = await kie.status(task_id)
    assert status.state is TaskState.FAILED
    assert status.failure is (reason or R.PROVIDER_ERROR)
    assert status.code.startswith("GENERATE_AUDIO_FAILED")
    if error_code is not None:
        assert str(error_code) in status.code
    assert status.detail == "boom"


async def test_plans_apply_to_successive_submits(
    kie: KieProvider, emu: KieEmulator, clock: FakeClock
) -> None:
    emu.plan("sensitive")
    first = await kie.submit(REQUEST, "job-1")
    second = await kie.submit(REQUEST, "job-2")
    clock.advance(200)
    assert (await kie.status(first)).state is TaskState.FAILED
    assert (await kie.status(second)).state is TaskState.SUCCEEDED


# -- vendor errors: HTTP 200 + body code, or a real HTTP status -----------------

REFUSALS = [
    (400, R.INVALID_INPUT),
    (401, R.PROVIDER_ERROR),
    (402, R.INSUFFICIENT_CREDITS),
    (404, R.PROVIDER_ERROR),
    (413, R.CONTENT_POLICY),
    (422, R.INVALID_INPUT),
    (451, R.CONTENT_POLICY),
    (501, R.PROVIDER_ERROR),
    (505, R.PROVIDER_ERROR),
    (531, R.PROVIDER_ERROR),
]
TRANSIENT = [
    (429, R.RATE_LIMITED),
    (455, R.PROVIDER_ERROR),
    (500, R.PROVIDER_ERROR),
    (503, R.PROVIDER_ERROR),
]


@pytest.mark.parametrize("as_http", [False, True], ids=["body", "http"])
@pytest.mark.parametrize(("code", "reason"), REFUSALS)
async def test_refusals_are_not_retried_and_keep_the_raw_code(
    kie: KieProvider, emu: KieEmulator, code: int, reason: FailureReason, as_http: bool
) -> None:
    emu.fail_submit(code, f"vendor says {code}", http_status=code if as_http else 200)
    error = await submit_error(kie)
    assert type(error) is ProviderError
    assert (error.reason, error.code, error.detail) == (reason, str(code), f"vendor says {code}")
    assert emu.hits[SUBMIT] == 1
    assert emu.submits == []


@pytest.mark.parametrize("as_http", [False, True], ids=["body", "http"])
@pytest.mark.parametrize(("code", "reason"), TRANSIENT)
async def test_transient_codes_are_retried_then_succeed(
    kie: KieProvider, emu: KieEmulator, code: int, reason: FailureReason, as_http: bool
) -> None:
    emu.fail_submit(code, "busy", http_status=code if as_http else 200, count=2)
    task_id = await kie.submit(REQUEST, "job-1")
    assert emu.task_ids() == [task_id]
    assert emu.hits[SUBMIT] == 3


@pytest.mark.parametrize("as_http", [False, True], ids=["body", "http"])
@pytest.mark.parametrize(("code", "reason"), TRANSIENT)
async def test_transient_codes_beyond_the_budget_raise_transient(
    kie: KieProvider, emu: KieEmulator, code: int, reason: FailureReason, as_http: bool
) -> None:
    emu.fail_submit(code, "busy", http_status=code if as_http else 200, count=100)
    error = await submit_error(kie)
    assert isinstance(error, TransientProviderError)
    assert (error.reason, error.code) == (reason, str(code))
    assert emu.hits[SUBMIT] == ATTEMPTS


async def test_copyright_400_is_a_content_policy_refusal(
    kie: KieProvider, emu: KieEmulator
) -> None:
    emu.fail_submit(400, "The lyrics contain copyrighted material.")
    error = await submit_error(kie)
    assert (error.reason, error.code) == (R.CONTENT_POLICY, "400")


async def test_body_code_errors_on_polls(kie: KieProvider, emu: KieEmulator) -> None:
    task_id = await kie.submit(REQUEST, "job-1")
    emu.fail_record_info(455, "maintenance", count=2)
    assert (await kie.status(task_id)).state is TaskState.QUEUED
    assert emu.hits[RECORD] == 3
    emu.fail_record_info(404, "task not found", http_status=404)
    with pytest.raises(ProviderError) as info:
        await kie.status(task_id)
    assert (info.value.reason, info.value.code) == (R.PROVIDER_ERROR, "404")


# -- reseller tables -------------------------------------------------------------


async def test_reseller_override_makes_a_body_429_mean_out_of_credits(
    make_kie: MakeKie, emu: KieEmulator
) -> None:
    # The HTTP 429 form is covered for every dialect in test_common.py.
    kie = make_kie(error_reasons={"429": "insufficient_credits"})
    emu.fail_submit(429, "credits exhausted", http_status=200, count=5)
    error = await submit_error(kie)
    assert type(error) is ProviderError
    assert (error.reason, error.code) == (R.INSUFFICIENT_CREDITS, "429")
    assert emu.hits[SUBMIT] == 1


async def test_reseller_rate_limit_code_is_retried(make_kie: MakeKie, emu: KieEmulator) -> None:
    kie = make_kie(error_reasons={"405": "rate_limited"})
    emu.fail_submit(405, "slow down")
    await kie.submit(REQUEST, "job-1")
    assert emu.hits[SUBMIT] == 2


# -- malformed answers -------------------------------------------------------------


# -- rate limits, overload, timeouts ------------------------------------------------


async def test_retried_submit_that_lost_an_answer_never_ends_transient(
    emu: KieEmulator,
) -> None:
    """A POST retried under an idempotency promise: a ReadTimeout, then only 503s.

    The last answer alone says "overloaded, nothing made", but the first
    attempt reached the vendor: a TransientProviderError would let the runner
    move the job to another vendor while this one may run it.
    """

    async def arm_503s(_delay: float) -> None:
        emu.fail_requests(503, count=50)  # every attempt after the timed-out one

    client = httpx.AsyncClient(
        base_url=emu.base_url, headers={"Authorization": f"Bearer {API_KEY}"}, timeout=0.2
    )
    http = VendorHttp(client, RetryPolicy(retries=2, base_seconds=0.01), sleep=arm_503s)
    emu.delay_requests(1.0, path_prefix=SUBMIT)
    body = {
        "prompt": "p",
        "customMode": False,
        "instrumental": False,
        "model": "V4_5",
        "callBackUrl": "https://example.invalid/cb",
    }
    try:
        with pytest.raises(ProviderError) as caught:
            await http.request("POST", SUBMIT, json=body, idempotent=True)
    finally:
        await client.aclose()
    assert type(caught.value) is AnswerLost
    assert (caught.value.reason, caught.value.code) == (R.PROVIDER_ERROR, "ReadTimeout")
    assert emu.hits[SUBMIT] == 3
    assert len(emu.submits) == 1  # the timed-out attempt made a task


async def test_poll_read_timeout_is_retried(make_kie: MakeKie, emu: KieEmulator) -> None:
    kie = make_kie(timeout_seconds=0.2)
    task_id = await kie.submit(REQUEST, "job-1")
    emu.delay_requests(1.0, path_prefix=RECORD)
    assert (await kie.status(task_id)).state is TaskState.QUEUED
    assert emu.polls[task_id] == 2


# -- downloads ------------------------------------------------------------------------


async def finished_tracks(kie: KieProvider, clock: FakeClock) -> TaskStatus:
    task_id = await kie.submit(REQUEST, "job-1")
    clock.advance(100)
    return await kie.status(task_id)


async def test_stream_url_plays_during_first_success(
    kie: KieProvider, clock: FakeClock, tmp_path: Path
) -> None:
    task_id = await kie.submit(REQUEST, "job-1")
    clock.advance(70)
    status = await kie.status(task_id)
    assert status.state is TaskState.PARTIAL
    assert await kie.download(status.tracks[1].stream_url, tmp_path / "s.mp3", 10_000_000) > 0


async def test_download_of_a_missing_file_is_a_media_error(
    kie: KieProvider, emu: KieEmulator, tmp_path: Path
) -> None:
    with pytest.raises(MediaError):
        await kie.download(f"{emu.base_url}/files/nope/0.mp3", tmp_path / "x.mp3", 10_000)


# -- parsing edge cases, without the emulator ---------------------------------------------


def mock_kie(make_settings: Callable[..., Any], data: Any, *, code: int = 200) -> KieProvider:
    def answer(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, json={"code": code, "msg": "success", "data": data})

    return KieProvider(make_settings(), transport=httpx.MockTransport(answer))


def record(status: str, **extra: Any) -> dict[str, Any]:
    return {"taskId": "t1", "status": status, "response": None, **extra}


def suno(audio: str = "https://cdn/a.mp3", **extra: Any) -> dict[str, Any]:
    return {"taskId": "t1", "sunoData": [{"id": "a1", "audioUrl": audio, **extra}]}


async def test_unknown_status_keeps_polling_and_is_logged(
    make_settings: Callable[..., Any], caplog: pytest.LogCaptureFixture
) -> None:
    kie = mock_kie(make_settings, record("BRAND_NEW_STATE"))
    with caplog.at_level(logging.WARNING, logger="bot.providers.kie"):
        status = await kie.status("t1")
    await kie.aclose()
    assert (status.state, status.code) == (TaskState.RUNNING, "BRAND_NEW_STATE")
    assert "BRAND_NEW_STATE" in caplog.text


@pytest.mark.parametrize(
    ("data", "state", "failure"),
    [
        (record("CREATE_TASK_FAILED", errorCode=None), TaskState.FAILED, R.PROVIDER_ERROR),
        (record("CREATE_TASK_FAILED", errorCode="402"), TaskState.FAILED, R.INSUFFICIENT_CREDITS),
        (record("CALLBACK_EXCEPTION"), TaskState.FAILED, R.PROVIDER_ERROR),
        (record("CALLBACK_EXCEPTION", response=suno(audio="")), TaskState.FAILED, None),
        (record("SUCCESS", response=suno()), TaskState.SUCCEEDED, None),
    ],
)
async def test_status_mapping_edges(
    make_settings: Callable[..., Any],
    data: dict[str, Any],
    state: TaskState,
    failure: FailureReason | None,
) -> None:
    kie = mock_kie(make_settings, data)
    status = await kie.status("t1")
    await kie.aclose()
    assert status.state is state
    assert status.failure is (failure or (R.PROVIDER_ERROR if state is TaskState.FAILED else None))


@pytest.mark.parametrize(
    "data",
    [
        record("SUCCESS"),  # no tracks at all
        record("SUCCESS", response=suno(audio="")),
        record("SUCCESS", response={"sunoData": "oops"}),
        record("SUCCESS", response={"sunoData": [{"audioUrl": "x"}]}),  # no id
        {"taskId": "t1"},  # no status
        ["not", "an", "object"],
    ],
)
async def test_unreadable_records_are_malformed(
    make_settings: Callable[..., Any], data: Any
) -> None:
    kie = mock_kie(make_settings, data)
    with pytest.raises(MalformedResponse):
        await kie.status("t1")
    await kie.aclose()


async def test_submit_without_task_id_is_malformed(make_settings: Callable[..., Any]) -> None:
    kie = mock_kie(make_settings, {})
    with pytest.raises(MalformedResponse):
        await kie.submit(REQUEST, "job-1")
    await kie.aclose()


@pytest.mark.parametrize(
    ("created", "expected"),
    [
        (1_750_000_000_000, datetime(2025, 6, 15, 15, 6, 40, tzinfo=UTC)),  # epoch ms
        ("1750000000000", datetime(2025, 6, 15, 15, 6, 40, tzinfo=UTC)),
        ("2025-01-01 00:00:00", datetime(2025, 1, 1, tzinfo=UTC)),
        ("yesterday", None),
        (None, None),
    ],
)
async def test_expiry_from_create_time(
    make_settings: Callable[..., Any], created: Any, expected: datetime | None
) -> None:
    data = record("SUCCESS", response=suno(createTime=created, duration="12.5"))
    kie = mock_kie(make_settings, data)
    (track,) = (await kie.status("t1")).tracks
    await kie.aclose()
    assert track.duration == 12.5
    assert track.expires_at == (expected + timedelta(days=14) if expected else None)


# -- the retry helper's arithmetic ---------------------------------------------------------


def test_parse_retry_after() -> None:
    now = datetime(2025, 1, 1, tzinfo=UTC)
    assert parse_retry_after("5") == 5
    assert parse_retry_after(" 0.5 ") == 0.5
    assert parse_retry_after("Wed, 01 Jan 2025 00:00:30 GMT", now=now) == 30
    assert parse_retry_after("Tue, 31 Dec 2024 23:00:00 GMT", now=now) == 0
    assert parse_retry_after("-3") == 0
    for junk in (None, "", "soon", "inf", "nan"):
        assert parse_retry_after(junk) is None


def test_backoff_doubles_with_jitter_and_is_capped() -> None:
    policy = RetryPolicy(retries=10, base_seconds=1.0, max_delay=60.0)
    for attempt in range(5):
        assert 2**attempt <= policy.backoff(attempt) <= 2**attempt * 1.25
    assert policy.backoff(10) == 60.0
