"""Sandbox task ids: short, self-describing, and readable by every later version."""

from __future__ import annotations

import pytest

from bot.providers.base import FailureReason, Operation, TaskState, TrackRef
from bot.providers.sandbox import SandboxProvider
from bot.providers.sandbox.ids import (
    SandboxTask,
    SourceTune,
    parse_media_url,
    parse_task_id,
    parse_track,
)
from tests.sandbox.helpers import STAGE, FakeClock, finished, ref, request, settings

SOURCE = SourceTune("0123456789ab", 2, 12.3)
LONGEST = SandboxTask(
    created_ms=10**15 - 1,
    digest="abcdef012345",
    operation=Operation.EXTEND,
    instrumental=True,
    source=SourceTune("0123456789ab", 2, 10**9),  # clamped to six digits of tenths
)


@pytest.mark.parametrize(
    ("task_id", "instrumental"),
    [("sbx-1700000000000-abcdef012345", False), ("sbx-1700000000000-abcdef012345-i", True)],
)
def test_ids_made_before_operations_existed_read_as_songs(task_id: str, instrumental: bool) -> None:
    task = parse_task_id(task_id)

    assert task == SandboxTask(1_700_000_000_000, "abcdef012345", Operation.SONG, instrumental)
    assert task is not None
    assert task.created == 1_700_000_000.0
    assert str(task) == task_id  # and new songs are still written the same way


async def test_an_old_song_id_still_finishes_with_a_fresh_instance() -> None:
    clock = FakeClock()
    task_id = f"sbx-{int(clock.now * 1000)}-abcdef012345-i"
    clock.now += 3.5 * STAGE

    status = await SandboxProvider(settings(), clock=clock).status(task_id)

    assert status.state is TaskState.SUCCEEDED
    assert [t.lyrics for t in status.tracks] == ["[Instrumental]"] * 2


@pytest.mark.parametrize(
    "task",
    [
        SandboxTask(1, "abcdef012345", Operation.RESTYLE),
        SandboxTask(1, "abcdef012345", Operation.RESTYLE, instrumental=True),
        SandboxTask(1, "abcdef012345", Operation.EXTEND, source=SOURCE),
        SandboxTask(1, "abcdef012345", Operation.WAV, source=SOURCE),
        SandboxTask(1, "abcdef012345", Operation.STEMS, source=SOURCE),
        LONGEST,
    ],
    ids=str,
)
def test_every_operation_round_trips_through_its_id(task: SandboxTask) -> None:
    text = str(task)
    parsed = parse_task_id(text)

    assert parsed is not None
    assert str(parsed) == text
    assert (parsed.operation, parsed.instrumental) == (task.operation, task.instrumental)
    if task is not LONGEST:
        assert parsed == task
    assert len(text) + len("-2") < 64  # even as a track id


async def test_ids_submit_makes_stay_short_and_name_their_operation() -> None:
    clock = FakeClock()
    provider = SandboxProvider(settings(), clock=clock)
    _, song = await finished(provider, clock, request(instrumental=True))
    source = ref(song.tracks[1]).model_copy(update={"duration": 86_400.0})

    for operation in (Operation.EXTEND, Operation.WAV, Operation.STEMS):
        req = request(operation=operation, source=source, instrumental=True)
        task_id = await provider.submit(req, "job-" + "x" * 200)
        task = parse_task_id(task_id)
        assert task is not None
        assert task.operation is operation
        assert task.source is not None
        assert task.source.track == 2
        assert task.source.seconds == 86_400.0
        assert len(task_id) < 64


@pytest.mark.parametrize(
    "task_id",
    [
        "sbx-1-abcdef012345-",
        "sbx-1-abcdef012345--",
        "sbx-1-abcdef012345-s",
        "sbx-1-abcdef012345-ie",
        "sbx-1-ABCDEF012345",
        "sbx-1-abcdef012345-w",  # a WAV without its source
        "sbx-1-abcdef012345-wi",  # "instrumental" means nothing to a file
        "sbx-1-abcdef012345-abcdef012345.1.20",  # a song with a source
        "sbx-1-abcdef012345-e-abcdef012345.3.20",  # there is no track 3
        "sbx-1-abcdef012345-e-abcdef012345.1.",
        "sbx-1-abcdef012345-e-abcdef012345.1.1234567",
        "sbx-1-abcdef012345-w-abcdef012345.1.0",  # nothing to render
        "sbx-1-abcdef012345-w-abcdef012345.1.020",
        "sbx-1-abcdef012345-v-abcdef012345.1.20",  # the sandbox makes no videos
    ],
)
async def test_a_garbled_id_is_a_clear_provider_error(task_id: str) -> None:
    assert parse_task_id(task_id) is None

    status = await SandboxProvider(settings()).status(task_id, Operation.EXTEND)

    assert status.state is TaskState.FAILED
    assert status.failure is FailureReason.PROVIDER_ERROR
    assert status.code == "unknown_task"


@pytest.mark.parametrize(
    ("task_id", "track_id", "found"),
    [
        ("sbx-1-abcdef012345", "sbx-1-abcdef012345-2", 2),
        ("sbx-1-abcdef012345-c", "sbx-1-abcdef012345-c-1", 1),
        ("sbx-1-abcdef012345", "sbx-1-abcdef012345-3", None),
        ("sbx-1-abcdef012345", "sbx-1-000000000000-1", None),  # another task's track
        (
            "sbx-1-abcdef012345-w-abcdef012345.1.20",
            "sbx-1-abcdef012345-w-abcdef012345.1.20-1",
            None,
        ),
    ],
)
def test_a_track_must_belong_to_a_sandbox_song(
    task_id: str, track_id: str, found: int | None
) -> None:
    parsed = parse_track(TrackRef(task_id=task_id, track_id=track_id))

    assert (parsed[1] if parsed else None) == found


def test_media_urls_name_a_task_and_a_file() -> None:
    parsed = parse_media_url("sandbox://sbx-1-abcdef012345-c/2.png")

    assert parsed is not None
    assert parsed[0] == "sbx-1-abcdef012345-c"
    assert parsed[1].operation is Operation.RESTYLE
    assert parsed[2] == "2.png"
    assert parse_media_url("sandbox://sbx-1-abcdef012345/sub/2.png") is None
    assert parse_media_url("sandbox://sbx-1-abcdef012345-x/2.png") is None
