"""Checks shared by the dialects that sign their callbacks (Kunavo, kie.ai optionally)."""

from __future__ import annotations

import hashlib
import hmac
import re

from bot.providers.base import CallbackMalformed, CallbackRejected

# Older than this, a signed callback is refused even if its signature holds:
# a captured request must not be replayable later.
MAX_AGE_SECONDS = 300
# Epoch seconds as vendors send them; 12 digits last until the year 33658.
_EPOCH_SECONDS = re.compile(r"[0-9]{1,12}")


def hmac_sha256(secret: str, message: bytes) -> bytes:
    return hmac.new(secret.encode(), message, hashlib.sha256).digest()


def require_match(expected: bytes, given: bytes) -> None:
    """Constant-time comparison, so timing reveals nothing about the right signature."""
    if not hmac.compare_digest(expected, given):
        raise CallbackRejected("signature does not match")


def require_fresh(timestamp: str, now: float, max_age: float = MAX_AGE_SECONDS) -> int:
    """The header's epoch seconds, refused when malformed, stale or from the future.

    Only ASCII digits, and few of them: ``str.isdigit`` also takes "²" and other
    scripts' digits, which ``int`` then refuses, and ``int`` refuses over 4,300
    digits; either would escape as a server error instead of a refusal.
    """
    if not _EPOCH_SECONDS.fullmatch(timestamp.strip()):
        raise CallbackMalformed("malformed timestamp")
    value = int(timestamp.strip())
    if abs(now - value) > max_age:
        raise CallbackRejected("stale timestamp")
    return value
