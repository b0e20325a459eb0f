"""Checks a member's input against the chosen model's limits before anything is stored."""

from __future__ import annotations

from collections.abc import Mapping

from bot.errors import InputError
from bot.i18n import N_
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
        model = request.model
        if not offered:
            raise InputError("Model `{model}` is not available here.", model=model)
        names = ", ".join(offered)
        raise InputError(
            "Model `{model}` is not available here. Choose one of: {names}.",
            model=model,
            names=names,
        )
    _limit("title", request.title, spec.title_limit, spec)
    if request.custom:
        _check_custom(request, spec)
    elif request.operation in (Operation.SONG, Operation.RESTYLE):
        _check_description(request, spec)
    if request.operation is Operation.EXTEND:
        _check_extend(request)
    if request.operation.from_upload and not request.upload_url:
        raise InputError("Attach the audio file to start from.")
    if request.operation is Operation.UPLOAD_EXTEND and not (request.continue_at or 0) > 0:
        raise InputError("`continue at` must be a number of seconds above 0.")


def check_theme(theme: str) -> str:
    theme = theme.strip()
    if not theme:
        raise InputError("`theme` is empty: say what the lyrics should be about.")
    if len(theme) > THEME_LIMIT:
        raise InputError(
            "`theme` is {length} characters; at most {limit} fit.",
            length=len(theme),
            limit=THEME_LIMIT,
        )
    return theme


def _check_description(request: GenerateRequest, spec: ModelSpec) -> None:
    if not request.prompt.strip():
        raise InputError("`prompt` is empty: describe the song you want.")
    _limit("prompt", request.prompt, spec.prompt_limit, spec)
    _limit("style", request.style, spec.style_limit, spec)
    combined = len(request.vendor_prompt())
    if combined > spec.prompt_limit:
        raise InputError(
            "`prompt` and `style` together are {length} characters; a description "
            "holds at most {limit}. Shorten one of them.",
            length=combined,
            limit=spec.prompt_limit,
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
            "`continue at` must be between 0 and {length} seconds (the track's length).",
            length=int(source.duration),
        )
    if at <= 0:
        raise InputError("`continue at` must be a number of seconds above 0.")


# One message per field, so a translation names the field as its language's form and
# command options do.
TOO_LONG: dict[str, str] = {
    "title": N_(
        "`title` is {length} characters; {model} allows at most {limit}. Nothing was submitted."
    ),
    "prompt": N_(
        "`prompt` is {length} characters; {model} allows at most {limit}. Nothing was submitted."
    ),
    "style": N_(
        "`style` is {length} characters; {model} allows at most {limit}. Nothing was submitted."
    ),
    "lyrics": N_(
        "`lyrics` is {length} characters; {model} allows at most {limit}. Nothing was submitted."
    ),
    "negative tags": N_(
        "`negative tags` is {length} characters; {model} allows at most {limit}. "
        "Nothing was submitted."
    ),
}


def _limit(field: str, value: str, limit: int, spec: ModelSpec) -> None:
    if len(value) > limit:
        length, most = f"{len(value):,}", f"{limit:,}"
        model = spec.label.split(":")[0]
        raise InputError(TOO_LONG[field], length=length, model=model, limit=most)
