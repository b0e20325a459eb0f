"""What a sandbox task's files are and how each one is rendered, from its parsed id alone.

A song's track is one tune; an extension's plays its source's tune up to the
point it picks up from, then a tune of its own; WAV and stems render the
source's tune again. An extension's own tune is what a later follow-up of it
hears: its id has room for one source tune, not for the whole chain.
"""

from __future__ import annotations

from bot.providers.base import Operation, OutputFile
from bot.providers.sandbox.artwork import render_cover
from bot.providers.sandbox.ids import TRACKS, SandboxTask, media_url, tune_seed
from bot.providers.sandbox.synth import Segment, Voices, render_medley, render_wav, wav_size

_TRACK_FILES = {f"{n}.{kind}": n for n in TRACKS for kind in ("mp3", "png")}
_WAV_FILE = "track.wav"
# Stems: the synth's lead line stands in for the singer, its pad and bass for the band.
_STEMS: dict[str, tuple[str, Voices]] = {
    "vocals.mp3": ("Vocals", "lead"),
    "instrumental.mp3": ("Instrumental", "backing"),
}


def track_number(task: SandboxTask, file: str) -> int | None:
    """The track ``file`` belongs to, when it is a song's audio or cover."""
    return _TRACK_FILES.get(file) if task.operation.makes_tracks else None


def knows(task: SandboxTask, file: str) -> bool:
    """Whether ``task`` has a file of that name, so that a forged URL renders nothing."""
    if task.operation.makes_tracks:
        return file in _TRACK_FILES
    if task.operation is Operation.WAV:
        return file == _WAV_FILE
    return task.operation is Operation.STEMS and file in _STEMS


def output_files(task_id: str, task: SandboxTask) -> list[OutputFile]:
    """What a WAV or stems task made, as its status reports it."""
    if task.operation is Operation.WAV:
        return [OutputFile(label="WAV", url=media_url(task_id, _WAV_FILE), suffix=".wav")]
    return [
        OutputFile(label=label, url=media_url(task_id, file), suffix=".mp3")
        for file, (label, _) in _STEMS.items()
    ]


def track_segments(task: SandboxTask, number: int, track_seconds: float) -> list[Segment]:
    """The tunes track ``number`` plays, in order; their lengths add up to its duration."""
    own = Segment(tune_seed(task.digest, number), track_seconds)
    if task.source is None:
        return [own]
    return [Segment(task.source.seed, task.source.seconds), own]


def duration(task: SandboxTask, track_seconds: float) -> float:
    """How long each of the task's tracks lasts, in seconds."""
    return sum(s.seconds for s in track_segments(task, TRACKS[0], track_seconds))


def size_before_render(task: SandboxTask, file: str) -> int | None:
    """The exact size of a file that can be known without rendering it (the WAV)."""
    return wav_size(_source(task)) if file == _WAV_FILE else None


def render(task: SandboxTask, file: str, title: str, track_seconds: float) -> bytes:
    """The bytes of ``file``, which ``knows`` accepted. CPU-bound: run it in a thread.

    ``title`` is written on a cover; each track has its own seed, so they differ.
    """
    number = track_number(task, file)
    if number is not None and file.endswith(".png"):
        return render_cover(tune_seed(task.digest, number), title)
    if number is not None:
        return render_medley(track_segments(task, number, track_seconds))
    if file == _WAV_FILE:
        return render_wav(_source(task))
    return render_medley(_source(task), voices=_STEMS[file][1])


def _source(task: SandboxTask) -> list[Segment]:
    assert task.source is not None  # parse_task_id guarantees one on every file operation
    return [Segment(task.source.seed, task.source.seconds)]
