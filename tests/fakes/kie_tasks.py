"""The kie.ai emulator's tasks: what each is, where it stands, and what it was made from.

A ``TaskBook`` holds every task and the tracks the song kinds made, computes
a task's stage from its creation time on every look (0 pending, 1 text, 2
first, 3 done), and derives a new task's facts from its checked body and, for
an extension or a follow-up, from the finished track it names.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from tests.fakes.kie_checks import (
    Refused,
    Source,
    check_cover,
    check_extend,
    check_generate,
    check_layer,
    check_lyrics,
    check_track_call,
    check_upload_extend,
    required_id,
)

# Polled at /generate/record-info; the last four start from a member's upload.
SONG_KINDS = frozenset(
    {"generate", "extend", "cover", "upload_extend", "add_vocals", "add_instrumental"}
)
DONE = frozenset({"success", "callback_exception"})  # outcomes whose task makes its output
EXTENSION_SECONDS = 30.0  # how much longer an extension is than its source
# Share of ``generation_seconds`` after which a task reaches stages 1 (text), 2 (first), 3.
STAGE_SHARES = {1: 0.3, 2: 0.6, 3: 1.0}
INSTRUMENTAL = "[Instrumental]"  # the lyrics of an instrumental track


@dataclass
class Task:
    task_id: str
    kind: str  # a song kind, or wav, stems, video, lyrics
    body: dict[str, Any]
    submitted: float
    generation_seconds: float
    outcome: str
    error_code: int | None
    error_message: str
    # Song kinds: the two tracks, and what an extension or follow-up of them needs.
    track_ids: tuple[str, str] = ("", "")
    model: str = ""
    instrumental: bool = False
    lyrics: str = ""
    titles: tuple[str, str] = ("", "")
    durations: tuple[float, float] = (0.0, 0.0)
    source: tuple[str, str] | None = None  # WAV, stems, video: (task id, audio id)
    # Appended to the tracks' audio URLs: a long signed URL, or one that 404s (a path part).
    audio_url_suffix: str = ""
    # Where the tracks' streamAudioUrl points (empty: the emulator's own /stream/).
    stream_base: str = ""
    # Callback settings captured at creation (None: this task sends no callbacks).
    callback_url: str | None = None
    callback_skip: frozenset[str] = frozenset()
    callback_stall: str | None = None
    callbacks_done: set[str] = field(default_factory=set)  # stages sent or skipped

    @property
    def makes_output(self) -> bool:
        return self.outcome in DONE

    @property
    def done_stage(self) -> int:
        """The stage at which the task ends.

        Lyrics end when a song's lyrics would be written, at the text stage:
        kie writes lyrics in seconds and songs in minutes.
        """
        return 1 if self.kind == "lyrics" else 3

    @property
    def ends_at(self) -> float:
        return self.submitted + self.generation_seconds * STAGE_SHARES[self.done_stage]


def song_lyrics(prompt: str, instrumental: bool) -> str:
    """A track's lyrics: the prompt (lyrics in custom mode) dressed as a song."""
    return INSTRUMENTAL if instrumental else f"[Verse]\n{prompt[:60]}\n[Chorus]\nla la la"


class TaskBook:
    """Every task made, by id, and every track a song kind made, by audio id."""

    def __init__(self, clock: Callable[[], float]) -> None:
        self.clock = clock
        self.tasks: dict[str, Task] = {}
        self._tracks: dict[str, tuple[str, int]] = {}  # audio id -> (task id, index)

    def add(self, task: Task) -> None:
        self.tasks[task.task_id] = task
        for n, track_id in enumerate(task.track_ids):
            if track_id:
                self._tracks[track_id] = (task.task_id, n)

    def stage(self, task: Task) -> int:
        """0 pending, 1 text, 2 first, 3 done: TEXT at 30%, FIRST at 60%, done at 100%."""
        if task.generation_seconds <= 0:
            return 3
        share = (self.clock() - task.submitted) / task.generation_seconds
        return max((n for n, due in STAGE_SHARES.items() if share >= due), default=0)

    def facts(
        self, kind: str, path: str, body: dict[str, Any], durations: tuple[float, float]
    ) -> dict[str, Any]:
        """``kind``'s checks on ``body``, and the task fields it derives (``Refused`` if any fail).

        ``durations`` are the tracks' lengths for a new song or cover.
        """
        new_ids = (str(uuid.uuid4()), str(uuid.uuid4()))
        if kind in ("generate", "cover"):
            check_cover(body) if kind == "cover" else check_generate(body)
            instrumental = bool(body["instrumental"])
            title = str(body.get("title") or "") if body["customMode"] else ""
            return {
                "track_ids": new_ids,
                "model": str(body["model"]),
                "instrumental": instrumental,
                "lyrics": song_lyrics(str(body.get("prompt") or ""), instrumental),
                "titles": (title or "Emulated Song A", title or "Emulated Song B"),
                "durations": durations,
            }
        if kind == "extend":
            return {"track_ids": new_ids, **self._extension(body)}
        if kind in ("upload_extend", "add_vocals", "add_instrumental"):
            return {"track_ids": new_ids, "durations": durations, **_from_upload(kind, body)}
        if kind == "lyrics":
            check_lyrics(body)
            return {}
        check_track_call(body, path)  # WAV, stems, video
        self.finished_track(body["taskId"], body["audioId"])
        return {"source": (body["taskId"], body["audioId"])}

    def _extension(self, body: dict[str, Any]) -> dict[str, Any]:
        source, n = self._track(required_id(body, "audioId"))
        self._require_finished(source)
        duration = source.durations[n]
        check_extend(body, Source(source.model, duration, source.instrumental))
        own = bool(body["defaultParamFlag"])  # False: the source's lyrics, style and title
        prompt = str(body.get("prompt") or "") if own else ""
        title = str(body["title"]) if own else source.titles[n]
        longer = duration + EXTENSION_SECONDS
        return {
            "model": source.model,
            "instrumental": source.instrumental,
            "lyrics": song_lyrics(prompt, source.instrumental) if prompt else source.lyrics,
            "titles": (title, title),
            "durations": (longer, longer + 0.04),
        }

    def finished_track(self, task_id: str, audio_id: str) -> tuple[Task, int]:
        """The done track both ids name, and its index (the refusal codes are guesses)."""
        if task_id not in self.tasks:
            raise Refused(404, "taskId not found")
        task, n = self._track(audio_id)
        if task.task_id != task_id:
            raise Refused(400, "audioId is not a track of taskId")
        self._require_finished(task)
        return task, n

    def _track(self, audio_id: str) -> tuple[Task, int]:
        found = self._tracks.get(audio_id)
        if found is None:
            # kie's answer for an audio id it never made is undocumented; a guess.
            raise Refused(404, "audioId not found")
        return self.tasks[found[0]], found[1]

    def _require_finished(self, task: Task) -> None:
        if not task.makes_output or self.stage(task) < 3:
            raise Refused(400, "the source audio is not finished")


def _from_upload(kind: str, body: dict[str, Any]) -> dict[str, Any]:
    """What a song made from an upload sings and is called, once its checks pass."""
    if kind == "upload_extend":
        check_upload_extend(body)
        instrumental = bool(body.get("instrumental"))
    else:
        check_layer(body, kind)
        instrumental = kind == "add_instrumental"
    title = str(body.get("title") or "") or "Emulated Upload"
    return {
        "model": str(body["model"]),
        "instrumental": instrumental,
        "lyrics": song_lyrics(str(body.get("prompt") or ""), instrumental),
        "titles": (title, title),
    }
