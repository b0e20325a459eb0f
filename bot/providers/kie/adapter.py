"""kie.ai: one create call per operation, then poll its record-info.

kie wraps every answer in ``{code, msg, data}`` and reports errors either as
HTTP errors or as HTTP 200 with an error ``code`` in the body; both take the
same path through one code table (PROVIDERS.md, seed 001). Songs, extensions
and covers are polled at ``/generate/record-info``; WAV, stems and video at
their own record-info, whose state field is ``successFlag``. Lyrics are
written by polling inside ``write_lyrics``; word timings answer at once.
Paths and request bodies live in ``requests``, reading answers in
``results``, callback checks in ``callbacks``.

Callbacks, when the receiver is on, only wake a job up: ``read_callback``
checks them, and the runner confirms with one ``status`` fetch.
"""

from __future__ import annotations

import asyncio
import logging
import re
from collections.abc import Mapping
from types import MappingProxyType
from typing import Any, NamedTuple, Unpack

import httpx

from bot.errors import MalformedResponse, ProviderError
from bot.providers.base import (
    AccountStatus,
    CallbackEvent,
    FailureReason,
    GenerateRequest,
    LyricsDraft,
    Operation,
    PollPolicy,
    TaskState,
    TaskStatus,
    TimedWord,
    TrackRef,
)
from bot.providers.catalog import MODELS
from bot.providers.errors_table import ErrorTable
from bot.providers.http import Transient
from bot.providers.kie.callbacks import callback_task_id, require_signature
from bot.providers.kie.requests import (
    BOOST_STYLE_PATH,
    CREDIT_PATH,
    FILE_RECORD_PATHS,
    LAYER_MODELS,
    LYRICS_PATH,
    LYRICS_RECORD_PATH,
    RECORD_PATH,
    TIMED_LYRICS_PATH,
    create_call,
)
from bot.providers.kie.results import (
    lyrics_drafts,
    output_files,
    song_tracks,
    timed_words,
)
from bot.providers.kie.settings import KieSettings
from bot.providers.parsing import all_audio, as_code, as_text, json_body, json_object
from bot.providers.vendor import KEY_REFUSED, Transports, VendorProvider

log = logging.getLogger(__name__)

# Catalog key -> kie's model name: Suno's own, for every model.
KIE_MODELS: dict[str, str] = {key: spec.suno_name for key, spec in MODELS.items()}

# kie generations take one to three minutes and the vendor allows about three
# polls per second per task; this cadence spends at most 8 polls on two minutes.
DEFAULT_POLL = PollPolicy(first_delay=35.0, interval=15.0, backoff=1.3, max_interval=60.0)

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

# Seconds before the first look at a lyrics task (kie writes them in seconds).
FIRST_LYRICS_LOOK = 0.5

# kie answers copyrighted lyrics with a plain 400; the message tells them apart.
_POLICY_HINT = re.compile(r"copyright|sensitive|violat|prohibit", re.IGNORECASE)

_SONG_STATES = {
    "PENDING": TaskState.QUEUED,
    "TEXT_SUCCESS": TaskState.RUNNING,
    "FIRST_SUCCESS": TaskState.PARTIAL,
    "SUCCESS": TaskState.SUCCEEDED,
}
# WAV, stems, video and lyrics tasks have no intermediate stages.
_ONE_STEP_STATES = {"PENDING": TaskState.QUEUED, "SUCCESS": TaskState.SUCCEEDED}
# Each record family names its generation failure after what it makes.
_FAILED_WITH_CODE = frozenset(
    {
        "CREATE_TASK_FAILED",
        "GENERATE_AUDIO_FAILED",  # songs, and stems
        "GENERATE_WAV_FAILED",
        "GENERATE_MP4_FAILED",
        "GENERATE_LYRICS_FAILED",
    }
)


class _Verdict(NamedTuple):
    """What one record-info answer says, bar its output."""

    state: TaskState
    failure: FailureReason | None
    code: str
    detail: str


class KieProvider(VendorProvider):
    vendor = "kie"
    operations = frozenset(Operation)
    vendor_models = KIE_MODELS
    default_poll = DEFAULT_POLL
    error_table = KIE_ERRORS
    operation_models = MappingProxyType(
        {Operation.ADD_VOCALS: LAYER_MODELS, Operation.ADD_INSTRUMENTAL: LAYER_MODELS}
    )

    def __init__(
        self,
        settings: KieSettings,
        *,
        lyrics_poll_seconds: float = 3.0,
        lyrics_wait_seconds: float = 120.0,
        **transports: Unpack[Transports],
    ) -> None:
        super().__init__(settings, **transports)
        self._callback_url = settings.callback_url
        # Lyrics take seconds, and a member waits for them in an interaction.
        self._lyrics_poll = lyrics_poll_seconds
        self._lyrics_wait = lyrics_wait_seconds

    async def submit(
        self, request: GenerateRequest, job_id: str, callback_url: str | None = None
    ) -> str:
        model = self._vendor_model(request)
        path, body = create_call(request, model)
        task_id = await self._create(path, body, callback_url)
        log.info("%s: job %s is kie %s task %s", self.name, job_id, request.operation, task_id)
        return task_id

    async def status(self, task_id: str, operation: Operation = Operation.SONG) -> TaskStatus:
        path = FILE_RECORD_PATHS.get(operation)
        data = await self._record(path or RECORD_PATH, task_id)
        if path is not None:
            files = output_files(operation, data.get("response"))
            verdict = self._verdict(task_id, data, _ONE_STEP_STATES, bool(files), "its file URL")
            return TaskStatus(files=files, **verdict._asdict())
        tracks = song_tracks(task_id, data)
        verdict = self._verdict(
            task_id, data, _SONG_STATES, all_audio(tracks), "an audio URL for every track"
        )
        return TaskStatus(tracks=tracks, **verdict._asdict())

    async def write_lyrics(self, theme: str) -> list[LyricsDraft]:
        """Start a lyrics task, then poll it every few seconds until done or out of time."""
        # No job waits for a lyrics callback, so the placeholder goes and this method polls.
        task_id = await self._create(LYRICS_PATH, {"prompt": theme}, None)
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self._lyrics_wait
        # A member is waiting on an interaction: look soon, then back off to the interval.
        delay = min(FIRST_LYRICS_LOOK, self._lyrics_poll)
        while True:
            await asyncio.sleep(delay)
            delay = min(delay * 2, self._lyrics_poll)
            data = await self._record(LYRICS_RECORD_PATH, task_id)
            drafts = lyrics_drafts(data.get("response"))
            verdict = self._verdict(task_id, data, _ONE_STEP_STATES, bool(drafts), "any lyrics")
            if verdict.state is TaskState.SUCCEEDED:
                return drafts
            if verdict.state is TaskState.FAILED:
                reason = verdict.failure or FailureReason.PROVIDER_ERROR
                raise ProviderError(reason, verdict.code, verdict.detail)
            if loop.time() >= deadline:
                raise ProviderError(
                    FailureReason.TIMEOUT,
                    verdict.code,
                    f"kie lyrics task {task_id} not done after {self._lyrics_wait:.0f}s",
                )

    async def timed_lyrics(self, track: TrackRef) -> list[TimedWord]:
        body = {"taskId": track.task_id, "audioId": track.track_id}
        # A POST that only reads: repeating it after a lost answer cannot duplicate anything.
        response = await self._http.request("POST", TIMED_LYRICS_PATH, json=body, idempotent=True)
        return timed_words(self._unwrap(response))

    async def boost_style(self, style: str) -> str:
        """kie's style boost: ``content`` in, the fuller text in ``data.result``."""
        body = {"content": style}
        data = self._unwrap(await self._http.request("POST", BOOST_STYLE_PATH, json=body))
        result = data.get("result") if isinstance(data, dict) else None
        if not isinstance(result, str) or not result.strip():
            raise MalformedResponse("style answer has no data.result")
        return result.strip()  # the caller fits it to the model's style limit

    async def balance(self) -> float:
        """The account's remaining credits, as kie.ai counts them (its ``data``, a number)."""
        data = self._unwrap(await self._http.request("GET", CREDIT_PATH))
        if isinstance(data, bool) or not isinstance(data, int | float):
            raise MalformedResponse("credit answer's data is not a number")
        return float(data)

    async def account(self) -> AccountStatus:
        """The credit balance, which only a working key may read."""
        try:
            return AccountStatus(key_accepted=True, balance=await self.balance())
        except ProviderError as exc:
            if exc.code in KEY_REFUSED:
                return AccountStatus(key_accepted=False)
            raise

    def read_callback(self, headers: Mapping[str, str], body: bytes, now: float) -> CallbackEvent:
        """The task a callback names, once its shape and (if configured) signature hold.

        With a webhook secret configured every callback must be signed and fresh;
        without one it is taken unsigned, which is safe only because the event
        is a wake-up that the runner confirms with a status fetch. kie sends no
        event id, so ``event_id`` is None.
        """
        task_id = callback_task_id(body)
        if self._secret:
            require_signature(self._secret, task_id, headers, now)
        return CallbackEvent(task_id=task_id, event_id=None)

    # -- requests ------------------------------------------------------------

    async def _create(self, path: str, body: dict[str, Any], callback_url: str | None) -> str:
        """POST a create call and return its ``data.taskId``.

        kie requires a callback URL on every create call; without the receiver
        the configured placeholder goes, which the vendor fails to reach.
        """
        body = {**body, "callBackUrl": callback_url or self._callback_url}
        data = self._unwrap(await self._http.request("POST", path, json=body))
        task_id = data.get("taskId") if isinstance(data, dict) else None
        if not isinstance(task_id, str) or not task_id:
            raise MalformedResponse("create answer has no data.taskId")
        return task_id

    async def _record(self, path: str, task_id: str) -> dict[str, Any]:
        data = self._unwrap(await self._http.request("GET", path, params={"taskId": task_id}))
        if not isinstance(data, dict):
            raise MalformedResponse("record-info data is not an object")
        return data

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

    def _verdict(
        self,
        task_id: str,
        data: dict[str, Any],
        states: Mapping[str, TaskState],
        done: bool,
        output: str,
    ) -> _Verdict:
        """The state a record-info answer reports; ``done``: its ``output`` is all there.

        Song records name the state ``status``, WAV, stems and video records
        ``successFlag``; both are read for every record.
        """
        raw = as_text(data.get("successFlag")) or as_text(data.get("status"))
        if not raw:
            raise MalformedResponse("record-info answer has no status")
        error_code = as_code(data.get("errorCode")) or ""
        detail = self._clean(as_text(data.get("errorMessage")))
        code = f"{raw}:{error_code}" if error_code else raw

        def verdict(state: TaskState, failure: FailureReason | None = None) -> _Verdict:
            return _Verdict(state, failure, code, detail)

        state = states.get(raw)
        if state is TaskState.SUCCEEDED and not done:
            raise MalformedResponse(f"SUCCESS without {output}")
        if state is not None:
            return verdict(state)
        if raw == "SENSITIVE_WORD_ERROR":
            return verdict(TaskState.FAILED, FailureReason.CONTENT_POLICY)
        if raw == "CALLBACK_EXCEPTION":
            # kie could not reach our callback URL; what it made may be fine.
            if done:
                return verdict(TaskState.SUCCEEDED)
            return verdict(TaskState.FAILED, FailureReason.PROVIDER_ERROR)
        if raw in _FAILED_WITH_CODE:
            reason = (
                self._reason(error_code, detail) if error_code else FailureReason.PROVIDER_ERROR
            )
            return verdict(TaskState.FAILED, reason)
        # A status this adapter does not know yet: keep polling, let the deadline decide.
        log.warning("%s: kie task %s has unknown status %r", self.name, task_id, raw)
        return verdict(TaskState.RUNNING)


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
