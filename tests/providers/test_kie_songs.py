"""Contract tests: kie.ai custom mode, tuning, extensions and covers, over HTTP on 127.0.0.1."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx
import pytest

from bot.providers.base import (
    FailureReason,
    GenerateRequest,
    Operation,
    TaskState,
    TaskStatus,
    TrackRef,
)
from bot.providers.kie import KieProvider
from tests.fakes.kie import COVER, EXTEND, GENERATE, RECORD, KieEmulator
from tests.providers.helpers import (
    GENERATION,
    KIE,
    LYRICS,
    FakeClock,
    custom,
    provider_fixtures,
    raw_submit,
    submit_error,
)

R = FailureReason
VENDOR = KIE
MakeKie = Callable[..., KieProvider]
PLACEHOLDER = "https://example.invalid/suno-callback"
UPLOAD = "https://files.example.com/uploads/mine.mp3"

make_kie_fixture, kie_fixture = provider_fixtures("kie")


async def finished_song(
    kie: KieProvider, clock: FakeClock, request: GenerateRequest | None = None
) -> list[TrackRef]:
    """The two tracks of a song made through the adapter, as follow-ups name them."""
    task_id = await kie.submit(request or GenerateRequest(prompt="sea shanty", model="v4.5"), "j0")
    clock.advance(GENERATION)
    status = await kie.status(task_id)
    assert status.state is TaskState.SUCCEEDED
    return [
        TrackRef(task_id=t.vendor_task_id, track_id=t.vendor_track_id, duration=t.duration)
        for t in status.tracks
    ]


async def done(kie: KieProvider, clock: FakeClock, task_id: str, op: Operation) -> TaskStatus:
    clock.advance(GENERATION)
    return await kie.status(task_id, op)


def test_every_operation_is_offered(kie: KieProvider) -> None:
    assert kie.operations == set(Operation)
    assert kie.can(custom(vocal_gender="m", style_weight=0.5))


@pytest.mark.parametrize(
    "operation",
    [Operation.CUSTOM, Operation.TUNING, Operation.WRITE_LYRICS, Operation.TIMED_LYRICS],
    ids=str,
)
async def test_what_is_not_a_create_call_is_refused_by_submit(
    kie: KieProvider, emu: KieEmulator, operation: Operation
) -> None:
    request = GenerateRequest(prompt="x", model="v5", operation=operation)
    error = await submit_error(kie, request, KIE.api_key)
    assert (error.reason, error.code) == (R.INVALID_INPUT, "unsupported")
    assert error.detail == f"{operation} is not started with submit"
    assert sum(emu.hits.values()) == 0


# -- custom mode and tuning -------------------------------------------------------------


async def test_custom_mode_sends_lyrics_style_title_and_tuning_and_finishes(
    kie: KieProvider, emu: KieEmulator, clock: FakeClock
) -> None:
    request = custom(
        negative_tags="heavy metal",
        vocal_gender="f",
        style_weight=0.656,
        weirdness=0.35,
        audio_weight=0.0,
    )
    task_id = await kie.submit(request, "job-1")
    assert emu.submits == [
        {
            "customMode": True,
            "prompt": LYRICS,
            "style": "pop, upbeat",
            "title": "Summer Dreams",
            "instrumental": False,
            "model": "V5",
            "negativeTags": "heavy metal",
            "vocalGender": "f",
            "styleWeight": 0.66,  # two decimals: the emulator refuses more
            "weirdnessConstraint": 0.35,
            "audioWeight": 0.0,  # zero is a setting, not "unset"
            "callBackUrl": PLACEHOLDER,
        }
    ]
    assert emu.calls(GENERATE) == emu.submits
    status = await done(kie, clock, task_id, Operation.SONG)
    assert status.state is TaskState.SUCCEEDED
    assert [t.title for t in status.tracks] == ["Summer Dreams"] * 2
    assert all(t.tags == "pop, upbeat" for t in status.tracks)
    assert all(t.lyrics.startswith("[Verse]\n[Verse]\nDriving") for t in status.tracks)


async def test_custom_instrumental_without_lyrics_sends_no_tuning(
    kie: KieProvider, emu: KieEmulator, clock: FakeClock
) -> None:
    task_id = await kie.submit(custom(model="v4", lyrics="", instrumental=True), "job-1")
    assert emu.submits[0] == {
        "customMode": True,
        "prompt": "",
        "style": "pop, upbeat",
        "title": "Summer Dreams",
        "instrumental": True,
        "model": "V4",
        "callBackUrl": PLACEHOLDER,
    }
    status = await done(kie, clock, task_id, Operation.SONG)
    assert [t.lyrics for t in status.tracks] == ["[Instrumental]"] * 2


async def test_description_mode_leaves_custom_fields_and_tuning_out(
    kie: KieProvider, emu: KieEmulator
) -> None:
    request = GenerateRequest(prompt="rain", model="v5", style="lofi", vocal_gender="m")
    await kie.submit(request, "job-1")
    assert emu.submits == [
        {
            "prompt": "rain\nStyle: lofi",
            "customMode": False,
            "instrumental": False,
            "model": "V5",
            "callBackUrl": PLACEHOLDER,
        }
    ]


@pytest.mark.parametrize(
    ("request_", "code", "problem"),
    [
        (custom(title=""), "422", "style and title are required in custom mode"),
        (custom(style=""), "422", "style and title are required in custom mode"),
        (custom(lyrics=""), "422", "prompt is required"),
        (custom(model="v4", lyrics="x" * 3001), "400", "prompt exceeds 3000 characters for V4"),
        (custom(lyrics="x" * 5001), "400", "prompt exceeds 5000 characters for V5"),
        (custom(model="v3.5", style="s" * 201), "400", "style exceeds 200 characters for V3_5"),
        (custom(style="s" * 1001), "400", "style exceeds 1000 characters for V5"),
        (custom(title="t" * 81), "400", "title exceeds 80 characters for V5"),
    ],
)
async def test_custom_mode_limits_are_refused_by_the_vendor(
    kie: KieProvider, emu: KieEmulator, request_: GenerateRequest, code: str, problem: str
) -> None:
    error = await submit_error(kie, request_, KIE.api_key)
    assert (error.reason, error.code, error.detail) == (R.INVALID_INPUT, code, problem)
    assert emu.submits == []


async def test_custom_mode_within_the_limits_is_taken(kie: KieProvider, emu: KieEmulator) -> None:
    await kie.submit(custom(model="v4", lyrics="x" * 3000, style="s" * 200, title="t" * 80), "j")
    await kie.submit(custom(lyrics="x" * 5000, style="s" * 1000), "j2")
    assert len(emu.submits) == 2


@pytest.mark.parametrize(
    ("extra", "problem"),
    [
        ({"styleWeight": 1.5}, "styleWeight must be a number from 0 to 1"),
        ({"audioWeight": -0.1}, "audioWeight must be a number from 0 to 1"),
        ({"weirdnessConstraint": 0.123}, "weirdnessConstraint takes at most 2 decimals"),
        ({"vocalGender": "x"}, "vocalGender must be m or f"),
        ({"negativeTags": 3}, "negativeTags must be a string"),
    ],
)
async def test_the_emulator_checks_the_tuning_ranges(
    emu: KieEmulator, extra: dict[str, Any], problem: str
) -> None:
    body = {
        "customMode": True,
        "instrumental": True,
        "prompt": "",
        "style": "pop",
        "title": "T",
        "model": "V5",
        "callBackUrl": PLACEHOLDER,
        **extra,
    }
    answer = (await raw_submit(KIE, emu, body)).json()
    assert (answer["code"], answer["msg"]) == (422, problem)
    assert emu.task_ids() == []


# -- extend ------------------------------------------------------------------------------


async def test_extend_with_default_params_continues_the_source(
    kie: KieProvider, emu: KieEmulator, clock: FakeClock
) -> None:
    source, _ = await finished_song(kie, clock)
    request = GenerateRequest(model="v4.5", operation=Operation.EXTEND, source=source)
    task_id = await kie.submit(request, "job-2")
    assert emu.calls(EXTEND) == [
        {
            "audioId": source.track_id,
            "model": "V4_5",
            "defaultParamFlag": False,
            "callBackUrl": PLACEHOLDER,
        }
    ]
    assert len(emu.submits) == 1  # the extension is not a /generate call

    assert (await kie.status(task_id, Operation.EXTEND)).state is TaskState.QUEUED
    status = await done(kie, clock, task_id, Operation.EXTEND)
    assert (status.state, status.code) == (TaskState.SUCCEEDED, "SUCCESS")
    assert len(status.tracks) == 2
    source_lyrics = "[Verse]\nsea shanty\n[Chorus]\nla la la"
    for track in status.tracks:
        assert track.vendor_task_id == task_id
        assert track.vendor_track_id not in (source.track_id, *emu.submitted_track_ids(0))
        assert track.audio_url.startswith(emu.base_url)
        assert track.lyrics == source_lyrics
    assert source.duration is not None
    assert status.tracks[0].duration == pytest.approx(source.duration + 30)
    assert emu.track_ids(task_id) == tuple(t.vendor_track_id for t in status.tracks)


async def test_extend_from_a_chosen_second_with_new_lyrics(
    kie: KieProvider, emu: KieEmulator, clock: FakeClock
) -> None:
    _, source = await finished_song(kie, clock)
    request = custom(
        model="v4.5",
        operation=Operation.EXTEND,
        source=source,
        continue_at=1.5,
        lyrics="[Bridge]\nthe tide turns",
        title="Tide, extended",
    )
    task_id = await kie.submit(request, "job-2")
    [body] = emu.calls(EXTEND)
    assert body == {
        "audioId": source.track_id,
        "model": "V4_5",
        "defaultParamFlag": True,
        "prompt": "[Bridge]\nthe tide turns",
        "style": "pop, upbeat",
        "title": "Tide, extended",
        "continueAt": 1.5,
        "callBackUrl": PLACEHOLDER,
    }
    status = await done(kie, clock, task_id, Operation.EXTEND)
    assert status.state is TaskState.SUCCEEDED
    assert all(t.title == "Tide, extended" for t in status.tracks)
    assert all("the tide turns" in t.lyrics for t in status.tracks)


@pytest.mark.parametrize(("index", "expected"), [(0, 1), (1, 2)])  # durations 2.0 and 2.04
async def test_extend_with_new_params_and_no_second_continues_just_before_the_end(
    kie: KieProvider, emu: KieEmulator, clock: FakeClock, index: int, expected: int
) -> None:
    source = (await finished_song(kie, clock))[index]
    request = custom(model="v4.5", operation=Operation.EXTEND, source=source, weirdness=0.5)
    await kie.submit(request, "job-2")
    [body] = emu.calls(EXTEND)
    assert body["continueAt"] == expected
    assert isinstance(body["continueAt"], int)
    assert body["weirdnessConstraint"] == 0.5
    assert not {"negativeTags", "vocalGender", "styleWeight", "audioWeight"} & set(body)


async def test_a_chosen_second_without_style_and_title_is_refused_by_the_vendor(
    kie: KieProvider, emu: KieEmulator, clock: FakeClock
) -> None:
    source, _ = await finished_song(kie, clock, GenerateRequest(prompt="x", model="v5"))
    request = GenerateRequest(model="v5", operation=Operation.EXTEND, source=source, continue_at=1)
    error = await submit_error(kie, request, KIE.api_key)
    # defaultParamFlag true makes style and title required: the vendor says so.
    assert (error.reason, error.code) == (R.INVALID_INPUT, "422")
    assert emu.calls(EXTEND) == []


async def test_extend_with_another_model_is_refused(
    kie: KieProvider, emu: KieEmulator, clock: FakeClock
) -> None:
    source, _ = await finished_song(kie, clock)
    request = GenerateRequest(model="v5", operation=Operation.EXTEND, source=source)
    error = await submit_error(kie, request, KIE.api_key)
    assert (error.reason, error.code, error.detail) == (
        R.INVALID_INPUT,
        "400",
        "model must match the source",
    )
    assert emu.calls(EXTEND) == []
    assert emu.hits[EXTEND] == 1


async def test_extend_past_the_source_end_is_refused(
    kie: KieProvider, emu: KieEmulator, clock: FakeClock
) -> None:
    source, _ = await finished_song(kie, clock)
    request = custom(model="v4.5", operation=Operation.EXTEND, source=source, continue_at=2.5)
    error = await submit_error(kie, request, KIE.api_key)
    assert (error.reason, error.code) == (R.INVALID_INPUT, "400")
    assert "continueAt" in error.detail


async def test_extend_of_an_instrumental_may_leave_the_lyrics_empty(
    kie: KieProvider, emu: KieEmulator, clock: FakeClock
) -> None:
    plain = GenerateRequest(prompt="ambient", model="v4.5", instrumental=True)
    source, _ = await finished_song(kie, clock, plain)
    request = custom(model="v4.5", operation=Operation.EXTEND, source=source, lyrics="")
    task_id = await kie.submit(request, "job-2")
    status = await done(kie, clock, task_id, Operation.EXTEND)
    assert [t.lyrics for t in status.tracks] == ["[Instrumental]"] * 2

    vocal, _ = await finished_song(kie, clock)
    request = custom(model="v4.5", operation=Operation.EXTEND, source=vocal, lyrics="")
    error = await submit_error(kie, request, KIE.api_key)
    assert (error.code, error.detail) == ("422", "prompt is required")


async def test_extend_of_a_track_the_vendor_never_made_or_not_finished(
    kie: KieProvider, emu: KieEmulator, clock: FakeClock
) -> None:
    ghost = TrackRef(task_id="t", track_id="no-such-audio", duration=100)
    request = GenerateRequest(model="v4.5", operation=Operation.EXTEND, source=ghost)
    error = await submit_error(kie, request, KIE.api_key)
    assert (error.reason, error.code) == (R.PROVIDER_ERROR, "404")

    task_id = await kie.submit(GenerateRequest(prompt="x", model="v4.5"), "job-1")
    clock.advance(70)  # streaming, not finished
    track = (await kie.status(task_id)).tracks[0]
    early = TrackRef(task_id=task_id, track_id=track.vendor_track_id, duration=100)
    request = GenerateRequest(model="v4.5", operation=Operation.EXTEND, source=early)
    error = await submit_error(kie, request, KIE.api_key)
    assert (error.reason, error.code) == (R.INVALID_INPUT, "400")
    assert emu.calls(EXTEND) == []


async def test_extend_with_new_params_needs_a_known_length(
    kie: KieProvider, emu: KieEmulator
) -> None:
    source = TrackRef(task_id="t", track_id="a")  # no duration, no chosen second
    request = custom(model="v4.5", operation=Operation.EXTEND, source=source)
    error = await submit_error(kie, request, KIE.api_key)
    assert (error.reason, error.code) == (R.INVALID_INPUT, "continue_at")
    assert sum(emu.hits.values()) == 0


async def test_a_follow_up_without_a_source_is_refused_before_any_request(
    kie: KieProvider, emu: KieEmulator
) -> None:
    for operation in (Operation.EXTEND, Operation.WAV, Operation.STEMS, Operation.VIDEO):
        request = GenerateRequest(model="v4.5", operation=operation)
        error = await submit_error(kie, request, KIE.api_key)
        assert (error.reason, error.code) == (R.INVALID_INPUT, "source")
    assert sum(emu.hits.values()) == 0


async def test_a_plan_applies_to_an_extension_too(
    kie: KieProvider, emu: KieEmulator, clock: FakeClock
) -> None:
    source, _ = await finished_song(kie, clock)
    emu.plan("audio_failed", error_code=531, error_message="extension failed")
    request = GenerateRequest(model="v4.5", operation=Operation.EXTEND, source=source)
    task_id = await kie.submit(request, "job-2")
    status = await done(kie, clock, task_id, Operation.EXTEND)
    assert (status.state, status.failure) == (TaskState.FAILED, R.PROVIDER_ERROR)
    assert (status.code, status.detail) == ("GENERATE_AUDIO_FAILED:531", "extension failed")


async def test_extend_record_names_its_operation_and_parent(
    kie: KieProvider, emu: KieEmulator, clock: FakeClock
) -> None:
    source, _ = await finished_song(kie, clock)
    request = GenerateRequest(model="v4.5", operation=Operation.EXTEND, source=source)
    task_id = await kie.submit(request, "job-2")
    headers = {"Authorization": f"Bearer {KIE.api_key}"}
    async with httpx.AsyncClient(base_url=emu.base_url, headers=headers) as client:
        data = (await client.get(RECORD, params={"taskId": task_id})).json()["data"]
    assert (data["operationType"], data["parentMusicId"]) == ("extend", source.track_id)


# -- cover -------------------------------------------------------------------------------


async def test_cover_sends_the_upload_with_description_mode_fields_and_finishes(
    kie: KieProvider, emu: KieEmulator, clock: FakeClock
) -> None:
    request = GenerateRequest(
        prompt="as a jazz trio",
        style="jazz",
        model="v4.5-plus",
        operation=Operation.RESTYLE,
        upload_url=UPLOAD,
    )
    task_id = await kie.submit(request, "job-1", "http://127.0.0.1:9/hooks")
    assert emu.calls(COVER) == [
        {
            "uploadUrl": UPLOAD,
            "prompt": "as a jazz trio\nStyle: jazz",
            "customMode": False,
            "instrumental": False,
            "model": "V4_5PLUS",
            "callBackUrl": "http://127.0.0.1:9/hooks",
        }
    ]
    assert emu.submits == []
    status = await done(kie, clock, task_id, Operation.RESTYLE)
    assert (status.state, len(status.tracks)) == (TaskState.SUCCEEDED, 2)
    assert all(t.audio_url.startswith(emu.base_url) for t in status.tracks)


async def test_custom_cover_takes_custom_mode_checks(kie: KieProvider, emu: KieEmulator) -> None:
    request = custom(operation=Operation.RESTYLE, upload_url=UPLOAD, vocal_gender="m")
    await kie.submit(request, "job-1")
    [body] = emu.calls(COVER)
    assert (body["customMode"], body["prompt"], body["vocalGender"]) == (True, LYRICS, "m")
    untitled = custom(operation=Operation.RESTYLE, upload_url=UPLOAD, title="")
    error = await submit_error(kie, untitled, KIE.api_key)
    assert (error.code, error.detail) == ("422", "style and title are required in custom mode")


@pytest.mark.parametrize(
    ("url", "code", "problem"),
    [
        ("", "upload", "cover needs an uploaded file"),  # refused before any request
        ("ftp://x/y.mp3", "422", "uploadUrl must be an http(s) URL"),
    ],
)
async def test_cover_needs_an_http_upload(
    kie: KieProvider, emu: KieEmulator, url: str, code: str, problem: str
) -> None:
    request = GenerateRequest(prompt="x", model="v5", operation=Operation.RESTYLE, upload_url=url)
    error = await submit_error(kie, request, KIE.api_key)
    assert (error.reason, error.code, error.detail) == (R.INVALID_INPUT, code, problem)
    assert emu.calls(COVER) == []
