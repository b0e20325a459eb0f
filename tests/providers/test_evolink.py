"""Contract tests: EvolinkProvider against the Evolink emulator over real HTTP on 127.0.0.1."""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest

from bot.errors import MalformedResponse, ProviderError, TransientProviderError
from bot.providers.base import CallbackRejected, FailureReason, GenerateRequest, TaskState
from bot.providers.base import TaskStatus as Status
from bot.providers.evolink import EvolinkProvider
from bot.providers.evolink.adapter import DEFAULT_POLL, catalog_key
from tests.fakes.evolink import EvolinkEmulator
from tests.providers.helpers import (
    EVOLINK,
    GENERATION,
    FakeClock,
    Receiver,
    polls_until,
    provider_fixtures,
)
from tests.providers.helpers import submit_error as vendor_submit_error

R = FailureReason
MakeEvolink = Callable[..., EvolinkProvider]
VENDOR = EVOLINK
API_KEY = EVOLINK.api_key
REQUEST = GenerateRequest(prompt="a calm piano piece", model="v4.5")
SUBMIT = "/v1/audios/generations"
ATTEMPTS = 5  # EvolinkSettings.retries defaults to 4 retries after the first attempt
SPAN = GENERATION  # pending until 10, failures at 50, done at 100


make_evolink_fixture, evolink_fixture = provider_fixtures("evolink")


async def submit_error(evolink: EvolinkProvider) -> ProviderError:
    return await vendor_submit_error(evolink, REQUEST, API_KEY)


async def finished(evolink: EvolinkProvider, clock: FakeClock) -> Status:
    task_id = await evolink.submit(REQUEST, "job-1")
    clock.advance(SPAN)
    return await evolink.status(task_id)


# -- policy and catalogue --------------------------------------------------------


def test_default_poll_policy_spends_at_most_8_polls_on_two_minutes(
    evolink: EvolinkProvider,
) -> None:
    assert evolink.poll_policy == DEFAULT_POLL
    assert polls_until(120, DEFAULT_POLL) <= 8
    assert polls_until(180, DEFAULT_POLL) <= 8
    assert max(DEFAULT_POLL.delay(n) for n in range(1, 20)) == pytest.approx(45)


def test_poll_policy_overrides_come_from_settings(make_evolink: MakeEvolink) -> None:
    policy = make_evolink(poll_first_seconds=5, poll_max_interval_seconds=20).poll_policy
    assert (policy.first_delay, policy.max_interval) == (5, 20)
    assert policy.interval == DEFAULT_POLL.interval


def test_models_map_catalog_keys_with_beta_and_the_config_list(make_evolink: MakeEvolink) -> None:
    plain = {
        "v4": "suno-v4",
        "v4.5": "suno-v4.5",
        "v4.5-plus": "suno-v4.5plus",
        "v4.5-all": "suno-v4.5all",
        "v5": "suno-v5",
    }
    assert make_evolink().models == plain
    assert make_evolink(beta_models=True).models == {k: f"{v}-beta" for k, v in plain.items()}
    assert make_evolink(models=["v4", "v5"]).models == {"v4": "suno-v4", "v5": "suno-v5"}
    assert make_evolink(models=["v3.5"]).models == {}  # Evolink has no V3.5


def test_catalog_key_reads_model_names_with_or_without_beta() -> None:
    assert catalog_key("suno-v4.5plus") == "v4.5-plus"
    assert catalog_key("suno-v5-beta") == "v5"
    assert catalog_key(" SUNO-V4-BETA ") == "v4"
    assert catalog_key("chirp-crow") is None


# -- submit and states ---------------------------------------------------------------


async def test_submit_sends_description_mode_body(
    evolink: EvolinkProvider, emu: EvolinkEmulator
) -> None:
    request = GenerateRequest(
        prompt="rainy night", model="v4.5-plus", instrumental=True, style="lofi", title="Rain"
    )
    task_id = await evolink.submit(request, "job-1")
    assert task_id.startswith("task-unified-")
    assert emu.task_ids() == [task_id]
    assert emu.submits == [
        {
            "model": "suno-v4.5plus",
            "custom_mode": False,
            "instrumental": True,
            "prompt": "rainy night\nStyle: lofi",
        }
    ]


async def test_task_walks_through_every_state_with_progress(
    evolink: EvolinkProvider, emu: EvolinkEmulator, clock: FakeClock
) -> None:
    task_id = await evolink.submit(REQUEST, "job-1")
    created = datetime.fromtimestamp(int(clock.now), UTC)

    pending = await evolink.status(task_id)
    assert (pending.state, pending.code, pending.progress) == (TaskState.QUEUED, "pending", 0)
    assert pending.tracks == []

    clock.advance(30)
    early = await evolink.status(task_id)
    clock.advance(40)
    later = await evolink.status(task_id)
    assert (early.state, early.code, later.state) == (TaskState.RUNNING, "processing", early.state)
    assert 0 < (early.progress or 0) < (later.progress or 0) < 100

    clock.advance(30)
    done = await evolink.status(task_id)
    assert (done.state, done.failure, done.code, done.progress) == (
        TaskState.SUCCEEDED,
        None,
        "completed",
        100,
    )
    one, two = done.tracks
    assert one.vendor_track_id != two.vendor_track_id
    assert (one.title, one.tags, one.duration) != (two.title, two.tags, two.duration)
    for track in done.tracks:
        assert track.vendor_task_id == task_id
        assert track.audio_url.startswith(emu.base_url)
        assert all((track.stream_url, track.image_url, track.title, track.tags))
        assert track.model == "suno-v4.5"
        assert track.duration == pytest.approx(2.0, abs=0.1)
        assert track.expires_at == created + timedelta(hours=72)
    assert emu.polls[task_id] == 4
    assert emu.completed_at[task_id] == pytest.approx(clock.now)


async def test_results_urls_stand_in_when_result_data_is_absent(
    evolink: EvolinkProvider, emu: EvolinkEmulator, clock: FakeClock
) -> None:
    emu.omit_result_data = True
    status = await finished(evolink, clock)
    assert status.state is TaskState.SUCCEEDED
    task_id = emu.task_ids()[0]
    assert [t.vendor_track_id for t in status.tracks] == [f"{task_id}-0", f"{task_id}-1"]
    assert all(t.audio_url.endswith(".mp3") and not t.title for t in status.tracks)
    assert all(t.expires_at is not None for t in status.tracks)


@pytest.mark.parametrize(("beta_models", "vendor_beta"), [(False, True), (True, False)])
async def test_beta_model_names_are_accepted_both_ways(
    make_evolink: MakeEvolink,
    emu: EvolinkEmulator,
    clock: FakeClock,
    caplog: pytest.LogCaptureFixture,
    beta_models: bool,
    vendor_beta: bool,
) -> None:
    emu.beta = vendor_beta
    evolink = make_evolink(beta_models=beta_models)
    with caplog.at_level(logging.WARNING, logger="bot.providers.evolink"):
        status = await finished(evolink, clock)
    assert emu.submits[0]["model"] == ("suno-v4.5-beta" if beta_models else "suno-v4.5")
    assert status.state is TaskState.SUCCEEDED
    assert {t.model for t in status.tracks} == {"suno-v4.5-beta" if vendor_beta else "suno-v4.5"}
    assert "runs on" not in caplog.text  # the same model, only spelt differently


TASK_FAILURES = [
    ("content_policy_violation", None, R.CONTENT_POLICY),
    ("generation_timeout", None, R.TIMEOUT),
    ("quota_exceeded", None, R.INSUFFICIENT_CREDITS),
    ("failed", "500", R.PROVIDER_ERROR),  # a code the table knows
    ("failed", "brand_new_code", R.UNKNOWN),
    ("failed", None, R.UNKNOWN),
]


@pytest.mark.parametrize(("outcome", "error_code", "reason"), TASK_FAILURES)
async def test_task_errors_map_to_reasons_and_keep_the_raw_code(
    evolink: EvolinkProvider,
    emu: EvolinkEmulator,
    clock: FakeClock,
    outcome: str,
    error_code: str | None,
    reason: FailureReason,
) -> None:
    emu.plan(outcome, error_code=error_code, error_message="vendor words")
    task_id = await evolink.submit(REQUEST, "job-1")
    clock.advance(40)
    assert (await evolink.status(task_id)).state is TaskState.RUNNING
    clock.advance(10)
    status = await evolink.status(task_id)
    assert (status.state, status.failure) == (TaskState.FAILED, reason)
    assert status.detail == "vendor words"
    raw = error_code or (outcome if outcome != "failed" else None)
    assert status.code == (f"failed:{raw}" if raw else "failed")
    assert status.progress == 50


async def test_a_task_id_that_could_leave_the_path_is_never_sent(
    evolink: EvolinkProvider, emu: EvolinkEmulator
) -> None:
    with pytest.raises(ProviderError):
        await evolink.status("../audios/generations")
    assert sum(emu.hits.values()) == 0


# -- HTTP errors ---------------------------------------------------------------------

REFUSALS = [
    (400, "invalid_request_error", R.INVALID_INPUT),
    (401, "authentication_error", R.PROVIDER_ERROR),
    (402, "insufficient_quota_error", R.INSUFFICIENT_CREDITS),
    (403, "permission_error", R.PROVIDER_ERROR),
    (404, "not_found_error", R.PROVIDER_ERROR),
]
TRANSIENT = [
    (429, "rate_limit_error", R.RATE_LIMITED),
    (500, "internal_server_error", R.PROVIDER_ERROR),
    (502, "upstream_error", R.PROVIDER_ERROR),
    (503, "service_unavailable_error", R.PROVIDER_ERROR),
]


@pytest.mark.parametrize(("status", "error_type", "reason"), REFUSALS)
async def test_refusals_are_not_retried_and_keep_the_raw_code(
    evolink: EvolinkProvider,
    emu: EvolinkEmulator,
    status: int,
    error_type: str,
    reason: FailureReason,
) -> None:
    emu.fail_submit(error_type, status, f"vendor says {status}", http_status=status)
    error = await submit_error(evolink)
    assert type(error) is ProviderError
    assert (error.reason, error.code) == (reason, str(status))
    assert error.detail == f"vendor says {status}"
    assert emu.hits[SUBMIT] == 1
    assert emu.submits == []


@pytest.mark.parametrize(
    ("status", "error_type", "code", "reason", "key"),
    [
        # By type when the code is one the table does not list...
        (
            400,
            "insufficient_quota_error",
            "billing_limit",
            R.INSUFFICIENT_CREDITS,
            "insufficient_quota_error",
        ),
        # ...by code when it is more specific than the type...
        (
            400,
            "invalid_request_error",
            "content_policy_violation",
            R.CONTENT_POLICY,
            "content_policy_violation",
        ),
        # ...and by HTTP status when neither is known.
        (402, "strange_error", "strange_code", R.INSUFFICIENT_CREDITS, "402"),
    ],
)
async def test_http_errors_map_by_code_type_or_status(
    evolink: EvolinkProvider,
    emu: EvolinkEmulator,
    status: int,
    error_type: str,
    code: str,
    reason: FailureReason,
    key: str,
) -> None:
    emu.fail_submit(error_type, code, "no", http_status=status)
    error = await submit_error(evolink)
    assert (error.reason, error.code) == (reason, key)


@pytest.mark.parametrize(("status", "error_type", "reason"), TRANSIENT)
async def test_transient_errors_are_retried_then_succeed(
    evolink: EvolinkProvider,
    emu: EvolinkEmulator,
    status: int,
    error_type: str,
    reason: FailureReason,
) -> None:
    emu.fail_submit(error_type, status, "busy", http_status=status, count=2)
    task_id = await evolink.submit(REQUEST, "job-1")
    assert emu.task_ids() == [task_id]
    assert emu.hits[SUBMIT] == 3


@pytest.mark.parametrize(("status", "error_type", "reason"), TRANSIENT)
async def test_transient_errors_beyond_the_budget_raise_transient(
    evolink: EvolinkProvider,
    emu: EvolinkEmulator,
    status: int,
    error_type: str,
    reason: FailureReason,
) -> None:
    emu.fail_submit(error_type, status, "busy", http_status=status, count=100)
    error = await submit_error(evolink)
    assert isinstance(error, TransientProviderError)
    assert (error.reason, error.code) == (reason, str(status))
    assert emu.hits[SUBMIT] == ATTEMPTS


async def test_param_and_fallback_suggestion_reach_the_detail(
    make_evolink: MakeEvolink, emu: EvolinkEmulator
) -> None:
    # The emulator refuses unknown models exactly like the seed's 404 example.
    evolink = make_evolink()
    evolink.models["v4.5"] = "suno-v9"
    error = await submit_error(evolink)
    assert (error.reason, error.code) == (R.PROVIDER_ERROR, "404")
    assert error.detail == "Specified model not found [param=model; suggestion=suno-v4.5]"


async def test_a_key_echoed_by_the_vendor_is_masked(
    evolink: EvolinkProvider, emu: EvolinkEmulator, caplog: pytest.LogCaptureFixture
) -> None:
    emu.fail_submit("invalid_request_error", 400, f"bad key Bearer {API_KEY}", http_status=400)
    with caplog.at_level(logging.DEBUG):
        error = await submit_error(evolink)
    assert "***" in error.detail
    assert API_KEY not in caplog.text


# -- reseller tables -------------------------------------------------------------------


async def test_reseller_override_by_error_type_makes_429_mean_out_of_credits(
    make_evolink: MakeEvolink, emu: EvolinkEmulator
) -> None:
    # The override keyed by "429" is covered for every dialect in test_common.py.
    key = "rate_limit_error"
    evolink = make_evolink(error_reasons={key: "insufficient_credits"})
    emu.fail_submit("rate_limit_error", 429, "credits exhausted", http_status=429, count=5)
    error = await submit_error(evolink)
    assert type(error) is ProviderError
    assert (error.reason, error.code) == (R.INSUFFICIENT_CREDITS, key)
    assert emu.hits[SUBMIT] == 1


async def test_reseller_override_of_a_task_error_code(
    make_evolink: MakeEvolink, emu: EvolinkEmulator, clock: FakeClock
) -> None:
    evolink = make_evolink(error_reasons={"brand_new_code": "content_policy"})
    emu.plan("failed", error_code="brand_new_code")
    task_id = await evolink.submit(REQUEST, "job-1")
    clock.advance(SPAN)
    assert (await evolink.status(task_id)).failure is R.CONTENT_POLICY


# -- malformed answers -------------------------------------------------------------------


# -- rate limits and overload ------------------------------------------------------------


async def test_503_on_polls_is_retried(evolink: EvolinkProvider, emu: EvolinkEmulator) -> None:
    task_id = await evolink.submit(REQUEST, "job-1")
    emu.fail_requests(503, count=2, path_prefix="/v1/tasks/")
    assert (await evolink.status(task_id)).state is TaskState.QUEUED
    assert emu.hits[f"/v1/tasks/{task_id}"] == 3


# -- callback URLs ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("url", "kept"),
    [
        ("https://bot.example.com/callbacks/evolink", True),
        ("http://127.0.0.1:9/callbacks/evolink", True),
        ("http://localhost/cb", True),
        ("http://[::1]:8080/cb", True),
        ("http://bot.example.com/cb", False),  # Evolink calls back over HTTPS only
        ("http://127.0.0.1.example.com/cb", False),
        ("ftp://bot.example.com/cb", False),
        ("https://bot.example.com/" + "x" * 2048, False),  # over Evolink's 2048 limit
        (None, False),
    ],
)
async def test_callback_url_passthrough_rules(
    make_evolink: MakeEvolink, emu: EvolinkEmulator, url: str | None, kept: bool
) -> None:
    emu.callbacks_enabled = False  # only the submit body matters here
    await make_evolink().submit(REQUEST, "job-1", callback_url=url)
    assert emu.submits[0].get("callback_url") == (url if kept else None)


async def test_dropping_a_callback_url_is_logged_once(
    evolink: EvolinkProvider, emu: EvolinkEmulator, caplog: pytest.LogCaptureFixture
) -> None:
    url = "http://bot.example.com/cb?token=s3cret"
    with caplog.at_level(logging.WARNING, logger="bot.providers.evolink"):
        await evolink.submit(REQUEST, "job-1", callback_url=url)
        await evolink.submit(REQUEST, "job-2", callback_url=url)
    (record,) = caplog.records
    assert "poll" in record.getMessage()
    assert "s3cret" not in caplog.text


# -- callbacks -------------------------------------------------------------------------------


async def test_completion_callback_is_read_and_confirmed(
    evolink: EvolinkProvider, emu: EvolinkEmulator, clock: FakeClock, receiver: Receiver
) -> None:
    task_id = await evolink.submit(REQUEST, "job-1", callback_url=receiver.url)
    await emu.flush_callbacks()
    assert receiver.received == []  # nothing until the task ends
    clock.advance(SPAN)
    await emu.flush_callbacks()
    ((headers, body),) = receiver.received
    assert json.loads(body)["status"] == "completed"
    event = evolink.read_callback(headers, body, clock.now)
    assert (event.task_id, event.event_id) == (task_id, None)
    # The bot treats it as a wake-up and confirms with one status fetch.
    assert (await evolink.status(task_id)).state is TaskState.SUCCEEDED


async def test_failure_callback_arrives_in_real_time(
    evolink: EvolinkProvider, emu: EvolinkEmulator, clock: FakeClock, receiver: Receiver
) -> None:
    emu.plan("content_policy_violation")
    task_id = await evolink.submit(REQUEST, "job-1", callback_url=receiver.url)
    clock.advance(SPAN / 2)
    await receiver.wait_for(1)  # sent by the emulator's own pump
    ((headers, body),) = receiver.received
    assert json.loads(body)["error"]["code"] == "content_policy_violation"
    assert evolink.read_callback(headers, body, clock.now).task_id == task_id


@pytest.mark.parametrize(("statuses", "attempts"), [([500, 503], 3), ([500] * 10, 4)])
async def test_callback_is_retried_three_times_on_non_2xx(
    evolink: EvolinkProvider,
    emu: EvolinkEmulator,
    clock: FakeClock,
    receiver: Receiver,
    statuses: list[int],
    attempts: int,
) -> None:
    receiver.statuses.extend(statuses)
    await evolink.submit(REQUEST, "job-1", callback_url=receiver.url)
    clock.advance(SPAN)
    await emu.flush_callbacks()
    await emu.flush_callbacks()  # a task is called back once, however often one flushes
    assert len(receiver.received) == len(emu.callbacks_sent) == attempts
    assert len(emu.callback_errors) == min(attempts, len(statuses))


async def test_no_callback_when_disabled(
    evolink: EvolinkProvider, emu: EvolinkEmulator, clock: FakeClock, receiver: Receiver
) -> None:
    emu.callbacks_enabled = False
    await evolink.submit(REQUEST, "job-1", callback_url=receiver.url)
    assert emu.submits[0]["callback_url"] == receiver.url
    clock.advance(SPAN)
    await emu.flush_callbacks()
    assert receiver.received == []
    assert emu.callbacks_sent == []


@pytest.mark.parametrize(
    "body",
    [
        b"",
        b"not json",
        b"\xff\xfe",
        b"[1, 2]",
        b"{}",
        b'{"id": 42}',
        b'{"id": ""}',
        b'{"id": "../v1/audios/generations"}',
        b'{"task_id": "task-unified-1-abc"}',
        b"[" * 100_000,
    ],
)
def test_read_callback_rejects_junk(evolink: EvolinkProvider, body: bytes) -> None:
    with pytest.raises(CallbackRejected):
        evolink.read_callback({}, body, time.time())


# -- downloads ----------------------------------------------------------------------------------


# -- parsing edge cases, without the emulator -----------------------------------------------------


def mock_evolink(answer: Any, *, status: int = 200) -> EvolinkProvider:
    def respond(request: httpx.Request) -> httpx.Response:
        return httpx.Response(status, json=answer)

    settings = EVOLINK.settings(base_url="https://api.evolink.test")
    return EvolinkProvider(settings, transport=httpx.MockTransport(respond))


def task(status: str, **extra: Any) -> dict[str, Any]:
    return {"id": "task-unified-1-abc", "object": "audio.generation.task", "status": status} | extra


def item(**extra: Any) -> dict[str, Any]:
    return {"result_id": "r1", "audio_url": "https://cdn/a.mp3"} | extra


async def status_of(answer: Any) -> Status:
    evolink = mock_evolink(answer)
    try:
        return await evolink.status("task-unified-1-abc")
    finally:
        await evolink.aclose()


async def test_unknown_status_keeps_polling_and_is_logged(
    caplog: pytest.LogCaptureFixture,
) -> None:
    with caplog.at_level(logging.WARNING, logger="bot.providers.evolink"):
        status = await status_of(task("brand_new_state", progress="42"))
    assert (status.state, status.code, status.progress) == (
        TaskState.RUNNING,
        "brand_new_state",
        42,
    )
    assert "brand_new_state" in caplog.text


@pytest.mark.parametrize("word", ["cancelled", "canceled"])
async def test_a_cancelled_task_fails_as_cancelled(word: str) -> None:
    status = await status_of(task(word))
    assert (status.state, status.failure) == (TaskState.FAILED, R.CANCELLED)


async def test_lyrics_and_odd_fields_are_read_leniently() -> None:
    items = [item(prompt="[Verse] la", duration="12.5"), item(result_id=7, lyrics="[Chorus] oh")]
    status = await status_of(task("completed", created=1_750_000_000_000, result_data=items))
    one, two = status.tracks
    assert (one.lyrics, one.duration, two.vendor_track_id, two.lyrics) == (
        "[Verse] la",
        12.5,
        "7",
        "[Chorus] oh",
    )
    assert one.expires_at == datetime(2025, 6, 18, 15, 6, 40, tzinfo=UTC)


@pytest.mark.parametrize(
    "answer",
    [
        task("completed"),  # no audio at all
        task("completed", result_data=[item(audio_url="")]),
        task("completed", result_data=[], results=[]),
        task("completed", result_data="oops"),
        task("completed", result_data=[item(result_id=None)]),
        task("completed", results=[None]),
        task("processing", id="task-unified-2-other"),  # about another task
        {"id": "task-unified-1-abc"},  # no status
        ["not", "an", "object"],
    ],
)
async def test_unreadable_task_objects_are_malformed(answer: Any) -> None:
    with pytest.raises(MalformedResponse):
        await status_of(answer)


@pytest.mark.parametrize("answer", [{}, {"id": 5}, {"id": "../../etc"}, {"object": "x"}])
async def test_submit_without_a_usable_task_id_is_malformed(answer: Any) -> None:
    evolink = mock_evolink(answer)
    with pytest.raises(MalformedResponse):
        await evolink.submit(REQUEST, "job-1")
    await evolink.aclose()


async def test_a_substituted_model_is_logged(caplog: pytest.LogCaptureFixture) -> None:
    evolink = mock_evolink(task("pending", model="suno-v4-beta"))
    with caplog.at_level(logging.WARNING, logger="bot.providers.evolink"):
        await evolink.submit(REQUEST, "job-1")
    await evolink.aclose()
    assert "suno-v4-beta" in caplog.text


async def test_a_stream_is_kept_while_processing(
    evolink: EvolinkProvider, emu: EvolinkEmulator, clock: FakeClock, tmp_path: Path
) -> None:
    emu.streams_early = True
    task_id = await evolink.submit(REQUEST, "job-1")
    clock.advance(30)
    assert (await evolink.status(task_id)).tracks == []  # nothing streams yet
    clock.advance(40)

    early = await evolink.status(task_id)
    streams = [f"{emu.base_url}/stream/{task_id}/{n}" for n in (0, 1)]
    assert early.state is TaskState.RUNNING
    assert [(t.stream_url, t.audio_url) for t in early.tracks] == [(s, "") for s in streams]
    assert await evolink.download(streams[0], tmp_path / "s.mp3", 10_000_000) > 0
    clock.advance(30)
    done = await evolink.status(task_id)
    assert [t.vendor_track_id for t in done.tracks] == [t.vendor_track_id for t in early.tracks]
    assert [t.stream_url for t in done.tracks] == streams
    assert all(t.audio_url for t in done.tracks)
