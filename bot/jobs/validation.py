"""Checks a member's input against the chosen model's limits before anything is stored."""

from __future__ import annotations

from collections.abc import Mapping

from bot.errors import InputError
from bot.providers.base import GenerateRequest, Operation
from bot.providers.catalog import ModelSpec

# kie.ai caps a lyrics theme at 200 characters; the sandbox follows it.
THEME_LIMIT = 200


def check_generate(request: GenerateRequest, offered: Mapping[str, ModelSpec]) -> None:
    """Raise ``InputError`` naming the first field that breaks a limit.

    ``offered`` holds the models the configured providers can run.
    """
    spec = offered.get(request.model)
    if spec is None:
        names = ", ".join(offered) or "none"
        raise InputError(f"Model `{request.model}` is not available here. Choose one of: {names}.")
    _limit("title", request.title, spec.title_limit, spec)
    if request.custom:
        _check_custom(request, spec)
    elif request.operation in (Operation.SONG, Operation.COVER):
        _check_description(request, spec)
    if request.operation is Operation.EXTEND:
        _check_extend(request)
    if request.operation is Operation.COVER and not request.upload_url:
        raise InputError("Attach the audio file to restyle.")


def check_theme(theme: str) -> str:
    theme = theme.strip()
    if not theme:
        raise InputError("`theme` is empty: say what the lyrics should be about.")
    if len(theme) > THEME_LIMIT:
        raise InputError(f"`theme` is {len(theme)} characters; at most {THEME_LIMIT} fit.")
    return theme


def _check_description(request: GenerateRequest, spec: ModelSpec) -> None:
    if not request.prompt.strip():
        raise InputError("`prompt` is empty: describe the song you want.")
    _limit("prompt", request.prompt, spec.prompt_limit, spec)
    _limit("style", request.style, spec.style_limit, spec)
    combined = len(request.vendor_prompt())
    if combined > spec.prompt_limit:
        raise InputError(
            f"`prompt` and `style` together are {combined} characters; a description "
            f"holds at most {spec.prompt_limit}. Shorten one of them."
        )


def _check_custom(request: GenerateRequest, spec: ModelSpec) -> None:
    # An extension may keep the source's style and title; a new song needs both.
    if request.operation is not Operation.EXTEND:
        if not request.style.strip():
            raise InputError("`style` is empty: custom songs need a style (genre, mood, sound).")
        if not request.title.strip():
            raise InputError("`title` is empty: custom songs need a title.")
        if not request.instrumental and not request.lyrics.strip():
            raise InputError("`lyrics` are empty: write lyrics, or make the song instrumental.")
    _limit("lyrics", request.lyrics, spec.lyrics_limit, spec)
    _limit("style", request.style, spec.style_limit, spec)
    _limit("negative tags", request.negative_tags, spec.style_limit, spec)


def _check_extend(request: GenerateRequest) -> None:
    source = request.source
    if source is None:
        raise InputError("There is no track to extend.")
    at = request.continue_at
    if at is None:
        return
    if source.duration is not None and not 0 < at < source.duration:
        raise InputError(
            f"`continue at` must be between 0 and {int(source.duration)} seconds "
            "(the track's length)."
        )
    if at <= 0:
        raise InputError("`continue at` must be a number of seconds above 0.")


def _limit(field: str, value: str, limit: int, spec: ModelSpec) -> None:
    if len(value) > limit:
        raise InputError(
            f"`{field}` is {len(value):,} characters; {spec.label.split(':')[0]} allows at most "
            f"{limit:,}. Nothing was submitted."
        )
