"""Contract tests: KunavoProvider against the Kunavo emulator over real HTTP on 127.0.0.1."""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from pydantic import SecretStr

from bot.errors import AnswerLost, MalformedResponse, ProviderError
from bot.providers.base import (
    CallbackEvent,
    CallbackRejected,
    FailureReason,
    GenerateRequest,
    TaskState,
    TaskStatus,
)
from bot.providers.kunavo import KunavoProvider
from bot.providers.kunavo.adapter import DEFAULT_POLL
from bot.providers.kunavo.requests import idempotency_key
from bot.providers.parsing import webhook_allowed
from tests.fakes.kunavo import FAILURE_CODES, KunavoEmulator
from tests.providers.helpers import (
    GENERATION,
    KUNAVO,
    KUNAVO_OTHER_KEY,
    KUNAVO_SECRET,
    FakeClock,
    Receiver,
    polls_until,
    provider_fixtures,
)
from tests.providers.helpers import assert_no_secret as assert_none_of
from tests.providers.helpers import submit_error as vendor_submit_error

R = FailureReason
VENDOR = KUNAVO
API_KEY = KUNAVO.api_key
SECRET = KUNAVO_SECRET
OTHER_KEY = KUNAVO_OTHER_KEY
MakeKunavo = Callable[..., KunavoProvider]
REQUEST = GenerateRequest(prompt="a calm piano piece", model="v5")
JOBS = "/v1/audio/music/jobs"
ATTEMPTS = 5  # KunavoSettings.retries defaults to 4 retries after the first attempt
# GENERATION: emulated seconds: queued for 25, in_progress until 100


# -- fixtures ------------------------------------------------------------------------


make_kunavo_fixture, kunavo_fixture = provider_fixtures("kunavo")


def assert_no_secret(exc: BaseException, *secrets: str) -> None:
    assert_none_of(exc, *(secrets or KUNAVO.all_secrets))


# -- helpers --------------------------------------------------------------------------


async def submit_error(kunavo: KunavoProvider, job_id: str = "job-1") -> ProviderError:
    return await vendor_submit_error(kunavo, REQUEST, *KUNAVO.all_secrets, job_id=job_id)


# -- policy and catalogue ---------------------------------------------------------------


def test_default_poll_policy_follows_the_vendor_advice(kunavo: KunavoProvider) -> None:
    assert kunavo.poll_policy == DEFAULT_POLL
    assert polls_until(120, DEFAULT_POLL) <= 8
    assert polls_until(180, DEFAULT_POLL) <= 8
    # "5 s, backing off to 30 s": never faster than 5 s, never slower than 30 s.
    assert min(DEFAULT_POLL.delay(n) for n in range(1, 30)) >= 5
    assert max(DEFAULT_POLL.delay(n) for n in range(30)) == pytest.approx(30)


def test_poll_policy_overrides_come_from_settings(make_kunavo: MakeKunavo) -> None:
    kunavo = make_kunavo(poll_first_seconds=5, poll_max_interval_seconds=60)
    assert (kunavo.poll_policy.first_delay, kunavo.poll_policy.max_interval) == (5, 60)
    assert kunavo.poll_policy.interval == DEFAULT_POLL.interval


def test_models_are_the_documented_slugs(make_kunavo: MakeKunavo) -> None:
    assert make_kunavo().models == {"v5": "suno-v5"}
    assert make_kunavo(models=["v4", "v5"]).models == {"v5": "suno-v5"}
    assert make_kunavo(models=["v4"]).models == {}


# -- submit, idempotency, webhook URL ------------------------------------------------------


async def test_submit_sends_the_job_body_and_the_job_id_as_idempotency_key(
    kunavo: KunavoProvider, emu: KunavoEmulator, caplog: pytest.LogCaptureFixture
) -> None:
    request = GenerateRequest(
        prompt="rainy night", model="v5", instrumental=True, style="lofi", title="Rain"
    )
    with caplog.at_level(logging.INFO, logger="bot.providers.kunavo"):
        task_id = await kunavo.submit(request, "job-abc")
    assert task_id.startswith("msc_")
    assert emu.task_ids() == [task_id]
    assert emu.submits == [
        {
            "model": "suno-v5",
            "prompt": "rainy night\nStyle: lofi",
            "instrumental": True,
            "title": "Rain",
        }
    ]
    assert emu.idempotency_keys == ["job-abc"]
    assert "(created)" in caplog.text


async def test_same_job_id_twice_is_one_task_and_the_replay_is_logged(
    kunavo: KunavoProvider, emu: KunavoEmulator, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.INFO, logger="bot.providers.kunavo"):
        first = await kunavo.submit(REQUEST, "job-1")
        again = await kunavo.submit(REQUEST, "job-1")
    other = await kunavo.submit(REQUEST, "job-2")
    assert first == again != other
    assert emu.task_ids() == [first, other]
    assert emu.idempotency_replays == 1
    assert "(replayed)" in caplog.text


async def test_submit_read_timeout_is_retried_and_makes_one_task(
    make_kunavo: MakeKunavo, emu: KunavoEmulator
) -> None:
    kunavo = make_kunavo(timeout_seconds=0.3)
    emu.delay_requests(1.0, path_prefix=JOBS)  # processed, then answered too late
    task_id = await kunavo.submit(REQUEST, "job-1")
    assert emu.task_ids() == [task_id]
    assert emu.hits[JOBS] == 2
    assert emu.idempotency_replays == 1


async def test_connection_cut_mid_answer_is_retried_on_submit_and_poll(
    kunavo: KunavoProvider, emu: KunavoEmulator
) -> None:
    emu.malformed_next("disconnect")
    task_id = await kunavo.submit(REQUEST, "job-1")
    assert emu.task_ids() == [task_id]
    assert emu.idempotency_replays == 1
    emu.malformed_next("disconnect")
    assert (await kunavo.status(task_id)).state is TaskState.QUEUED
    assert emu.polls[task_id] == 2


async def test_submit_unanswered_every_time_is_not_transient(
    make_kunavo: MakeKunavo, emu: KunavoEmulator
) -> None:
    kunavo = make_kunavo(timeout_seconds=0.2, retries=1)
    emu.delay_requests(1.0, count=2, path_prefix=JOBS)
    error = await submit_error(kunavo)
    # The task exists at Kunavo: a transient error would move the job to another vendor.
    assert type(error) is AnswerLost
    assert error.code == "ReadTimeout"
    assert len(emu.task_ids()) == 1


@pytest.mark.parametrize(
    ("url", "sent"),
    [
        ("https://bot.example.com/callbacks/j/t", True),
        ("http://127.0.0.1:8080/callbacks/j/t", True),
        ("http://localhost/callbacks/j/t", True),
        ("http://[::1]:9/callbacks/j/t", True),
        ("http://bot.example.com/callbacks/j/t", False),
        ("ftp://bot.example.com/x", False),
        (None, False),
    ],
)
async def test_webhook_url_only_when_https_or_loopback(
    kunavo: KunavoProvider,
    emu: KunavoEmulator,
    caplog: pytest.LogCaptureFixture,
    url: str | None,
    sent: bool,
) -> None:
    emu.callbacks_enabled = False
    with caplog.at_level(logging.WARNING, logger="bot.providers.kunavo"):
        await kunavo.submit(REQUEST, "job-1", url)
    assert ("webhook_url" in emu.submits[0]) is sent
    if sent:
        assert emu.submits[0]["webhook_url"] == url
    assert ("not https" in caplog.text) is (url is not None and not sent)
    assert url is None or url not in caplog.text


def test_long_or_odd_job_ids_become_a_stable_digest() -> None:
    assert idempotency_key("job-1") == "job-1"
    assert idempotency_key("a" * 128) == "a" * 128
    long = idempotency_key("a" * 129)
    assert len(long) == 64
    assert long == idempotency_key("a" * 129)
    assert idempotency_key("job with spaces\n") != "job with spaces\n"
    assert not webhook_allowed("https://")


# -- states ------------------------------------------------------------------------------


async def test_task_walks_through_every_state(
    kunavo: KunavoProvider, emu: KunavoEmulator, clock: FakeClock
) -> None:
    task_id = await kunavo.submit(REQUEST, "job-1")
    queued = await kunavo.status(task_id)
    assert (queued.state, queued.tracks, queued.code, queued.progress) == (
        TaskState.QUEUED,
        [],
        "queued",
        0,
    )
    clock.advance(30)
    running = await kunavo.status(task_id)
    assert (running.state, running.code, running.tracks) == (TaskState.RUNNING, "in_progress", [])
    clock.advance(70)
    done = await kunavo.status(task_id)
    assert (done.state, done.failure, done.code, done.progress) == (
        TaskState.SUCCEEDED,
        None,
        "completed",
        100,
    )
    assert len(done.tracks) == 2
    assert len({t.vendor_track_id for t in done.tracks}) == 2
    for track in done.tracks:
        assert track.vendor_task_id == task_id
        assert track.audio_url.startswith(emu.base_url)
        assert track.stream_url
        assert track.image_url
        assert track.model == "suno-v5"
        assert track.expires_at is None  # archived: Kunavo's CDN links never expire
    assert emu.polls[task_id] == 3
    assert emu.completed_at[task_id] == pytest.approx(clock.now)


async def test_unarchived_links_expire_a_day_after_completion(
    kunavo: KunavoProvider, emu: KunavoEmulator, clock: FakeClock
) -> None:
    emu.archived = False
    task_id = await kunavo.submit(REQUEST, "job-1")
    clock.advance(GENERATION)
    done = await kunavo.status(task_id)
    completed = datetime.fromtimestamp(int(clock.now), UTC)
    assert done.state is TaskState.SUCCEEDED
    assert [t.expires_at for t in done.tracks] == [completed + timedelta(hours=24)] * 2


FAILURES = [
    ("content_policy_violation", R.CONTENT_POLICY),
    ("insufficient_credits", R.INSUFFICIENT_CREDITS),
    ("quota_exceeded", R.INSUFFICIENT_CREDITS),
    ("rate_limit_exceeded", R.RATE_LIMITED),
    ("generation_timeout", R.TIMEOUT),
    ("generation_failed", R.PROVIDER_ERROR),
    ("upstream_error", R.PROVIDER_ERROR),
]


def test_every_emulated_failure_code_is_covered() -> None:
    assert {code for code, _ in FAILURES} == set(FAILURE_CODES)


@pytest.mark.parametrize(("code", "reason"), FAILURES)
async def test_failure_codes_map_to_reasons(
    kunavo: KunavoProvider,
    emu: KunavoEmulator,
    clock: FakeClock,
    code: str,
    reason: FailureReason,
) -> None:
    emu.plan(code)
    task_id = await kunavo.submit(REQUEST, "job-1")
    clock.advance(GENERATION)
    status = await kunavo.status(task_id)
    assert (status.state, status.failure) == (TaskState.FAILED, reason)
    assert (status.code, status.detail) == (f"failed:{code}", FAILURE_CODES[code])
    assert status.tracks == []


@pytest.mark.parametrize(
    ("code", "message", "reason"),
    [
        ("suno_moderation_hit", "", R.CONTENT_POLICY),  # the words decide
        ("billing_hard_limit_reached", "", R.INSUFFICIENT_CREDITS),
        ("request_timed_out", "", R.TIMEOUT),
        ("E1234", "too many requests, rate limit hit", R.RATE_LIMITED),
        ("generate_failed", "", R.PROVIDER_ERROR),  # "generate" is no rate limit
        ("mystery", "", R.PROVIDER_ERROR),
        (None, "", R.UNKNOWN),  # failed without any error object
    ],
)
async def test_unknown_failure_codes(
    kunavo: KunavoProvider,
    emu: KunavoEmulator,
    clock: FakeClock,
    code: str | None,
    message: str,
    reason: FailureReason,
) -> None:
    emu.plan("failed", error_code=code, error_message=message)
    task_id = await kunavo.submit(REQUEST, "job-1")
    clock.advance(GENERATION)
    status = await kunavo.status(task_id)
    assert (status.state, status.failure) == (TaskState.FAILED, reason)


# -- HTTP errors -------------------------------------------------------------------------

REFUSALS = [
    (400, "invalid_request", R.INVALID_INPUT),
    (400, "content_policy_violation", R.CONTENT_POLICY),  # the body's code sharpens a 400
    (401, "invalid_api_key", R.PROVIDER_ERROR),
    (402, "insufficient_credits", R.INSUFFICIENT_CREDITS),
    (403, "invalid_api_key", R.PROVIDER_ERROR),  # about the account, not the input
    (404, "not_found", R.PROVIDER_ERROR),
    (413, "payload_too_large", R.INVALID_INPUT),
    (422, "unprocessable", R.INVALID_INPUT),
]
TRANSIENT = [409, 429, 500, 502, 503, 504]


@pytest.mark.parametrize(("status", "code", "reason"), REFUSALS)
async def test_refusals_are_not_retried_and_keep_the_raw_code(
    kunavo: KunavoProvider,
    emu: KunavoEmulator,
    status: int,
    code: str,
    reason: FailureReason,
) -> None:
    emu.fail_submit(status, code, f"vendor says {status}")
    error = await submit_error(kunavo)
    assert type(error) is ProviderError
    assert (error.reason, error.code) == (reason, str(status))
    assert error.detail == f"{code}: vendor says {status}"
    assert emu.hits[JOBS] == 1
    assert emu.task_ids() == []


@pytest.mark.parametrize("status", TRANSIENT)
async def test_transient_statuses_are_retried_then_succeed(
    kunavo: KunavoProvider, emu: KunavoEmulator, status: int
) -> None:
    emu.fail_submit(status, "busy", "try again", count=2)
    task_id = await kunavo.submit(REQUEST, "job-1")
    assert emu.task_ids() == [task_id]
    assert emu.hits[JOBS] == 3


async def test_poll_errors_are_retried_like_submits(
    kunavo: KunavoProvider, emu: KunavoEmulator
) -> None:
    task_id = await kunavo.submit(REQUEST, "job-1")
    emu.fail_requests(503, count=2, path_prefix=f"{JOBS}/")
    assert (await kunavo.status(task_id)).state is TaskState.QUEUED
    assert emu.polls[task_id] == 1  # the two 503s never reached the handler
    assert emu.hits[f"{JOBS}/{task_id}"] == 3


async def test_another_accounts_task_is_a_404(
    make_kunavo: MakeKunavo, kunavo: KunavoProvider, emu: KunavoEmulator
) -> None:
    other = make_kunavo(api_key=SecretStr(OTHER_KEY))
    theirs = await other.submit(REQUEST, "job-1")
    assert (await other.status(theirs)).state is TaskState.QUEUED
    with pytest.raises(ProviderError) as info:
        await kunavo.status(theirs)
    assert info.value.code == "404"
    # Idempotency keys are per account too: the same job id is a new task here.
    assert await kunavo.submit(REQUEST, "job-1") != theirs


async def test_a_key_echoed_by_the_vendor_is_masked(
    kunavo: KunavoProvider, emu: KunavoEmulator, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.DEBUG):
        emu.fail_submit(402, "insufficient_credits", f"no credits for {API_KEY}")
        error = await submit_error(kunavo)
    assert (error.reason, error.code) == (R.INSUFFICIENT_CREDITS, "402")
    assert API_KEY not in caplog.text


# -- reseller tables ------------------------------------------------------------------------


async def test_reseller_override_of_a_task_error_code(
    make_kunavo: MakeKunavo, emu: KunavoEmulator, clock: FakeClock
) -> None:
    kunavo = make_kunavo(error_reasons={"generation_failed": "content_policy"})
    emu.plan("generation_failed")
    task_id = await kunavo.submit(REQUEST, "job-1")
    clock.advance(GENERATION)
    assert (await kunavo.status(task_id)).failure is R.CONTENT_POLICY


async def test_reseller_can_make_a_status_retryable(
    make_kunavo: MakeKunavo, emu: KunavoEmulator
) -> None:
    kunavo = make_kunavo(error_reasons={"403": "rate_limited"})
    emu.fail_submit(403, "slow_down", "slow down")
    await kunavo.submit(REQUEST, "job-1")
    assert emu.hits[JOBS] == 2


# -- malformed answers -------------------------------------------------------------------------


@pytest.mark.parametrize("kind", ["not_json", "truncated", "no_id"])
async def test_unreadable_submit_answer_is_asked_again_with_the_same_key(
    kunavo: KunavoProvider, emu: KunavoEmulator, kind: str
) -> None:
    emu.malformed_next(kind)
    task_id = await kunavo.submit(REQUEST, "job-1")
    assert emu.task_ids() == [task_id]
    assert emu.idempotency_replays == 1


@pytest.mark.parametrize("kind", ["not_json", "truncated", "no_id"])
async def test_unreadable_submit_answer_twice_is_malformed(
    kunavo: KunavoProvider, emu: KunavoEmulator, kind: str
) -> None:
    emu.malformed_next(kind)
    emu.malformed_next(kind)
    with pytest.raises(MalformedResponse) as info:
        await kunavo.submit(REQUEST, "job-1")
    assert_no_secret(info.value)
    assert len(emu.task_ids()) == 1
    assert emu.hits[JOBS] == 2


# -- parsing edge cases, without the emulator ----------------------------------------------------


def mocked(make_kunavo: MakeKunavo, answer: Any, *, status: int = 200) -> KunavoProvider:
    def reply(request: httpx.Request) -> httpx.Response:
        if isinstance(answer, bytes):
            return httpx.Response(status, content=answer)
        return httpx.Response(status, json=answer)

    provider: KunavoProvider = make_kunavo(transport=httpx.MockTransport(reply))
    return provider


def job(status: str, **extra: Any) -> dict[str, Any]:
    return {"id": "msc_1", "object": "music", "status": status, "model": "suno-v5", **extra}


def output(archived: Any = True, **track: Any) -> dict[str, Any]:
    item = {"url": "https://files.kunavo.com/a.mp3", "stream_url": "https://cdn1.suno.ai/a"}
    return {"tracks": [{**item, **track}], "archived": archived}


@pytest.mark.parametrize(
    ("answer", "state", "failure"),
    [
        (job("in_progress", output=output(url="")), TaskState.PARTIAL, None),
        (job("brand_new_state"), TaskState.RUNNING, None),
        (job("cancelled"), TaskState.FAILED, R.CANCELLED),
        (
            job("failed", error={"code": "x", "message": "quota hit"}),
            TaskState.FAILED,
            R.INSUFFICIENT_CREDITS,
        ),
        (job("completed", output=output()), TaskState.SUCCEEDED, None),
    ],
)
async def test_status_mapping_edges(
    make_kunavo: MakeKunavo, answer: Any, state: TaskState, failure: FailureReason | None
) -> None:
    status = await mocked(make_kunavo, answer).status("msc_1")
    assert (status.state, status.failure) == (state, failure)


@pytest.mark.parametrize(
    "answer",
    [
        job("completed"),  # no output
        job("completed", output=output(url="")),
        job("completed", output={"tracks": "oops"}),
        job("completed", output={"tracks": ["https://x/a.mp3"]}),
        job("completed", output="done"),
        {"id": "msc_1"},  # no status
        {**job("queued"), "id": "msc_someone_else"},
        ["not", "an", "object"],
        b'{"id": "msc_1", "status": "comp',
    ],
)
async def test_unreadable_jobs_are_malformed(make_kunavo: MakeKunavo, answer: Any) -> None:
    with pytest.raises(MalformedResponse):
        await mocked(make_kunavo, answer).status("msc_1")


@pytest.mark.parametrize(
    ("fields", "archived", "expected"),
    [
        ({"completed_at": 1_750_000_000}, True, None),
        ({"completed_at": 1_750_000_000}, False, datetime(2025, 6, 16, 15, 6, 40, tzinfo=UTC)),
        ({"completed_at": 1_750_000_000_000}, None, datetime(2025, 6, 16, 15, 6, 40, tzinfo=UTC)),
        ({"completed_at": "2025-01-01T00:00:00Z"}, False, datetime(2025, 1, 2, tzinfo=UTC)),
        # expires_at (the result's pruning) comes first when it is earlier.
        (
            {"completed_at": 1_750_000_000, "expires_at": "2025-06-15T16:00:00+00:00"},
            False,
            datetime(2025, 6, 15, 16, 0, tzinfo=UTC),
        ),
        ({"completed_at": "yesterday"}, False, None),
    ],
)
async def test_expiry(
    make_kunavo: MakeKunavo, fields: dict[str, Any], archived: Any, expected: datetime | None
) -> None:
    answer = job("completed", output=output(archived=archived), **fields)
    (track,) = (await mocked(make_kunavo, answer).status("msc_1")).tracks
    assert track.expires_at == expected


async def test_optional_track_fields_are_kept(make_kunavo: MakeKunavo) -> None:
    extra = {"id": "trk_1", "title": "Rain", "duration": "12.5", "tags": "lofi"}
    answer = job("completed", output=output(**extra))
    (track,) = (await mocked(make_kunavo, answer).status("msc_1")).tracks
    assert (track.vendor_track_id, track.title, track.duration, track.tags) == (
        "trk_1",
        "Rain",
        12.5,
        "lofi",
    )


@pytest.mark.parametrize(
    ("body", "reason", "detail"),
    [
        (
            {"error": {"code": "insufficient_quota", "message": "m"}},
            R.INSUFFICIENT_CREDITS,
            "insufficient_quota: m",
        ),
        (
            {"error": "Prompt blocked by moderation"},
            R.CONTENT_POLICY,
            "Prompt blocked by moderation",
        ),
        ({"code": "bad", "message": "prompt too long"}, R.INVALID_INPUT, "bad: prompt too long"),
        (b"<html>bad request</html>", R.INVALID_INPUT, "Bad Request"),
    ],
)
async def test_error_body_shapes(
    make_kunavo: MakeKunavo, body: Any, reason: FailureReason, detail: str
) -> None:
    with pytest.raises(ProviderError) as info:
        await mocked(make_kunavo, body, status=400).submit(REQUEST, "job-1")
    assert (info.value.reason, info.value.code, info.value.detail) == (reason, "400", detail)


# -- downloads ----------------------------------------------------------------------------------


async def finished(kunavo: KunavoProvider, clock: FakeClock) -> TaskStatus:
    task_id = await kunavo.submit(REQUEST, "job-1")
    clock.advance(GENERATION)
    return await kunavo.status(task_id)


async def test_stream_url_downloads_without_the_key(
    kunavo: KunavoProvider, emu: KunavoEmulator, clock: FakeClock, tmp_path: Path
) -> None:
    # Audio and cover downloads are covered for every dialect in test_common.py.
    track = (await finished(kunavo, clock)).tracks[0]
    assert await kunavo.download(track.stream_url, tmp_path / "s.mp3", 10_000_000) > 0
    assert len(emu.download_headers) == 1
    for headers in emu.download_headers:
        assert "authorization" not in {name.lower() for name in headers}
        assert API_KEY not in json.dumps(headers)


# -- webhooks ------------------------------------------------------------------------------------


async def webhook_for(
    kunavo: KunavoProvider, receiver: Receiver, clock: FakeClock, job_id: str = "job-1"
) -> tuple[str, dict[str, str], bytes]:
    """Submit with the receiver as webhook, finish the task, return what arrived."""
    task_id = await kunavo.submit(REQUEST, job_id, f"{receiver.url}/{job_id}")
    clock.advance(GENERATION)
    await receiver.wait_for(1)
    headers, body = receiver.received[-1]
    return task_id, headers, body


async def test_a_real_completed_webhook_is_accepted(
    kunavo: KunavoProvider, emu: KunavoEmulator, receiver: Receiver, clock: FakeClock
) -> None:
    task_id, headers, body = await webhook_for(kunavo, receiver, clock)
    event = kunavo.read_callback(headers, body, clock.now)
    payload = json.loads(body)
    assert event == CallbackEvent(task_id=task_id, event_id=payload["id"])
    assert payload["id"].startswith("evt_")
    assert (payload["type"], payload["object"]) == ("music.completed", "event")
    assert payload["data"]["status"] == "completed"
    assert headers["x-kunavo-webhook-signature"].startswith("sha256=")
    await emu.callbacks_idle()  # it records a delivery once the answer is in
    assert [sent.status for sent in emu.callbacks_sent] == [200]


async def test_a_real_failed_webhook_is_accepted(
    kunavo: KunavoProvider, emu: KunavoEmulator, receiver: Receiver, clock: FakeClock
) -> None:
    emu.plan("content_policy_violation")
    task_id, headers, body = await webhook_for(kunavo, receiver, clock)
    assert kunavo.read_callback(headers, body, clock.now).task_id == task_id
    payload = json.loads(body)
    assert payload["type"] == "music.failed"
    assert payload["data"]["error"]["code"] == "content_policy_violation"


async def test_webhook_delivery_is_retried_and_can_be_switched_off(
    kunavo: KunavoProvider, emu: KunavoEmulator, receiver: Receiver, clock: FakeClock
) -> None:
    receiver.statuses.append(500)
    await webhook_for(kunavo, receiver, clock)
    await receiver.wait_for(2)
    await emu.callbacks_idle()
    assert [sent.status for sent in emu.callbacks_sent] == [500, 200]
    assert receiver.received[0][1] == receiver.received[1][1]  # the same event again

    emu.callbacks_enabled = False
    await kunavo.submit(REQUEST, "job-2", f"{receiver.url}/job-2")
    clock.advance(GENERATION)
    await emu.callbacks_idle()
    assert len(receiver.received) == 2


async def test_stop_cancels_pending_webhooks(
    kunavo: KunavoProvider, emu: KunavoEmulator, receiver: Receiver
) -> None:
    await kunavo.submit(REQUEST, "job-1", f"{receiver.url}/job-1")
    await asyncio.wait_for(emu.stop(), 1)
    assert emu.callbacks_sent == []


EVENT = json.dumps(
    {
        "id": "evt_1",
        "object": "event",
        "type": "music.completed",
        "created_at": 1,
        "data": job("completed"),
    }
).encode()


def signed(emu: KunavoEmulator, body: bytes, timestamp: int) -> dict[str, str]:
    return {name.lower(): value for name, value in emu.sign(body, timestamp).items()}


def test_a_forged_event_signed_with_the_secret_is_accepted(
    kunavo: KunavoProvider, emu: KunavoEmulator, clock: FakeClock
) -> None:
    now = int(clock.now)
    event = kunavo.read_callback(signed(emu, EVENT, now), EVENT, now)
    assert event == CallbackEvent(task_id="msc_1", event_id="evt_1")
    # Up to five minutes late or early is still fresh.
    assert kunavo.read_callback(signed(emu, EVENT, now - 300), EVENT, now).task_id
    assert kunavo.read_callback(signed(emu, EVENT, now + 300), EVENT, now).task_id


def rejections(emu: KunavoEmulator, now: int) -> dict[str, tuple[dict[str, str], bytes]]:
    good = signed(emu, EVENT, now)
    wrong_secret = KunavoEmulator(webhook_secret="not-the-secret")

    def resigned(body: bytes) -> tuple[dict[str, str], bytes]:
        return signed(emu, body, now), body

    return {
        "forged signature": (
            {**good, "x-kunavo-webhook-signature": "sha256=" + "ab" * 32},
            EVENT,
        ),
        "wrong secret": (signed(wrong_secret, EVENT, now), EVENT),
        "no signature": ({"x-kunavo-webhook-timestamp": str(now)}, EVENT),
        "no timestamp": ({"x-kunavo-webhook-signature": good["x-kunavo-webhook-signature"]}, EVENT),
        "no headers": ({}, EVENT),
        "not hex": ({**good, "x-kunavo-webhook-signature": "sha256=zz"}, EVENT),
        "other scheme": (
            {**good, "x-kunavo-webhook-signature": good["x-kunavo-webhook-signature"][7:]},
            EVENT,
        ),
        "stale": (signed(emu, EVENT, now - 301), EVENT),
        "future": (signed(emu, EVENT, now + 301), EVENT),
        "timestamp swapped": ({**good, "x-kunavo-webhook-timestamp": str(now - 1)}, EVENT),
        "tampered body": (good, EVENT.replace(b"msc_1", b"msc_2")),
        "not json": resigned(b"{not json"),
        "not an object": resigned(b"[1, 2]"),
        "no event id": resigned(
            json.dumps({"type": "music.completed", "data": job("completed")}).encode()
        ),
        "other event": resigned(
            json.dumps(
                {"id": "evt_1", "type": "video.completed", "data": job("completed")}
            ).encode()
        ),
        "no task": resigned(
            json.dumps({"id": "evt_1", "type": "music.failed", "data": {}}).encode()
        ),
        "odd task id": resigned(
            json.dumps({"id": "evt_1", "type": "music.failed", "data": {"id": "a\nb"}}).encode()
        ),
        "long event id": resigned(
            json.dumps({"id": "e" * 129, "type": "music.failed", "data": {"id": "x"}}).encode()
        ),
        "nested": resigned(b"[" * 100_000 + b"]" * 100_000),
        "not utf-8": resigned(b"\xff\xfe{}"),
    }


@pytest.mark.parametrize(
    "case",
    [
        "forged signature",
        "wrong secret",
        "no signature",
        "no timestamp",
        "no headers",
        "not hex",
        "other scheme",
        "stale",
        "future",
        "timestamp swapped",
        "tampered body",
        "not json",
        "not an object",
        "no event id",
        "other event",
        "no task",
        "odd task id",
        "long event id",
        "nested",
        "not utf-8",
    ],
)
def test_bad_callbacks_are_rejected(
    kunavo: KunavoProvider, emu: KunavoEmulator, clock: FakeClock, case: str
) -> None:
    now = int(clock.now)
    headers, body = rejections(emu, now)[case]
    with pytest.raises(CallbackRejected) as info:
        kunavo.read_callback(headers, body, now)
    assert_no_secret(info.value)


def test_callbacks_are_rejected_without_a_secret(
    make_kunavo: MakeKunavo, emu: KunavoEmulator, clock: FakeClock
) -> None:
    kunavo = make_kunavo(webhook_secret=SecretStr(""))
    now = int(clock.now)
    with pytest.raises(CallbackRejected, match="no webhook secret configured"):
        kunavo.read_callback(signed(emu, EVENT, now), EVENT, now)


async def test_a_stream_is_kept_while_in_progress(
    kunavo: KunavoProvider, emu: KunavoEmulator, clock: FakeClock, tmp_path: Path
) -> None:
    emu.streams_early = True
    task_id = await kunavo.submit(REQUEST, "job-1")
    clock.advance(30)

    early = await kunavo.status(task_id)
    streams = [f"{emu.base_url}/stream/{task_id}/{n}" for n in (0, 1)]
    assert (early.state, early.code) == (TaskState.PARTIAL, "in_progress")
    assert [(t.stream_url, t.audio_url) for t in early.tracks] == [(s, "") for s in streams]
    assert await kunavo.download(streams[0], tmp_path / "s.mp3", 10_000_000) > 0
    clock.advance(70)
    done = await kunavo.status(task_id)
    assert [t.vendor_track_id for t in done.tracks] == [t.vendor_track_id for t in early.tracks]
    assert [t.stream_url for t in done.tracks] == streams
    assert all(t.audio_url for t in done.tracks)
