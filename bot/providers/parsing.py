"""Reading vendor answers defensively: one copy of what every dialect needs.

Vendors send numbers as strings, ids as numbers, nulls where the docs promise
text, and error pages instead of JSON. These helpers turn such values into
the bot's types or None, never raising on odd input, so each dialect module
only says which field means what. The few request fields that every dialect
spells alike, bar their names, are built here too (see the end).
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit

import httpx

from bot.errors import MalformedResponse
from bot.providers.base import GenerateRequest, Track

LOOPBACK_HOSTS = frozenset({"127.0.0.1", "localhost", "::1"})
# Ids from a vendor end up in lookups and logs: visible ASCII only, and bounded.
VISIBLE_ID = re.compile(r"[\x21-\x7e]{1,128}")


def json_body(response: httpx.Response) -> Any:
    """The parsed body, or None when it is not JSON (an HTML error page, a cut-off body)."""
    try:
        return json.loads(response.content)
    except (ValueError, RecursionError):  # RecursionError: absurdly nested
        return None


def json_object(response: httpx.Response, body: Any) -> dict[str, Any]:
    """``body`` when it is a JSON object; else the answer is malformed."""
    if not isinstance(body, dict):
        kind = "not a JSON object" if body is not None else "not JSON"
        raise MalformedResponse(f"answer is {kind} (HTTP {response.status_code})")
    return body


def as_code(value: Any) -> str | None:
    """A vendor code as text (``402``, ``402.0`` and ``"402"`` alike); None when absent."""
    if value is None or isinstance(value, bool | dict | list):
        return None
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    text = str(value).strip()
    return text or None


def as_text(value: Any) -> str:
    """A text field; "" for null and for a nested object where text was expected."""
    if value is None or isinstance(value, dict | list):
        return ""
    return str(value)


def as_number(value: Any) -> float | None:
    """A finite, non-negative number (seconds, percent, epoch time), or None."""
    if isinstance(value, bool):
        return None
    try:
        result = float(value)
    except (TypeError, ValueError):
        return None
    return result if math.isfinite(result) and result >= 0 else None


def as_progress(value: Any) -> int | None:
    """A 0-100 progress figure, or None."""
    result = as_number(value)
    return None if result is None else min(100, round(result))


def as_time(value: Any) -> datetime | None:
    """Epoch seconds or milliseconds, or ISO 8601 text (naive taken as UTC); else None.

    Zero is "unset" rather than 1970: a URL lifetime counted from it would
    make every link look dead.
    """
    if isinstance(value, str) and value.strip() and as_number(value.strip()) is None:
        try:
            parsed = datetime.fromisoformat(value.strip())
        except ValueError:
            return None
        # Zones are undocumented; hours of error are harmless against URL lifetimes of days.
        return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)
    seconds = as_number(value)
    if not seconds:
        return None
    if seconds > 1e11:  # milliseconds (seconds would be past the year 5000)
        seconds /= 1000
    try:
        return datetime.fromtimestamp(seconds, UTC)
    except (OverflowError, OSError, ValueError):
        return None


def first_text(item: Mapping[str, Any], *names: str, text: Callable[[Any], str] = as_text) -> str:
    """The first of ``names`` that reads as text in ``item``; "" if none does.

    Dialects spell one field several ways (``audio_url`` or ``audioUrl``, ``tags``
    or ``style``), and a null or empty value leaves the way to the next spelling.
    """
    for name in names:
        value = text(item.get(name))
        if value:
            return value
    return ""


# Where a dialect's track object keeps a text field of ``Track`` when not under the
# field's own name: the names to try (the first that reads as text wins), or () for
# a field the object never holds.
TrackNames = Mapping[str, tuple[str, ...]]
_TRACK_TEXT = ("audio_url", "stream_url", "image_url", "title", "tags", "lyrics", "model")


def read_track(
    task_id: str,
    track_id: str,
    item: Mapping[str, Any],
    names: TrackNames,
    *,
    text: Callable[[Any], str] = as_text,
    **fallback: Any,
) -> Track:
    """One track object read through ``names``, with its duration.

    ``fallback`` holds what the task says for all its tracks (its model, when its
    links expire...): a field the track leaves empty, or never holds, takes it.
    """
    found = {
        field: first_text(item, *names.get(field, (field,)), text=text) for field in _TRACK_TEXT
    }
    return Track(
        vendor_task_id=task_id,
        vendor_track_id=track_id,
        duration=as_number(item.get("duration")),
        **(fallback | {field: value for field, value in found.items() if value}),
    )


def all_audio(tracks: list[Track]) -> bool:
    return bool(tracks) and all(track.audio_url for track in tracks)


def webhook_allowed(url: str) -> bool:
    """HTTPS, or plain HTTP to loopback (local runs and tests): where vendors call back."""
    try:
        parts = urlsplit(url)
        host = parts.hostname
    except ValueError:  # e.g. a malformed IPv6 literal
        return False
    if not host:
        return False
    return parts.scheme == "https" or (parts.scheme == "http" and host in LOOPBACK_HOSTS)


# -- request fields several dialects share -----------------------------------------------


def custom_fields(request: GenerateRequest, flag: str) -> dict[str, Any]:
    """The custom-mode fields, ``flag`` being the dialect's name for the mode switch.

    ``prompt`` carries the lyrics as they are: empty is the vendor's to refuse
    unless the song is instrumental.
    """
    return {
        flag: True,
        "prompt": request.lyrics,
        "style": request.style,
        "title": request.title,
        "instrumental": request.instrumental,
    }


# The finer controls under Suno's own camelCase names, which kie.ai and APIXO both keep.
CAMEL_TUNING = {
    "negative_tags": "negativeTags",
    "vocal_gender": "vocalGender",
    "style_weight": "styleWeight",
    "weirdness": "weirdnessConstraint",
    "audio_weight": "audioWeight",
}


def tuning_fields(request: GenerateRequest, names: Mapping[str, str]) -> dict[str, Any]:
    """The finer controls that are set, under the dialect's ``names``.

    ``names`` maps each of ``negative_tags``, ``vocal_gender``, ``style_weight``,
    ``weirdness`` and ``audio_weight`` to the vendor's field. Weights go with
    two decimals, as the vendors document; unset controls are left out.
    """
    values: dict[str, str | float | None] = {
        "negative_tags": request.negative_tags or None,
        "vocal_gender": request.vocal_gender,
        "style_weight": _weight(request.style_weight),
        "weirdness": _weight(request.weirdness),
        "audio_weight": _weight(request.audio_weight),
    }
    return {names[key]: value for key, value in values.items() if value is not None}


def _weight(value: float | None) -> float | None:
    return None if value is None else round(value, 2)
