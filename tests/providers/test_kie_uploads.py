"""Contract tests: kie.ai's songs made from a member's upload (upload-extend, add-vocals,
add-instrumental), over HTTP on 127.0.0.1 against the emulator."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
import pytest_asyncio

from bot.config import JobSettings
from bot.errors import InputError
from bot.jobs.service import JobService
from bot.jobs.store import JobStore
from bot.providers.base import FailureReason, GenerateRequest, Operation, TaskState
from bot.providers.kie import KieProvider
from tests.fakes.kie import ADD_INSTRUMENTAL, ADD_VOCALS, RECORD, UPLOAD_EXTEND, KieEmulator
from tests.providers.helpers import KIE, LYRICS, FakeClock, custom, provider_fixtures, submit_error
from tests.providers.test_kie_songs import UPLOAD, done
from tests.test_admission import RecordingRunner

R = FailureReason
VENDOR = KIE
HOOKS = "http://127.0.0.1:9/hooks"
UPLOAD_OPERATIONS = (Operation.UPLOAD_EXTEND, Operation.ADD_VOCALS, Operation.ADD_INSTRUMENTAL)
PATHS = {
    Operation.UPLOAD_EXTEND: UPLOAD_EXTEND,
    Operation.ADD_VOCALS: ADD_VOCALS,
    Operation.ADD_INSTRUMENTAL: ADD_INSTRUMENTAL,
}

make_kie_fixture, kie_fixture = provider_fixtures("kie")


def upload(operation: Operation, **fields: Any) -> GenerateRequest:
    """What the upload commands send: custom mode, the upload's URL, a second where needed."""
    base: dict[str, Any] = {"operation": operation, "upload_url": UPLOAD, "model": "v5"}
    if operation is Operation.UPLOAD_EXTEND:
        base["continue_at"] = 65.0
    if operation is Operation.ADD_INSTRUMENTAL:
        base |= {"lyrics": "", "instrumental": True}
    return custom(**{**base, **fields})


# -- what goes to kie ---------------------------------------------------------------------


SUNG = "sung"  # the tracks sing the request's lyrics
CASES = {
    "upload-extend": (
        upload(Operation.UPLOAD_EXTEND),
        {
            "uploadUrl": UPLOAD,
            "defaultParamFlag": True,
            "prompt": LYRICS,
            "style": "pop, upbeat",
            "title": "Summer Dreams",
            "instrumental": False,
            "continueAt": 65,  # whole seconds as an integer, as kie's examples
            "model": "V5",
        },
        SUNG,
    ),
    "instrumental upload-extend": (
        upload(
            Operation.UPLOAD_EXTEND, lyrics="", instrumental=True, continue_at=12.5, model="v4.5"
        ),
        {
            "uploadUrl": UPLOAD,
            "defaultParamFlag": True,
            "prompt": "",
            "style": "pop, upbeat",
            "title": "Summer Dreams",
            "instrumental": True,
            "continueAt": 12.5,
            "model": "V4_5",
        },
        "[Instrumental]",
    ),
    "add-vocals": (
        upload(Operation.ADD_VOCALS, model="v4.5-plus", vocal_gender="f", negative_tags="screamo"),
        {
            "uploadUrl": UPLOAD,
            "prompt": LYRICS,
            "style": "pop, upbeat",
            "title": "Summer Dreams",
            "negativeTags": "screamo",
            "vocalGender": "f",
            "model": "V4_5PLUS",
        },
        SUNG,
    ),
    "add-instrumental": (
        upload(Operation.ADD_INSTRUMENTAL),
        {
            "uploadUrl": UPLOAD,
            "tags": "pop, upbeat",  # add-instrumental's name for the style
            "title": "Summer Dreams",
            "negativeTags": "",  # kie requires the field; empty is accepted
            "model": "V5",
        },
        "[Instrumental]",
    ),
}


@pytest.mark.parametrize(("request_", "body", "lyrics"), CASES.values(), ids=CASES)
async def test_each_upload_operation_sends_kies_body_and_finishes_with_two_tracks(
    kie: KieProvider,
    emu: KieEmulator,
    clock: FakeClock,
    request_: GenerateRequest,
    body: dict[str, Any],
    lyrics: str,
) -> None:
    operation = request_.operation
    task_id = await kie.submit(request_, "job-1", HOOKS)
    assert emu.calls(PATHS[operation]) == [{**body, "callBackUrl": HOOKS}]
    assert emu.submits == []
    status = await done(kie, clock, task_id, operation)
    assert (status.state, len(status.tracks)) == (TaskState.SUCCEEDED, 2)
    assert [t.title for t in status.tracks] == ["Summer Dreams"] * 2
    assert all(t.audio_url.startswith(emu.base_url) for t in status.tracks)
    assert emu.hits[RECORD] == 1  # polled where songs are
    sung = [t.lyrics for t in status.tracks]
    if lyrics == SUNG:
        assert all("Driving down the highway" in words for words in sung)
    else:
        assert sung == [lyrics] * 2


# -- refused before any request -------------------------------------------------------------


@pytest.mark.parametrize("operation", UPLOAD_OPERATIONS, ids=str)
async def test_no_upload_is_refused_before_any_request(
    kie: KieProvider, emu: KieEmulator, operation: Operation
) -> None:
    error = await submit_error(kie, upload(operation, upload_url=""), KIE.api_key)
    assert (error.reason, error.code) == (R.INVALID_INPUT, "upload")
    assert error.detail == f"{operation} needs an uploaded file"
    assert sum(emu.hits.values()) == 0


async def test_an_upload_extend_without_its_second_is_refused_before_any_request(
    kie: KieProvider, emu: KieEmulator
) -> None:
    error = await submit_error(kie, upload(Operation.UPLOAD_EXTEND, continue_at=None), KIE.api_key)
    assert (error.reason, error.code) == (R.INVALID_INPUT, "continue_at")
    assert sum(emu.hits.values()) == 0


@pytest.mark.parametrize("operation", [Operation.ADD_VOCALS, Operation.ADD_INSTRUMENTAL], ids=str)
@pytest.mark.parametrize("model", ["v4", "v4.5", "v3.5"])
async def test_layers_on_a_model_kie_does_not_layer_on_are_refused_before_any_request(
    kie: KieProvider, emu: KieEmulator, operation: Operation, model: str
) -> None:
    request = upload(operation, model=model)
    assert not kie.can(request)
    assert kie.can(upload(operation, model="v4.5-plus"))
    assert kie.models_for(operation) == {"v4.5-plus": "V4_5PLUS", "v5": "V5"}
    error = await submit_error(kie, request, KIE.api_key)
    assert (error.reason, error.code) == (R.INVALID_INPUT, "model")
    assert error.detail == f"kie does not offer {model} for {operation}"
    assert sum(emu.hits.values()) == 0


async def test_an_upload_extend_runs_on_every_model(kie: KieProvider) -> None:
    assert kie.models_for(Operation.UPLOAD_EXTEND) == kie.models
    assert kie.can(upload(Operation.UPLOAD_EXTEND, model="v4"))


# -- what kie refuses reaches the member as invalid input ----------------------------------


@pytest.mark.parametrize(
    ("request_", "code", "problem"),
    [
        (upload(Operation.ADD_VOCALS, lyrics=""), "422", "prompt is required"),
        (upload(Operation.ADD_VOCALS, style=""), "422", "style is required"),
        (upload(Operation.ADD_INSTRUMENTAL, title=""), "422", "title is required"),
        (upload(Operation.ADD_VOCALS, title="t" * 81), "400", "title exceeds 80 characters"),
        (
            upload(Operation.ADD_INSTRUMENTAL, style="s" * 1001),
            "400",
            "tags exceeds 1000 characters",
        ),
        (upload(Operation.UPLOAD_EXTEND, lyrics=""), "422", "prompt is required"),
        (
            upload(Operation.UPLOAD_EXTEND, title=""),
            "422",
            "style and title are required in custom mode",
        ),
        (
            upload(Operation.UPLOAD_EXTEND, upload_url="ftp://x/y.mp3"),
            "422",
            "uploadUrl must be an http(s) URL",
        ),
        (
            upload(Operation.UPLOAD_EXTEND, continue_at=-3.0),
            "400",
            "continueAt must be greater than 0",
        ),
    ],
)
async def test_what_kie_refuses_is_invalid_input(
    kie: KieProvider, emu: KieEmulator, request_: GenerateRequest, code: str, problem: str
) -> None:
    error = await submit_error(kie, request_, KIE.api_key)
    assert (error.reason, error.code, error.detail) == (R.INVALID_INPUT, code, problem)
    assert emu.task_ids() == []


# -- the service offers each operation only on the models it runs on -----------------------


@pytest_asyncio.fixture
async def service(kie: KieProvider, tmp_path: Path) -> AsyncIterator[JobService]:
    store = await JobStore.open(tmp_path / "jobs.sqlite3")
    yield JobService(store, RecordingRunner(), [kie], JobSettings())  # type: ignore[arg-type]
    await store.close()


async def test_the_service_refuses_add_vocals_on_a_model_it_does_not_run_on(
    service: JobService, emu: KieEmulator
) -> None:
    assert list(service.offered_models(Operation.ADD_VOCALS)) == ["v4.5-plus", "v5"]
    assert list(service.offered_models(Operation.ADD_INSTRUMENTAL)) == ["v4.5-plus", "v5"]
    assert "v4" in service.offered_models(Operation.UPLOAD_EXTEND)
    assert service.default_model("v4", Operation.ADD_VOCALS) == "v4.5-plus"
    with pytest.raises(InputError) as refused:
        await service.create(
            upload(Operation.ADD_VOCALS, model="v4"),
            guild_id=1,
            channel_id=2,
            user_id=7,
            upload_limit=None,
        )
    assert refused.value.msgid == "Model `{model}` is not available here. Choose one of: {names}."
    assert refused.value.fields == {"model": "v4", "names": "v4.5-plus, v5"}
    assert sum(emu.hits.values()) == 0
