"""The built-in provider: no key, no network, real MP3s, WAVs and covers rendered locally.

It is the quick start's default so that a new admin can try every command
before paying a vendor: it offers every operation but video (rendering one is
out of scope, and the bot hides what a provider lacks). A task walks through
the same states as a vendor's (queued, running, partial, succeeded) on a clock
of ``stage_seconds``; WAV and stems tasks go from running straight to done.

The task id carries everything ``status`` and ``download`` need (see
``ids``): the bot may restart in the middle of a job and resume it with
a fresh instance, which has never seen the request. Request details are
remembered in memory only to make titles and lyrics nicer.
"""

from __future__ import annotations

import asyncio
import hashlib
import math
import time
from collections.abc import Callable
from pathlib import Path

from bot.errors import MediaError, ProviderError
from bot.providers.base import (
    AccountStatus,
    FailureReason,
    GenerateRequest,
    LyricsDraft,
    Operation,
    PollPolicy,
    Provider,
    TaskState,
    TaskStatus,
    TimedWord,
    Track,
    TrackRef,
    unsupported,
)
from bot.providers.catalog import MODELS
from bot.providers.sandbox import media
from bot.providers.sandbox.ids import (
    TRACKS,
    SandboxTask,
    SourceTune,
    media_url,
    parse_media_url,
    parse_task_id,
    parse_track,
    track_id,
)
from bot.providers.sandbox.settings import SandboxSettings
from bot.providers.sandbox.text import (
    boosted_style,
    timed_words,
    track_lyrics,
    track_title,
    write_drafts,
)

# Polling faster than this gains nothing, and stage_seconds may be 0 in tests.
_MIN_POLL_SECONDS = 0.05
_REMEMBERED = 1000  # request details kept for titles; older ids fall back to generated ones
_DIGEST_HEX = 12


class SandboxProvider(Provider):
    """Generates tracks locally, on a timetable, without a key or the network."""

    operations = frozenset(Operation) - {Operation.VIDEO}
    idempotent_submit = True  # its tasks cost nothing and live in their ids

    def __init__(
        self, settings: SandboxSettings, *, clock: Callable[[], float] = time.time
    ) -> None:
        """``clock`` is wall-clock seconds: it must agree across restarts, so not monotonic."""
        self.name = settings.name
        self.price = settings.price()
        self.models = {key: key for key in MODELS if not settings.models or key in settings.models}
        stage = max(settings.stage_seconds, _MIN_POLL_SECONDS)
        self.poll_policy = settings.poll_policy(
            PollPolicy(first_delay=stage, interval=stage, backoff=1.0, max_interval=stage)
        )
        self._stage_seconds = settings.stage_seconds
        self._track_seconds = settings.track_seconds
        self._clock = clock
        self._requests: dict[str, GenerateRequest] = {}

    async def submit(
        self, request: GenerateRequest, job_id: str, callback_url: str | None = None
    ) -> str:
        missing = sorted(request.needs() - self.operations)
        if missing:
            raise unsupported(self, missing[0])
        if request.model not in self.models:
            raise ProviderError(
                FailureReason.INVALID_INPUT, "unknown_model", f"{request.model} is not offered"
            )
        if request.operation.from_upload and not request.upload_url:
            raise ProviderError(FailureReason.INVALID_INPUT, "no_upload", "no uploaded audio")
        task = SandboxTask(
            created_ms=int(self._clock() * 1000),
            digest=_digest(_fingerprint(request, job_id)),
            operation=request.operation,
            # An added instrumental has no words of its own, whatever the request says (as kie).
            instrumental=request.operation is Operation.ADD_INSTRUMENTAL
            or (request.instrumental and request.operation.makes_tracks),
            source=self._source_tune(request),
        )
        task_id = str(task)
        self._remember(task_id, request)
        return task_id

    async def account(self) -> AccountStatus:
        return AccountStatus(key_accepted=True, note="made on this machine: no key, no cost")

    async def status(self, task_id: str, operation: Operation = Operation.SONG) -> TaskStatus:
        # The id names its own operation; ``operation`` only repeats what the bot stored.
        task = parse_task_id(task_id)
        if task is None:
            return TaskStatus(
                state=TaskState.FAILED,
                failure=FailureReason.PROVIDER_ERROR,
                code="unknown_task",
                detail="not a sandbox task id",
            )
        stage = self._stage(task)
        progress = int(stage * 33) if math.isfinite(stage) else 100
        songs = task.operation.makes_tracks
        if stage < 1:
            return TaskStatus(state=TaskState.QUEUED, code="queued", progress=0)
        if stage < 2 or (stage < 3 and not songs):
            return TaskStatus(state=TaskState.RUNNING, code="running", progress=progress)
        if stage < 3:
            # Like a vendor's first callback: the first track streams, nothing is final yet.
            first = self._track(task_id, task, TRACKS[0]).model_copy(
                update={"audio_url": "", "duration": None}
            )
            return TaskStatus(
                state=TaskState.PARTIAL, tracks=[first], code="first_track", progress=progress
            )
        tracks = [self._track(task_id, task, n) for n in TRACKS] if songs else []
        files = [] if songs else media.output_files(task_id, task)
        return TaskStatus(
            state=TaskState.SUCCEEDED, tracks=tracks, files=files, code="complete", progress=100
        )

    async def download(self, url: str, dest: Path, max_bytes: int) -> int:
        parsed = parse_media_url(url)
        if parsed is None or not media.knows(parsed[1], parsed[2]):
            raise MediaError("not a sandbox media url")
        task_id, task, file = parsed
        known = media.size_before_render(task, file)
        if known is not None:
            _check_cap(known, max_bytes)  # a long WAV is refused before it fills memory
        number = media.track_number(task, file)
        request = self._requests.get(task_id)
        title = "" if number is None else track_title(request, task.operation, number)
        data = await asyncio.to_thread(media.render, task, file, title, self._track_seconds)
        _check_cap(len(data), max_bytes)
        await asyncio.to_thread(dest.write_bytes, data)
        return len(data)

    async def write_lyrics(self, theme: str) -> list[LyricsDraft]:
        drafts = write_drafts(theme)
        if not drafts:
            raise ProviderError(FailureReason.INVALID_INPUT, "empty_theme", "no words to use")
        return drafts

    async def boost_style(self, style: str) -> str:
        return boosted_style(style)

    async def timed_lyrics(self, track: TrackRef) -> list[TimedWord]:
        found = parse_track(track)
        if found is None:
            raise ProviderError(FailureReason.INVALID_INPUT, "unknown_track", "not a sandbox song")
        task, _ = found
        # The same words ``status`` gave the track, recovered the same way.
        lyrics = track_lyrics(self._requests.get(track.task_id), task.instrumental)
        return timed_words(lyrics, track.duration or media.duration(task, self._track_seconds))

    def _source_tune(self, request: GenerateRequest) -> SourceTune | None:
        """The source track of a follow-up, checked to be one of the sandbox's own songs."""
        if not request.operation.follows_up:
            return None
        source = request.source
        found = parse_track(source) if source is not None else None
        if source is None or found is None:
            raise ProviderError(FailureReason.INVALID_INPUT, "unknown_source", "no sandbox track")
        task, number = found
        seconds = source.duration or media.duration(task, self._track_seconds)
        if request.operation is Operation.EXTEND and request.continue_at is not None:
            seconds = min(request.continue_at, seconds)
        return SourceTune(task.digest, number, seconds)

    def _stage(self, task: SandboxTask) -> float:
        """How many stages have elapsed since the task was created."""
        if self._stage_seconds == 0:
            return math.inf  # no waiting at all: straight to the end
        return (self._clock() - task.created) / self._stage_seconds

    def _remember(self, task_id: str, request: GenerateRequest) -> None:
        self._requests[task_id] = request
        while len(self._requests) > _REMEMBERED:
            del self._requests[next(iter(self._requests))]  # dicts keep insertion order

    def _track(self, task_id: str, task: SandboxTask, number: int) -> Track:
        request = self._requests.get(task_id)
        audio_url = media_url(task_id, f"{number}.mp3")
        return Track(
            vendor_task_id=task_id,
            vendor_track_id=track_id(task_id, number),
            audio_url=audio_url,
            stream_url=audio_url,
            image_url=media_url(task_id, f"{number}.png"),
            title=track_title(request, task.operation, number),
            tags=(request.style if request else "") or "sandbox",
            lyrics=track_lyrics(request, task.instrumental),
            duration=media.duration(task, self._track_seconds),
            model=request.model if request else "",
        )


def _fingerprint(request: GenerateRequest, job_id: str) -> list[str]:
    """What seeds a task's tunes: whatever a member could change to hear something else."""
    if request.operation is Operation.RESTYLE:
        # No job id: the same upload in the same style is the same cover.
        return ["cover", request.upload_url, request.style]
    if request.operation.from_upload:
        return [request.operation, request.upload_url, request.style, request.lyrics]
    parts = [job_id, request.prompt]  # a plain description hashes as it always has
    if request.operation is not Operation.SONG:
        source = request.source.track_id if request.source else ""
        parts += [request.operation, source, str(request.continue_at)]
    if request.custom:
        parts += ["custom", request.lyrics, request.style]
    if request.tuned:
        tuning = (
            request.negative_tags,
            request.vocal_gender,
            request.style_weight,
            request.weirdness,
            request.audio_weight,
        )
        parts += ["tuned", *map(str, tuning)]
    return parts


def _digest(parts: list[str]) -> str:
    return hashlib.sha256("\0".join(parts).encode()).hexdigest()[:_DIGEST_HEX]


def _check_cap(size: int, max_bytes: int) -> None:
    if size > max_bytes:
        raise MediaError(f"media is {size} bytes, over the {max_bytes} cap")
