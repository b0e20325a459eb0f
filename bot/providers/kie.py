"""kie.ai: ``POST /api/v1/generate``, then poll ``GET /api/v1/generate/record-info``.

kie wraps every answer in ``{code, msg, data}`` and reports errors either as
HTTP errors or as HTTP 200 with an error ``code`` in the body; both take the
same path through one code table (PROVIDERS.md, seed 001). Callbacks, when the
receiver is on, only wake a job up: ``read_callback`` checks them, and the
runner confirms with one ``status`` fetch.
"""

from __future__ import annotations

import base64
import binascii
import json
import logging
import re
from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any

import httpx

from bot.config import KieSettings
from bot.errors import MalformedResponse, ProviderError
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
    VISIBLE_ID,
    all_audio,
    as_code,
    as_number,
    as_text,
    as_time,
    json_body,
    json_object,
)
from bot.providers.signing import hmac_sha256, require_fresh, require_match
from bot.providers.vendor import VendorProvider

log = logging.getLogger(__name__)

SUBMIT_PATH = "/api/v1/generate"
RECORD_PATH = "/api/v1/generate/record-info"

# Catalog key -> kie's model name.
KIE_MODELS: dict[str, str] = {
    "v3.5": "V3_5",
    "v4": "V4",
    "v4.5": "V4_5",
    "v4.5-plus": "V4_5PLUS",
    "v4.5-all": "V4_5ALL",
    "v5": "V5",
}

# kie generations take one to three minutes and the vendor allows about three
# polls per second per task; this cadence spends at most 8 polls on two minutes.
DEFAULT_POLL = PollPolicy(first_delay=35.0, interval=15.0, backoff=1.3, max_interval=60.0)

# kie keeps generated files for 14 days.
URL_LIFETIME = timedelta(days=14)

R = FailureReason
KIE_ERRORS = ErrorTable(
    reasons={
        "400": R.INVALID_INPUT,  # also copyrighted lyrics; see _POLICY_HINT
        "401": R.PROVIDER_ERROR,  # our key is wrong: the admin's problem, not the member's
        "402": R.INSUFFICIENT_CREDITS,
        "404": R.PROVIDER_ERROR,
        "413": R.CONTENT_POLICY,  # the upload matches an existing work
        "422": R.INVALID_INPUT,
        "429": R.RATE_LIMITED,
        "451": R.CONTENT_POLICY,
        "455": R.PROVIDER_ERROR,  # maintenance
        "500": R.PROVIDER_ERROR,
        "501": R.PROVIDER_ERROR,  # generation failed
        "505": R.PROVIDER_ERROR,
        "531": R.PROVIDER_ERROR,  # failed, credits refunded
    },
    transient=frozenset({"429", "455", "500", "502", "503", "504"}),
)

# kie answers copyrighted lyrics with a plain 400; the message tells them apart.
_POLICY_HINT = re.compile(r"copyright|sensitive|violat|prohibit", re.IGNORECASE)

_STATES = {
    "PENDING": JobState.QUEUED,
    "TEXT_SUCCESS": JobState.RUNNING,
    "FIRST_SUCCESS": JobState.PARTIAL,
    "SUCCESS": JobState.SUCCEEDED,
}
_FAILED_WITH_CODE = frozenset({"CREATE_TASK_FAILED", "GENERATE_AUDIO_FAILED"})

# Callback signing, when enabled on the kie account (receivers see headers lower-cased).
TIMESTAMP_HEADER = "x-webhook-timestamp"
SIGNATURE_HEADER = "x-webhook-signature"


class KieProvider(VendorProvider):
    vendor = "kie"

    def __init__(
        self,
        settings: KieSettings,
        *,
        transport: httpx.AsyncBaseTransport | None = None,
        media_transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        super().__init__(
            settings,
            KIE_MODELS,
            DEFAULT_POLL,
            KIE_ERRORS,
            transport=transport,
            media_transport=media_transport,
        )
        self._callback_url = settings.callback_url

    async def submit(
        self, request: GenerateRequest, job_id: str, callback_url: str | None = None
    ) -> str:
        model = self._vendor_model(request)
        # Description mode: kie takes style and title only in custom mode, so
        # vendor_prompt() has already folded the style into the prompt.
        body = {
            "prompt": request.vendor_prompt(),
            "customMode": False,
            "instrumental": request.instrumental,
            "model": model,
            # kie requires a callback URL; without the receiver a placeholder goes.
            "callBackUrl": callback_url or self._callback_url,
        }
        data = self._unwrap(await self._http.request("POST", SUBMIT_PATH, json=body))
        task_id = data.get("taskId") if isinstance(data, dict) else None
        if not isinstance(task_id, str) or not task_id:
            raise MalformedResponse("submit answer has no data.taskId")
        log.info("%s: job %s is kie task %s", self.name, job_id, task_id)
        return task_id

    async def status(self, task_id: str, operation: Operation = Operation.SONG) -> TaskStatus:
        response = await self._http.request("GET", RECORD_PATH, params={"taskId": task_id})
        data = self._unwrap(response)
        if not isinstance(data, dict):
            raise MalformedResponse("record-info data is not an object")
        return self._task_status(task_id, data)

    def read_callback(self, headers: Mapping[str, str], body: bytes, now: float) -> CallbackEvent:
        """The task a callback names, once its shape and (if configured) signature hold.

        With a webhook secret configured every callback must be signed and fresh;
        without one it is taken unsigned, which is safe only because the event
        is a wake-up that the runner confirms with a status fetch. kie sends no
        event id, so ``event_id`` is None.
        """
        task_id = _callback_task_id(body)
        if self._secret:
            _require_signature(self._secret, task_id, headers, now)
        return CallbackEvent(task_id=task_id, event_id=None)

    # -- answers -------------------------------------------------------------

    def _classify(self, response: httpx.Response) -> Transient | None:
        """Retry transient codes whether they came as an HTTP status or in a 200 body."""
        error = _error_of(response, json_body(response))
        if error is None:
            return None
        code, msg = error
        if not self._errors.is_transient(code):
            return None
        return Transient(self._reason(code, msg), code, self._clean(msg))

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

    def _refusal(self, code: str, msg: str) -> ProviderError:
        reason = self._reason(code, msg)
        return self._refused(
            reason, code, self._clean(msg), where=f"code {code}", bad_key=code == "401"
        )

    def _reason(self, code: str, msg: str) -> FailureReason:
        reason = self._errors.reason(code)
        if reason is FailureReason.INVALID_INPUT and _POLICY_HINT.search(msg):
            return FailureReason.CONTENT_POLICY
        return reason

    # -- record-info ---------------------------------------------------------

    def _task_status(self, task_id: str, data: dict[str, Any]) -> TaskStatus:
        raw = data.get("status")
        if not isinstance(raw, str) or not raw:
            raise MalformedResponse("record-info answer has no status")
        error_code = as_code(data.get("errorCode")) or ""
        detail = self._clean(as_text(data.get("errorMessage")))
        tracks = _tracks(task_id, data)
        code = f"{raw}:{error_code}" if error_code else raw

        def result(state: JobState, failure: FailureReason | None = None) -> TaskStatus:
            return TaskStatus(state=state, tracks=tracks, failure=failure, code=code, detail=detail)

        state = _STATES.get(raw)
        if state is JobState.SUCCEEDED and not all_audio(tracks):
            raise MalformedResponse("SUCCESS without an audio URL for every track")
        if state is not None:
            return result(state)
        if raw == "SENSITIVE_WORD_ERROR":
            return result(JobState.FAILED, FailureReason.CONTENT_POLICY)
        if raw == "CALLBACK_EXCEPTION":
            # kie could not reach our callback URL; the songs themselves may be fine.
            if all_audio(tracks):
                return result(JobState.SUCCEEDED)
            return result(JobState.FAILED, FailureReason.PROVIDER_ERROR)
        if raw in _FAILED_WITH_CODE:
            reason = (
                self._reason(error_code, detail) if error_code else FailureReason.PROVIDER_ERROR
            )
            return result(JobState.FAILED, reason)
        # A status this adapter does not know yet: keep polling, let the deadline decide.
        log.warning("%s: kie task %s has unknown status %r", self.name, task_id, raw)
        return result(JobState.RUNNING)


def _callback_task_id(body: bytes) -> str:
    """``data.task_id`` of a callback body (snake_case, unlike record-info)."""
    try:
        payload = json.loads(body)
    except (ValueError, RecursionError):  # not UTF-8, not JSON, or absurdly nested
        raise CallbackRejected("callback body is not JSON") from None
    data = payload.get("data") if isinstance(payload, dict) else None
    task_id = data.get("task_id") if isinstance(data, dict) else None
    if not isinstance(task_id, str) or not VISIBLE_ID.fullmatch(task_id):
        raise CallbackRejected("callback has no usable data.task_id")
    return task_id


def _require_signature(secret: str, task_id: str, headers: Mapping[str, str], now: float) -> None:
    """kie's optional signing: base64(HMAC-SHA256(secret, "{task_id}.{timestamp}")).

    Messages name the failed check only: never the secret, nor the signatures.
    """
    given = headers.get(SIGNATURE_HEADER)
    if not given:
        raise CallbackRejected("callback is not signed")
    timestamp = headers.get(TIMESTAMP_HEADER, "")  # "" is refused like a malformed one
    require_fresh(timestamp, now)
    try:
        signature = base64.b64decode(given.strip(), validate=True)
    except (binascii.Error, ValueError):
        raise CallbackRejected("signature is not base64") from None
    # The vendor signs the timestamp exactly as it sends it in the header.
    message = f"{task_id}.{timestamp.strip()}".encode()
    require_match(hmac_sha256(secret, message), signature)


def _error_of(response: httpx.Response, body: Any) -> tuple[str, str] | None:
    """(code, msg) when the answer is an error, by body code or by HTTP status; else None."""
    body_code = msg = None
    if isinstance(body, dict):
        body_code = as_code(body.get("code"))
        msg = as_text(body.get("msg"))
    if body_code is not None and body_code != "200":
        return body_code, msg or ""
    if response.is_error:
        return str(response.status_code), msg or response.reason_phrase
    return None


def _tracks(task_id: str, data: dict[str, Any]) -> list[Track]:
    response = data.get("response")
    if response is None:
        return []  # null until TEXT_SUCCESS
    if not isinstance(response, dict):
        raise MalformedResponse("record-info response is not an object")
    items = response.get("sunoData") or []
    if not isinstance(items, list):
        raise MalformedResponse("record-info sunoData is not a list")
    task_created = as_time(data.get("createTime"))
    return [_track(task_id, item, task_created) for item in items]


def _track(task_id: str, item: Any, task_created: datetime | None) -> Track:
    if not isinstance(item, dict) or not item.get("id"):
        raise MalformedResponse("a track in sunoData has no id")
    known = [t for t in (as_time(item.get("createTime")), task_created) if t is not None]
    # The earlier time is the conservative one: better re-fetch early than post a dead link.
    created = min(known) if known else None
    return Track(
        vendor_task_id=task_id,
        vendor_track_id=str(item["id"]),
        audio_url=as_text(item.get("audioUrl")),
        stream_url=as_text(item.get("streamAudioUrl")),
        image_url=as_text(item.get("imageUrl")),
        title=as_text(item.get("title")),
        tags=as_text(item.get("tags")),
        lyrics=as_text(item.get("prompt")),
        duration=as_number(item.get("duration")),
        model=as_text(item.get("modelName")),
        expires_at=created + URL_LIFETIME if created else None,
    )
