"""The sandbox provider: a vendor's whole life cycle with no key and no network."""

from __future__ import annotations

import asyncio
from pathlib import Path

import miniaudio
import pytest
from PIL import Image

from bot.errors import MediaError, ProviderError
from bot.providers.base import (
    FailureReason,
    TaskState,
    TaskStatus,
)
from bot.providers.catalog import MODELS
from bot.providers.sandbox import SandboxProvider
from tests.sandbox.helpers import STAGE, FakeClock, request, settings


async def run_to_completion(provider: SandboxProvider, task_id: str) -> list[TaskStatus]:
    """Poll as the job runner would, following the provider's own poll policy."""
    seen = []
    for polls in range(50):
        await asyncio.sleep(provider.poll_policy.delay(polls))
        status = await provider.status(task_id)
        seen.append(status)
        if status.state.terminal:
            return seen
    raise AssertionError("the sandbox task never finished")


async def test_a_task_walks_through_every_stage() -> None:
    clock = FakeClock()
    provider = SandboxProvider(settings(), clock=clock)
    task_id = await provider.submit(request(), "job-1")
    clock.now += STAGE / 2  # look mid-stage, away from float rounding at the boundaries

    states = []
    for _ in range(4):
        status = await provider.status(task_id)
        states.append(status)
        clock.now += STAGE

    assert [s.state for s in states] == [
        TaskState.QUEUED,
        TaskState.RUNNING,
        TaskState.PARTIAL,
        TaskState.SUCCEEDED,
    ]
    partial = states[2].tracks
    assert len(partial) == 1
    assert partial[0].stream_url
    assert not partial[0].audio_url
    done = states[3]
    assert done.progress == 100
    assert [t.vendor_track_id for t in done.tracks] == [f"{task_id}-1", f"{task_id}-2"]
    assert all(t.vendor_task_id == task_id for t in done.tracks)


async def test_finished_tracks_download_as_real_mp3s_and_pngs(tmp_path: Path) -> None:
    provider = SandboxProvider(settings())
    task_id = await provider.submit(request(title="Rainy Day"), "job-1")

    seen = await run_to_completion(provider, task_id)

    assert seen[-1].state is TaskState.SUCCEEDED
    audio = []
    for n, track in enumerate(seen[-1].tracks, start=1):
        assert track.audio_url == track.stream_url == f"sandbox://{task_id}/{n}.mp3"
        mp3, png = tmp_path / f"{n}.mp3", tmp_path / f"{n}.png"
        assert await provider.download(track.audio_url, mp3, 10_000_000) == mp3.stat().st_size
        assert await provider.download(track.image_url, png, 10_000_000) == png.stat().st_size

        info = miniaudio.mp3_get_file_info(str(mp3))
        assert info.duration == pytest.approx(2.0, abs=0.2)
        with Image.open(png) as image:
            assert image.format == "PNG"
        audio.append(mp3.read_bytes())
    assert audio[0] != audio[1]  # two takes, two tunes


async def test_track_details_come_from_the_request() -> None:
    clock = FakeClock()
    provider = SandboxProvider(settings(), clock=clock)
    task_id = await provider.submit(request(title="Rainy Day", style="lofi, jazz"), "job-1")
    clock.now += 3 * STAGE

    track = (await provider.status(task_id)).tracks[0]

    assert track.title == "Rainy Day"
    assert track.tags == "lofi, jazz"
    assert track.model == "v4.5"
    assert track.duration == 2.0
    assert "[Verse]" in track.lyrics


async def test_an_untitled_request_gets_a_title_from_its_prompt() -> None:
    clock = FakeClock()
    provider = SandboxProvider(settings(), clock=clock)
    task_id = await provider.submit(request(instrumental=True), "job-1")
    clock.now += 3 * STAGE

    track = (await provider.status(task_id)).tracks[0]

    assert track.title == "Lofi Beats For A Rainy"
    assert track.tags == "sandbox"
    assert track.lyrics == "[Instrumental]"


async def test_a_fresh_instance_resumes_a_task_started_before_a_restart(tmp_path: Path) -> None:
    clock = FakeClock()
    before = SandboxProvider(settings(), clock=clock)
    task_id = await before.submit(request(instrumental=True), "job-1")
    clock.now += STAGE / 2

    after = SandboxProvider(settings(), clock=clock)
    assert (await after.status(task_id)).state is TaskState.QUEUED
    clock.now += 3 * STAGE
    status = await after.status(task_id)

    assert status.state is TaskState.SUCCEEDED
    assert [t.title for t in status.tracks] == ["Sandbox Song 1", "Sandbox Song 2"]
    assert status.tracks[0].lyrics == "[Instrumental]"  # the id itself remembers this
    dest = tmp_path / "1.mp3"
    await after.download(status.tracks[0].audio_url, dest, 10_000_000)
    assert miniaudio.mp3_get_file_info(str(dest)).duration > 1


async def test_the_same_job_submitted_twice_gets_distinct_ids() -> None:
    clock = FakeClock()
    provider = SandboxProvider(settings(), clock=clock)
    first = await provider.submit(request(), "job-1")
    clock.now += 0.01

    assert await provider.submit(request(), "job-1") != first


@pytest.mark.parametrize("task_id", ["", "garbage", "sbx-12-nothex", "sbx-1-abcdef012345-x"])
async def test_an_unknown_id_fails_as_a_provider_error(task_id: str) -> None:
    status = await SandboxProvider(settings()).status(task_id)

    assert status.state is TaskState.FAILED
    assert status.failure is FailureReason.PROVIDER_ERROR
    assert status.code == "unknown_task"


@pytest.mark.parametrize(
    "url",
    [
        "https://example.com/1.mp3",
        "sandbox://garbage/1.mp3",
        "sandbox://sbx-1-abcdef012345/3.mp3",
        "sandbox://sbx-1-abcdef012345/1.wav",
        "sandbox://sbx-1-abcdef012345/../1.mp3",
    ],
)
async def test_download_refuses_urls_it_did_not_make(url: str, tmp_path: Path) -> None:
    dest = tmp_path / "x"
    with pytest.raises(MediaError):
        await SandboxProvider(settings()).download(url, dest, 10_000_000)
    assert not dest.exists()


async def test_download_respects_the_size_cap(tmp_path: Path) -> None:
    provider = SandboxProvider(settings())
    dest = tmp_path / "1.mp3"

    with pytest.raises(MediaError, match="cap"):
        await provider.download("sandbox://sbx-1-abcdef012345/1.mp3", dest, 1000)

    assert not dest.exists()


async def test_download_renders_off_the_event_loop(tmp_path: Path) -> None:
    provider = SandboxProvider(settings(track_seconds=12.0))
    ticks = 0

    async def ticker() -> None:
        nonlocal ticks
        while True:
            await asyncio.sleep(0.001)
            ticks += 1

    task = asyncio.create_task(ticker())
    await provider.download("sandbox://sbx-1-abcdef012345/1.mp3", tmp_path / "1.mp3", 10**7)
    task.cancel()

    # Rendering twelve seconds takes ~0.2 s; a blocked loop would not have ticked at all.
    assert ticks >= 10


def test_models_default_to_the_whole_catalog() -> None:
    provider = SandboxProvider(settings())

    assert provider.models == {key: key for key in MODELS}
    assert provider.name == "sandbox"


async def test_models_can_be_restricted() -> None:
    provider = SandboxProvider(settings(models=["v5", "v4"]))

    assert provider.models == {"v4": "v4", "v5": "v5"}
    with pytest.raises(ProviderError) as caught:
        await provider.submit(request(model="v4.5"), "job-1")
    assert caught.value.reason is FailureReason.INVALID_INPUT


async def test_stage_seconds_zero_finishes_at_once() -> None:
    provider = SandboxProvider(settings(stage_seconds=0))
    task_id = await provider.submit(request(), "job-1")

    assert (await provider.status(task_id)).state is TaskState.SUCCEEDED
    assert provider.poll_policy.first_delay > 0  # never a busy loop


def test_poll_policy_follows_the_stage_and_the_overrides() -> None:
    policy = SandboxProvider(settings(stage_seconds=2.0)).poll_policy
    assert (policy.first_delay, policy.interval, policy.max_interval) == (2.0, 2.0, 2.0)

    overridden = SandboxProvider(settings(poll_interval_seconds=5.0)).poll_policy
    assert overridden.interval == 5.0
    assert overridden.first_delay == STAGE
