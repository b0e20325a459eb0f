"""Kunavo's signed webhooks: the signature header and the event a body carries."""

from __future__ import annotations

import json

from bot.providers.base import CallbackEvent, CallbackRejected
from bot.providers.parsing import VISIBLE_ID

TIMESTAMP_HEADER = "x-kunavo-webhook-timestamp"
SIGNATURE_HEADER = "x-kunavo-webhook-signature"


def signature_bytes(header: str | None) -> bytes:
    """The digest in ``sha256=<hex>``; refused when missing or not that shape."""
    if not header:
        raise CallbackRejected("missing signature")
    scheme, sep, digest = header.strip().partition("=")
    if not sep or scheme.lower() != "sha256":
        raise CallbackRejected("malformed signature")
    try:
        return bytes.fromhex(digest)
    except ValueError:
        raise CallbackRejected("malformed signature") from None


def callback_event(body: bytes) -> CallbackEvent:
    """The task and event ids of an authentic event; refused when its shape is wrong."""
    try:
        event = json.loads(body)
    except (ValueError, RecursionError):  # not UTF-8, not JSON, or absurdly nested
        raise CallbackRejected("body is not JSON") from None
    if not isinstance(event, dict):
        raise CallbackRejected("event is not an object")
    event_id, kind, data = event.get("id"), event.get("type"), event.get("data")
    if not isinstance(event_id, str) or not VISIBLE_ID.fullmatch(event_id):
        raise CallbackRejected("event has no usable id")
    # Any music.* type wakes the job: the runner's status fetch tells what happened.
    if not isinstance(kind, str) or not kind.startswith("music."):
        raise CallbackRejected("not a music event")
    task_id = data.get("id") if isinstance(data, dict) else None
    if not isinstance(task_id, str) or not VISIBLE_ID.fullmatch(task_id):
        raise CallbackRejected("event names no usable task")
    return CallbackEvent(task_id=task_id, event_id=event_id)
