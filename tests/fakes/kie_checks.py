"""kie.ai's checks on create bodies, as far as seed 001 and kie's pages state them.

Each check raises ``Refused`` with the envelope code and message the
emulator answers. Missing or mistyped fields answer 422 (kie's "validation
error"), texts over a limit 400 (its "bad input"); where the docs name no code
the choice is a guess, marked as such.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

VALID_MODELS = frozenset({"V3_5", "V4", "V4_5", "V4_5PLUS", "V4_5ALL", "V5", "V5_5"})
# Custom-mode limits (seed 001, "Key Parameters"): prompt and style for V3_5 and
# V4, then for V4_5 and later (V4_5ALL and V5_5 are not in the table; taken to
# share V5's, a guess); the title is 80 for every model.
OLD_MODELS = frozenset({"V3_5", "V4"})
OLD_LIMITS = (3000, 200)
NEW_LIMITS = (5000, 1000)
TITLE_LIMIT = 80
DESCRIPTION_LIMIT = 500
# kie caps a lyrics theme at 200 characters; that it answers 400 beyond is a guess.
THEME_LIMIT = 200
WEIGHTS = ("styleWeight", "weirdnessConstraint", "audioWeight")
# add-vocals and add-instrumental run on these models only (kie's pages: V4_5PLUS, the
# default, and V5; sunoapi.org adds V5_5). The code for another model is a guess.
LAYER_MODELS = frozenset({"V4_5PLUS", "V5", "V5_5"})
# The style boost's input: kie names no limit; a guess, refused with "bad input".
BOOST_LIMIT = 1000
STEM_TYPES = frozenset({"separate_vocal", "split_stem"})


class Refused(Exception):
    """A create call kie refuses: ``code`` and ``msg`` go into the envelope."""

    def __init__(self, code: int, msg: str) -> None:
        super().__init__(code, msg)
        self.code = code
        self.msg = msg


@dataclass(frozen=True)
class Source:
    """What an extension's checks need to know about the track it continues."""

    model: str
    duration: float
    instrumental: bool


def check_object(body: Any) -> dict[str, Any]:
    if not isinstance(body, dict):
        raise Refused(422, "request body must be an object")
    return body


def check_create(body: Any) -> dict[str, Any]:
    """Every create call: a JSON object with the callback URL kie requires."""
    checked = check_object(body)
    if not checked.get("callBackUrl"):
        raise Refused(422, "callBackUrl is required")
    return checked


def required_id(body: dict[str, Any], name: str) -> str:
    """A task or track id the call names (which one it is, the caller looks up)."""
    value = body.get(name)
    if not isinstance(value, str) or not value:
        raise Refused(422, f"{name} is required")
    return value


def check_generate(body: dict[str, Any]) -> None:
    """``/generate``: description mode, or custom mode with its limits and tuning."""
    for name in ("customMode", "instrumental"):
        if not isinstance(body.get(name), bool):
            raise Refused(422, f"{name} is required")
    model = _model(body)
    prompt = _text(body, "prompt")
    if body["customMode"]:
        _check_custom(body, model, prompt, prompt_needed=not body["instrumental"])
        return
    if not prompt:
        raise Refused(422, "prompt is required")
    if len(prompt) > DESCRIPTION_LIMIT:
        raise Refused(400, "prompt is too long")


def check_cover(body: dict[str, Any]) -> None:
    """``/generate/upload-cover``: an http(s) ``uploadUrl``, then generate's checks."""
    _check_upload_url(body)
    check_generate(body)


def check_upload_extend(body: dict[str, Any]) -> None:
    """``/generate/upload-extend``: with ``defaultParamFlag`` false only ``uploadUrl`` and
    ``prompt``; with it true style, title, ``continueAt`` and (unless instrumental) the
    lyrics in ``prompt``. The upload's length is not known here, so ``continueAt``
    is only checked to be above 0."""
    _check_upload_url(body)
    if not isinstance(body.get("defaultParamFlag"), bool):
        raise Refused(422, "defaultParamFlag is required")
    model = _model(body)
    prompt = _text(body, "prompt")
    if not body["defaultParamFlag"]:
        if not prompt:
            raise Refused(422, "prompt is required")
        return
    if not isinstance(body.get("instrumental"), bool):
        raise Refused(422, "instrumental is required")
    at = body.get("continueAt")
    if isinstance(at, bool) or not isinstance(at, int | float):
        raise Refused(422, "continueAt is required")
    if at <= 0:
        raise Refused(400, "continueAt must be greater than 0")
    _check_custom(body, model, prompt, prompt_needed=not body["instrumental"])


def check_layer(body: dict[str, Any], kind: str) -> None:
    """``/generate/add-vocals`` (``prompt``: the words, ``style``) and
    ``/generate/add-instrumental`` (``tags``): an upload, a title, ``negativeTags``
    (required, may be empty) and one of the models that layer."""
    _check_upload_url(body)
    if _model(body) not in LAYER_MODELS:
        raise Refused(422, "model must be V4_5PLUS or V5")
    style_field = "style" if kind == "add_vocals" else "tags"
    needed = ("prompt", "style", "title") if kind == "add_vocals" else ("tags", "title")
    for name in needed:
        if not _text(body, name):
            raise Refused(422, f"{name} is required")
    if not isinstance(body.get("negativeTags"), str):
        raise Refused(422, "negativeTags is required")
    prompt_limit, style_limit = NEW_LIMITS
    limits = (("prompt", prompt_limit), (style_field, style_limit), ("title", TITLE_LIMIT))
    for name, limit in limits:
        if len(_text(body, name)) > limit:
            raise Refused(400, f"{name} exceeds {limit} characters")
    _check_tuning(body)


def check_boost(body: Any) -> str:
    """``/style/generate``: the short style in ``content``."""
    content = _text(check_object(body), "content")
    if not content.strip():
        raise Refused(422, "content is required")
    if len(content) > BOOST_LIMIT:
        raise Refused(400, f"content exceeds {BOOST_LIMIT} characters")
    return content


def _check_upload_url(body: dict[str, Any]) -> None:
    url = body.get("uploadUrl")
    if not isinstance(url, str) or not url:
        raise Refused(422, "uploadUrl is required")
    if urlsplit(url).scheme not in ("http", "https"):
        raise Refused(422, "uploadUrl must be an http(s) URL")


def check_extend(body: dict[str, Any], source: Source) -> None:
    """``/generate/extend`` of a finished ``source`` track (found by the caller).

    With ``defaultParamFlag`` false kie reuses the source's lyrics, style and
    title and continues from its end; with it true they and ``continueAt``
    are required.
    """
    if not isinstance(body.get("defaultParamFlag"), bool):
        raise Refused(422, "defaultParamFlag is required")
    model = _model(body)
    if model != source.model:
        raise Refused(400, "model must match the source")
    if not body["defaultParamFlag"]:
        return
    at = body.get("continueAt")
    if isinstance(at, bool) or not isinstance(at, int | float):
        raise Refused(422, "continueAt is required")
    if not 0 < at < source.duration:
        raise Refused(400, "continueAt must be between 0 and the source's duration")
    # A guess: the docs require prompt with the flag set; an instrumental
    # source, like an instrumental generate, is taken to need no lyrics.
    _check_custom(body, model, _text(body, "prompt"), prompt_needed=not source.instrumental)


def check_track_call(body: dict[str, Any], path: str) -> None:
    """WAV, vocal-removal, mp4 and timestamped lyrics: both ids of a track."""
    for name in ("taskId", "audioId"):
        required_id(body, name)
    # Guess: a vocal removal without a type is taken as the two-stem split.
    stems = path.startswith("/api/v1/vocal-removal/")
    if stems and body.get("type", "separate_vocal") not in STEM_TYPES:
        raise Refused(422, "type must be separate_vocal or split_stem")


def check_lyrics(body: dict[str, Any]) -> None:
    prompt = _text(body, "prompt")
    if not prompt:
        raise Refused(422, "prompt is required")
    if len(prompt) > THEME_LIMIT:
        raise Refused(400, f"prompt exceeds {THEME_LIMIT} characters")


def _check_custom(body: dict[str, Any], model: str, prompt: str, *, prompt_needed: bool) -> None:
    """Custom-mode fields (and an extension's new ones): required texts, limits, tuning."""
    for name in ("style", "title"):
        if not _text(body, name):
            raise Refused(422, "style and title are required in custom mode")
    if prompt_needed and not prompt:
        raise Refused(422, "prompt is required")
    prompt_limit, style_limit = OLD_LIMITS if model in OLD_MODELS else NEW_LIMITS
    for name, limit in (("prompt", prompt_limit), ("style", style_limit), ("title", TITLE_LIMIT)):
        if len(_text(body, name)) > limit:
            raise Refused(400, f"{name} exceeds {limit} characters for {model}")
    _check_tuning(body)


def _check_tuning(body: dict[str, Any]) -> None:
    """The finer controls' types and ranges: weights 0-1 with two decimals, gender m/f."""
    if "negativeTags" in body and not isinstance(body["negativeTags"], str):
        raise Refused(422, "negativeTags must be a string")
    if "vocalGender" in body and body["vocalGender"] not in ("m", "f"):
        raise Refused(422, "vocalGender must be m or f")
    for name in WEIGHTS:
        if name not in body:
            continue
        value = body[name]
        if isinstance(value, bool) or not isinstance(value, int | float) or not 0 <= value <= 1:
            raise Refused(422, f"{name} must be a number from 0 to 1")
        # A guess: the docs say "two decimals" without saying whether more are
        # refused or rounded; refusing keeps the adapter's rounding honest.
        if round(value, 2) != value:
            raise Refused(422, f"{name} takes at most 2 decimals")


def _model(body: dict[str, Any]) -> str:
    model = body.get("model")
    if model not in VALID_MODELS:
        raise Refused(422, "model is invalid")
    return str(model)


def _text(body: dict[str, Any], name: str) -> str:
    value = body.get(name)
    if value is None:
        return ""
    if not isinstance(value, str):
        raise Refused(422, f"{name} must be a string")
    return value
