"""What the sandbox tests share: a clock they move by hand, settings and requests."""

from __future__ import annotations

from array import array
from pathlib import Path
from typing import Any

import miniaudio

from bot.providers.base import (
    GenerateRequest,
    Operation,
    TaskState,
    TaskStatus,
    Track,
    TrackRef,
)
from bot.providers.sandbox import SandboxProvider, SandboxSettings
from bot.providers.sandbox.synth import Segment, render_medley

STAGE = 0.05
TRACK_SECONDS = 2.0
CAP = 10_000_000
UPLOAD = "https://cdn.example.invalid/attachments/1/2/humming.mp3"


class FakeClock:
    def __init__(self) -> None:
        self.now = 1_700_000_000.0

    def __call__(self) -> float:
        return self.now


def settings(**overrides: Any) -> SandboxSettings:
    values: dict[str, Any] = {
        "kind": "sandbox",
        "name": "sandbox",
        "stage_seconds": STAGE,
        "track_seconds": TRACK_SECONDS,
    }
    return SandboxSettings(**(values | overrides))


def request(**overrides: Any) -> GenerateRequest:
    values: dict[str, Any] = {"prompt": "lofi beats for a rainy afternoon", "model": "v4.5"}
    return GenerateRequest(**(values | overrides))


async def finished(
    provider: SandboxProvider, clock: FakeClock, req: GenerateRequest, job_id: str = "job-1"
) -> tuple[str, TaskStatus]:
    """Submit ``req`` and move ``clock`` past the last stage: (task id, final status)."""
    task_id = await provider.submit(req, job_id)
    clock.now += 3.5 * STAGE
    status = await provider.status(task_id, req.operation)
    assert status.state is TaskState.SUCCEEDED
    return task_id, status


def ref(track: Track) -> TrackRef:
    """What the bot hands a follow-up about ``track`` (see ``bot.jobs.followups``)."""
    return TrackRef(
        task_id=track.vendor_task_id,
        track_id=track.vendor_track_id,
        duration=track.duration,
        title=track.title,
    )


async def song_ref(provider: SandboxProvider, clock: FakeClock, n: int = 1) -> TrackRef:
    """A finished sandbox song's track ``n``, as a follow-up names it."""
    _, status = await finished(provider, clock, request(title="Rainy Day"), "job-src")
    return ref(status.tracks[n - 1])


def follow_up(operation: Operation, source: TrackRef, **changes: object) -> GenerateRequest:
    return GenerateRequest.model_validate(
        {"operation": operation, "model": "v4.5", "source": source} | changes
    )


def decoded(path: Path) -> array[int]:
    samples: array[int] = miniaudio.decode_file(str(path)).samples
    return samples


def mean_abs(samples: array[int] | list[int]) -> float:
    return sum(map(abs, samples)) / len(samples)


async def download_all(provider: SandboxProvider, status: TaskStatus, tmp: Path) -> list[Path]:
    """Every URL the status names, downloaded; each file's size is what download returned."""
    paths = []
    for i, url in enumerate(urls(status)):
        dest = tmp / f"{i}-{url.rsplit('/', 1)[-1]}"
        assert await provider.download(url, dest, CAP) == dest.stat().st_size
        paths.append(dest)
    return paths


def urls(status: TaskStatus) -> list[str]:
    return [u for t in status.tracks for u in (t.audio_url, t.image_url)] + [
        f.url for f in status.files
    ]


def render_melody(seed: bytes, seconds: float, **options: int) -> bytes:
    """One song alone: a medley of a single segment."""
    return render_medley([Segment(seed, seconds)], **options)
