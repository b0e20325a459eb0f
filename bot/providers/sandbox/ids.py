"""Sandbox task ids, track ids and media URLs: everything ``status`` needs, inside the id.

The bot may restart in the middle of a job and ask a fresh provider about it,
so nothing a task needs may live only in memory. Grammar (at most 57 characters,
59 as a track id: ids are stored and logged, so they stay under 64):

    sbx-<created>-<digest>[-<flags>][-<source>]

    created  milliseconds since the epoch when the task was submitted
    digest   12 hex of a hash of the request: it seeds the task's tunes
    flags    an operation letter, an "i" for instrumental, or both: "e" extend,
             "c" restyle (cover), "w" WAV, "t" stems, "u" upload extend, "v" add
             vocals, "a" add instrumental; no letter is a song, so ids made
             before operations existed (sbx-<created>-<digest>[-i]) read as songs
    source   extend, WAV and stems only: <digest>.<track>.<tenths>, the source
             track's tune and a length in tenths of a second (for extend, where
             the extension picks up; for WAV and stems, the source's length)

A track id is ``<task id>-<n>``; a media URL is ``sandbox://<task id>/<file>``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from bot.providers.base import Operation, TrackRef

TRACKS = (1, 2)
_PREFIX = "sbx"
_MAX_TENTHS = 999_999  # six digits: over a day of audio, far beyond any vendor's song
_LETTERS = {
    Operation.EXTEND: "e",
    Operation.RESTYLE: "c",
    Operation.WAV: "w",
    Operation.STEMS: "t",
    Operation.UPLOAD_EXTEND: "u",
    Operation.ADD_VOCALS: "v",
    Operation.ADD_INSTRUMENTAL: "a",
}
_OPERATIONS = {letter: op for op, letter in _LETTERS.items()}
_TASK_ID = re.compile(
    _PREFIX + r"-(?P<created>\d{1,15})-(?P<digest>[0-9a-f]{12})"
    r"(?:-(?P<flags>[ecwtuva]i?|i))?"
    r"(?:-(?P<source>[0-9a-f]{12})\.(?P<track>[12])\.(?P<tenths>[1-9]\d{0,5}))?"
)
_MEDIA_URL = re.compile(r"sandbox://(?P<task>[^/]+)/(?P<file>[a-z0-9]+\.[a-z0-9]+)")


def tune_seed(digest: str, track: int) -> bytes:
    """The melody seed of track ``track`` of the task with ``digest``.

    Built from the digest rather than the whole id so that a follow-up can
    name its source's tune in a dozen characters.
    """
    return f"{digest}/{track}".encode()


@dataclass(frozen=True)
class SourceTune:
    """The track a follow-up works on, as far as rendering needs it."""

    digest: str
    track: int
    seconds: float  # extend: where to pick up; WAV, stems: the source's length

    @property
    def seed(self) -> bytes:
        return tune_seed(self.digest, self.track)


@dataclass(frozen=True)
class SandboxTask:
    """A parsed sandbox task id."""

    created_ms: int
    digest: str
    operation: Operation = Operation.SONG
    instrumental: bool = False
    source: SourceTune | None = None

    @property
    def created(self) -> float:
        """Seconds since the epoch."""
        return self.created_ms / 1000

    def __str__(self) -> str:
        text = f"{_PREFIX}-{self.created_ms}-{self.digest}"
        flags = _LETTERS.get(self.operation, "") + ("i" if self.instrumental else "")
        if flags:
            text += f"-{flags}"
        if self.source is not None:
            tenths = min(max(round(self.source.seconds * 10), 1), _MAX_TENTHS)
            text += f"-{self.source.digest}.{self.source.track}.{tenths}"
        return text


def parse_task_id(task_id: str) -> SandboxTask | None:
    """The task ``task_id`` names, or None when the sandbox never made such an id."""
    match = _TASK_ID.fullmatch(task_id)
    if match is None:
        return None
    flags = match["flags"] or ""
    operation = _OPERATIONS.get(flags[:1], Operation.SONG)
    instrumental = flags.endswith("i")
    source = None
    if match["source"] is not None:
        seconds = int(match["tenths"]) / 10
        source = SourceTune(match["source"], int(match["track"]), seconds)
    # Only what submit writes parses: a source exactly on follow-ups, and
    # "instrumental" only where there are songs to sing or not.
    if (source is not None) != operation.follows_up:
        return None
    if instrumental and not operation.makes_tracks:
        return None
    return SandboxTask(int(match["created"]), match["digest"], operation, instrumental, source)


def track_id(task_id: str, number: int) -> str:
    return f"{task_id}-{number}"


def parse_track(ref: TrackRef) -> tuple[SandboxTask, int] | None:
    """The task and track number ``ref`` names, or None when it is not a sandbox song."""
    task = parse_task_id(ref.task_id)
    if task is None or not task.operation.makes_tracks:
        return None
    number = next((n for n in TRACKS if track_id(ref.task_id, n) == ref.track_id), None)
    return None if number is None else (task, number)


def media_url(task_id: str, file: str) -> str:
    return f"sandbox://{task_id}/{file}"


def parse_media_url(url: str) -> tuple[str, SandboxTask, str] | None:
    """(task id, task, file name) of a URL ``media_url`` made, or None."""
    match = _MEDIA_URL.fullmatch(url)
    if match is None:
        return None
    task = parse_task_id(match["task"])
    return None if task is None else (match["task"], task, match["file"])
