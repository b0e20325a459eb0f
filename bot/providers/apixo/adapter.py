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

Paths and request bodies live in ``requests``, reading answers in ``results``.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping
from typing import Any, Unpack

import httpx

from bot.errors import MalformedResponse, ProviderError
from bot.providers.apixo.requests import STATUS_PATH, SUBMIT_PATH, input_fields
from bot.providers.apixo.results import error_of, song_tracks
from bot.providers.apixo.settings import ApixoSettings
from bot.providers.base import (
    CallbackEvent,
    CallbackRejected,
    FailureReason,
    GenerateRequest,
    Operation,
    PollPolicy,
    TaskState,
    TaskStatus,
)
from bot.providers.catalog import MODELS
from bot.providers.errors_table import HTTP_STATUSES, ErrorTable
from bot.providers.http import Transient
from bot.providers.parsing import VISIBLE_ID, all_audio, as_code, as_text, json_body, json_object
from bot.providers.vendor import Transports, VendorProvider

log = logging.getLogger(__name__)

# Catalog key -> APIXO's ``input.mode``: Suno's own name. The docs list no V3_5.
APIXO_MODELS: dict[str, str] = {
    key: spec.suno_name for key, spec in MODELS.items() if key != "v3.5"
}

# The docs advise a first look after ~45 s, then every 5-10 s, for a 60-90 s
# (up to 3 min) generation. Starting at 8 s and backing off by 1.3 looks at
# 45, 53, 63, 77, 94, 117 and 147 s: 7 polls cover a two-minute song, and a
# stuck task costs one poll per 30 s at most.
DEFAULT_POLL = PollPolicy(first_delay=45.0, interval=8.0, backoff=1.3, max_interval=30.0)

R = FailureReason
# Envelope codes, whether sent as the HTTP status or in a 200 body: the plain HTTP statuses.
APIXO_ERRORS = HTTP_STATUSES
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
    "pending": TaskState.QUEUED,
    "processing": TaskState.RUNNING,
    "success": TaskState.SUCCEEDED,
    "complete": TaskState.SUCCEEDED,  # the docs' callback sample says "complete"
    "failed": TaskState.FAILED,
}


class ApixoProvider(VendorProvider):
    vendor = "APIXO"
    operations = frozenset({Operation.SONG, Operation.CUSTOM, Operation.TUNING})
    probe_path = f"{STATUS_PATH}?taskId=doctor-probe"  # APIXO has no balance call
    vendor_models = APIXO_MODELS
    default_poll = DEFAULT_POLL
    error_table = APIXO_ERRORS

    def __init__(self, settings: ApixoSettings, **transports: Unpack[Transports]) -> None:
        super().__init__(settings, **transports)
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
            "input": {"mode": mode, **input_fields(request)},
        }
        if callback_url:
            body["callback_url"] = callback_url
        return body

    # -- answers -------------------------------------------------------------

    def _classify(self, response: httpx.Response) -> Transient | None:
        """Retry transient codes whether they came as an HTTP status or in a 200 body."""
        error = error_of(response, json_body(response))
        if error is None or not self._errors.is_transient(error[0]):
            return None
        code, message = error
        return Transient(self._errors.reason(code), code, self._clean(message))

    def _unwrap(self, response: httpx.Response) -> Any:
        """The envelope's ``data``, or the vendor's refusal as a ``ProviderError``."""
        body = json_body(response)
        error = error_of(response, body)
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
        if state is TaskState.FAILED:
            return self._failure(task_id, raw, data)
        if state is TaskState.SUCCEEDED:
            tracks = song_tracks(task_id, data)
            if not all_audio(tracks):
                raise MalformedResponse("success without an audio URL for every track")
            return TaskStatus(state=state, tracks=tracks, code=raw)
        if state is None:
            # A state this adapter does not know yet: keep polling, let the deadline decide.
            log.warning("%s: APIXO task %s has unknown state %r", self.name, task_id, raw)
            state = TaskState.RUNNING
        # Undocumented before success, but kept when sent: the tracks' streams play
        # minutes before their MP3s exist.
        early = song_tracks(task_id, data) if data.get("resultJson") else []
        return TaskStatus(state=state, tracks=early, code=raw)

    def _failure(self, task_id: str, raw: str, data: dict[str, Any]) -> TaskStatus:
        fail_code = as_code(data.get("failCode")) or ""
        reason = self._fail_codes.reason(fail_code)
        detail = self._clean(as_text(data.get("failMsg")))
        if reason is FailureReason.INSUFFICIENT_CREDITS:
            log.error("%s: APIXO account ran out of credits (task %s)", self.name, task_id)
        return TaskStatus(
            state=TaskState.FAILED,
            failure=reason,
            code=f"{raw}:{fail_code}" if fail_code else raw,
            detail=detail,
        )
