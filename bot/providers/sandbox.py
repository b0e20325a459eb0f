"""The built-in provider: no key, no network, real MP3s and covers rendered locally.

It is the quick start's default so that a new admin can try every command
before paying a vendor. A task walks through the same states as a vendor's
(queued, running, partial, succeeded) on a clock of ``stage_seconds``.

The task id carries everything ``status`` needs: the bot may restart in the
middle of a job and resume it with a fresh instance, which has never seen the
request. Request details are remembered in memory only to make titles nicer.
"""

from __future__ import annotations

import asyncio
import hashlib
import math
import re
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from bot.artwork import render_cover
from bot.audio import render_melody
from bot.config import SandboxSettings
from bot.errors import MediaError, ProviderError
from bot.providers.base import (
    FailureReason,
    GenerateRequest,
    JobState,
    Operation,
    PollPolicy,
    Provider,
    TaskStatus,
    Track,
)
from bot.providers.catalog import MODELS

# Polling faster than this gains nothing, and stage_seconds may be 0 in tests.
_MIN_POLL_SECONDS = 0.05
_TRACKS = (1, 2)
_REMEMBERED = 1000  # request details kept for titles; older ids fall back to generated ones
_TITLE_WORDS = 5
_TITLE_LIMIT = 80

# sbx-<created, ms since the epoch>-<12 hex of a hash>[-i for instrumental]
_TASK_ID = re.compile(r"sbx-(?P<created>\d{1,15})-(?P<digest>[0-9a-f]{12})(?P<instrumental>-i)?")
_MEDIA_URL = re.compile(r"sandbox://(?P<task>[^/]+)/(?P<track>\d)\.(?P<kind>mp3|png)")


@dataclass(frozen=True)
class _TaskId:
    created: float  # seconds since the epoch
    instrumental: bool


def _parse_task_id(task_id: str) -> _TaskId | None:
    match = _TASK_ID.fullmatch(task_id)
    if match is None:
        return None
    return _TaskId(int(match["created"]) / 1000, match["instrumental"] is not None)


class SandboxProvider(Provider):
    """Generates tracks locally, on a timetable, without a key or the network."""

    def __init__(
        self, settings: SandboxSettings, *, clock: Callable[[], float] = time.time
    ) -> None:
        """``clock`` is wall-clock seconds: it must agree across restarts, so not monotonic."""
        self.name = settings.name
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
        if request.model not in self.models:
            raise ProviderError(
                FailureReason.INVALID_INPUT, "unknown_model", f"{request.model} is not offered"
            )
        digest = hashlib.sha256(f"{job_id}\0{request.prompt}".encode()).hexdigest()[:12]
        created_ms = int(self._clock() * 1000)
        task_id = f"sbx-{created_ms}-{digest}" + ("-i" if request.instrumental else "")
        self._remember(task_id, request)
        return task_id

    async def status(self, task_id: str, operation: Operation = Operation.SONG) -> TaskStatus:
        parsed = _parse_task_id(task_id)
        if parsed is None:
            return TaskStatus(
                state=JobState.FAILED,
                failure=FailureReason.PROVIDER_ERROR,
                code="unknown_task",
                detail="not a sandbox task id",
            )
        stage = self._stage(parsed)
        if stage < 1:
            return TaskStatus(state=JobState.QUEUED, code="queued", progress=0)
        if stage < 2:
            return TaskStatus(state=JobState.RUNNING, code="running", progress=int(stage * 33))
        if stage < 3:
            # Like a vendor's first callback: the first track streams, nothing is final yet.
            first = self._track(task_id, parsed, 1).model_copy(
                update={"audio_url": "", "duration": None}
            )
            return TaskStatus(
                state=JobState.PARTIAL, tracks=[first], code="first_track", progress=int(stage * 33)
            )
        tracks = [self._track(task_id, parsed, n) for n in _TRACKS]
        return TaskStatus(state=JobState.SUCCEEDED, tracks=tracks, code="complete", progress=100)

    async def download(self, url: str, dest: Path, max_bytes: int) -> int:
        match = _MEDIA_URL.fullmatch(url)
        if match is None or _parse_task_id(match["task"]) is None:
            raise MediaError("not a sandbox media url")
        task_id, number = match["task"], int(match["track"])
        if number not in _TRACKS:
            raise MediaError("not a sandbox media url")
        data = await asyncio.to_thread(self._render, task_id, number, match["kind"])
        if len(data) > max_bytes:
            raise MediaError(f"media is {len(data)} bytes, over the {max_bytes} cap")
        await asyncio.to_thread(dest.write_bytes, data)
        return len(data)

    def _render(self, task_id: str, number: int, kind: str) -> bytes:
        """CPU-bound; runs in a worker thread. Each track has its own seed, so they differ."""
        seed = f"{task_id}/{number}".encode()
        if kind == "mp3":
            return render_melody(seed, self._track_seconds)
        return render_cover(seed, self._title(task_id, number))

    def _stage(self, parsed: _TaskId) -> float:
        """How many stages have elapsed since the task was created."""
        if self._stage_seconds == 0:
            return math.inf  # no waiting at all: straight to the end
        return (self._clock() - parsed.created) / self._stage_seconds

    def _remember(self, task_id: str, request: GenerateRequest) -> None:
        self._requests[task_id] = request
        while len(self._requests) > _REMEMBERED:
            del self._requests[next(iter(self._requests))]  # dicts keep insertion order

    def _track(self, task_id: str, parsed: _TaskId, number: int) -> Track:
        request = self._requests.get(task_id)
        audio_url = f"sandbox://{task_id}/{number}.mp3"
        return Track(
            vendor_task_id=task_id,
            vendor_track_id=f"{task_id}-{number}",
            audio_url=audio_url,
            stream_url=audio_url,
            image_url=f"sandbox://{task_id}/{number}.png",
            title=self._title(task_id, number),
            tags=(request.style if request else "") or "sandbox",
            lyrics=_lyrics(request, parsed.instrumental),
            duration=self._track_seconds,
            model=request.model if request else "",
        )

    def _title(self, task_id: str, number: int) -> str:
        request = self._requests.get(task_id)
        if request is None:
            return f"Sandbox Song {number}"
        return request.title or _title_from_prompt(request.prompt) or f"Sandbox Song {number}"


def _title_from_prompt(prompt: str) -> str:
    """The prompt's first few words, capitalised: "lofi beats for a rainy day" → "Lofi Beats…"."""
    words = re.findall(r"[^\W_]+(?:'[^\W_]+)?", prompt)[:_TITLE_WORDS]
    return " ".join(word.capitalize() for word in words)[:_TITLE_LIMIT]


def _lyrics(request: GenerateRequest | None, instrumental: bool) -> str:
    if instrumental or (request is not None and request.instrumental):
        return "[Instrumental]"
    topic = _title_from_prompt(request.prompt).lower() if request else ""
    return "\n".join(
        (
            "[Verse]",
            f"Humming {topic or 'a tune'} in the sandbox light,",
            "every note is made right here tonight.",
            "[Chorus]",
            "No key, no cloud, no bill to pay,",
            "the sandbox sings it anyway.",
        )
    )
