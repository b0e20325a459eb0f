"""Contract tests: APIXO custom mode and its finer controls, over real HTTP on 127.0.0.1."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from bot.errors import ProviderError
from bot.providers.apixo import ApixoProvider
from bot.providers.base import FailureReason, GenerateRequest, Operation, TaskState
from tests.fakes.apixo import ApixoEmulator
from tests.providers.helpers import (
    APIXO,
    GENERATION,
    LYRICS,
    FakeClock,
    custom,
    provider_fixtures,
    raw_submit,
    submit_error,
)

R = FailureReason
VENDOR = APIXO
MakeApixo = Callable[..., ApixoProvider]
SUBMIT = APIXO.submit_path

make_apixo_fixture, apixo_fixture = provider_fixtures("apixo")


def test_operations_are_songs_custom_mode_and_tuning(apixo: ApixoProvider) -> None:
    assert apixo.operations == {Operation.SONG, Operation.CUSTOM, Operation.TUNING}
    assert apixo.can(custom(vocal_gender="f", style_weight=0.5))


async def test_custom_mode_sends_lyrics_style_title_and_tuning_and_finishes(
    apixo: ApixoProvider, emu: ApixoEmulator, clock: FakeClock
) -> None:
    request = custom(
        negative_tags="heavy metal, screaming",
        vocal_gender="f",
        style_weight=0.656,
        weirdness=0.35,
        audio_weight=0.0,
    )
    task_id = await apixo.submit(request, "job-1")
    (body,) = emu.submits
    assert (body["request_type"], body["provider"]) == ("async", "auto")
    assert body["input"] == {
        "mode": "V5",
        "customMode": True,
        "prompt": LYRICS,
        "style": "pop, upbeat",
        "title": "Summer Dreams",
        "instrumental": False,
        "negativeTags": "heavy metal, screaming",
        "vocalGender": "f",
        "styleWeight": 0.66,  # two decimals: the emulator refuses more
        "weirdnessConstraint": 0.35,
        "audioWeight": 0.0,  # zero is a setting, not "unset"
    }
    clock.advance(GENERATION)
    done = await apixo.status(task_id)
    assert done.state is TaskState.SUCCEEDED
    assert len(done.tracks) == 2
    assert all(t.audio_url.startswith(emu.base_url) for t in done.tracks)
    assert all(t.lyrics.startswith("[Verse 1]\n[Verse]\nDriving") for t in done.tracks)


async def test_custom_instrumental_without_lyrics_sends_no_tuning_fields(
    apixo: ApixoProvider, emu: ApixoEmulator, clock: FakeClock
) -> None:
    task_id = await apixo.submit(custom(model="v4", lyrics="", instrumental=True), "job-1")
    assert emu.submits[0]["input"] == {
        "mode": "V4",
        "customMode": True,
        "prompt": "",
        "style": "pop, upbeat",
        "title": "Summer Dreams",
        "instrumental": True,
    }
    clock.advance(GENERATION)
    done = await apixo.status(task_id)
    assert (done.state, len(done.tracks)) == (TaskState.SUCCEEDED, 2)
    assert all(t.lyrics == "" for t in done.tracks)


async def test_description_mode_leaves_tuning_out(apixo: ApixoProvider, emu: ApixoEmulator) -> None:
    # APIXO: outside custom mode "other parameters should be left empty".
    request = GenerateRequest(prompt="rain", model="v5", style="lofi", negative_tags="metal")
    await apixo.submit(request, "job-1")
    assert emu.submits[0]["input"] == {
        "mode": "V5",
        "prompt": "rain\nStyle: lofi",
        "customMode": False,
        "instrumental": False,
    }


@pytest.mark.parametrize(
    ("request_", "problem"),
    [
        (custom(title=""), "style and title are required in custom mode"),
        (custom(style=""), "style and title are required in custom mode"),
        (custom(lyrics=""), "prompt is required"),
        (custom(model="v4", lyrics="x" * 3001), "prompt exceeds 3000 characters for V4"),
        (custom(lyrics="x" * 5001), "prompt exceeds 5000 characters for V5"),
        (custom(model="v4", style="s" * 201), "style exceeds 200 characters for V4"),
        (custom(style="s" * 1001), "style exceeds 1000 characters for V5"),
        (custom(title="t" * 81), "title exceeds 80 characters for V5"),
    ],
    ids=["no-title", "no-style", "no-lyrics", "v4-lyrics", "lyrics", "v4-style", "style", "title"],
)
async def test_vendor_refuses_custom_bodies_as_documented(
    apixo: ApixoProvider, emu: ApixoEmulator, request_: GenerateRequest, problem: str
) -> None:
    error = await submit_error(apixo, request_, APIXO.api_key)
    assert type(error) is ProviderError
    assert (error.reason, error.code) == (R.INVALID_INPUT, "400")
    assert error.detail == f"Invalid parameters: {problem}"
    assert emu.submits == []
    assert emu.hits[SUBMIT] == 1  # a refusal is not retried


async def test_limits_are_per_model(apixo: ApixoProvider, emu: ApixoEmulator) -> None:
    await apixo.submit(custom(model="v4", lyrics="x" * 3000, style="s" * 200, title="t" * 80), "a")
    await apixo.submit(custom(model="v4.5", lyrics="x" * 5000, style="s" * 1000), "b")
    assert [len(body["input"]["prompt"]) for body in emu.submits] == [3000, 5000]


def _body(**task: Any) -> dict[str, Any]:
    fields = {
        "mode": "V5",
        "customMode": True,
        "instrumental": True,
        "style": "pop",
        "title": "T",
        **task,
    }
    return {"request_type": "async", "input": fields}


@pytest.mark.parametrize(
    ("task", "problem"),
    [
        ({"vocalGender": "x"}, "vocalGender must be m or f"),
        ({"styleWeight": 1.5}, "styleWeight must be a number from 0 to 1"),
        ({"weirdnessConstraint": -0.1}, "weirdnessConstraint must be a number from 0 to 1"),
        ({"audioWeight": "0.5"}, "audioWeight must be a number from 0 to 1"),
        ({"audioWeight": True}, "audioWeight must be a number from 0 to 1"),
        ({"styleWeight": 0.123}, "styleWeight takes at most 2 decimals"),
        ({"negativeTags": ["metal"]}, "negativeTags must be a string"),
        ({"customMode": "yes"}, "customMode is required"),
    ],
)
async def test_emulator_checks_tuning_types_and_ranges(
    emu: ApixoEmulator, task: dict[str, Any], problem: str
) -> None:
    response = await raw_submit(APIXO, emu, _body(**task))
    assert response.status_code == 400
    assert response.json() == {
        "code": 400,
        "message": "Invalid parameters",
        "data": {"error": problem},
    }
    assert emu.submits == []


async def test_emulator_takes_every_documented_control(emu: ApixoEmulator) -> None:
    controls = {
        "negativeTags": "Acoustic",
        "vocalGender": "m",
        "styleWeight": 0.9,
        "weirdnessConstraint": 0,
        "audioWeight": 1,
    }
    response = await raw_submit(APIXO, emu, _body(**controls))
    assert response.status_code == 200
    assert emu.submits[0]["input"]["vocalGender"] == "m"
