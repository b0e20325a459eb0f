"""An APIXO look-alike on 127.0.0.1 for contract tests and benchmarks.

It speaks the dialect of seeds 003/004 / PROVIDERS.md: Bearer auth, ``POST
/api/v1/generateTask/suno`` answering ``{code, message, data: {taskId}}``, ``GET
/api/v1/statusTask/suno`` answering ``{code, msg, data: {state, resultJson,
failCode, ...}}`` with ``resultJson`` as a JSON string, errors as
``{code, message, data: {error}}``, and unsigned callbacks that carry the same
body as a poll answer at each stage the task reaches (``text``, ``first``, then
``complete`` or ``failed``). Plus the faults a real vendor shows: HTTP and
in-body error codes, Retry-After, gateway pages, malformed and cut-off bodies.

Timing is stateless: a task's stage is computed from its submit time on every
poll, so any polling cadence sees the right stage. Callback senders watch the
same clock, so a test that moves a fake clock sees the callbacks follow.
Media URLs point back at the emulator and serve a real MP3 and PNG.
"""

from __future__ import annotations

import asyncio
import collections
import functools
import json
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from aiohttp import web

from tests.fakes.vendor.base import VendorEmulator
from tests.fakes.vendor.faults import COMMON_MALFORMED, Answer, FaultQueue

# outcome -> (failCode, failMsg, fraction of generation_seconds at which the task fails)
FAILURES: dict[str, tuple[str, str, float]] = {
    "content_violation": ("CONTENT_VIOLATION", "Content does not meet safety guidelines", 0.3),
    "nsfw": ("NSFW_DETECTED", "NSFW content detected", 0.3),
    "prompt_too_long": ("PROMPT_TOO_LONG", "Prompt exceeds the allowed length", 0.3),
    "invalid_prompt": ("INVALID_PROMPT", "Prompt could not be processed", 0.3),
    "insufficient_credits": ("INSUFFICIENT_CREDITS", "Insufficient credits", 0.3),
    "model_unavailable": ("MODEL_UNAVAILABLE", "The model is temporarily unavailable", 0.6),
    "generation_failed": ("GENERATION_FAILED", "Generation failed", 0.6),
    "timeout": ("PROCESSING_TIMEOUT", "Processing timed out", 1.0),
}
OUTCOMES = frozenset({"success", "never", *FAILURES})
MALFORMED = COMMON_MALFORMED | {"no_data", "bad_result_json"}
VALID_MODES = frozenset({"V4", "V4_5", "V4_5PLUS", "V4_5ALL", "V5", "V5_5"})
ROUTINGS = frozenset({"auto", "value", "official"})
# Text limits from the docs' "Character Limits by Model Version" table: custom
# prompt and style for V4, then for V4_5 and later; V5_5 is not in the table
# and is taken to share V5's (a guess).
OLD_MODES = frozenset({"V4"})
OLD_LIMITS = (3000, 200)
NEW_LIMITS = (5000, 1000)
TITLE_LIMIT = 80
DESCRIPTION_LIMIT = 500
WEIGHTS = ("styleWeight", "weirdnessConstraint", "audioWeight")
# Callback stages in the order a task reaches them; a failure ends the task like complete does.
STAGES = {"text": 1, "first": 2, "complete": 3, "failed": 3}
TERMINAL = frozenset({"complete", "failed"})
_CALLBACK_TICK = 0.01  # seconds between a sender's looks at the clock
_CALLBACK_TIMEOUT = 5.0


@dataclass
class _Task:
    task_id: str
    body: dict[str, Any]
    submitted: float
    generation_seconds: float
    outcome: str
    fail_code: str
    fail_msg: str


class ApixoEmulator(VendorEmulator):
    """APIXO on a loopback port. Script faults before a call; inspect counters after.

    ``generation_seconds`` is read at each submit, so changing it affects later
    tasks only. ``clock`` (default ``time.time``) drives every stage decision,
    ``completed_at`` and the callbacks. ``plain_urls``, ``result_ids`` and
    ``result_as_object`` change how later answers spell ``resultJson``.
    ``malformed_next`` also takes ``no_data`` (the envelope without ``data``)
    and ``bad_result_json`` (``data.resultJson`` a cut-off JSON string).
    """

    API_PREFIX = "/api/"
    MALFORMED = MALFORMED
    CALLBACK_TIMEOUT = _CALLBACK_TIMEOUT

    def __init__(
        self,
        *,
        api_key: str = "apixo-test-key",
        generation_seconds: float = 2.0,
        clock: Callable[[], float] = time.time,
    ) -> None:
        super().__init__(api_key=api_key, generation_seconds=generation_seconds, clock=clock)
        self.plain_urls = False  # resultUrls as a list of URL strings
        self.result_ids = False  # give each resultUrls item an "id" (undocumented; seen)
        self.result_as_object = False  # resultJson as an object instead of a JSON string
        # From the "first" stage on, resultJson names each track's stream_audio_url
        # (audio_url still empty until success). Beyond the docs, whose processing
        # sample has no resultJson; what the kie-style stream fields suggest.
        self.streams_early = False
        self.callbacks_enabled = True
        self.callbacks_sent: list[tuple[str, dict[str, Any]]] = []  # (stage, body)
        self._tasks: dict[str, _Task] = {}
        self._plans: collections.deque[tuple[str, str | None, str | None]] = collections.deque()
        self._submit_faults: FaultQueue[Answer] = FaultQueue()
        self._status_faults: FaultQueue[Answer] = FaultQueue()
        self._drop_after: str | None = None

    def _add_routes(self, router: web.UrlDispatcher) -> None:
        router.add_post("/api/v1/generateTask/suno", self._submit)
        router.add_get("/api/v1/statusTask/suno", self._status)
        router.add_get("/stream/{task_id}/{index}", self._stream)

    # -- scripting -------------------------------------------------------------

    def plan(
        self, outcome: str, *, fail_code: str | None = None, fail_msg: str | None = None
    ) -> None:
        """Outcome of the next submitted task (queued: call again for the one after).

        ``fail_code``/``fail_msg`` replace a failure outcome's documented pair,
        e.g. to send a code the adapter has never heard of.
        """
        if outcome not in OUTCOMES:
            raise ValueError(f"unknown outcome {outcome!r}; known: {sorted(OUTCOMES)}")
        self._plans.append((outcome, fail_code, fail_msg))

    def fail_submit(
        self,
        code: int,
        message: str = "error",
        *,
        http_status: int | None = None,
        count: int = 1,
        error: str = "",
    ) -> None:
        """The next ``count`` submits answer ``{code, message, data: {error}}``.

        Sent with HTTP ``code`` as the docs show, or with ``http_status`` (200
        puts the error code in an otherwise successful answer).
        """
        self._submit_faults.add(_error_answer(code, message, http_status, error), count=count)

    def fail_status(
        self,
        code: int,
        message: str = "error",
        *,
        http_status: int | None = None,
        count: int = 1,
        error: str = "",
    ) -> None:
        """Like ``fail_submit``, for the next ``count`` status polls."""
        self._status_faults.add(_error_answer(code, message, http_status, error), count=count)

    def drop_callbacks_after(self, stage: str | None) -> None:
        """Send no callback for stages later than ``stage`` (None: send them all again)."""
        if stage is not None and stage not in STAGES:
            raise ValueError(f"unknown stage {stage!r}; known: {sorted(STAGES)}")
        self._drop_after = stage

    def task_ids(self) -> list[str]:
        return list(self._tasks)

    # -- dialect errors --------------------------------------------------------

    def _http_error(self, status: int, headers: dict[str, str]) -> web.Response:
        return _error(status, f"HTTP {status}", "", status, headers)

    def _unauthorized(self) -> web.Response:
        return _error(401, "Invalid or missing API key", "unauthorized", 401)

    def _spoiled(self, kind: str, raw: bytes, status: int) -> web.Response:
        if kind == "no_data":
            return web.json_response({"code": 200, "message": "success"})
        answer = json.loads(raw)  # bad_result_json
        answer["data"]["resultJson"] = '{"resultUrls": [{"audio_url": "http'
        return web.json_response(answer)

    # -- API -------------------------------------------------------------------

    async def _submit(self, request: web.Request) -> web.StreamResponse:
        fault = self._submit_faults.take()
        if fault is not None:
            return fault()
        try:
            body = await request.json()
        except ValueError:
            return _error(400, "Invalid parameters", "request body is not JSON")
        problem = _validate(body)
        if problem is not None:
            return _error(400, "Invalid parameters", problem)
        task = self._new_task(body)
        self._tasks[task.task_id] = task
        self.submits.append(body)
        if task.outcome == "success":
            self.completed_at[task.task_id] = task.submitted + task.generation_seconds
        if body["request_type"] == "callback":
            self._spawn(self._send_callbacks(task, str(body["callback_url"])))
        return web.json_response(
            {"code": 200, "message": "success", "data": {"taskId": task.task_id}}
        )

    async def _status(self, request: web.Request) -> web.StreamResponse:
        fault = self._status_faults.take()
        if fault is not None:
            return fault()
        task_id = request.query.get("taskId", "")
        if not task_id:
            return _error(400, "Invalid parameters", "taskId is required")
        self.polls[task_id] += 1
        task = self._tasks.get(task_id)
        if task is None:
            # The real vendor's answer for an unknown id is undocumented; a guess.
            return _error(404, "Task not found", f"no task {task_id}", 404)
        # The docs' poll answers say "msg" where submit answers say "message".
        return web.json_response({"code": 200, "msg": "success", "data": self._data(task)})

    def _new_task(self, body: dict[str, Any]) -> _Task:
        outcome, fail_code, fail_msg = (
            self._plans.popleft() if self._plans else ("success", None, None)
        )
        documented = FAILURES.get(outcome, ("", "", 1.0))
        return _Task(
            task_id=f"task_{uuid.uuid4().hex[:16]}",
            body=body,
            submitted=self.clock(),
            generation_seconds=self.generation_seconds,
            outcome=outcome,
            fail_code=fail_code if fail_code is not None else documented[0],
            fail_msg=fail_msg if fail_msg is not None else documented[1],
        )

    # -- task state ------------------------------------------------------------

    def _stage(self, task: _Task) -> str | None:
        """None while pending, then text (30%), first (60%), complete (100%), or failed."""
        if task.outcome == "never":
            return None
        elapsed = self.clock() - task.submitted
        span = task.generation_seconds
        failure = FAILURES.get(task.outcome)
        if failure is not None and elapsed >= failure[2] * span:
            return "failed"
        if elapsed >= span:
            return "complete"
        if elapsed >= 0.6 * span:
            return "first"
        return "text" if elapsed >= 0.3 * span else None

    def _data(self, task: _Task) -> dict[str, Any]:
        """The status answer's ``data`` for the task's current stage."""
        stage = self._stage(task)
        created = int(task.submitted * 1000)
        data: dict[str, Any] = {"taskId": task.task_id, "createTime": created}
        if stage is None:
            return {**data, "state": "pending"}
        if stage == "first" and self.streams_early:
            return {**data, "state": "processing", "resultJson": self._result(task, final=False)}
        if stage in ("text", "first"):
            return {**data, "state": "processing"}
        fraction = FAILURES[task.outcome][2] if stage == "failed" else 1.0
        cost = int(fraction * task.generation_seconds * 1000)
        data.update(costTime=cost, completeTime=created + cost)
        if stage == "failed":
            return {**data, "state": "failed", "failCode": task.fail_code, "failMsg": task.fail_msg}
        data.update(state="success", resultJson=self._result(task))
        if not task.body["input"].get("instrumental"):
            prompt = str(task.body["input"].get("prompt", ""))[:60]
            data["lyrics"] = f"[Verse 1]\n{prompt}\n\n[Chorus]\nla la la"
        return data

    def _result(self, task: _Task, *, final: bool = True) -> str | dict[str, Any]:
        items: list[Any] = []
        for n in (1, 2):
            audio = f"{self.base_url}/files/{task.task_id}/{n}.mp3" if final else ""
            image = f"{self.base_url}/files/{task.task_id}/{n}.png"
            item: dict[str, Any] = {"image_url": image, "audio_url": audio}
            if self.streams_early:
                item["stream_audio_url"] = f"{self.base_url}/stream/{task.task_id}/{n}"
            if self.result_ids:
                item["id"] = f"{task.task_id}-audio-{n}"
            items.append(audio if self.plain_urls and final else item)
        result = {"resultUrls": items}
        return result if self.result_as_object else json.dumps(result)

    # -- callbacks -------------------------------------------------------------

    async def _send_callbacks(self, task: _Task, url: str) -> None:
        """Post once per stage reached; a jump over stages skips them, as the vendor may."""
        sent: str | None = None
        while sent not in TERMINAL:
            stage = self._stage(task)
            if stage is not None and stage != sent:
                sent = stage
                await self._callback(task, url, stage)
            else:
                await asyncio.sleep(_CALLBACK_TICK)

    async def _callback(self, task: _Task, url: str, stage: str) -> None:
        if not self.callbacks_enabled or self._runner is None:
            return
        if self._drop_after is not None and STAGES[stage] > STAGES[self._drop_after]:
            return
        failed = stage == "failed"
        body = {
            "code": 400 if failed else 200,
            "message": "failed" if failed else "success",
            "data": self._data(task),
        }
        self.callbacks_sent.append((stage, body))
        # Fire and forget, like the vendor: an unreachable receiver loses the callback.
        headers = {"Content-Type": "application/json"}
        await self._post(url, json.dumps(body).encode(), headers)

    # -- media -----------------------------------------------------------------

    def _file_ready(self, task_id: str, stem: str, ext: str) -> bool:
        task = self._tasks.get(task_id)
        return task is not None and stem in ("1", "2") and self._stage(task) == "complete"

    def _stream_ready(self, task_id: str, index: str) -> bool:
        task = self._tasks.get(task_id)
        streaming = task is not None and self._stage(task) in ("first", "complete")
        return self.streams_early and streaming and index in ("1", "2")


def _error(
    code: int,
    message: str,
    error: str,
    http_status: int = 400,
    headers: dict[str, str] | None = None,
) -> web.Response:
    """APIXO's error answer: ``{code, message, data: {error}}``."""
    body = {"code": code, "message": message, "data": {"error": error or message}}
    return web.json_response(body, status=http_status, headers=headers)


def _error_answer(code: int, message: str, http_status: int | None, error: str) -> Answer:
    """A scripted error: sent with HTTP ``code`` as the docs show, unless told otherwise."""
    status = code if http_status is None else http_status
    return functools.partial(_error, code or status, message, error, status)


def _validate(body: Any) -> str | None:
    """APIXO's checks on a submit body, as far as the docs state them."""
    if not isinstance(body, dict):
        return "request body must be an object"
    if body.get("request_type") not in ("async", "callback"):
        return "request_type must be async or callback"
    if body["request_type"] == "callback" and not body.get("callback_url"):
        return "callback_url is required when request_type is callback"
    if "provider" in body and body["provider"] not in ROUTINGS:
        return "provider must be auto, value or official"
    task = body.get("input")
    if not isinstance(task, dict):
        return "input is required"
    return _validate_input(task)


def _validate_input(task: dict[str, Any]) -> str | None:
    mode = task.get("mode")
    if mode not in VALID_MODES:
        return "mode is invalid"
    for name in ("customMode", "instrumental"):
        if not isinstance(task.get(name), bool):
            return f"{name} is required"
    prompt = task.get("prompt") or ""
    if not isinstance(prompt, str):
        return "prompt must be a string"
    if task["customMode"]:
        return _validate_custom(task, str(mode), prompt)
    if not prompt:
        return "prompt is required"
    if len(prompt) > DESCRIPTION_LIMIT:
        return "prompt exceeds 500 characters in non-custom mode"
    return None


def _validate_custom(task: dict[str, Any], mode: str, prompt: str) -> str | None:
    """Custom mode, per the docs' "Parameter Requirements by Mode" and limits tables."""
    prompt_limit, style_limit = OLD_LIMITS if mode in OLD_MODES else NEW_LIMITS
    for name in ("style", "title"):
        if not isinstance(task.get(name), str) or not task[name]:
            return "style and title are required in custom mode"
    if not task["instrumental"] and not prompt:
        return "prompt is required"
    for name, value, limit in (
        ("prompt", prompt, prompt_limit),
        ("style", task["style"], style_limit),
        ("title", task["title"], TITLE_LIMIT),
    ):
        if len(value) > limit:
            return f"{name} exceeds {limit} characters for {mode}"
    return _validate_tuning(task)


def _validate_tuning(task: dict[str, Any]) -> str | None:
    """The optional controls' types and ranges ("0–1 ... Up to 2 decimals", "m / f")."""
    if "negativeTags" in task and not isinstance(task["negativeTags"], str):
        return "negativeTags must be a string"
    if "vocalGender" in task and task["vocalGender"] not in ("m", "f"):
        return "vocalGender must be m or f"
    for name in WEIGHTS:
        if name not in task:
            continue
        value = task[name]
        if isinstance(value, bool) or not isinstance(value, int | float) or not 0 <= value <= 1:
            return f"{name} must be a number from 0 to 1"
        # A guess: the docs say "up to 2 decimals" without saying whether more
        # are refused or rounded; refusing keeps the adapter's rounding honest.
        if round(value, 2) != value:
            return f"{name} takes at most 2 decimals"
    return None
