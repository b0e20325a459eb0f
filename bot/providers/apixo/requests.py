"""APIXO's paths and request bodies."""

from __future__ import annotations

from typing import Any

from bot.providers.base import GenerateRequest
from bot.providers.parsing import CAMEL_TUNING, custom_fields, tuning_fields

SUBMIT_PATH = "/api/v1/generateTask/suno"
STATUS_PATH = "/api/v1/statusTask/suno"


def input_fields(request: GenerateRequest) -> dict[str, Any]:
    """``input`` besides ``mode``: custom mode with its tuning, or a description."""
    if request.custom:
        return custom_fields(request, "customMode") | tuning_fields(request, CAMEL_TUNING)
    # Description mode: APIXO wants style, title and the finer controls empty
    # outside custom mode, so vendor_prompt() has already folded the style into
    # the prompt and any tuning is left out.
    return {
        "prompt": request.vendor_prompt(),
        "customMode": False,
        "instrumental": request.instrumental,
    }
