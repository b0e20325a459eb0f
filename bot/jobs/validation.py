"""Checks a member's input against the chosen model's limits before anything is stored."""

from __future__ import annotations

from collections.abc import Mapping

from bot.errors import InputError
from bot.providers.base import GenerateRequest
from bot.providers.catalog import ModelSpec


def check_generate(request: GenerateRequest, offered: Mapping[str, ModelSpec]) -> None:
    """Raise ``InputError`` naming the first field that breaks a limit.

    ``offered`` holds the models the configured providers can run.
    """
    spec = offered.get(request.model)
    if spec is None:
        names = ", ".join(offered) or "none"
        raise InputError(f"Model `{request.model}` is not available here. Choose one of: {names}.")
    if not request.prompt.strip():
        raise InputError("`prompt` is empty: describe the song you want.")
    _limit("prompt", request.prompt, spec.prompt_limit, spec)
    _limit("style", request.style, spec.style_limit, spec)
    _limit("title", request.title, spec.title_limit, spec)
    combined = len(request.vendor_prompt())
    if combined > spec.prompt_limit:
        raise InputError(
            f"`prompt` and `style` together are {combined} characters; a description "
            f"holds at most {spec.prompt_limit}. Shorten one of them."
        )


def _limit(field: str, value: str, limit: int, spec: ModelSpec) -> None:
    if len(value) > limit:
        raise InputError(
            f"`{field}` is {len(value)} characters; {spec.label.split(':')[0]} allows at most "
            f"{limit}. Nothing was submitted."
        )
