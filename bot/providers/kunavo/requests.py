"""Kunavo's job path and request bodies, and the idempotency key of a submit."""

from __future__ import annotations

import hashlib
import re
from typing import Any

from bot.providers.base import GenerateRequest
from bot.providers.parsing import custom_fields

JOBS_PATH = "/v1/audio/music/jobs"
MAX_IDEMPOTENCY_KEY = 128
_SAFE_KEY = re.compile(rf"[A-Za-z0-9._:-]{{1,{MAX_IDEMPOTENCY_KEY}}}")


def song_fields(request: GenerateRequest) -> dict[str, Any]:
    """The body besides ``model``: custom mode (``customMode``, as the seed spells it) or not."""
    if request.custom:
        return custom_fields(request, "customMode")
    # Description mode: vendor_prompt() has already folded the style into the prompt.
    fields: dict[str, Any] = {
        "prompt": request.vendor_prompt(),
        "instrumental": request.instrumental,
    }
    if request.title:
        fields["title"] = request.title  # the seed's own job example sends it without customMode
    return fields


def idempotency_key(job_id: str) -> str:
    """The job id when it fits Kunavo's 128 characters, else a stable digest of it."""
    if _SAFE_KEY.fullmatch(job_id):
        return job_id
    # Deterministic, so a retry (or a restart) still sends the same key.
    return hashlib.sha256(job_id.encode()).hexdigest()
