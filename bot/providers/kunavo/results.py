"""Reading Kunavo's answers: its error bodies and the tracks of a job."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from bot.errors import MalformedResponse
from bot.providers.base import Track
from bot.providers.parsing import TrackNames, as_text, as_time, read_track

# When output.archived is false the URLs are Suno's own, which expire after about a day.
SUNO_URL_LIFETIME = timedelta(hours=24)
# A track in output.tracks; its own model, where it names one, wins over the job's.
_TRACK_NAMES: TrackNames = {"audio_url": ("url",), "tags": ("tags", "style")}


def error_of(body: Any) -> tuple[str, str]:
    """(code, message) of ``{error: {code, message}}``, ``{error: "..."}`` or ``{code, message}``.

    The seed shows no error body; these are the shapes OpenAI-style vendors use.
    """
    if not isinstance(body, dict):
        return "", ""
    error = body.get("error")
    if isinstance(error, dict):
        return _text(error.get("code") or error.get("type")), _text(error.get("message"))
    if isinstance(error, str):
        return "", error
    return _text(body.get("code")), _text(body.get("message"))


def _text(value: Any) -> str:
    # Stripped: the codes and ids read with it are compared and looked up.
    return as_text(value).strip()


def song_tracks(task_id: str, job: dict[str, Any]) -> list[Track]:
    output = job.get("output")
    if output is None:
        return []  # null until the task completes
    if not isinstance(output, dict):
        raise MalformedResponse("job output is not an object")
    items = output.get("tracks") or []
    if not isinstance(items, list):
        raise MalformedResponse("job output.tracks is not a list")
    expires = _expiry(job, archived=output.get("archived") is True)
    model = _text(job.get("model"))
    return [_track(task_id, n, item, expires, model) for n, item in enumerate(items)]


def _expiry(job: dict[str, Any], *, archived: bool) -> datetime | None:
    """None for archived (permanent) links, else the earliest sign of their end.

    Unarchived URLs are Suno's, good for about a day from completion, while
    the job's ``expires_at`` (about 30 days) is when Kunavo prunes the task:
    the earlier is the conservative one, better re-fetch early than post a dead link.
    """
    if archived:
        return None
    known: list[datetime] = []
    pruned = as_time(job.get("expires_at"))
    if pruned is not None:
        known.append(pruned)
    done = as_time(job.get("completed_at")) or as_time(job.get("created_at"))
    if done is not None:
        known.append(done + SUNO_URL_LIFETIME)
    return min(known) if known else None


def _track(task_id: str, n: int, item: Any, expires: datetime | None, model: str) -> Track:
    if not isinstance(item, dict):
        raise MalformedResponse("a track in output.tracks is not an object")
    # Kunavo documents no track id; position within the task identifies it.
    track_id = _text(item.get("id")) or f"{task_id}:{n}"
    expires = as_time(item.get("expires_at")) or expires
    return read_track(
        task_id, track_id, item, _TRACK_NAMES, text=_text, model=model, expires_at=expires
    )
