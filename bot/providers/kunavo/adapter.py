"""Kunavo: ``POST /v1/audio/music/jobs``, then poll ``GET /v1/audio/music/jobs/{id}``.

Only the job API is used, never the blocking ``POST /v1/audio/music``: a lost
answer there loses the songs. Every submit carries an ``Idempotency-Key`` (the
bot's job id), so Kunavo answers a repeated submit with the original task (HTTP
200 instead of 202) and the submit is safe to retry even after a read timeout.

Errors come as plain HTTP statuses; a failed task carries ``error: {code,
message}``. The seed documents no error codes, so the table below holds the
codes seen at OpenAI-style vendors and the words in any other code decide
(PROVIDERS.md, seed 000). Webhooks are signed with HMAC-SHA256 over
``"{timestamp}.{rawBody}"``.

Custom mode (``customMode``, ``style``, ``title``, the lyrics as ``prompt``) is
documented; negative tags, vocal gender and weights are not, so this provider
does not offer them.

Paths and request bodies live in ``requests``, reading answers in ``results``,
the signed webhooks in ``callbacks``.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Mapping
from typing import Any
from urllib.parse import quote

import httpx

from bot.errors import MalformedResponse, ProviderError
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
from bot.providers.errors_table import HTTP_STATUSES
from bot.providers.http import Transient
from bot.providers.kunavo.callbacks import (
    SIGNATURE_HEADER,
    TIMESTAMP_HEADER,
    callback_event,
    signature_bytes,
)
from bot.providers.kunavo.requests import JOBS_PATH, idempotency_key, song_fields
from bot.providers.kunavo.results import error_of, song_tracks
from bot.providers.parsing import all_audio, as_progress, json_body, json_object, webhook_allowed
from bot.providers.signing import hmac_sha256, require_fresh, require_match
from bot.providers.vendor import VendorProvider

log = logging.getLogger(__name__)

# Catalog key -> Kunavo model slug. Kunavo offers only suno-v5 and suno-v5-5;
# the catalog has no V5.5 key yet, so V5 is the one model this provider offers.
KUNAVO_MODELS: dict[str, str] = {"v5": "suno-v5"}

# Kunavo advises "5 s, backing off to 30 s". A generation takes one to three
# minutes, so the first look waits 20 s (nothing is ready sooner), then 10 s
# growing by 1.5 up to the vendor's 30 s: two minutes cost 6 polls, three 8.
DEFAULT_POLL = PollPolicy(first_delay=20.0, interval=10.0, backoff=1.5, max_interval=30.0)


R = FailureReason
# A refused call's HTTP status (a 404 is also another account's task: the API is
# owner-scoped), or a failed task's error.code.
KUNAVO_ERRORS = HTTP_STATUSES.extended(
    {
        "409": R.PROVIDER_ERROR,  # the first request with this Idempotency-Key is in flight
        "413": R.INVALID_INPUT,
        "422": R.INVALID_INPUT,
        # error.code of a failed task: undocumented, so these are guesses
        # (the names OpenAI-style vendors such as Evolink use).
        "content_policy_violation": R.CONTENT_POLICY,
        "moderation_blocked": R.CONTENT_POLICY,
        "insufficient_credits": R.INSUFFICIENT_CREDITS,
        "insufficient_quota": R.INSUFFICIENT_CREDITS,
        "quota_exceeded": R.INSUFFICIENT_CREDITS,
        "rate_limit_exceeded": R.RATE_LIMITED,
        "generation_timeout": R.TIMEOUT,
        "timeout": R.TIMEOUT,
        "invalid_request": R.INVALID_INPUT,
        "prompt_too_long": R.INVALID_INPUT,
        "generation_failed": R.PROVIDER_ERROR,
        "upstream_error": R.PROVIDER_ERROR,
        "model_unavailable": R.PROVIDER_ERROR,
    },
    # 409: per the IETF Idempotency-Key draft, "the original request is still
    # being processed"; asking again shortly gets the original task.
    transient={"409"},
)

# For codes the table does not know: the words in the code (or message) decide.
# "rate" alone would match "generate", hence the longer patterns.
_HINTS: tuple[tuple[re.Pattern[str], FailureReason], ...] = tuple(
    (re.compile(pattern), reason)
    for pattern, reason in (
        (r"content|moderat|policy|nsfw|sensitive|copyright|violat|prohibit", R.CONTENT_POLICY),
        (r"credit|quota|billing|balance|payment|insufficient_fund", R.INSUFFICIENT_CREDITS),
        (r"rate[_\s-]?limit|too[_\s-]many[_\s-]requests|throttl", R.RATE_LIMITED),
        (r"time[_\s-]?out|timed[_\s-]out", R.TIMEOUT),
        (r"invalid|too[_\s-]long|validation", R.INVALID_INPUT),
    )
)
# Reasons an HTTP status gives that the body's own code may sharpen (a 400 for
# a moderated prompt, say); a specific status such as 402 or an override stays.
_REFINABLE = frozenset({R.INVALID_INPUT, R.PROVIDER_ERROR})
# About our key or account, whatever words the body uses ("invalid_api_key" is no bad input).
_ACCOUNT_STATUSES = frozenset({"401", "403"})

_STATES = {
    "queued": TaskState.QUEUED,
    "in_progress": TaskState.RUNNING,
    "completed": TaskState.SUCCEEDED,
}
# Undocumented; other vendors' job APIs have it, and waiting on it would be pointless.
_CANCELLED = frozenset({"cancelled", "canceled"})


class KunavoProvider(VendorProvider):
    vendor = "kunavo"
    probe_path = f"{JOBS_PATH}/msc_doctor_probe"  # Kunavo has no balance call
    # The seed documents customMode, style and title, but no negative tags,
    # vocal gender or weights: tuned requests are refused before any request.
    operations = frozenset({Operation.SONG, Operation.CUSTOM})
    idempotent_submit = True  # the Idempotency-Key is the job id
    vendor_models = KUNAVO_MODELS
    default_poll = DEFAULT_POLL
    error_table = KUNAVO_ERRORS

    async def submit(
        self, request: GenerateRequest, job_id: str, callback_url: str | None = None
    ) -> str:
        model = self._vendor_model(request)
        body = self._submit_body(request, model, callback_url)
        headers = {"Idempotency-Key": idempotency_key(job_id)}
        response = await self._post_job(body, headers)
        try:
            return self._accepted(response, job_id)
        except MalformedResponse:
            if response.is_error:
                raise
            # Kunavo took the submit but its answer was lost on the way; the key
            # makes asking once more return that task instead of a second one.
            log.warning("%s: unreadable submit answer for job %s; asking again", self.name, job_id)
        return self._accepted(await self._post_job(body, headers), job_id)

    async def status(self, task_id: str, operation: Operation = Operation.SONG) -> TaskStatus:
        response = await self._http.request("GET", f"{JOBS_PATH}/{quote(task_id, safe='')}")
        job = self._job_object(response)
        other = job.get("id")
        if isinstance(other, str) and other and other != task_id:
            raise MalformedResponse("answer is about another task")
        return self._task_status(task_id, job)

    def read_callback(self, headers: Mapping[str, str], body: bytes, now: float) -> CallbackEvent:
        """Verify a signed ``music.completed`` / ``music.failed`` event and name its task."""
        if not self._secret:
            raise CallbackRejected("no webhook secret configured")
        timestamp = headers.get(TIMESTAMP_HEADER)
        if timestamp is None:
            raise CallbackRejected("missing timestamp")
        require_fresh(timestamp, now)
        given = signature_bytes(headers.get(SIGNATURE_HEADER))
        # Signed over the header's text exactly as sent, then the raw body.
        require_match(hmac_sha256(self._secret, timestamp.encode() + b"." + body), given)
        return callback_event(body)

    # -- submit ----------------------------------------------------------------

    def accepts_callbacks(self, url: str) -> bool:
        # Without the signing secret every webhook would be refused as unverifiable.
        return webhook_allowed(url) and bool(self._settings.webhook_secret.get_secret_value())

    def _submit_body(
        self, request: GenerateRequest, model: str, callback_url: str | None
    ) -> dict[str, Any]:
        body: dict[str, Any] = {"model": model, **song_fields(request)}
        if callback_url:
            if webhook_allowed(callback_url):
                body["webhook_url"] = callback_url
            else:
                # Kunavo takes HTTPS only; the bot polls this job instead.
                log.warning(
                    "%s: callback URL is not https; submitting without a webhook", self.name
                )
        return body

    async def _post_job(self, body: dict[str, Any], headers: dict[str, str]) -> httpx.Response:
        # The key makes a repeat return the original task: safe to retry after a
        # timeout. Should the retries run out after such a timeout, VendorHttp
        # says the task may exist, so the job never moves to a second vendor.
        return await self._http.request(
            "POST", JOBS_PATH, json=body, headers=headers, idempotent=True
        )

    def _accepted(self, response: httpx.Response, job_id: str) -> str:
        """The task id of a submit answer."""
        task_id = self._job_object(response).get("id")
        if not isinstance(task_id, str) or not task_id:
            raise MalformedResponse("submit answer has no id")
        # 202: a new task; 200: Kunavo replayed the task this key created earlier.
        how = "replayed" if response.status_code == httpx.codes.OK else "created"
        log.info("%s: job %s is kunavo task %s (%s)", self.name, job_id, task_id, how)
        return task_id

    # -- answers -----------------------------------------------------------------

    def _classify(self, response: httpx.Response) -> Transient | None:
        """Retry the statuses the table calls transient (a reseller may re-purpose them)."""
        if not response.is_error:
            return None
        status = str(response.status_code)
        if not self._errors.is_transient(status):
            return None
        code, message = error_of(json_body(response))
        return Transient(
            self._http_reason(status, code, message), status, self._detail(code, message)
        )

    def _job_object(self, response: httpx.Response) -> dict[str, Any]:
        """The answer's job object, or Kunavo's refusal as a ``ProviderError``."""
        body = json_body(response)
        if response.is_error:
            raise self._refusal(response, body)
        return json_object(response, body)

    def _refusal(self, response: httpx.Response, body: Any) -> ProviderError:
        status = str(response.status_code)
        code, message = error_of(body)
        reason = self._http_reason(status, code, message)
        detail = self._detail(code, message or response.reason_phrase)
        return self._refused(
            reason, status, detail, where=f"HTTP {status}", bad_key=status == "401"
        )

    def _http_reason(self, status: str, code: str, message: str) -> FailureReason:
        reason = self._errors.reason(status)
        if reason in _REFINABLE and status not in _ACCOUNT_STATUSES:
            return self._specific(code, message) or reason
        return reason

    def _failure_reason(self, code: str, message: str) -> FailureReason:
        """A failed task's reason: provider_error for an unknown code, unknown for none."""
        specific = self._specific(code, message)
        if specific is not None:
            return specific
        return FailureReason.PROVIDER_ERROR if code or message else FailureReason.UNKNOWN

    def _specific(self, code: str, message: str) -> FailureReason | None:
        """The table's reason for ``code`` (overrides included), else what its words hint."""
        if code and code in self._errors.reasons:
            return self._errors.reason(code)
        return _hint(code) or _hint(message)

    def _detail(self, code: str, message: str) -> str:
        text = f"{code}: {message}" if code and message else code or message
        return self._clean(text)

    # -- the job object ------------------------------------------------------------

    def _task_status(self, task_id: str, job: dict[str, Any]) -> TaskStatus:
        raw = job.get("status")
        if not isinstance(raw, str) or not raw:
            raise MalformedResponse("job answer has no status")
        tracks = song_tracks(task_id, job)
        code, message = error_of({"error": job.get("error")})
        detail = self._clean(message)
        progress = as_progress(job.get("progress"))

        def result(state: TaskState, failure: FailureReason | None = None) -> TaskStatus:
            shown = f"{raw}:{code}" if code else raw
            return TaskStatus(
                state=state,
                tracks=tracks,
                failure=failure,
                code=shown,
                detail=detail,
                progress=progress,
            )

        state = _STATES.get(raw)
        if state is TaskState.SUCCEEDED and not all_audio(tracks):
            raise MalformedResponse("completed without an audio URL for every track")
        if state is TaskState.RUNNING and any(track.stream_url for track in tracks):
            state = TaskState.PARTIAL  # undocumented, but streamable is what partial means
        if state is not None:
            return result(state)
        if raw == "failed":
            return result(TaskState.FAILED, self._failure_reason(code, message))
        if raw in _CANCELLED:
            return result(TaskState.FAILED, FailureReason.CANCELLED)
        # A status this adapter does not know yet: keep polling, let the deadline decide.
        log.warning("%s: kunavo task %s has unknown status %r", self.name, task_id, raw)
        return result(TaskState.RUNNING)


# -- helpers (module level: no provider state) ------------------------------------------


def _hint(text: str) -> FailureReason | None:
    lowered = text.lower()
    return next((reason for pattern, reason in _HINTS if pattern.search(lowered)), None)
