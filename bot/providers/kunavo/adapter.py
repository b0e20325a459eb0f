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
"""

from __future__ import annotations

import hashlib
import json
import logging
import re
from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import quote

import httpx

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
from bot.providers.kunavo.settings import KunavoSettings
from bot.providers.parsing import (
    VISIBLE_ID,
    all_audio,
    as_number,
    as_progress,
    as_text,
    as_time,
    custom_fields,
    json_body,
    json_object,
    webhook_allowed,
)
from bot.providers.signing import hmac_sha256, require_fresh, require_match
from bot.providers.vendor import VendorProvider

log = logging.getLogger(__name__)

JOBS_PATH = "/v1/audio/music/jobs"
TIMESTAMP_HEADER = "x-kunavo-webhook-timestamp"
SIGNATURE_HEADER = "x-kunavo-webhook-signature"

# Catalog key -> Kunavo model slug. Kunavo offers only suno-v5 and suno-v5-5;
# the catalog has no V5.5 key yet, so V5 is the one model this provider offers.
KUNAVO_MODELS: dict[str, str] = {"v5": "suno-v5"}

# Kunavo advises "5 s, backing off to 30 s". A generation takes one to three
# minutes, so the first look waits 20 s (nothing is ready sooner), then 10 s
# growing by 1.5 up to the vendor's 30 s: two minutes cost 6 polls, three 8.
DEFAULT_POLL = PollPolicy(first_delay=20.0, interval=10.0, backoff=1.5, max_interval=30.0)

# When output.archived is false the URLs are Suno's own, which expire after about a day.
SUNO_URL_LIFETIME = timedelta(hours=24)
MAX_IDEMPOTENCY_KEY = 128

R = FailureReason
KUNAVO_ERRORS = ErrorTable(
    reasons={
        # HTTP statuses of a refused call.
        "400": R.INVALID_INPUT,
        "401": R.PROVIDER_ERROR,  # our key is wrong: the admin's problem, not the member's
        "402": R.INSUFFICIENT_CREDITS,
        "403": R.PROVIDER_ERROR,
        "404": R.PROVIDER_ERROR,  # also another account's task: the API is owner-scoped
        "409": R.PROVIDER_ERROR,  # the first request with this Idempotency-Key is in flight
        "413": R.INVALID_INPUT,
        "422": R.INVALID_INPUT,
        "429": R.RATE_LIMITED,
        "500": R.PROVIDER_ERROR,
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
    transient=frozenset({"409", "429", "500", "502", "503", "504"}),
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
    "queued": JobState.QUEUED,
    "in_progress": JobState.RUNNING,
    "completed": JobState.SUCCEEDED,
}
# Undocumented; other vendors' job APIs have it, and waiting on it would be pointless.
_CANCELLED = frozenset({"cancelled", "canceled"})
_SAFE_KEY = re.compile(rf"[A-Za-z0-9._:-]{{1,{MAX_IDEMPOTENCY_KEY}}}")


class KunavoProvider(VendorProvider):
    vendor = "kunavo"
    probe_path = f"{JOBS_PATH}/msc_doctor_probe"  # Kunavo has no balance call
    # The seed documents customMode, style and title, but no negative tags,
    # vocal gender or weights: tuned requests are refused before any request.
    operations = frozenset({Operation.SONG, Operation.CUSTOM})
    idempotent_submit = True  # the Idempotency-Key is the job id

    def __init__(
        self,
        settings: KunavoSettings,
        *,
        transport: httpx.AsyncBaseTransport | None = None,
        media_transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        super().__init__(
            settings,
            KUNAVO_MODELS,
            DEFAULT_POLL,
            KUNAVO_ERRORS,
            transport=transport,
            media_transport=media_transport,
        )

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
        given = _signature_bytes(headers.get(SIGNATURE_HEADER))
        # Signed over the header's text exactly as sent, then the raw body.
        require_match(hmac_sha256(self._secret, timestamp.encode() + b"." + body), given)
        return _event(body)

    # -- submit ----------------------------------------------------------------

    def accepts_callbacks(self, url: str) -> bool:
        # Without the signing secret every webhook would be refused as unverifiable.
        return webhook_allowed(url) and bool(self._settings.webhook_secret.get_secret_value())

    def _submit_body(
        self, request: GenerateRequest, model: str, callback_url: str | None
    ) -> dict[str, Any]:
        body: dict[str, Any] = {"model": model, **_song_fields(request)}
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
        code, message = _error_of(json_body(response))
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
        code, message = _error_of(body)
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
        tracks = _tracks(task_id, job)
        code, message = _error_of({"error": job.get("error")})
        detail = self._clean(message)
        progress = as_progress(job.get("progress"))

        def result(state: JobState, failure: FailureReason | None = None) -> TaskStatus:
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
        if state is JobState.SUCCEEDED and not all_audio(tracks):
            raise MalformedResponse("completed without an audio URL for every track")
        if state is JobState.RUNNING and any(track.stream_url for track in tracks):
            state = JobState.PARTIAL  # undocumented, but streamable is what partial means
        if state is not None:
            return result(state)
        if raw == "failed":
            return result(JobState.FAILED, self._failure_reason(code, message))
        if raw in _CANCELLED:
            return result(JobState.FAILED, FailureReason.CANCELLED)
        # A status this adapter does not know yet: keep polling, let the deadline decide.
        log.warning("%s: kunavo task %s has unknown status %r", self.name, task_id, raw)
        return result(JobState.RUNNING)


# -- helpers (module level: no provider state) ------------------------------------------


def _song_fields(request: GenerateRequest) -> dict[str, Any]:
    """The body besides ``model``: custom mode (``customMode``, as the seed spells it) or not."""
    if request.custom:
        return custom_fields(request, "customMode")
    # Description mode: vendor_prompt() has already folded the style into the prompt.
    fields: dict[str, Any] = {
        "prompt": request.vendor_prompt(),
        "instrumental": request.instrumental,
    }
    if request.title:
        fields["title"] = request.title  # the seed's own job example sends it without customMode
    return fields


def idempotency_key(job_id: str) -> str:
    """The job id when it fits Kunavo's 128 characters, else a stable digest of it."""
    if _SAFE_KEY.fullmatch(job_id):
        return job_id
    # Deterministic, so a retry (or a restart) still sends the same key.
    return hashlib.sha256(job_id.encode()).hexdigest()


def _error_of(body: Any) -> tuple[str, str]:
    """(code, message) of ``{error: {code, message}}``, ``{error: "..."}`` or ``{code, message}``.

    The seed shows no error body; these are the shapes OpenAI-style vendors use.
    """
    if not isinstance(body, dict):
        return "", ""
    error = body.get("error")
    if isinstance(error, dict):
        return _text(error.get("code") or error.get("type")), _text(error.get("message"))
    if isinstance(error, str):
        return "", error
    return _text(body.get("code")), _text(body.get("message"))


def _hint(text: str) -> FailureReason | None:
    lowered = text.lower()
    return next((reason for pattern, reason in _HINTS if pattern.search(lowered)), None)


def _text(value: Any) -> str:
    # Stripped: the codes and ids read with it are compared and looked up.
    return as_text(value).strip()


def _tracks(task_id: str, job: dict[str, Any]) -> list[Track]:
    output = job.get("output")
    if output is None:
        return []  # null until the task completes
    if not isinstance(output, dict):
        raise MalformedResponse("job output is not an object")
    items = output.get("tracks") or []
    if not isinstance(items, list):
        raise MalformedResponse("job output.tracks is not a list")
    expires = _expiry(job, archived=output.get("archived") is True)
    model = _text(job.get("model"))
    return [_track(task_id, n, item, expires, model) for n, item in enumerate(items)]


def _expiry(job: dict[str, Any], *, archived: bool) -> datetime | None:
    """None for archived (permanent) links, else the earliest sign of their end.

    Unarchived URLs are Suno's, good for about a day from completion, while
    the job's ``expires_at`` (about 30 days) is when Kunavo prunes the task:
    the earlier is the conservative one, better re-fetch early than post a dead link.
    """
    if archived:
        return None
    known: list[datetime] = []
    pruned = as_time(job.get("expires_at"))
    if pruned is not None:
        known.append(pruned)
    done = as_time(job.get("completed_at")) or as_time(job.get("created_at"))
    if done is not None:
        known.append(done + SUNO_URL_LIFETIME)
    return min(known) if known else None


def _track(task_id: str, n: int, item: Any, expires: datetime | None, model: str) -> Track:
    if not isinstance(item, dict):
        raise MalformedResponse("a track in output.tracks is not an object")
    # Kunavo documents no track id; position within the task identifies it.
    track_id = _text(item.get("id")) or f"{task_id}:{n}"
    return Track(
        vendor_task_id=task_id,
        vendor_track_id=track_id,
        audio_url=_text(item.get("url")),
        stream_url=_text(item.get("stream_url")),
        image_url=_text(item.get("image_url")),
        title=_text(item.get("title")),
        tags=_text(item.get("tags") or item.get("style")),
        lyrics=_text(item.get("lyrics")),
        duration=as_number(item.get("duration")),
        model=_text(item.get("model")) or model,
        expires_at=as_time(item.get("expires_at")) or expires,
    )


# -- webhooks -------------------------------------------------------------------------


def _signature_bytes(header: str | None) -> bytes:
    """The digest in ``sha256=<hex>``; refused when missing or not that shape."""
    if not header:
        raise CallbackRejected("missing signature")
    scheme, sep, digest = header.strip().partition("=")
    if not sep or scheme.lower() != "sha256":
        raise CallbackRejected("malformed signature")
    try:
        return bytes.fromhex(digest)
    except ValueError:
        raise CallbackRejected("malformed signature") from None


def _event(body: bytes) -> CallbackEvent:
    """The task and event ids of an authentic event; refused when its shape is wrong."""
    try:
        event = json.loads(body)
    except (ValueError, RecursionError):  # not UTF-8, not JSON, or absurdly nested
        raise CallbackRejected("body is not JSON") from None
    if not isinstance(event, dict):
        raise CallbackRejected("event is not an object")
    event_id, kind, data = event.get("id"), event.get("type"), event.get("data")
    if not isinstance(event_id, str) or not VISIBLE_ID.fullmatch(event_id):
        raise CallbackRejected("event has no usable id")
    # Any music.* type wakes the job: the runner's status fetch tells what happened.
    if not isinstance(kind, str) or not kind.startswith("music."):
        raise CallbackRejected("not a music event")
    task_id = data.get("id") if isinstance(data, dict) else None
    if not isinstance(task_id, str) or not VISIBLE_ID.fullmatch(task_id):
        raise CallbackRejected("event names no usable task")
    return CallbackEvent(task_id=task_id, event_id=event_id)
