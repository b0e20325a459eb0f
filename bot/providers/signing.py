"""Checks shared by the dialects that sign their callbacks (Kunavo, kie.ai optionally)."""

from __future__ import annotations

import hashlib
import hmac

from bot.providers.base import CallbackRejected

# Older than this, a signed callback is refused even if its signature holds:
# a captured request must not be replayable later.
MAX_AGE_SECONDS = 300


def hmac_sha256(secret: str, message: bytes) -> bytes:
    return hmac.new(secret.encode(), message, hashlib.sha256).digest()


def require_match(expected: bytes, given: bytes) -> None:
    """Constant-time comparison, so timing reveals nothing about the right signature."""
    if not hmac.compare_digest(expected, given):
        raise CallbackRejected("signature does not match")


def require_fresh(timestamp: str | None, now: float, max_age: float = MAX_AGE_SECONDS) -> int:
    """The header's epoch seconds, refused when missing, malformed, stale or from the future."""
    if timestamp is None or not timestamp.strip().isdigit():
        raise CallbackRejected("missing or malformed timestamp")
    value = int(timestamp.strip())
    if abs(now - value) > max_age:
        raise CallbackRejected("stale timestamp")
    return value
