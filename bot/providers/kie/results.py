"""Reading what kie.ai made: tracks, WAV, stem and video files, lyrics, word timings.

Pure functions over the envelope's ``data`` (or its ``response``), so the
provider class keeps only the requests. Where seed 001 and kie's pages are
silent about a shape, the reasonable alternatives are accepted and marked.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from typing import Any

from bot.errors import MalformedResponse
from bot.providers.base import LyricsDraft, Operation, OutputFile, TimedWord, Track
from bot.providers.parsing import as_number, as_text, as_time

# kie keeps generated files for 14 days.
URL_LIFETIME = timedelta(days=14)

# The single file of a WAV or video task: the field it is in, its label and suffix.
# The snake_case spellings are what kie's callbacks use; accepting them in
# record-info too is a guess against a reseller that answers that way.
_SINGLE_FILES = {
    Operation.WAV: (("audioWavUrl", "audio_wav_url"), "WAV", ".wav"),
    Operation.VIDEO: (("videoUrl", "video_url"), "Video", ".mp4"),
}
# Stem fields are "<stem>Url"; originUrl is the mixed source itself, not a stem.
_STEM_FIELD = re.compile(r"(?P<stem>[a-z][A-Za-z]*)Url")
_NOT_STEMS = frozenset({"originUrl"})
_STEM_LABELS = {"vocalUrl": "Vocals", "instrumentalUrl": "Instrumental", "fxUrl": "FX"}
_STEM_FIRST = ("vocalUrl", "instrumentalUrl")  # the two-stem split, in the order members expect


def song_tracks(task_id: str, data: dict[str, Any]) -> list[Track]:
    """The tracks of a song, extension or cover record (``response.sunoData``)."""
    response = data.get("response")
    if response is None:
        return []  # null until TEXT_SUCCESS
    if not isinstance(response, dict):
        raise MalformedResponse("record-info response is not an object")
    items = response.get("sunoData") or []
    if not isinstance(items, list):
        raise MalformedResponse("record-info sunoData is not a list")
    task_created = as_time(data.get("createTime"))
    return [_track(task_id, item, task_created) for item in items]


def _track(task_id: str, item: Any, task_created: datetime | None) -> Track:
    if not isinstance(item, dict) or not item.get("id"):
        raise MalformedResponse("a track in sunoData has no id")
    known = [t for t in (as_time(item.get("createTime")), task_created) if t is not None]
    # The earlier time is the conservative one: better re-fetch early than post a dead link.
    created = min(known) if known else None
    return Track(
        vendor_task_id=task_id,
        vendor_track_id=str(item["id"]),
        audio_url=as_text(item.get("audioUrl")),
        stream_url=as_text(item.get("streamAudioUrl")),
        image_url=as_text(item.get("imageUrl")),
        title=as_text(item.get("title")),
        tags=as_text(item.get("tags")),
        lyrics=as_text(item.get("prompt")),
        duration=as_number(item.get("duration")),
        model=as_text(item.get("modelName")),
        expires_at=created + URL_LIFETIME if created else None,
    )


def output_files(operation: Operation, response: Any) -> list[OutputFile]:
    """The files in a WAV, stems or video record's ``response`` (null until done)."""
    if response is None:
        return []
    if not isinstance(response, dict):
        raise MalformedResponse("record-info response is not an object")
    if operation is Operation.STEMS:
        return _stems(response)
    names, label, suffix = _SINGLE_FILES[operation]
    url = next((u for u in (_url(response.get(name)) for name in names) if u), "")
    return [OutputFile(label=label, url=url, suffix=suffix)] if url else []


def _stems(response: dict[str, Any]) -> list[OutputFile]:
    """Every non-empty stem URL: two for ``separate_vocal``, up to 12 for ``split_stem``."""
    fields = [name for name in response if _STEM_FIELD.fullmatch(name) and name not in _NOT_STEMS]
    fields.sort(key=lambda name: _STEM_FIRST.index(name) if name in _STEM_FIRST else 2)
    files = []
    for name in fields:
        url = _url(response[name])
        if url:
            # kie's stems are MP3s (its samples end "_Vocals.mp3").
            files.append(OutputFile(label=_stem_label(name), url=url, suffix=".mp3"))
    return files


def _stem_label(field: str) -> str:
    """ "backingVocalsUrl" -> "Backing Vocals"; the two-stem names as members know them."""
    if field in _STEM_LABELS:
        return _STEM_LABELS[field]
    stem = _STEM_FIELD.fullmatch(field)
    assert stem is not None  # only called on matching fields
    return re.sub(r"(?<=[a-z])(?=[A-Z])", " ", stem["stem"]).title()


def lyrics_drafts(response: Any) -> list[LyricsDraft]:
    """The drafts of a lyrics record's ``response`` (null until done).

    kie's pages show the list as ``lyricsData`` and, in older samples and its
    callbacks, as ``data``: both are read. Variations whose own ``status`` says
    they failed are left out.
    """
    if response is None:
        return []
    if not isinstance(response, dict):
        raise MalformedResponse("lyrics response is not an object")
    items = response.get("lyricsData")
    if items is None:
        items = response.get("data")
    if items is None:
        return []
    if not isinstance(items, list):
        raise MalformedResponse("lyrics data is not a list")
    drafts = []
    for item in items:
        if not isinstance(item, dict):
            raise MalformedResponse("a lyrics draft is not an object")
        status = as_text(item.get("status")).strip().lower()
        text = as_text(item.get("text"))
        if text.strip() and status in ("", "complete", "success"):
            drafts.append(LyricsDraft(title=as_text(item.get("title")).strip(), text=text))
    return drafts


def timed_words(data: Any) -> list[TimedWord]:
    """``alignedWords`` of get-timestamped-lyrics: ``startS``/``endS`` (older: ``start_s``).

    An instrumental track has no words (kie returns none, or null); a word
    without readable times is skipped rather than placed at zero.
    """
    if not isinstance(data, dict):
        raise MalformedResponse("timestamped lyrics data is not an object")
    items = data.get("alignedWords")
    if items is None:
        return []
    if not isinstance(items, list):
        raise MalformedResponse("alignedWords is not a list")
    words = []
    for item in items:
        if not isinstance(item, dict):
            raise MalformedResponse("an aligned word is not an object")
        start = _first_number(item, "startS", "start_s")
        end = _first_number(item, "endS", "end_s")
        word = as_text(item.get("word"))
        if start is not None and end is not None and word:
            words.append(TimedWord(word=word, start=start, end=max(start, end)))
    return words


def _first_number(item: dict[str, Any], *names: str) -> float | None:
    return next((n for n in (as_number(item.get(name)) for name in names) if n is not None), None)


def _url(value: Any) -> str:
    return as_text(value).strip()
