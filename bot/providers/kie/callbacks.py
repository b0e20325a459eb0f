"""kie.ai callbacks: which task one names, and kie's optional signature.

Every kie callback (songs, extensions, covers, lyrics, WAV, stems, video)
names its task as ``data.task_id``, snake_case unlike record-info; the rest
of the body differs per operation and is not read: the runner confirms with
a status fetch.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Mapping

from bot.providers.base import CallbackRejected
from bot.providers.parsing import VISIBLE_ID
from bot.providers.signing import hmac_sha256, require_fresh, require_match

# Callback signing, when enabled on the kie account (receivers see headers lower-cased).
TIMESTAMP_HEADER = "x-webhook-timestamp"
SIGNATURE_HEADER = "x-webhook-signature"


def callback_task_id(body: bytes) -> str:
    """``data.task_id`` of a callback body."""
    try:
        payload = json.loads(body)
    except (ValueError, RecursionError):  # not UTF-8, not JSON, or absurdly nested
        raise CallbackRejected("callback body is not JSON") from None
    data = payload.get("data") if isinstance(payload, dict) else None
    task_id = data.get("task_id") if isinstance(data, dict) else None
    if not isinstance(task_id, str) or not VISIBLE_ID.fullmatch(task_id):
        raise CallbackRejected("callback has no usable data.task_id")
    return task_id


def require_signature(secret: str, task_id: str, headers: Mapping[str, str], now: float) -> None:
    """kie's optional signing: base64(HMAC-SHA256(secret, "{task_id}.{timestamp}")).

    Messages name the failed check only: never the secret, nor the signatures.
    """
    given = headers.get(SIGNATURE_HEADER)
    if not given:
        raise CallbackRejected("callback is not signed")
    timestamp = headers.get(TIMESTAMP_HEADER)
    if timestamp is None:
        raise CallbackRejected("callback has no timestamp")
    require_fresh(timestamp, now)
    try:
        signature = base64.b64decode(given.strip(), validate=True)
    except (binascii.Error, ValueError):
        raise CallbackRejected("signature is not base64") from None
    # The vendor signs the timestamp exactly as it sends it in the header.
    message = f"{task_id}.{timestamp.strip()}".encode()
    require_match(hmac_sha256(secret, message), signature)
