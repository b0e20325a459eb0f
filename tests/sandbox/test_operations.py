"""Every sandbox operation end to end: submit, the stage timeline, and every file it made."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.errors import ProviderError
from bot.media.audio import mp3_duration
from bot.providers.base import (
    FailureReason,
    GenerateRequest,
    Operation,
    TaskState,
    TrackRef,
    unsupported,
)
from bot.providers.sandbox import SandboxProvider
from bot.providers.sandbox.ids import parse_task_id
from tests.sandbox.helpers import (
    CAP,
    STAGE,
    TRACK_SECONDS,
    UPLOAD,
    FakeClock,
    decoded,
    download_all,
    finished,
    follow_up,
    mean_abs,
    request,
    settings,
    song_ref,
)

# --- what is offered -----------------------------------------------------------------------


def test_everything_but_video_is_offered(provider: SandboxProvider) -> None:
    assert provider.operations == frozenset(Operation) - {Operation.VIDEO}
    source = TrackRef(task_id="sbx-1-abcdef012345", track_id="sbx-1-abcdef012345-1")
    assert provider.can(request(custom=True, lyrics="la", negative_tags="drums"))
    assert not provider.can(follow_up(Operation.VIDEO, source))


@pytest.mark.parametrize("model", ["v4.5", "no-such-model"])
async def test_video_is_refused_before_anything_else(provider: SandboxProvider, model: str) -> None:
    source = TrackRef(task_id="garbage", track_id="garbage-1")

    with pytest.raises(ProviderError) as caught:
        await provider.submit(follow_up(Operation.VIDEO, source, model=model), "job-1")

    expected = unsupported(provider, Operation.VIDEO)
    assert (caught.value.reason, caught.value.code) == (expected.reason, expected.code)
    assert caught.value.detail == expected.detail


async def test_a_follow_up_of_a_track_the_sandbox_never_made_is_refused(
    provider: SandboxProvider,
) -> None:
    foreign = TrackRef(task_id="kie-task-1", track_id="kie-track-1")
    for operation in (Operation.EXTEND, Operation.WAV, Operation.STEMS):
        with pytest.raises(ProviderError) as caught:
            await provider.submit(follow_up(operation, foreign), "job-1")
        assert caught.value.reason is FailureReason.INVALID_INPUT


async def test_a_cover_needs_an_upload(provider: SandboxProvider) -> None:
    with pytest.raises(ProviderError) as caught:
        await provider.submit(request(operation=Operation.RESTYLE), "job-1")
    assert caught.value.reason is FailureReason.INVALID_INPUT


# --- the timeline ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("operation", "expected"),
    [
        (Operation.EXTEND, ["queued", "running", "partial", "succeeded"]),
        (Operation.RESTYLE, ["queued", "running", "partial", "succeeded"]),
        (Operation.WAV, ["queued", "running", "running", "succeeded"]),
        (Operation.STEMS, ["queued", "running", "running", "succeeded"]),
    ],
)
async def test_every_operation_walks_the_stages_and_a_fresh_instance_resumes_it(
    provider: SandboxProvider, clock: FakeClock, operation: Operation, expected: list[str]
) -> None:
    source = await song_ref(provider, clock)
    req = follow_up(operation, source, upload_url=UPLOAD, prompt="sea shanty")
    task_id = await provider.submit(req, "job-2")
    clock.now += STAGE / 2  # mid-stage, away from float rounding at the boundaries

    states = []
    for _ in range(4):
        # A restart at every stage: the id alone must say where the task is.
        fresh = SandboxProvider(settings(), clock=clock)
        status = await fresh.status(task_id, operation)
        states.append(status)
        clock.now += STAGE

    assert [s.state.value for s in states] == expected
    assert states[-1].progress == 100
    if operation.makes_tracks:
        assert len(states[2].tracks) == 1
        assert states[2].tracks[0].stream_url
        assert not states[2].tracks[0].audio_url
        assert len(states[3].tracks) == 2
        assert not states[3].files
    else:
        assert not states[3].tracks
        assert states[3].files


# --- custom songs ---------------------------------------------------------------------------


async def test_a_custom_song_sings_the_members_lyrics(
    provider: SandboxProvider, clock: FakeClock
) -> None:
    lyrics = "[Verse]\nRain on the roof\n[Chorus]\nStay inside"
    req = request(prompt="", custom=True, lyrics=lyrics, style="dream pop", title="Indoors")

    _, status = await finished(provider, clock, req)

    for track in status.tracks:
        assert (track.title, track.tags, track.lyrics) == ("Indoors", "dream pop", lyrics)
        assert track.duration == TRACK_SECONDS


async def test_a_custom_instrumental_has_no_words(
    provider: SandboxProvider, clock: FakeClock
) -> None:
    req = request(custom=True, instrumental=True, style="ambient", title="Drift")

    _, status = await finished(provider, clock, req)

    assert [t.lyrics for t in status.tracks] == ["[Instrumental]"] * 2


async def test_tuning_is_accepted_and_changes_the_tune(
    provider: SandboxProvider, clock: FakeClock, tmp_path: Path
) -> None:
    plain = request(custom=True, lyrics="la la", style="folk", title="T")
    tuned = plain.model_copy(update={"vocal_gender": "f", "weirdness": 0.8})
    assert tuned.tuned
    assert provider.can(tuned)

    _, before = await finished(provider, clock, plain, "job-1")
    _, after = await finished(provider, clock, tuned, "job-1")

    a, b = tmp_path / "a.mp3", tmp_path / "b.mp3"
    await provider.download(before.tracks[0].audio_url, a, CAP)
    await provider.download(after.tracks[0].audio_url, b, CAP)
    assert a.read_bytes() != b.read_bytes()
    assert after.tracks[0].lyrics == "la la"


# --- extend ---------------------------------------------------------------------------------


async def test_an_extension_continues_its_source(
    provider: SandboxProvider, clock: FakeClock, tmp_path: Path
) -> None:
    source = await song_ref(provider, clock)
    source_mp3 = tmp_path / "source.mp3"
    await provider.download(f"sandbox://{source.task_id}/1.mp3", source_mp3, CAP)

    _, status = await finished(provider, clock, follow_up(Operation.EXTEND, source))

    assert [t.title for t in status.tracks] == ["Rainy Day (extended)"] * 2
    assert all(t.duration == 2 * TRACK_SECONDS for t in status.tracks)
    paths = await download_all(provider, status, tmp_path)
    mp3s = [p for p in paths if p.suffix == ".mp3"]
    assert [mp3_duration(p) for p in mp3s] == [pytest.approx(4.0, abs=0.2)] * 2
    original, first, second = decoded(source_mp3), decoded(mp3s[0]), decoded(mp3s[1])
    # The source plays first, then each take goes its own way.
    head = int(1.5 * 44100 * 2)
    assert mean_abs([x - y for x, y in zip(original[:head], first[:head], strict=True)]) < 100
    tail = slice(len(original) + 44100, len(original) + 2 * 44100)
    assert mean_abs([x - y for x, y in zip(first[tail], second[tail], strict=True)]) > 1000


async def test_an_extension_can_pick_up_early_with_new_words(
    provider: SandboxProvider, clock: FakeClock, tmp_path: Path
) -> None:
    source = await song_ref(provider, clock)
    req = follow_up(
        Operation.EXTEND, source, continue_at=0.5, custom=True, lyrics="new words", title="Next"
    )

    _, status = await finished(provider, clock, req)

    track = status.tracks[1]
    assert (track.title, track.lyrics, track.duration) == ("Next", "new words", 2.5)
    dest = tmp_path / "2.mp3"
    await provider.download(track.audio_url, dest, CAP)
    assert mp3_duration(dest) == pytest.approx(2.5, abs=0.2)


async def test_a_fresh_instance_titles_an_extension_without_its_request(
    provider: SandboxProvider, clock: FakeClock
) -> None:
    source = await song_ref(provider, clock)
    task_id = await provider.submit(follow_up(Operation.EXTEND, source), "job-2")
    clock.now += 3.5 * STAGE

    status = await SandboxProvider(settings(), clock=clock).status(task_id)

    assert [t.title for t in status.tracks] == [f"Sandbox Song {n} (extended)" for n in (1, 2)]
    assert all(t.duration == 2 * TRACK_SECONDS for t in status.tracks)


# --- cover ----------------------------------------------------------------------------------


async def test_a_cover_takes_its_tunes_from_the_upload_and_the_style(
    provider: SandboxProvider, clock: FakeClock, tmp_path: Path
) -> None:
    audio = {}
    for job, style in (("job-1", "surf rock"), ("job-2", "surf rock"), ("job-3", "polka")):
        req = request(operation=Operation.RESTYLE, upload_url=UPLOAD, style=style)
        _, status = await finished(provider, clock, req, job)
        assert [t.tags for t in status.tracks] == [style] * 2
        folder = tmp_path / job
        folder.mkdir()
        mp3s = [p for p in await download_all(provider, status, folder) if p.suffix == ".mp3"]
        assert [mp3_duration(p) for p in mp3s] == [pytest.approx(2.0, abs=0.2)] * 2
        audio[job] = [p.read_bytes() for p in mp3s]

    assert audio["job-1"] == audio["job-2"]  # the same upload in the same style
    assert audio["job-1"][0] != audio["job-1"][1]  # two takes
    assert not set(audio["job-1"]) & set(audio["job-3"])


# --- songs from an upload -------------------------------------------------------------------

FROM_UPLOAD = {
    Operation.UPLOAD_EXTEND: "u",
    Operation.ADD_VOCALS: "v",
    Operation.ADD_INSTRUMENTAL: "a",
}


def from_upload(operation: Operation, **changes: object) -> GenerateRequest:
    """What the upload commands send the sandbox: custom mode and the upload's URL."""
    values: dict[str, object] = {
        "operation": operation,
        "upload_url": UPLOAD,
        "custom": True,
        "lyrics": "sing it low",
        "style": "soul",
        "title": "Mine",
    }
    return request(**(values | changes))


@pytest.mark.parametrize("operation", FROM_UPLOAD, ids=str)
async def test_a_song_from_an_upload_has_two_tracks_and_a_fresh_instance_finishes_it(
    provider: SandboxProvider, clock: FakeClock, tmp_path: Path, operation: Operation
) -> None:
    task_id = await provider.submit(from_upload(operation, continue_at=1.0), "job-1")
    assert task_id.split("-")[3][0] == FROM_UPLOAD[operation]  # its flags: the letter first
    task = parse_task_id(task_id)
    assert task is not None
    assert (task.operation, str(task)) == (operation, task_id)
    clock.now += 3.5 * STAGE

    status = await provider.status(task_id, operation)
    assert [t.title for t in status.tracks] == ["Mine"] * 2
    assert [t.tags for t in status.tracks] == ["soul"] * 2
    # After a restart the id alone still finishes it.
    status = await SandboxProvider(settings(), clock=clock).status(task_id, operation)
    assert status.state is TaskState.SUCCEEDED
    mp3s = [p for p in await download_all(provider, status, tmp_path) if p.suffix == ".mp3"]
    assert [mp3_duration(p) for p in mp3s] == [pytest.approx(TRACK_SECONDS, abs=0.2)] * 2


@pytest.mark.parametrize("operation", FROM_UPLOAD, ids=str)
async def test_a_song_from_an_upload_needs_the_upload(
    provider: SandboxProvider, operation: Operation
) -> None:
    with pytest.raises(ProviderError) as caught:
        await provider.submit(from_upload(operation, upload_url=""), "job-1")
    assert (caught.value.reason, caught.value.code) == (FailureReason.INVALID_INPUT, "no_upload")


async def test_added_vocals_sing_the_members_words(
    provider: SandboxProvider, clock: FakeClock
) -> None:
    _, status = await finished(provider, clock, from_upload(Operation.ADD_VOCALS))
    assert [t.lyrics for t in status.tracks] == ["sing it low"] * 2


@pytest.mark.parametrize("flag", [True, False])
async def test_an_added_instrumental_has_no_words_whatever_the_request_says(
    provider: SandboxProvider, clock: FakeClock, flag: bool
) -> None:
    req = from_upload(Operation.ADD_INSTRUMENTAL, instrumental=flag)
    task_id, status = await finished(provider, clock, req)
    assert task_id.endswith("-ai")
    assert [t.lyrics for t in status.tracks] == ["[Instrumental]"] * 2
    fresh = await SandboxProvider(settings(), clock=clock).status(task_id, req.operation)
    assert [t.lyrics for t in fresh.tracks] == ["[Instrumental]"] * 2


async def test_an_upload_extend_without_words_is_instrumental(
    provider: SandboxProvider, clock: FakeClock
) -> None:
    req = from_upload(Operation.UPLOAD_EXTEND, lyrics="", instrumental=True, continue_at=1.0)
    task_id, status = await finished(provider, clock, req)
    assert task_id.endswith("-ui")
    assert [t.lyrics for t in status.tracks] == ["[Instrumental]"] * 2
