"""APIXO: ``POST /api/v1/generateTask/suno``, then poll ``GET /api/v1/statusTask/suno``.

APIXO wraps answers in ``{code, message, data}`` (status answers say ``msg``
instead of ``message``: both are read) and reports errors as HTTP errors with
``{code, message, data: {error}}`` or, possibly, as HTTP 200 with an error
``code`` in the body; both take the same path through one code table. A failed
task names its cause in ``failCode``, which has a table of its own. Finished
tracks arrive in ``resultJson``, a JSON *string* (PROVIDERS.md, seeds 003/004).

Custom mode sends the lyrics as ``input.prompt`` with ``style``, ``title`` and
the finer controls in camelCase (``negativeTags``, ``vocalGender``, the
weights); description mode sends the description alone, as the docs ask.

Callbacks are unsigned and carry a poll answer, so they are only a wake-up:
``read_callback`` takes nothing from them but the task id.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any

import httpx

from bot.errors import MalformedResponse, ProviderError
from bot.providers.apixo.settings import ApixoSettings
from bot.providers.base import (
    CallbackEvent,
    CallbackRejected,
    FailureReason,
    GenerateRequest,
    JobState,
    Operation,
    PollPolicy,
    TaskStatus,
    Track,
)
from bot.providers.errors_table import ErrorTable
from bot.providers.http import Transient
from bot.providers.parsing import (
    CAMEL_TUNING,
    VISIBLE_ID,
    all_audio,
    as_code,
    as_number,
    as_text,
    as_time,
    custom_fields,
    json_body,
    json_object,
    tuning_fields,
)
from bot.providers.vendor import VendorProvider

log = logging.getLogger(__name__)

SUBMIT_PATH = "/api/v1/generateTask/suno"
STATUS_PATH = "/api/v1/statusTask/suno"

# Catalog key -> APIXO's ``input.mode``. The docs list no V3_5.
APIXO_MODELS: dict[str, str] = {
    "v4": "V4",
    "v4.5": "V4_5",
    "v4.5-plus": "V4_5PLUS",
    "v4.5-all": "V4_5ALL",
    "v5": "V5",
}

# The docs advise a first look after ~45 s, then every 5-10 s, for a 60-90 s
# (up to 3 min) generation. Starting at 8 s and backing off by 1.3 looks at
# 45, 53, 63, 77, 94, 117 and 147 s: 7 polls cover a two-minute song, and a
# stuck task costs one poll per 30 s at most.
DEFAULT_POLL = PollPolicy(first_delay=45.0, interval=8.0, backoff=1.3, max_interval=30.0)

# The docs say result URLs live 15 days (one page says 14); counted from createTime.
URL_LIFETIME = timedelta(days=15)

R = FailureReason
# Envelope codes, whether sent as the HTTP status or in a 200 body.
APIXO_ERRORS = ErrorTable(
    reasons={
        "400": R.INVALID_INPUT,
        "401": R.PROVIDER_ERROR,  # our key is wrong: the admin's problem, not the member's
        "402": R.INSUFFICIENT_CREDITS,
        "403": R.PROVIDER_ERROR,  # the key lacks access: the admin's problem too
        "404": R.PROVIDER_ERROR,
        "429": R.RATE_LIMITED,
        "500": R.PROVIDER_ERROR,
        "502": R.PROVIDER_ERROR,
        "503": R.PROVIDER_ERROR,
        "504": R.PROVIDER_ERROR,
    },
    transient=frozenset({"429", "500", "502", "503", "504"}),
)
# A failed task's ``failCode``. An unknown code is not assumed to be the vendor's fault.
APIXO_FAIL_CODES = ErrorTable(
    reasons={
        "CONTENT_VIOLATION": R.CONTENT_POLICY,
        "NSFW_DETECTED": R.CONTENT_POLICY,
        "PROMPT_TOO_LONG": R.INVALID_INPUT,
        "INVALID_PROMPT": R.INVALID_INPUT,
        "PROCESSING_TIMEOUT": R.TIMEOUT,
        "MODEL_UNAVAILABLE": R.PROVIDER_ERROR,
        "GENERATION_FAILED": R.PROVIDER_ERROR,
        "INSUFFICIENT_CREDITS": R.INSUFFICIENT_CREDITS,
    },
    fallback=R.UNKNOWN,
)
_AUTH_CODES = frozenset({"401", "403"})

_STATES = {
    "pending": JobState.QUEUED,
    "processing": JobState.RUNNING,
    "success": JobState.SUCCEEDED,
    "complete": JobState.SUCCEEDED,  # the docs' callback sample says "complete"
    "failed": JobState.FAILED,
}


class ApixoProvider(VendorProvider):
    vendor = "APIXO"
    operations = frozenset({Operation.SONG, Operation.CUSTOM, Operation.TUNING})
    probe_path = f"{STATUS_PATH}?taskId=doctor-probe"  # APIXO has no balance call

    def __init__(
        self,
        settings: ApixoSettings,
        *,
        transport: httpx.AsyncBaseTransport | None = None,
        media_transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        super().__init__(
            settings,
            APIXO_MODELS,
            DEFAULT_POLL,
            APIXO_ERRORS,
            transport=transport,
            media_transport=media_transport,
        )
        self._routing = settings.routing
        self._fail_codes = APIXO_FAIL_CODES.merged(settings.error_reasons)

    async def submit(
        self, request: GenerateRequest, job_id: str, callback_url: str | None = None
    ) -> str:
        mode = self._vendor_model(request)
        body = self._submit_body(request, mode, callback_url)
        data = self._unwrap(await self._http.request("POST", SUBMIT_PATH, json=body))
        task_id = data.get("taskId") if isinstance(data, dict) else None
        if not isinstance(task_id, str) or not task_id:
            raise MalformedResponse("submit answer has no data.taskId")
        log.info("%s: job %s is APIXO task %s", self.name, job_id, task_id)
        return task_id

    async def status(self, task_id: str, operation: Operation = Operation.SONG) -> TaskStatus:
        response = await self._http.request("GET", STATUS_PATH, params={"taskId": task_id})
        data = self._unwrap(response)
        if not isinstance(data, dict):
            raise MalformedResponse("status data is not an object")
        return self._task_status(task_id, data)

    def read_callback(self, headers: Mapping[str, str], body: bytes, now: float) -> CallbackEvent:
        """The task a callback names. APIXO does not sign callbacks, so nothing else is read."""
        try:
            payload = json.loads(body)
        except (ValueError, RecursionError):
            raise CallbackRejected("callback body is not JSON") from None
        data = payload.get("data") if isinstance(payload, dict) else None
        task_id = data.get("taskId") if isinstance(data, dict) else None
        if not isinstance(task_id, str) or not VISIBLE_ID.fullmatch(task_id):
            raise CallbackRejected("callback names no data.taskId")
        return CallbackEvent(task_id=task_id, event_id=None)

    # -- requests ------------------------------------------------------------

    def _submit_body(
        self, request: GenerateRequest, mode: str, callback_url: str | None
    ) -> dict[str, Any]:
        body: dict[str, Any] = {
            # Without a receiver the bot polls; "async" keeps APIXO from calling anyone.
            "request_type": "callback" if callback_url else "async",
            "provider": self._routing,
            "input": {"mode": mode, **_input_fields(request)},
        }
        if callback_url:
            body["callback_url"] = callback_url
        return body

    # -- answers -------------------------------------------------------------

    def _classify(self, response: httpx.Response) -> Transient | None:
        """Retry transient codes whether they came as an HTTP status or in a 200 body."""
        error = _error_of(response, json_body(response))
        if error is None or not self._errors.is_transient(error[0]):
            return None
        code, message = error
        return Transient(self._errors.reason(code), code, self._clean(message))

    def _unwrap(self, response: httpx.Response) -> Any:
        """The envelope's ``data``, or the vendor's refusal as a ``ProviderError``."""
        body = json_body(response)
        error = _error_of(response, body)
        if error is not None:
            raise self._refusal(*error)
        body = json_object(response, body)
        if body.get("data") is None:
            raise MalformedResponse("answer has no data")
        return body["data"]

    def _refusal(self, code: str, message: str) -> ProviderError:
        return self._refused(
            self._errors.reason(code),
            code,
            self._clean(message),
            where=f"code {code}",
            bad_key=code in _AUTH_CODES,
        )

    # -- status ----------------------------------------------------------------

    def _task_status(self, task_id: str, data: dict[str, Any]) -> TaskStatus:
        raw = data.get("state")
        if not isinstance(raw, str) or not raw:
            raise MalformedResponse("status answer has no state")
        state = _STATES.get(raw.strip().lower())
        if state is JobState.FAILED:
            return self._failure(task_id, raw, data)
        if state is JobState.SUCCEEDED:
            tracks = _tracks(task_id, data)
            if not all_audio(tracks):
                raise MalformedResponse("success without an audio URL for every track")
            return TaskStatus(state=state, tracks=tracks, code=raw)
        if state is None:
            # A state this adapter does not know yet: keep polling, let the deadline decide.
            log.warning("%s: APIXO task %s has unknown state %r", self.name, task_id, raw)
            state = JobState.RUNNING
        # Undocumented before success, but kept when sent: the tracks' streams play
        # minutes before their MP3s exist.
        early = _tracks(task_id, data) if data.get("resultJson") else []
        return TaskStatus(state=state, tracks=early, code=raw)

    def _failure(self, task_id: str, raw: str, data: dict[str, Any]) -> TaskStatus:
        fail_code = as_code(data.get("failCode")) or ""
        reason = self._fail_codes.reason(fail_code)
        detail = self._clean(as_text(data.get("failMsg")))
        if reason is FailureReason.INSUFFICIENT_CREDITS:
            log.error("%s: APIXO account ran out of credits (task %s)", self.name, task_id)
        return TaskStatus(
            state=JobState.FAILED,
            failure=reason,
            code=f"{raw}:{fail_code}" if fail_code else raw,
            detail=detail,
        )


def _input_fields(request: GenerateRequest) -> dict[str, Any]:
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


def _error_of(response: httpx.Response, body: Any) -> tuple[str, str] | None:
    """(code, message) when the answer is an error, by body code or by HTTP status; else None."""
    body_code = None
    message = ""
    if isinstance(body, dict):
        body_code = as_code(body.get("code"))
        message = _message(body)
    if body_code is not None and body_code != "200":
        return body_code, message
    if response.is_error:
        return str(response.status_code), message or response.reason_phrase
    return None


def _message(body: dict[str, Any]) -> str:
    """``message`` (or ``msg``), plus ``data.error`` when it adds something."""
    message = as_text(body.get("message") if body.get("message") is not None else body.get("msg"))
    data = body.get("data")
    error = as_text(data.get("error")) if isinstance(data, dict) else ""
    if error and error != message:
        return f"{message}: {error}" if message else error
    return message


def _tracks(task_id: str, data: dict[str, Any]) -> list[Track]:
    items = _result_urls(data.get("resultJson"))
    created = as_time(data.get("createTime")) or as_time(data.get("completeTime"))
    expires = created + URL_LIFETIME if created else None
    lyrics = as_text(data.get("lyrics"))
    return [_track(task_id, n, item, lyrics, expires) for n, item in enumerate(items, start=1)]


def _result_urls(raw: Any) -> list[Any]:
    """``resultJson.resultUrls``: documented as a JSON string; an object is taken too."""
    if isinstance(raw, str):
        try:
            raw = json.loads(raw)
        except (ValueError, RecursionError):
            raise MalformedResponse("resultJson is not valid JSON") from None
    if not isinstance(raw, dict):
        raise MalformedResponse("success without a resultJson object")
    items = raw.get("resultUrls")
    if not isinstance(items, list) or not items:
        raise MalformedResponse("resultJson has no resultUrls")
    return items


def _track(task_id: str, n: int, item: Any, lyrics: str, expires: datetime | None) -> Track:
    if isinstance(item, str):
        item = {"audio_url": item}  # the plain-URL form some answers use
    if not isinstance(item, dict):
        raise MalformedResponse("a resultUrls item is neither an object nor a URL")
    return Track(
        vendor_task_id=task_id,
        # APIXO documents no track id; the position keeps the two tracks apart.
        vendor_track_id=_pick(item, "id", "audio_id", "audioId") or f"{task_id}-{n}",
        audio_url=_pick(item, "audio_url", "audioUrl"),
        stream_url=_pick(item, "stream_audio_url", "streamAudioUrl"),
        image_url=_pick(item, "image_url", "imageUrl"),
        title=_pick(item, "title"),
        tags=_pick(item, "tags"),
        lyrics=lyrics,
        duration=as_number(item.get("duration")),
        model=_pick(item, "model_name", "modelName"),
        expires_at=expires,
    )


def _pick(item: dict[str, Any], *names: str) -> str:
    """The first non-empty field of ``names``, as text (snake_case and camelCase both seen)."""
    for name in names:
        value = item.get(name)
        if value is not None and not isinstance(value, dict | list) and str(value):
            return str(value)
    return ""
