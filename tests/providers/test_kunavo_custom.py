"""Contract tests: Kunavo custom mode over real HTTP on 127.0.0.1.

Kunavo documents ``customMode``, ``style`` and ``title`` but no finer
controls, so tuned requests are refused before any request (see also the
shared matrix in test_common.py).
"""

from __future__ import annotations

from typing import Any

import pytest

from bot.errors import ProviderError
from bot.providers.base import FailureReason, GenerateRequest, Operation, TaskState
from bot.providers.kunavo import KunavoProvider
from tests.fakes.kunavo import KunavoEmulator
from tests.providers.helpers import (
    GENERATION,
    KUNAVO,
    FakeClock,
    provider_fixtures,
    raw_submit,
    submit_error,
)
from tests.providers.helpers import (
    custom as custom_request,
)

R = FailureReason
VENDOR = KUNAVO
JOBS = KUNAVO.submit_path
LYRICS = "[Verse]\nNeon on the wet street\n[Chorus]\nMidnight drive"

make_kunavo_fixture, kunavo_fixture = provider_fixtures("kunavo")


def custom(**fields: Any) -> GenerateRequest:
    defaults = {"lyrics": LYRICS, "style": "synthwave, driving bass", "title": "Midnight Drive"}
    return custom_request(**(defaults | fields))


def test_operations_are_songs_and_custom_mode(kunavo: KunavoProvider) -> None:
    assert kunavo.operations == {Operation.SONG, Operation.CUSTOM}
    assert kunavo.can(custom())
    assert not kunavo.can(custom(style_weight=0.5))


async def test_custom_mode_sends_lyrics_style_and_title_and_finishes(
    kunavo: KunavoProvider, emu: KunavoEmulator, clock: FakeClock
) -> None:
    task_id = await kunavo.submit(custom(), "job-1")
    assert emu.submits == [
        {
            "model": "suno-v5",
            "customMode": True,
            "prompt": LYRICS,
            "style": "synthwave, driving bass",
            "title": "Midnight Drive",
            "instrumental": False,
        }
    ]
    assert emu.idempotency_keys == ["job-1"]
    clock.advance(GENERATION)
    done = await kunavo.status(task_id)
    assert done.state is TaskState.SUCCEEDED
    assert len(done.tracks) == 2
    assert all(t.audio_url.startswith(emu.base_url) for t in done.tracks)


async def test_custom_instrumental_may_go_without_lyrics(
    kunavo: KunavoProvider, emu: KunavoEmulator, clock: FakeClock
) -> None:
    task_id = await kunavo.submit(custom(lyrics="", instrumental=True), "job-1")
    assert emu.submits[0] == {
        "model": "suno-v5",
        "customMode": True,
        "prompt": "",
        "style": "synthwave, driving bass",
        "title": "Midnight Drive",
        "instrumental": True,
    }
    clock.advance(GENERATION)
    assert (await kunavo.status(task_id)).state is TaskState.SUCCEEDED


async def test_a_tuned_custom_request_is_refused_before_any_request(
    kunavo: KunavoProvider, emu: KunavoEmulator
) -> None:
    error = await submit_error(kunavo, custom(vocal_gender="f"), *KUNAVO.all_secrets)
    assert (error.reason, error.code) == (R.INVALID_INPUT, "unsupported")
    assert error.detail == "kunavo does not offer tuning"
    assert sum(emu.hits.values()) == 0


@pytest.mark.parametrize(
    ("request_", "message"),
    [
        (custom(style=""), "style and title are required when customMode is true"),
        (custom(title=" "), "style and title are required when customMode is true"),
        (
            custom(lyrics=""),
            "prompt (the lyrics) is required when customMode is true and not instrumental",
        ),
        (custom(lyrics="x" * 5001), "prompt must be at most 5000 characters"),
        (custom(style="s" * 1001), "style must be at most 1000 characters"),
        (custom(title="t" * 81), "title must be at most 80 characters"),
    ],
    ids=["no-style", "blank-title", "no-lyrics", "lyrics", "style", "title"],
)
async def test_vendor_refuses_custom_bodies(
    kunavo: KunavoProvider, emu: KunavoEmulator, request_: GenerateRequest, message: str
) -> None:
    error = await submit_error(kunavo, request_, *KUNAVO.all_secrets)
    assert type(error) is ProviderError
    assert (error.reason, error.code) == (R.INVALID_INPUT, "400")
    assert error.detail == f"invalid_request: {message}"
    assert emu.submits == []
    assert emu.hits[JOBS] == 1  # a refusal is not retried


async def test_limits_hold_up_to_the_edge(kunavo: KunavoProvider, emu: KunavoEmulator) -> None:
    await kunavo.submit(custom(lyrics="x" * 5000, style="s" * 1000, title="t" * 80), "job-1")
    assert len(emu.submits[0]["prompt"]) == 5000


async def test_emulator_ignores_fields_the_docs_do_not_list(emu: KunavoEmulator) -> None:
    body = {
        "model": "suno-v5-5",
        "customMode": True,
        "instrumental": True,
        "style": "lofi",
        "title": "Rain",
        "negative_tags": 42,  # not Kunavo's: neither checked nor refused
        "styleWeight": 7,
    }
    response = await raw_submit(KUNAVO, emu, body)
    assert response.status_code == 202
    assert response.json()["status"] == "queued"


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"customMode": "true"}, "customMode must be a boolean"),
        ({"style": ["lofi"]}, "style must be a string"),
        ({"title": 7}, "title must be a string"),
    ],
)
async def test_emulator_checks_documented_field_types(
    emu: KunavoEmulator, fields: dict[str, Any], message: str
) -> None:
    body = {"model": "suno-v5", "customMode": True, "style": "lofi", "title": "Rain", **fields}
    response = await raw_submit(KUNAVO, emu, {**body, "instrumental": True})
    assert response.status_code == 400
    assert response.json() == {
        "error": {"code": "invalid_request", "message": message, "type": "invalid_request_error"}
    }
    assert emu.submits == []
