"""Evolink's paths and request bodies, and which callback URLs it may be given."""

from __future__ import annotations

from typing import Any

from bot.providers.base import GenerateRequest
from bot.providers.parsing import custom_fields, tuning_fields, webhook_allowed

SUBMIT_PATH = "/v1/audios/generations"
TASK_PATH = "/v1/tasks/"
MAX_CALLBACK_URL = 2048  # longer URLs make Evolink refuse the submit


# GenerateRequest's finer controls -> Evolink's snake_case fields.
_TUNING = {
    "negative_tags": "negative_tags",
    "vocal_gender": "vocal_gender",
    "style_weight": "style_weight",
    "weirdness": "weirdness_constraint",
    "audio_weight": "audio_weight",
}


def song_fields(request: GenerateRequest) -> dict[str, Any]:
    """The body besides ``model``: custom mode with its tuning, or a description."""
    if request.custom:
        return custom_fields(request, "custom_mode") | tuning_fields(request, _TUNING)
    # Description mode: style and title only count in custom mode, so
    # vendor_prompt() has already folded the style into the prompt; the finer
    # controls are for custom mode too and are left out, as they always were.
    return {
        "custom_mode": False,
        "instrumental": request.instrumental,
        "prompt": request.vendor_prompt(),
    }


def callback_allowed(url: str) -> bool:
    """HTTPS, or plain HTTP to a loopback host; within Evolink's length limit."""
    return len(url) <= MAX_CALLBACK_URL and webhook_allowed(url)
