"""An Evolink look-alike on 127.0.0.1 for contract tests and benchmarks.

It speaks the dialect of seed 002 / PROVIDERS.md: Bearer auth, ``POST
/v1/audios/generations`` answering a task object, ``GET /v1/tasks/{id}`` with a
0-100 ``progress``, ``result_data`` and ``results`` once completed, ``error:
{code, message}`` once failed, HTTP errors as ``{error: {code, message, type,
param, fallback_suggestion}}``, plus the faults a real vendor shows
(Retry-After, gateway pages, slow answers, malformed and cut-off bodies).

Timing is stateless, as in the kie emulator: a task's state is computed from
its submit time on every poll. A task is ``pending`` for the first 10% of
``generation_seconds``, ``processing`` with a growing progress until done, and
``completed`` at 100%; failing outcomes fail half-way.

Callbacks: when a submit carries ``callback_url``, the task object is POSTed
there once the task completes or fails (10 s timeout, up to 3 retries on
anything but 2xx), like Evolink. Unlike Evolink, plain HTTP is accepted, and
only loopback receivers are ever called, so tests never reach out.
"""

from __future__ import annotations

import asyncio
import collections
import functools
import json
import time
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from aiohttp import web

from tests.fakes.vendor.base import loopback
from tests.fakes.vendor.faults import COMMON_MALFORMED, Answer, FaultQueue
from tests.fakes.vendor.pumped import PumpedEmulator

TASK_ERRORS = {
    "content_policy_violation": "The prompt violates the content policy.",
    "generation_timeout": "Generation timed out.",
    "quota_exceeded": "Quota exceeded.",
}
# "failed" takes any error_code, for codes the adapter's table does not list.
OUTCOMES = frozenset({"success", "never", "failed", *TASK_ERRORS})
MALFORMED = COMMON_MALFORMED | {"empty_object"}
BASE_MODELS = frozenset({"suno-v4", "suno-v4.5", "suno-v4.5plus", "suno-v4.5all", "suno-v5"})
BETA_SUFFIX = "-beta"
# The spec's per-model limits: custom prompt and style for suno-v4, then for
# V4.5 and later; titles "maxLength: 80"; descriptions 500 characters.
OLD_MODELS = frozenset({"suno-v4"})
OLD_LIMITS = (3000, 200)
NEW_LIMITS = (5000, 1000)
TITLE_LIMIT = 80
DESCRIPTION_LIMIT = 500
WEIGHTS = ("style_weight", "weirdness_constraint", "audio_weight")
# The seed's error type for each HTTP status.
ERROR_TYPES = {
    400: "invalid_request_error",
    401: "authentication_error",
    402: "insufficient_quota_error",
    403: "permission_error",
    404: "not_found_error",
    429: "rate_limit_error",
    500: "internal_server_error",
    502: "upstream_error",
    503: "service_unavailable_error",
}
PENDING_SHARE = 0.1  # of generation_seconds spent pending
FAIL_SHARE = 0.5  # failing outcomes fail half-way
STREAM_SHARE = 0.6  # with streams_early: when the tracks start to stream
CALLBACK_TIMEOUT = 10.0  # Evolink's documented callback timeout
CALLBACK_RETRIES = 3  # Evolink's documented retries after a failed delivery
CALLBACK_TICK = 0.05  # seconds between real-time checks while callbacks are still to come
MAX_CALLBACK_URL = 2048
_RUNNING = frozenset({"pending", "processing"})
_TAGS = ("emulated, piano, calm", "emulated, synth, upbeat")


@dataclass
class _Task:
    task_id: str
    body: dict[str, Any]
    submitted: float
    generation_seconds: float
    outcome: str
    error_code: str | None
    error_message: str
    track_ids: tuple[str, str]
    callback_url: str | None = None
    callback_done: bool = False


class EvolinkEmulator(PumpedEmulator):
    """Evolink on a loopback port. Script faults before a call; inspect counters after.

    ``generation_seconds`` is read at each submit, so changing it affects later
    tasks only. ``clock`` (default ``time.time``) drives every state decision
    and ``completed_at``. ``beta`` makes answers name models ``...-beta``;
    ``omit_result_data`` answers completed tasks with ``results`` URLs only.
    ``malformed_next("empty_object")`` answers ``{}``.

    Callbacks are flushed every ``CALLBACK_TICK`` in real time by a background
    task; with a fake clock, call ``flush_callbacks`` after moving it.
    ``callbacks_sent`` holds every delivery attempt as (url, headers, body).
    """

    API_PREFIX = "/v1/"
    MALFORMED = MALFORMED
    CALLBACK_TIMEOUT = CALLBACK_TIMEOUT
    CALLBACK_TICK = CALLBACK_TICK

    def __init__(
        self,
        *,
        api_key: str = "evolink-test-key",
        generation_seconds: float = 2.0,
        clock: Callable[[], float] = time.time,
    ) -> None:
        super().__init__(api_key=api_key, generation_seconds=generation_seconds, clock=clock)
        self.beta = False
        self.omit_result_data = False
        # From STREAM_SHARE of the generation on, a processing task lists result_data
        # with each track's stream_audio_url and no audio_url yet. The seed is silent
        # on result_data before completion: a guess, after the kie-style stream fields.
        self.streams_early = False
        self.track_durations: tuple[float, float] = (2.0, 2.04)  # match audio_bytes roughly
        self.callbacks_enabled = True  # read at each submit
        self.callback_retry_seconds = 0.05  # Evolink's own delay is undocumented
        self.callbacks_sent: list[tuple[str, dict[str, str], bytes]] = []
        self.callback_errors: list[str] = []  # attempts the receiver failed or refused
        self._tasks: dict[str, _Task] = {}
        self._plans: collections.deque[tuple[str, str | None, str]] = collections.deque()
        self._submit_faults: FaultQueue[Answer] = FaultQueue()

    def _add_routes(self, router: web.UrlDispatcher) -> None:
        router.add_post("/v1/audios/generations", self._submit)
        router.add_get("/v1/tasks/{task_id}", self._task)
        router.add_get("/stream/{task_id}/{index}", self._stream)

    # -- scripting -------------------------------------------------------------

    def plan(
        self, outcome: str, *, error_code: str | None = None, error_message: str | None = None
    ) -> None:
        """Outcome of the next submitted task (queued: call again for the one after).

        A task error outcome fails with that code; ``failed`` with ``error_code``
        (None: an error object without a code).
        """
        if outcome not in OUTCOMES:
            raise ValueError(f"unknown outcome {outcome!r}; known: {sorted(OUTCOMES)}")
        code = outcome if outcome in TASK_ERRORS else error_code
        message = error_message or TASK_ERRORS.get(outcome, "Generation failed.")
        self._plans.append((outcome, code, message))

    def fail_submit(
        self,
        error_type: str,
        code: int | str,
        message: str = "error",
        *,
        http_status: int,
        count: int = 1,
        param: str | None = None,
        fallback_suggestion: str | None = None,
    ) -> None:
        """The next ``count`` submits answer HTTP ``http_status`` with this error object."""
        error = _error_object(code, message, error_type, param, fallback_suggestion)
        answer = functools.partial(web.json_response, {"error": error}, status=http_status)
        self._submit_faults.add(answer, count=count)

    def task_ids(self) -> list[str]:
        return list(self._tasks)

    # -- dialect errors --------------------------------------------------------

    def _http_error(self, status: int, headers: dict[str, str]) -> web.Response:
        # The body is Evolink's error object with the seed's type for ``status``.
        error = _error_object(status, f"HTTP {status}", ERROR_TYPES.get(status, "api_error"))
        return web.json_response({"error": error}, status=status, headers=headers)

    def _unauthorized(self) -> web.Response:
        error = _error_object(401, "Invalid authentication credentials", ERROR_TYPES[401])
        return web.json_response({"error": error}, status=401)

    def _spoiled(self, kind: str, raw: bytes, status: int) -> web.Response:
        assert kind == "empty_object"
        return web.json_response({})

    # -- API -------------------------------------------------------------------

    async def _submit(self, request: web.Request) -> web.StreamResponse:
        fault = self._submit_faults.take()
        if fault is not None:
            return fault()
        try:
            body = await request.json()
        except ValueError:
            return _error(400, "request body is not JSON")
        problem = _validate(body)
        if problem is not None:
            return problem
        outcome, error_code, error_message = (
            self._plans.popleft() if self._plans else ("success", None, "")
        )
        task = _Task(
            task_id=f"task-unified-{int(self.clock())}-{uuid.uuid4().hex[:8]}",
            body=body,
            submitted=self.clock(),
            generation_seconds=self.generation_seconds,
            outcome=outcome,
            error_code=error_code,
            error_message=error_message,
            track_ids=(str(uuid.uuid4()), str(uuid.uuid4())),
        )
        self._tasks[task.task_id] = task
        self.submits.append(body)
        if outcome == "success":
            self.completed_at[task.task_id] = task.submitted + task.generation_seconds
        if self._arm_callback(task):
            self._start_callback_pump()
        return web.json_response(self._task_object(task))

    async def _task(self, request: web.Request) -> web.StreamResponse:
        task_id = request.match_info["task_id"]
        self.polls[task_id] += 1
        task = self._tasks.get(task_id)
        if task is None:
            return _error(404, "Task not found", param="task_id")
        return web.json_response(self._task_object(task))

    # -- task timeline ---------------------------------------------------------

    def _state(self, task: _Task) -> tuple[str, int]:
        """(status, progress) now: pending, processing with progress, then the outcome."""
        elapsed = self.clock() - task.submitted
        span = task.generation_seconds
        if task.outcome == "never" or elapsed < PENDING_SHARE * span:
            return "pending", 0
        if task.outcome != "success" and elapsed >= FAIL_SHARE * span:
            return "failed", int(100 * FAIL_SHARE)
        if elapsed >= span:
            return "completed", 100
        return "processing", max(1, min(99, int(100 * elapsed / span)))

    def _task_object(self, task: _Task) -> dict[str, Any]:
        status, progress = self._state(task)
        remaining = task.submitted + task.generation_seconds - self.clock()
        answer: dict[str, Any] = {
            "id": task.task_id,
            "object": "audio.generation.task",
            "model": self._model_name(str(task.body.get("model", ""))),
            "status": status,
            "progress": progress,
            "created": int(task.submitted),
            "type": "audio",
            "task_info": {
                "can_cancel": status == "pending",
                "estimated_time": max(0, round(remaining)) if status in _RUNNING else 0,
            },
        }
        if status == "completed":
            tracks = [self._result(task, n) for n in (0, 1)]
            answer["results"] = [track["audio_url"] for track in tracks]
            if not self.omit_result_data:
                answer["result_data"] = tracks
        elif status == "processing" and self.streams_early and progress >= 100 * STREAM_SHARE:
            answer["result_data"] = [self._result(task, n, final=False) for n in (0, 1)]
        elif status == "failed":
            answer["error"] = {"code": task.error_code, "message": task.error_message}
        return answer

    def _model_name(self, asked: str) -> str:
        """The model as Evolink names it back: with ``-beta`` when ``beta``, else without."""
        base = asked.removesuffix(BETA_SUFFIX)
        return base + BETA_SUFFIX if self.beta else base

    def _result(self, task: _Task, n: int, *, final: bool = True) -> dict[str, Any]:
        files = f"{self.base_url}/files/{task.task_id}/{n}"
        stream = f"{self.base_url}/stream/{task.task_id}/{n}" if self.streams_early else ""
        return {
            "result_id": task.track_ids[n],
            "duration": self.track_durations[n],
            "tags": _TAGS[n],
            "title": f"Emulated Song {'AB'[n]}",
            "image_url": f"{files}.png",
            "audio_url": f"{files}.mp3" if final else "",
            "stream_audio_url": stream or f"{files}.mp3",
        }

    # -- callbacks -------------------------------------------------------------

    def _due_callbacks(self) -> list[Awaitable[None]]:
        """Mark every task that has ended by ``clock`` now as called back; deliver each."""
        due = [task for task in self._tasks.values() if self._callback_due(task)]
        for task in due:
            task.callback_done = True
        return [self._deliver(task) for task in due]

    def _arm_callback(self, task: _Task) -> bool:
        """Remember the task's callback URL; True when it will be called back."""
        url = task.body.get("callback_url")
        if not self.callbacks_enabled or not isinstance(url, str) or not loopback(url):
            return False
        task.callback_url = url
        return True

    def _callback_due(self, task: _Task) -> bool:
        if task.callback_url is None or task.callback_done:
            return False
        return self._state(task)[0] in ("completed", "failed")

    def _callbacks_open(self) -> bool:
        return any(t.callback_url and not t.callback_done for t in self._tasks.values())

    async def _deliver(self, task: _Task) -> None:
        """POST the task object; retry up to ``CALLBACK_RETRIES`` times unless answered 2xx."""
        assert task.callback_url is not None
        body = json.dumps(self._task_object(task)).encode()
        for attempt in range(1 + CALLBACK_RETRIES):
            if attempt:
                await asyncio.sleep(self.callback_retry_seconds)
            if await self._attempt(task.callback_url, body):
                return

    async def _attempt(self, url: str, body: bytes) -> bool:
        """One delivery attempt; True when the receiver answered 2xx."""
        headers = {"Content-Type": "application/json"}
        self.callbacks_sent.append((url, headers, body))
        outcome = await self._post(url, body, headers)
        if isinstance(outcome, Exception):
            self.callback_errors.append(f"{url}: {outcome!r}")
            return False
        delivered = 200 <= outcome < 300
        if not delivered:
            self.callback_errors.append(f"{url}: HTTP {outcome}")
        return delivered

    # -- media -----------------------------------------------------------------

    def _file_ready(self, task_id: str, stem: str, ext: str) -> bool:
        task = self._tasks.get(task_id)
        return task is not None and stem in ("0", "1") and self._state(task)[0] == "completed"

    def _stream_ready(self, task_id: str, index: str) -> bool:
        task = self._tasks.get(task_id)
        if task is None or not self.streams_early or index not in ("0", "1"):
            return False
        status, progress = self._state(task)
        return status == "completed" or (status == "processing" and progress >= 100 * STREAM_SHARE)


def _error_object(
    code: int | str,
    message: str,
    error_type: str,
    param: str | None = None,
    fallback_suggestion: str | None = None,
) -> dict[str, Any]:
    error: dict[str, Any] = {"code": code, "message": message, "type": error_type}
    if param is not None:
        error["param"] = param
    if fallback_suggestion is not None:
        error["fallback_suggestion"] = fallback_suggestion
    return error


def _error(
    status: int, message: str, *, param: str | None = None, suggestion: str | None = None
) -> web.Response:
    error = _error_object(status, message, ERROR_TYPES.get(status, "api_error"), param, suggestion)
    return web.json_response({"error": error}, status=status)


def _validate(body: Any) -> web.Response | None:
    """Evolink's checks on a generation body, as far as seed 002 states them."""
    if not isinstance(body, dict):
        return _error(400, "request body must be an object")
    model = body.get("model")
    if not isinstance(model, str) or model.removesuffix(BETA_SUFFIX) not in BASE_MODELS:
        # The seed's own example: an unknown model is a 404 with a suggestion.
        return _error(404, "Specified model not found", param="model", suggestion="suno-v4.5")
    for name in ("custom_mode", "instrumental"):
        if not isinstance(body.get(name), bool):
            return _error(400, f"{name} is required", param=name)
    problem = _check_prompt(body)
    if problem is not None:
        return _error(400, problem[1], param=problem[0])
    url = body.get("callback_url")
    if url is not None and not _callback_url_ok(url):
        return _error(400, "callback_url is invalid", param="callback_url")
    return None


def _check_prompt(body: dict[str, Any]) -> tuple[str, str] | None:
    """(param, message) when the mode's required texts are missing, mistyped or too long."""
    prompt = body.get("prompt") or ""
    if not isinstance(prompt, str):
        return "prompt", "prompt must be a string"
    if body["custom_mode"]:
        return _check_custom(body, prompt)
    if not prompt:
        return "prompt", "prompt is required"
    if len(prompt) > DESCRIPTION_LIMIT:
        return "prompt", "prompt is too long (max 500 characters)"
    return None


def _check_custom(body: dict[str, Any], prompt: str) -> tuple[str, str] | None:
    """Custom mode as the spec's ``custom_mode`` and per-field descriptions state it."""
    for name in ("style", "title"):
        if not isinstance(body.get(name), str) or not body[name]:
            return name, f"{name} is required when custom_mode is true"
    if not body["instrumental"] and not prompt:
        return "prompt", "prompt is required when instrumental is false"
    old = str(body["model"]).removesuffix(BETA_SUFFIX) in OLD_MODELS
    prompt_limit, style_limit = OLD_LIMITS if old else NEW_LIMITS
    for name, value, limit in (
        ("prompt", prompt, prompt_limit),
        ("style", body["style"], style_limit),
        ("title", body["title"], TITLE_LIMIT),
    ):
        if len(value) > limit:
            return name, f"{name} is too long (max {limit} characters)"
    return _check_tuning(body)


def _check_tuning(body: dict[str, Any]) -> tuple[str, str] | None:
    """The optional controls: a string, the ``m``/``f`` enum and numbers from 0 to 1.

    The spec says weights take "one decimal place" but its schema has only
    minimum and maximum, so finer values are accepted (a guess).
    """
    if "negative_tags" in body and not isinstance(body["negative_tags"], str):
        return "negative_tags", "negative_tags must be a string"
    if "vocal_gender" in body and body["vocal_gender"] not in ("m", "f"):
        return "vocal_gender", "vocal_gender must be one of m, f"
    for name in WEIGHTS:
        value = body.get(name, 0)
        if isinstance(value, bool) or not isinstance(value, int | float) or not 0 <= value <= 1:
            return name, f"{name} must be a number between 0 and 1"
    return None


def _callback_url_ok(url: Any) -> bool:
    """Evolink wants HTTPS; the emulator also takes HTTP so loopback tests can listen."""
    if not isinstance(url, str) or len(url) > MAX_CALLBACK_URL:
        return False
    try:
        parts = urlsplit(url)
    except ValueError:
        return False
    return parts.scheme in ("http", "https") and bool(parts.hostname)
