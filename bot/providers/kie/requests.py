"""kie.ai requests: the path of every call, and the body each operation's create call sends.

Every create call answers ``data.taskId``; ``KieProvider.submit`` adds the
``callBackUrl`` kie requires on all of them. Field names follow seed 001 and
PROVIDERS.md ("kie.ai").
"""

from __future__ import annotations

from typing import Any

from bot.errors import ProviderError
from bot.providers.base import (
    FailureReason,
    GenerateRequest,
    Operation,
    TrackRef,
    last_whole_second,
)
from bot.providers.parsing import CAMEL_TUNING, custom_fields, tuning_fields

GENERATE_PATH = "/api/v1/generate"
EXTEND_PATH = "/api/v1/generate/extend"
UPLOAD_COVER_PATH = "/api/v1/generate/upload-cover"
UPLOAD_EXTEND_PATH = "/api/v1/generate/upload-extend"
ADD_VOCALS_PATH = "/api/v1/generate/add-vocals"
ADD_INSTRUMENTAL_PATH = "/api/v1/generate/add-instrumental"
BOOST_STYLE_PATH = "/api/v1/style/generate"  # answers at once: ``data.result``
WAV_PATH = "/api/v1/wav/generate"
STEMS_PATH = "/api/v1/vocal-removal/generate"
VIDEO_PATH = "/api/v1/mp4/generate"
LYRICS_PATH = "/api/v1/lyrics"
TIMED_LYRICS_PATH = "/api/v1/generate/get-timestamped-lyrics"
# Where tasks are polled: every operation that makes songs shares generate's record.
RECORD_PATH = "/api/v1/generate/record-info"
FILE_RECORD_PATHS = {
    Operation.WAV: "/api/v1/wav/record-info",
    Operation.STEMS: "/api/v1/vocal-removal/record-info",
    Operation.VIDEO: "/api/v1/mp4/record-info",
}
LYRICS_RECORD_PATH = "/api/v1/lyrics/record-info"
CREDIT_PATH = "/api/v1/chat/credit"  # the account's credit balance

# Follow-ups that only name a finished track, and where each is made.
_TRACK_PATHS = {Operation.WAV: WAV_PATH, Operation.STEMS: STEMS_PATH, Operation.VIDEO: VIDEO_PATH}
# kie's vocal-removal "type": two stems (vocals, instrumental); "split_stem" makes up to 12.
STEMS_TYPE = "separate_vocal"
# Adding vocals or an instrumental runs on these models only (kie's add-vocals and
# add-instrumental pages: V4_5PLUS, the default, and V5), as catalog keys.
LAYER_MODELS = frozenset({"v4.5-plus", "v5"})


def create_call(request: GenerateRequest, model: str) -> tuple[str, dict[str, Any]]:
    """The path and body (without ``callBackUrl``) that start ``request.operation``.

    ``model`` is kie's name for the requested model. Raises ``ProviderError``
    (invalid_input) for a request that cannot be put into kie's terms.
    """
    operation = request.operation
    match operation:
        case Operation.SONG:
            return GENERATE_PATH, _song_fields(request, model)
        case Operation.RESTYLE:
            return UPLOAD_COVER_PATH, {**_upload(request), **_song_fields(request, model)}
        case Operation.EXTEND:
            return EXTEND_PATH, _extend_fields(request, model)
        case Operation.UPLOAD_EXTEND:
            return UPLOAD_EXTEND_PATH, _upload_extend_fields(request, model)
        case Operation.ADD_VOCALS | Operation.ADD_INSTRUMENTAL:
            return _layer_call(request, model)
        case Operation.WAV | Operation.STEMS | Operation.VIDEO:
            source = _source(request)
            body: dict[str, Any] = {"taskId": source.task_id, "audioId": source.track_id}
            if operation is Operation.STEMS:
                body["type"] = STEMS_TYPE
            return _TRACK_PATHS[operation], body
    # Lyrics are written and timed through their own methods; custom mode and
    # tuning modify a song rather than being operations of their own.
    raise ProviderError(
        FailureReason.INVALID_INPUT, "unsupported", f"{operation} is not started with submit"
    )


def _song_fields(request: GenerateRequest, model: str) -> dict[str, Any]:
    """The generate fields a new song (or a cover) takes: custom or description mode."""
    if request.custom:
        fields = custom_fields(request, "customMode") | tuning_fields(request, CAMEL_TUNING)
    else:
        # Description mode: kie takes style and title only in custom mode, so
        # vendor_prompt() has already folded the style into the prompt. The
        # finer controls are custom-mode settings too, so they stay out here.
        fields = {
            "prompt": request.vendor_prompt(),
            "customMode": False,
            "instrumental": request.instrumental,
        }
    return {**fields, "model": model}


def _extend_fields(request: GenerateRequest, model: str) -> dict[str, Any]:
    """An extension; ``model`` must be the source's, which the caller guarantees."""
    source = _source(request)
    body: dict[str, Any] = {"audioId": source.track_id, "model": model}
    if not request.custom and request.continue_at is None:
        # defaultParamFlag false: kie continues the source from its end with
        # the source's own lyrics, style and title; nothing else may go along.
        return {**body, "defaultParamFlag": False}
    continue_at = request.continue_at
    if continue_at is None:
        continue_at = _last_whole_second(source)
    return {
        **body,
        "defaultParamFlag": True,  # with it, kie requires prompt, style, title and continueAt
        "prompt": request.lyrics,
        "style": request.style,
        "title": request.title,
        "continueAt": _seconds(continue_at),
        **tuning_fields(request, CAMEL_TUNING),
    }


def _upload_extend_fields(request: GenerateRequest, model: str) -> dict[str, Any]:
    """Continue the member's upload with new lyrics (unless instrumental), style and title.

    Always with ``defaultParamFlag`` true: kie has no earlier parameters of an
    upload to reuse, and the bot always knows the second to continue from (the
    command measured the upload).
    """
    if request.continue_at is None:
        raise ProviderError(
            FailureReason.INVALID_INPUT, "continue_at", "an upload extend needs its second"
        )
    return {
        **_upload(request),
        # The flag is upload-extend's custom-mode switch: lyrics, style and title follow.
        **custom_fields(request, "defaultParamFlag"),
        "continueAt": _seconds(request.continue_at),
        "model": model,
        **tuning_fields(request, CAMEL_TUNING),
    }


def _layer_call(request: GenerateRequest, model: str) -> tuple[str, dict[str, Any]]:
    """Vocals over an uploaded instrumental, or an instrumental under uploaded vocals.

    kie requires ``negativeTags`` on both (empty is accepted); add-vocals names
    the style ``style`` and takes the words to sing as ``prompt``, add-instrumental
    names it ``tags`` and takes no words.
    """
    body: dict[str, Any] = {
        **_upload(request),
        "title": request.title,
        **tuning_fields(request, CAMEL_TUNING),
        "negativeTags": request.negative_tags,
        "model": model,
    }
    if request.operation is Operation.ADD_VOCALS:
        return ADD_VOCALS_PATH, {**body, "prompt": request.lyrics, "style": request.style}
    return ADD_INSTRUMENTAL_PATH, {**body, "tags": request.style}


def _upload(request: GenerateRequest) -> dict[str, str]:
    if not request.upload_url:
        raise ProviderError(
            FailureReason.INVALID_INPUT, "upload", f"{request.operation} needs an uploaded file"
        )
    return {"uploadUrl": request.upload_url}


def _last_whole_second(source: TrackRef) -> float:
    """The largest whole second strictly inside the source (kie: 0 < continueAt < duration)."""
    if source.duration is None:
        raise ProviderError(
            FailureReason.INVALID_INPUT,
            "continue_at",
            "the source track's length is unknown; name the second to continue from",
        )
    return last_whole_second(source.duration)


def _seconds(value: float) -> int | float:
    """Whole seconds go as integers, as kie's examples send them; else two decimals."""
    return int(value) if float(value).is_integer() else round(value, 2)


def _source(request: GenerateRequest) -> TrackRef:
    if request.source is None:
        raise ProviderError(
            FailureReason.INVALID_INPUT, "source", f"{request.operation} needs a source track"
        )
    return request.source
