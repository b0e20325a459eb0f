"""Reading Evolink's answers: its ``error`` objects and the tracks of a task."""

from __future__ import annotations

from dataclasses import dataclass
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
    json_body,
    read_track,
)

# "Generated audio links are valid for 72 hours" (seed 002).
URL_LIFETIME = timedelta(hours=72)
# An entry of result_data, which leaves the model to its task. The lyrics are not in
# the seed; kie-style answers say "prompt".
_TRACK_NAMES: TrackNames = {
    "stream_url": ("stream_audio_url",),
    "lyrics": ("lyrics", "prompt"),
    "model": (),
}


@dataclass(frozen=True)
class ApiError:
    """An HTTP error answer, in Evolink's ``error`` object where it sent one."""

    status: int
    code: str | None
    type: str | None
    message: str
    param: str = ""
    suggestion: str = ""

    def keys(self) -> list[str]:
        """Table keys, most specific first; duplicates (code == status) removed."""
        keys = [k for k in (self.code, self.type, str(self.status)) if k]
        return list(dict.fromkeys(keys))


def api_error(response: httpx.Response) -> ApiError | None:
    """The error an HTTP error answer carries; None for a success answer."""
    if not response.is_error:
        return None
    body = json_body(response)
    error = body.get("error") if isinstance(body, dict) else None
    if isinstance(error, str):  # some gateways answer {"error": "text"}
        error = {"message": error}
    if not isinstance(error, dict):
        return ApiError(response.status_code, None, None, response.reason_phrase)
    return ApiError(
        status=response.status_code,
        code=as_code(error.get("code")),
        type=as_code(error.get("type")),
        message=as_text(error.get("message")) or response.reason_phrase,
        param=as_text(error.get("param")),
        suggestion=as_text(error.get("fallback_suggestion")),
    )


def song_tracks(task_id: str, task: dict[str, Any]) -> list[Track]:
    """Tracks from ``result_data``, or from the bare ``results`` URLs when it is absent."""
    created = as_time(task.get("created"))
    expires = created + URL_LIFETIME if created else None
    model = as_text(task.get("model"))
    items = task.get("result_data")
    if items:
        if not isinstance(items, list):
            raise MalformedResponse("result_data is not a list")
        return [_track(task_id, item, model, expires) for item in items]
    urls = task.get("results")
    if urls:
        if not isinstance(urls, list):
            raise MalformedResponse("results is not a list")
        return [_url_track(task_id, n, url, model, expires) for n, url in enumerate(urls)]
    return []


def _track(task_id: str, item: Any, model: str, expires: datetime | None) -> Track:
    if not isinstance(item, dict):
        raise MalformedResponse("an entry of result_data is not an object")
    track_id = as_code(item.get("result_id"))
    if track_id is None:
        raise MalformedResponse("an entry of result_data has no result_id")
    return read_track(task_id, track_id, item, _TRACK_NAMES, model=model, expires_at=expires)


def _url_track(task_id: str, n: int, url: Any, model: str, expires: datetime | None) -> Track:
    if not isinstance(url, str) or not url:
        raise MalformedResponse("an entry of results is not a URL")
    # No result_id without result_data: the position is stable across polls.
    return Track(
        vendor_task_id=task_id,
        vendor_track_id=f"{task_id}-{n}",
        audio_url=url,
        model=model,
        expires_at=expires,
    )
