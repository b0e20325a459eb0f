"""Evolink: ``POST /v1/audios/generations``, then poll ``GET /v1/tasks/{id}``.

Evolink speaks an OpenAI-like dialect (seed 002, PROVIDERS.md): snake_case
task objects with a 0-100 ``progress``, HTTP errors as ``{error: {code,
message, type, param, fallback_suggestion}}``, task failures as ``error:
{code, message}`` inside the task object, and unsigned callbacks whose body
is the task object itself. Custom mode sends the lyrics as ``prompt`` with
``style``, ``title`` and the finer controls (``negative_tags``, ``vocal_gender``,
the weights); description mode sends the description alone.

Callback URLs: Evolink only calls back over HTTPS, so any other URL is left
out of the submit (the bot polls instead) rather than having the vendor refuse
the whole generation. Plain-HTTP loopback URLs (127.0.0.1, localhost, [::1])
are the one exception: Evolink cannot reach them anyway, but the test emulator
and local setups can, and sending them costs nothing.

Paths and request bodies live in ``requests``, reading answers in ``results``.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Mapping, Sequence
from typing import Any, Unpack

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
    Track,
)
from bot.providers.errors_table import ErrorTable
from bot.providers.evolink.requests import (
    MAX_CALLBACK_URL,
    SUBMIT_PATH,
    TASK_PATH,
    callback_allowed,
    song_fields,
)
from bot.providers.evolink.results import ApiError, api_error, song_tracks
from bot.providers.evolink.settings import EvolinkSettings
from bot.providers.http import Transient
from bot.providers.parsing import all_audio, as_code, as_progress, as_text, json_body, json_object
from bot.providers.vendor import Transports, VendorProvider

log = logging.getLogger(__name__)

# Catalog key -> Evolink's model name. Evolink has no V3.5.
EVOLINK_MODELS: dict[str, str] = {
    "v4": "suno-v4",
    "v4.5": "suno-v4.5",
    "v4.5-plus": "suno-v4.5plus",
    "v4.5-all": "suno-v4.5all",
    "v5": "suno-v5",
}
# Newer Evolink docs name every model "<name>-beta" and map the old names.
BETA_SUFFIX = "-beta"

# Generations take one to three minutes. Evolink reports a 0-100 progress (and
# task_info.estimated_time, which a static PollPolicy cannot use), so polls are
# a little denser than kie's to keep the progress bar moving: at 30, 40, 53,
# 70, 92 and 120 s, i.e. 6 polls for two minutes (the budget is 8); the 45 s cap
# keeps a slow generation's finish from going unseen for long.
DEFAULT_POLL = PollPolicy(first_delay=30.0, interval=10.0, backoff=1.3, max_interval=45.0)


R = FailureReason
# HTTP errors are looked up by error.code, then error.type, then HTTP status
# (the spec's error.code is the HTTP status, so both spellings are listed);
# task errors by their error.code.
EVOLINK_ERRORS = ErrorTable(
    reasons={
        "invalid_request_error": R.INVALID_INPUT,
        "400": R.INVALID_INPUT,
        # Our key is wrong: the admin's problem, not the member's.
        "authentication_error": R.PROVIDER_ERROR,
        "401": R.PROVIDER_ERROR,
        "insufficient_quota_error": R.INSUFFICIENT_CREDITS,
        "402": R.INSUFFICIENT_CREDITS,
        "permission_error": R.PROVIDER_ERROR,  # e.g. the account may not use this model
        "403": R.PROVIDER_ERROR,
        "not_found_error": R.PROVIDER_ERROR,
        "404": R.PROVIDER_ERROR,
        "rate_limit_error": R.RATE_LIMITED,
        "429": R.RATE_LIMITED,
        "internal_server_error": R.PROVIDER_ERROR,
        "500": R.PROVIDER_ERROR,
        "upstream_error": R.PROVIDER_ERROR,
        "502": R.PROVIDER_ERROR,
        "service_unavailable_error": R.PROVIDER_ERROR,
        "503": R.PROVIDER_ERROR,
        # Task error codes.
        "content_policy_violation": R.CONTENT_POLICY,
        "generation_timeout": R.TIMEOUT,
        "quota_exceeded": R.INSUFFICIENT_CREDITS,
    },
    transient=frozenset(
        {
            "internal_server_error",
            "upstream_error",
            "service_unavailable_error",
            "500",
            "502",
            "503",
            "504",
        }
    ),
)

_STATES = {
    "pending": TaskState.QUEUED,
    "processing": TaskState.RUNNING,
    "completed": TaskState.SUCCEEDED,
}
# Not in the seed; task_info.can_cancel suggests a cancelled state exists (a guess).
_CANCELLED = frozenset({"cancelled", "canceled"})
# Task ids go into a URL path that carries our key: nothing that could climb out of it.
_TASK_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]{0,127}")


def catalog_key(name: str) -> str | None:
    """The catalog key for an Evolink model name, with or without ``-beta``."""
    base = name.strip().lower().removesuffix(BETA_SUFFIX)
    return next((key for key, vendor in EVOLINK_MODELS.items() if vendor == base), None)


class EvolinkProvider(VendorProvider):
    vendor = "Evolink"
    operations = frozenset({Operation.SONG, Operation.CUSTOM, Operation.TUNING})
    probe_path = f"{TASK_PATH}task-unified-doctor-probe"  # Evolink has no balance call
    vendor_models = EVOLINK_MODELS
    default_poll = DEFAULT_POLL
    error_table = EVOLINK_ERRORS

    def __init__(self, settings: EvolinkSettings, **transports: Unpack[Transports]) -> None:
        super().__init__(settings, **transports)
        if settings.beta_models:
            self.models = {key: name + BETA_SUFFIX for key, name in self.models.items()}
        # Kept apart as well: a reseller's override wins whichever key it names.
        self._overrides = {str(k).strip(): v for k, v in settings.error_reasons.items()}
        self._warned_callback = False

    async def submit(
        self, request: GenerateRequest, job_id: str, callback_url: str | None = None
    ) -> str:
        model = self._vendor_model(request)
        body: dict[str, Any] = {"model": model, **song_fields(request)}
        url = self._callback_url(callback_url)
        if url is not None:
            body["callback_url"] = url
        task = self._answer(await self._http.request("POST", SUBMIT_PATH, json=body))
        task_id = task.get("id")
        if not isinstance(task_id, str) or not _TASK_ID.fullmatch(task_id):
            raise MalformedResponse("submit answer has no usable task id")
        self._check_model(request.model, task.get("model"), task_id)
        log.info("%s: job %s is Evolink task %s", self.name, job_id, task_id)
        return task_id

    async def status(self, task_id: str, operation: Operation = Operation.SONG) -> TaskStatus:
        if not _TASK_ID.fullmatch(task_id):
            raise ProviderError(FailureReason.PROVIDER_ERROR, "task_id", "not an Evolink task id")
        task = self._answer(await self._http.request("GET", TASK_PATH + task_id))
        return self._task_status(task_id, task)

    def read_callback(self, headers: Mapping[str, str], body: bytes, now: float) -> CallbackEvent:
        """Evolink does not sign callbacks: the body only names a task to look at.

        Nothing in it is believed; the runner confirms with one status fetch.
        """
        try:
            payload = json.loads(body)
        except (ValueError, RecursionError):
            raise CallbackRejected("callback body is not JSON") from None
        task_id = payload.get("id") if isinstance(payload, dict) else None
        if not isinstance(task_id, str) or not _TASK_ID.fullmatch(task_id):
            raise CallbackRejected("callback body names no task id")
        return CallbackEvent(task_id=task_id, event_id=None)

    # -- submit helpers --------------------------------------------------------

    def accepts_callbacks(self, url: str) -> bool:
        return callback_allowed(url)

    def _callback_url(self, url: str | None) -> str | None:
        """``url`` when Evolink may be given it (see the module docstring), else None."""
        if not url:
            return None
        if callback_allowed(url):
            return url
        if not self._warned_callback:
            # Once per provider: every later job would repeat it. The URL stays
            # out of the log, as it may carry a token.
            self._warned_callback = True
            log.warning(
                "%s: Evolink only calls back to HTTPS URLs up to %d characters; "
                "not sending the callback URL, the bot will poll instead",
                self.name,
                MAX_CALLBACK_URL,
            )
        return None

    def _check_model(self, asked: str, answered: Any, task_id: str) -> None:
        """Warn when Evolink says it used another model than the one asked for."""
        if not isinstance(answered, str) or not answered:
            return
        if catalog_key(answered) != asked:
            log.warning(
                "%s: Evolink task %s runs on %r, not the requested %s",
                self.name,
                task_id,
                self._clean(answered),
                asked,
            )

    # -- answers -----------------------------------------------------------------

    def _classify(self, response: httpx.Response) -> Transient | None:
        """Retry the error answers the table calls transient (429, 5xx, unless overridden)."""
        error = api_error(response)
        if error is None:
            return None
        key, reason = self._lookup(error.keys(), self._errors.fallback)
        if not self._errors.is_transient(key):
            return None
        return Transient(reason, key, self._detail(error))

    def _answer(self, response: httpx.Response) -> dict[str, Any]:
        """The task object, or the vendor's refusal as a ``ProviderError``."""
        error = api_error(response)
        if error is not None:
            raise self._refusal(error)
        return json_object(response, json_body(response))

    def _refusal(self, error: ApiError) -> ProviderError:
        key, reason = self._lookup(error.keys(), self._errors.fallback)
        return self._refused(
            reason,
            key,
            self._detail(error),
            where=f"{key}, HTTP {error.status}",
            bad_key=error.status == 401 or error.type == "authentication_error",
        )

    def _lookup(self, keys: Sequence[str], fallback: FailureReason) -> tuple[str, FailureReason]:
        """The deciding key and its reason: an override for any key beats the dialect's table."""
        for table in (self._overrides, self._errors.reasons):
            for key in keys:
                if key in table:
                    return key, table[key]
        return (keys[0] if keys else ""), fallback

    def _detail(self, error: ApiError) -> str:
        extras = [f"param={error.param}"] * bool(error.param)
        extras += [f"suggestion={error.suggestion}"] * bool(error.suggestion)
        text = error.message + (f" [{'; '.join(extras)}]" if extras else "")
        return self._clean(text)

    # -- task objects ----------------------------------------------------------------

    def _task_status(self, task_id: str, task: dict[str, Any]) -> TaskStatus:
        raw = task.get("status")
        if not isinstance(raw, str) or not raw:
            raise MalformedResponse("task object has no status")
        if task.get("id", task_id) != task_id:
            raise MalformedResponse("task object is about another task")
        progress = as_progress(task.get("progress"))
        tracks = song_tracks(task_id, task)
        if raw == "failed":
            return self._failed(task, tracks, progress)
        if raw in _CANCELLED:
            return TaskStatus(
                state=TaskState.FAILED,
                tracks=tracks,
                failure=FailureReason.CANCELLED,
                code=raw,
                progress=progress,
            )
        state = _STATES.get(raw)
        if state is None:
            # A status this adapter does not know yet: keep polling, let the deadline decide.
            log.warning("%s: Evolink task %s has unknown status %r", self.name, task_id, raw)
            state = TaskState.RUNNING
        if state is TaskState.SUCCEEDED and not all_audio(tracks):
            raise MalformedResponse("completed without an audio URL for every track")
        return TaskStatus(state=state, tracks=tracks, code=raw, progress=progress)

    def _failed(
        self, task: dict[str, Any], tracks: list[Track], progress: int | None
    ) -> TaskStatus:
        error = task.get("error")
        code = as_code(error.get("code")) if isinstance(error, dict) else None
        message = as_text(error.get("message")) if isinstance(error, dict) else ""
        # An unlisted task error says nothing about whose fault it was: unknown.
        reason = self._lookup([code], R.UNKNOWN)[1] if code else R.UNKNOWN
        return TaskStatus(
            state=TaskState.FAILED,
            tracks=tracks,
            failure=reason,
            code=f"failed:{code}" if code else "failed",
            detail=self._clean(message),
            progress=progress,
        )
