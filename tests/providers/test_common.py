"""Contract tests every dialect shares, run once per vendor against its emulator.

What only one dialect does stays in its own module (test_kie.py, test_apixo.py, ...).
"""

from __future__ import annotations

import asyncio
import io
import json
import logging
import socket
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from pathlib import Path
from typing import Any

import miniaudio
import pytest
from PIL import Image
from pydantic import SecretStr

from bot.errors import (
    AnswerLost,
    MalformedResponse,
    MediaError,
    ProviderError,
    TransientProviderError,
)
from bot.providers.base import (
    FailureReason,
    GenerateRequest,
    Operation,
    TaskState,
    TaskStatus,
    TrackRef,
)
from tests.providers.helpers import (
    EVOLINK,
    GENERATION,
    KIE,
    VENDORS,
    WRONG_KEY,
    FakeClock,
    Vendor,
    assert_no_secret,
    submit_error,
)

R = FailureReason
Make = Callable[..., Any]
ATTEMPTS = 5  # every dialect's settings default to 4 retries after the first attempt


@pytest.fixture(params=VENDORS, ids=str)
def vendor(request: pytest.FixtureRequest) -> Vendor:
    return request.param


# Dialects whose submit is never repeated once it may have reached the vendor.
once_only = pytest.mark.parametrize(
    "vendor", [v for v in VENDORS if not v.idempotent_submit], ids=str
)


async def error_of(vendor: Vendor, provider: Any) -> ProviderError:
    return await submit_error(provider, vendor.request, *vendor.all_secrets)


async def finished(vendor: Vendor, provider: Any, clock: FakeClock) -> TaskStatus:
    task_id = await provider.submit(vendor.request, "job-1")
    clock.advance(GENERATION)
    return await provider.status(task_id)


# -- catalogue and states --------------------------------------------------------------------


async def test_model_not_offered_is_refused_without_a_request(
    vendor: Vendor, make_provider: Make, emu: Any
) -> None:
    provider = make_provider(models=["v5"])
    error = await submit_error(provider, GenerateRequest(prompt="x", model="v4.5"), vendor.api_key)
    assert error.reason is R.INVALID_INPUT
    assert emu.hits[vendor.submit_path] == 0


async def test_never_stays_queued(
    vendor: Vendor, provider: Any, emu: Any, clock: FakeClock
) -> None:
    emu.plan("never")
    task_id = await provider.submit(vendor.request, "job-1")
    clock.advance(10_000)
    assert (await provider.status(task_id)).state is TaskState.QUEUED
    assert task_id not in emu.completed_at


async def test_unknown_task_is_a_404_provider_error(vendor: Vendor, provider: Any) -> None:
    with pytest.raises(ProviderError) as info:
        await provider.status(vendor.unknown_task)
    assert type(info.value) is ProviderError
    assert (info.value.reason, info.value.code) == (R.PROVIDER_ERROR, "404")


async def test_real_time_run_to_completion(
    vendor: Vendor, make_settings: Callable[..., Any]
) -> None:
    emu = vendor.emulator(api_key=vendor.api_key, generation_seconds=0.3)
    await emu.start()
    provider = vendor.provider_cls(make_settings(base_url=emu.base_url))
    try:
        task_id = await provider.submit(vendor.request, "job-1")
        seen: list[TaskState] = []
        status = TaskStatus(state=TaskState.QUEUED)
        while not status.state.terminal:
            status = await provider.status(task_id)
            seen.append(status.state)
            await asyncio.sleep(0.02)
        assert status.state is TaskState.SUCCEEDED
        assert vendor.realtime_state in seen
        assert time.time() >= emu.completed_at[task_id]
    finally:
        await provider.aclose()
        await emu.stop()


# -- operations a provider does not offer ------------------------------------------------------

# Operations that reach the vendor through ``submit``; the inline ones have methods of their own.
INLINE = (Operation.WRITE_LYRICS, Operation.TIMED_LYRICS, Operation.BOOST_STYLE)
SUBMITTED = tuple(op for op in Operation if op is not Operation.SONG and op not in INLINE)
SOURCE = TrackRef(task_id="task-1", track_id="track-1", duration=120.0, title="Old song")
UPLOAD = "https://example.com/upload.mp3"


def needing(operation: Operation, model: str) -> GenerateRequest:
    """A request for ``model`` that needs ``operation`` and, besides it, at most a plain song."""
    match operation:
        case Operation.CUSTOM:
            return GenerateRequest(model=model, custom=True, lyrics="la", style="pop", title="T")
        case Operation.TUNING:
            return GenerateRequest(model=model, prompt="x", vocal_gender="f", style_weight=0.5)
        case Operation.RESTYLE:
            return GenerateRequest(model=model, prompt="x", operation=operation, upload_url=UPLOAD)
        case Operation.UPLOAD_EXTEND | Operation.ADD_VOCALS | Operation.ADD_INSTRUMENTAL:
            # Custom mode is how these take their words; it is not asked of them apart.
            return GenerateRequest(
                model=model, operation=operation, upload_url=UPLOAD, continue_at=30.0
            )
        case Operation.EXTEND | Operation.WAV | Operation.STEMS | Operation.VIDEO:
            return GenerateRequest(model=model, operation=operation, source=SOURCE)
    raise AssertionError(f"no request needing {operation}: add one")


@pytest.mark.parametrize("operation", SUBMITTED, ids=str)
async def test_an_operation_not_offered_is_refused_without_a_request(
    vendor: Vendor, provider: Any, emu: Any, operation: Operation
) -> None:
    # An operation that runs on some models only is asked for on one of them.
    model = next(iter(provider.models_for(operation)), vendor.request.model)
    request = needing(operation, model)
    assert operation in request.needs()
    assert request.needs() <= {operation, Operation.SONG}  # refused for this operation alone
    assert provider.can(vendor.request)
    if operation in provider.operations:
        assert provider.can(request)
        pytest.skip(f"{vendor} offers {operation}")
    assert not provider.can(request)
    error = await submit_error(provider, request, *vendor.all_secrets)
    assert type(error) is ProviderError
    assert (error.reason, error.code) == (R.INVALID_INPUT, "unsupported")
    assert error.detail == f"{vendor.name} does not offer {operation.value}"
    assert sum(emu.hits.values()) == 0
    assert emu.submits == []


@pytest.mark.parametrize("operation", INLINE, ids=str)
async def test_inline_operation_not_offered_is_refused_without_a_request(
    vendor: Vendor, provider: Any, emu: Any, operation: Operation
) -> None:
    if operation in provider.operations:
        pytest.skip(f"{vendor} offers {operation}")
    if operation is Operation.WRITE_LYRICS:
        call = provider.write_lyrics("a rainy night in the city")
    elif operation is Operation.BOOST_STYLE:
        call = provider.boost_style("pop, mysterious")
    else:
        call = provider.timed_lyrics(SOURCE)
    with pytest.raises(ProviderError) as info:
        await call
    assert type(info.value) is ProviderError
    assert (info.value.reason, info.value.code) == (R.INVALID_INPUT, "unsupported")
    assert info.value.detail == f"{vendor.name} does not offer {operation.value}"
    assert sum(emu.hits.values()) == 0


def test_every_operation_is_in_the_matrix() -> None:
    assert {Operation.SONG, *SUBMITTED, *INLINE} == set(Operation)
    for operation in SUBMITTED:
        needing(operation, "v5")


# -- the API key -------------------------------------------------------------------------------


async def test_wrong_key_is_logged_for_the_admin_and_never_echoed(
    vendor: Vendor, make_provider: Make, emu: Any, caplog: pytest.LogCaptureFixture
) -> None:
    provider = make_provider(api_key=SecretStr(WRONG_KEY))
    with caplog.at_level(logging.DEBUG):
        error = await submit_error(provider, vendor.request, WRONG_KEY)
        with pytest.raises(ProviderError):
            await provider.status(vendor.unknown_task)
    assert (error.reason, error.code) == (R.PROVIDER_ERROR, "401")
    assert any(
        r.levelno == logging.ERROR and vendor.env_key in r.getMessage() for r in caplog.records
    )
    assert WRONG_KEY not in caplog.text
    assert emu.hits[vendor.submit_path] == 1


async def test_no_log_line_carries_the_key(
    vendor: Vendor, provider: Any, emu: Any, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.DEBUG):
        emu.fail_requests(503, count=2)
        vendor.refuse(emu, 402, "no credits", 1)
        error = await error_of(vendor, provider)
        emu.fail_requests(429, count=50)
        with pytest.raises(TransientProviderError):
            await provider.submit(vendor.request, "job-2")
    assert (type(error), error.reason) == (ProviderError, R.INSUFFICIENT_CREDITS)
    assert not any(secret in caplog.text for secret in vendor.all_secrets)
    retries = [r for r in caplog.records if r.name == "bot.providers.http"]
    assert retries
    assert all("?" not in r.getMessage() for r in retries)


# -- rate limits, overload, dead hosts -----------------------------------------------------------


async def test_429_with_retry_after_is_honoured(vendor: Vendor, provider: Any, emu: Any) -> None:
    emu.fail_requests(429, count=1, retry_after=0.3)
    started = time.monotonic()
    await provider.submit(vendor.request, "job-1")
    assert time.monotonic() - started >= 0.3
    assert emu.hits[vendor.submit_path] == 2


async def test_429_with_retry_after_as_http_date(vendor: Vendor, provider: Any, emu: Any) -> None:
    when = datetime.now(UTC) + timedelta(seconds=1)
    emu.fail_requests(429, count=1, retry_after=format_datetime(when, usegmt=True))
    await provider.submit(vendor.request, "job-1")
    assert emu.hits[vendor.submit_path] == 2


async def test_429_without_retry_after_backs_off_and_succeeds(
    vendor: Vendor, provider: Any, emu: Any
) -> None:
    emu.fail_requests(429, count=2)
    await provider.submit(vendor.request, "job-1")
    assert emu.hits[vendor.submit_path] == 3
    assert len(emu.submits) == 1


async def test_retry_after_beyond_the_cap_gives_up_at_once(
    vendor: Vendor, provider: Any, emu: Any
) -> None:
    emu.fail_requests(429, count=1, retry_after=120)
    error = await error_of(vendor, provider)
    assert isinstance(error, TransientProviderError)
    assert (error.reason, error.retry_after) == (R.RATE_LIMITED, 120)
    assert emu.hits[vendor.submit_path] == 1


async def test_503_a_few_times_then_success(vendor: Vendor, provider: Any, emu: Any) -> None:
    emu.fail_requests(503, count=3)
    await provider.submit(vendor.request, "job-1")
    assert emu.hits[vendor.submit_path] == 4
    assert len(emu.submits) == 1


@pytest.mark.parametrize("retries", [0, 4])
async def test_503_beyond_the_retry_budget(
    vendor: Vendor, make_provider: Make, emu: Any, retries: int
) -> None:
    provider = make_provider(retries=retries)
    emu.fail_requests(503, count=50)
    error = await error_of(vendor, provider)
    assert isinstance(error, TransientProviderError)
    assert (error.reason, error.code) == (R.PROVIDER_ERROR, "503")
    assert emu.hits[vendor.submit_path] == retries + 1


async def test_gateway_html_502_is_retried(vendor: Vendor, provider: Any, emu: Any) -> None:
    emu.fail_requests(502, count=1, html=True)
    await provider.submit(vendor.request, "job-1")
    assert emu.hits[vendor.submit_path] == 2


async def test_connection_refused_is_retried_then_transient(
    vendor: Vendor, make_provider: Make
) -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    error = await error_of(vendor, make_provider(base_url=f"http://127.0.0.1:{port}"))
    # Nothing was sent, so no task can exist: another vendor may take the job.
    assert isinstance(error, TransientProviderError)
    assert (error.reason, error.code) == (R.PROVIDER_ERROR, "ConnectError")


# -- reseller tables -----------------------------------------------------------------------------


async def test_reseller_override_makes_429_mean_out_of_credits(
    vendor: Vendor, make_provider: Make, emu: Any
) -> None:
    provider = make_provider(error_reasons={"429": "insufficient_credits"})
    vendor.refuse(emu, 429, "credits exhausted", 5)
    error = await error_of(vendor, provider)
    assert type(error) is ProviderError
    assert (error.reason, error.code) == (R.INSUFFICIENT_CREDITS, "429")
    assert emu.hits[vendor.submit_path] == 1


# -- answers that break off or cannot be read ------------------------------------------------------


async def test_malformed_poll_answer(vendor: Vendor, provider: Any, emu: Any) -> None:
    task_id = await provider.submit(vendor.request, "job-1")
    for kind in vendor.malformed:
        emu.malformed_next(kind)
        with pytest.raises(MalformedResponse):
            await provider.status(task_id)
        assert (await provider.status(task_id)).state is TaskState.QUEUED, kind


@once_only
async def test_malformed_submit_answer_is_not_retried(
    vendor: Vendor, make_provider: Make, emu: Any
) -> None:
    provider = make_provider()
    for attempt, kind in enumerate(vendor.malformed, start=1):
        emu.malformed_next(kind)
        with pytest.raises(MalformedResponse) as info:
            await provider.submit(vendor.request, f"job-{attempt}")
        assert_no_secret(info.value, vendor.api_key)
        assert emu.hits[vendor.submit_path] == attempt, kind


@once_only
async def test_connection_cut_mid_body_retries_a_poll_but_not_a_submit(
    vendor: Vendor, make_provider: Make, emu: Any
) -> None:
    provider = make_provider()
    task_id = await provider.submit(vendor.request, "job-1")
    emu.malformed_next("disconnect")
    assert (await provider.status(task_id)).state is TaskState.QUEUED
    assert emu.polls[task_id] == 2

    emu.malformed_next("disconnect")
    error = await error_of(vendor, provider)
    assert (type(error), error.code) == (AnswerLost, "RemoteProtocolError")
    assert emu.hits[vendor.submit_path] == 2  # one per submit call: the second was not repeated


@pytest.mark.parametrize("vendor", [KIE, EVOLINK], ids=str)  # APIXO's emulator cannot stall
async def test_submit_read_timeout_is_not_retried(
    vendor: Vendor, make_provider: Make, emu: Any
) -> None:
    provider = make_provider(timeout_seconds=0.2)
    emu.delay_requests(1.0, path_prefix=vendor.submit_path)
    error = await error_of(vendor, provider)
    # Not transient: the vendor created the task, so a blind retry would pay twice.
    assert (type(error), error.code) == (AnswerLost, "ReadTimeout")
    assert len(emu.submits) == 1
    assert emu.hits[vendor.submit_path] == 1


# -- downloads -------------------------------------------------------------------------------------


async def test_download_fetches_real_media_without_the_key(
    vendor: Vendor, provider: Any, emu: Any, clock: FakeClock, tmp_path: Path
) -> None:
    track = (await finished(vendor, provider, clock)).tracks[0]
    audio, cover = tmp_path / "a.mp3", tmp_path / "a.png"
    assert await provider.download(track.audio_url, audio, 10_000_000) == len(emu.audio_bytes)
    assert await provider.download(track.image_url, cover, 10_000_000) == len(emu.image_bytes)
    assert audio.read_bytes() == emu.audio_bytes
    info = miniaudio.mp3_get_info(audio.read_bytes())
    assert info.nchannels == 1
    assert info.duration == pytest.approx(2.0, abs=0.2)
    assert Image.open(io.BytesIO(cover.read_bytes())).format == "PNG"
    assert sum(emu.downloads.values()) == len(emu.download_headers) == 2
    for headers in emu.download_headers:
        assert "authorization" not in {name.lower() for name in headers}
        assert vendor.api_key not in json.dumps(headers)


@pytest.mark.parametrize("chunked", [False, True], ids=["content-length", "chunked"])
async def test_download_over_the_cap_fails_and_leaves_no_file(
    vendor: Vendor, provider: Any, emu: Any, clock: FakeClock, tmp_path: Path, chunked: bool
) -> None:
    emu.chunked_media = chunked
    track = (await finished(vendor, provider, clock)).tracks[0]
    dest = tmp_path / "big.mp3"
    with pytest.raises(MediaError):
        await provider.download(track.audio_url, dest, 5000)
    assert not dest.exists()
