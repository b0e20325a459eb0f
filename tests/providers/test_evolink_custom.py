"""Contract tests: Evolink custom mode and its finer controls, over real HTTP on 127.0.0.1."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from bot.errors import ProviderError
from bot.providers.base import FailureReason, GenerateRequest, Operation, TaskState
from bot.providers.evolink import EvolinkProvider
from tests.fakes.evolink import EvolinkEmulator
from tests.providers.helpers import (
    EVOLINK,
    GENERATION,
    FakeClock,
    provider_fixtures,
    raw_submit,
    submit_error,
)
from tests.providers.helpers import (
    custom as custom_request,
)

R = FailureReason
VENDOR = EVOLINK
SUBMIT = EVOLINK.submit_path
LYRICS = "[Verse 1]\nDriving down the highway\n[Chorus]\nSummer dreams, summer nights"

make_evolink_fixture, evolink_fixture = provider_fixtures("evolink")


def custom(**fields: Any) -> GenerateRequest:
    defaults = {"model": "v4.5", "lyrics": LYRICS, "style": "pop, electronic"}
    return custom_request(**(defaults | fields))


def test_operations_are_songs_custom_mode_and_tuning(evolink: EvolinkProvider) -> None:
    assert evolink.operations == {Operation.SONG, Operation.CUSTOM, Operation.TUNING}
    assert evolink.can(custom(negative_tags="sad", audio_weight=0.5))


async def test_custom_mode_sends_lyrics_style_title_and_tuning_and_finishes(
    evolink: EvolinkProvider, emu: EvolinkEmulator, clock: FakeClock
) -> None:
    request = custom(
        negative_tags="heavy metal, screaming, sad",
        vocal_gender="m",
        style_weight=0.7,
        weirdness=0.3333,
        audio_weight=1.0,
    )
    task_id = await evolink.submit(request, "job-1")
    assert emu.submits == [
        {
            "model": "suno-v4.5",
            "custom_mode": True,
            "prompt": LYRICS,
            "style": "pop, electronic",
            "title": "Summer Dreams",
            "instrumental": False,
            "negative_tags": "heavy metal, screaming, sad",
            "vocal_gender": "m",
            "style_weight": 0.7,
            "weirdness_constraint": 0.33,
            "audio_weight": 1.0,
        }
    ]
    clock.advance(GENERATION)
    done = await evolink.status(task_id)
    assert (done.state, done.progress) == (TaskState.SUCCEEDED, 100)
    assert len(done.tracks) == 2
    assert all(t.audio_url.startswith(emu.base_url) for t in done.tracks)


async def test_custom_instrumental_without_lyrics_sends_no_tuning_fields(
    evolink: EvolinkProvider, emu: EvolinkEmulator, clock: FakeClock
) -> None:
    request = custom(model="v4.5-plus", lyrics="", instrumental=True)
    task_id = await evolink.submit(request, "job-1")
    assert emu.submits == [
        {
            "model": "suno-v4.5plus",
            "custom_mode": True,
            "prompt": "",
            "style": "pop, electronic",
            "title": "Summer Dreams",
            "instrumental": True,
        }
    ]
    clock.advance(GENERATION)
    done = await evolink.status(task_id)
    assert (done.state, len(done.tracks)) == (TaskState.SUCCEEDED, 2)


async def test_description_mode_leaves_tuning_out(
    evolink: EvolinkProvider, emu: EvolinkEmulator
) -> None:
    request = GenerateRequest(prompt="rain", model="v5", vocal_gender="f", style_weight=0.2)
    await evolink.submit(request, "job-1")
    assert emu.submits == [
        {"model": "suno-v5", "custom_mode": False, "instrumental": False, "prompt": "rain"}
    ]


def too_long(name: str, limit: int) -> str:
    return f"{name} is too long (max {limit} characters)"


@pytest.mark.parametrize(
    ("request_", "param", "message"),
    [
        (custom(style=""), "style", "style is required when custom_mode is true"),
        (custom(title=""), "title", "title is required when custom_mode is true"),
        (custom(lyrics=""), "prompt", "prompt is required when instrumental is false"),
        (custom(model="v4", lyrics="x" * 3001), "prompt", too_long("prompt", 3000)),
        (custom(lyrics="x" * 5001), "prompt", too_long("prompt", 5000)),
        (custom(model="v4", style="s" * 201), "style", too_long("style", 200)),
        (custom(style="s" * 1001), "style", too_long("style", 1000)),
        (custom(title="t" * 81), "title", too_long("title", 80)),
    ],
    ids=["no-style", "no-title", "no-lyrics", "v4-lyrics", "lyrics", "v4-style", "style", "title"],
)
async def test_vendor_refuses_custom_bodies_as_documented(
    evolink: EvolinkProvider,
    emu: EvolinkEmulator,
    request_: GenerateRequest,
    param: str,
    message: str,
) -> None:
    error = await submit_error(evolink, request_, EVOLINK.api_key)
    assert type(error) is ProviderError
    # Looked up by error.type first: invalid_request_error.
    assert (error.reason, error.code) == (R.INVALID_INPUT, "400")
    assert error.detail == f"{message} [param={param}]"
    assert emu.submits == []
    assert emu.hits[SUBMIT] == 1  # a refusal is not retried


async def test_limits_are_per_model_beta_names_included(
    make_evolink: Callable[..., EvolinkProvider], emu: EvolinkEmulator
) -> None:
    evolink = make_evolink(beta_models=True)
    await evolink.submit(custom(model="v4", lyrics="x" * 3000, style="s" * 200), "a")
    await evolink.submit(custom(model="v5", lyrics="x" * 5000, title="t" * 80), "b")
    assert [body["model"] for body in emu.submits] == ["suno-v4-beta", "suno-v5-beta"]
    with pytest.raises(ProviderError):
        await evolink.submit(custom(model="v4", lyrics="x" * 3001), "c")


def _body(**fields: Any) -> dict[str, Any]:
    return {
        "model": "suno-v5",
        "custom_mode": True,
        "instrumental": True,
        "style": "lo-fi",
        "title": "Rainy Afternoon",
        **fields,
    }


@pytest.mark.parametrize(
    ("fields", "param", "message"),
    [
        ({"vocal_gender": "x"}, "vocal_gender", "vocal_gender must be one of m, f"),
        ({"style_weight": 1.01}, "style_weight", "style_weight must be a number between 0 and 1"),
        (
            {"weirdness_constraint": -1},
            "weirdness_constraint",
            "weirdness_constraint must be a number between 0 and 1",
        ),
        ({"audio_weight": "high"}, "audio_weight", "audio_weight must be a number between 0 and 1"),
        ({"negative_tags": 3}, "negative_tags", "negative_tags must be a string"),
        ({"title": 80}, "title", "title is required when custom_mode is true"),
        ({"custom_mode": None}, "custom_mode", "custom_mode is required"),
    ],
)
async def test_emulator_checks_tuning_types_and_ranges(
    emu: EvolinkEmulator, fields: dict[str, Any], param: str, message: str
) -> None:
    response = await raw_submit(EVOLINK, emu, _body(**fields))
    assert response.status_code == 400
    assert response.json() == {
        "error": {
            "code": 400,
            "message": message,
            "type": "invalid_request_error",
            "param": param,
        }
    }
    assert emu.submits == []


async def test_emulator_takes_the_specs_own_examples(emu: EvolinkEmulator) -> None:
    with_lyrics = {
        "model": "suno-v4.5",
        "custom_mode": True,
        "instrumental": False,
        "style": "pop, electronic, upbeat, female vocals, 120bpm",
        "title": "Summer Dreams",
        "prompt": LYRICS,
        "negative_tags": "heavy metal, screaming, sad",
        "vocal_gender": "f",
    }
    instrumental = _body(model="suno-v4.5plus", style_weight=0.7, weirdness_constraint=0.3)
    for body in (with_lyrics, instrumental):
        assert (await raw_submit(EVOLINK, emu, body)).status_code == 200
    assert len(emu.submits) == 2
