"""Reading APIXO's answers: its error envelope and the tracks in ``resultJson``."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from typing import Any

import httpx

from bot.errors import MalformedResponse
from bot.providers.base import Track
from bot.providers.parsing import (
    TrackNames,
    as_code,
    as_text,
    as_time,
    first_text,
    read_track,
)

# The docs say result URLs live 15 days (one page says 14); counted from createTime.
URL_LIFETIME = timedelta(days=15)
# A resultUrls object: snake_case and camelCase spellings are both seen; the lyrics
# are the task's.
_TRACK_NAMES: TrackNames = {
    "audio_url": ("audio_url", "audioUrl"),
    "stream_url": ("stream_audio_url", "streamAudioUrl"),
    "image_url": ("image_url", "imageUrl"),
    "model": ("model_name", "modelName"),
    "lyrics": (),
}


def error_of(response: httpx.Response, body: Any) -> tuple[str, str] | None:
    """(code, message) when the answer is an error, by body code or by HTTP status; else None."""
    body_code = None
    message = ""
    if isinstance(body, dict):
        body_code = as_code(body.get("code"))
        message = _message(body)
    if body_code is not None and body_code != "200":
        return body_code, message
    if response.is_error:
        return str(response.status_code), message or response.reason_phrase
    return None


def _message(body: dict[str, Any]) -> str:
    """``message`` (or ``msg``), plus ``data.error`` when it adds something."""
    message = as_text(body.get("message") if body.get("message") is not None else body.get("msg"))
    data = body.get("data")
    error = as_text(data.get("error")) if isinstance(data, dict) else ""
    if error and error != message:
        return f"{message}: {error}" if message else error
    return message


def song_tracks(task_id: str, data: dict[str, Any]) -> list[Track]:
    items = _result_urls(data.get("resultJson"))
    created = as_time(data.get("createTime")) or as_time(data.get("completeTime"))
    expires = created + URL_LIFETIME if created else None
    lyrics = as_text(data.get("lyrics"))
    return [_track(task_id, n, item, lyrics, expires) for n, item in enumerate(items, start=1)]


def _result_urls(raw: Any) -> list[Any]:
    """``resultJson.resultUrls``: documented as a JSON string; an object is taken too."""
    if isinstance(raw, str):
        try:
            raw = json.loads(raw)
        except (ValueError, RecursionError):
            raise MalformedResponse("resultJson is not valid JSON") from None
    if not isinstance(raw, dict):
        raise MalformedResponse("success without a resultJson object")
    items = raw.get("resultUrls")
    if not isinstance(items, list) or not items:
        raise MalformedResponse("resultJson has no resultUrls")
    return items


def _track(task_id: str, n: int, item: Any, lyrics: str, expires: datetime | None) -> Track:
    if isinstance(item, str):
        item = {"audio_url": item}  # the plain-URL form some answers use
    if not isinstance(item, dict):
        raise MalformedResponse("a resultUrls item is neither an object nor a URL")
    # APIXO documents no track id; the position keeps the two tracks apart.
    track_id = first_text(item, "id", "audio_id", "audioId") or f"{task_id}-{n}"
    return read_track(task_id, track_id, item, _TRACK_NAMES, lyrics=lyrics, expires_at=expires)
