"""A kie.ai look-alike on 127.0.0.1 for contract tests and benchmarks.

It speaks the dialect of seed 001 / PROVIDERS.md: ``{code, msg, data}``
envelopes, Bearer auth, ``POST /api/v1/generate``, ``GET
/api/v1/generate/record-info`` with ``param`` as a JSON string and ``sunoData``
in camelCase, plus the faults a real vendor shows (HTTP and in-body error
codes, Retry-After, slow answers, malformed and cut-off bodies).

Timing is stateless: a task's stage is computed from its submit time on every
poll, so any polling cadence sees the right stage. Media URLs point back at the
emulator and serve a real MP3 and PNG.

Callbacks: when a submit's ``callBackUrl`` is on the loopback, the emulator
POSTs the vendor's snake_case callbacks (``text``, ``first``, ``complete``, or
``error``) as the same timeline reaches each stage, optionally signed the way
kie signs them when an account enables it.
"""

from __future__ import annotations

import base64
import collections
import functools
import hashlib
import hmac
import json
import time
import uuid
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from aiohttp import web

from tests.fakes.vendor.base import loopback
from tests.fakes.vendor.faults import COMMON_MALFORMED, Answer, FaultQueue
from tests.fakes.vendor.pumped import PumpedEmulator

OUTCOMES = frozenset({"success", "sensitive", "audio_failed", "never", "callback_exception"})
MALFORMED = COMMON_MALFORMED | {"no_data"}
VALID_MODELS = frozenset({"V3_5", "V4", "V4_5", "V4_5PLUS", "V4_5ALL", "V5", "V5_5"})
# Suno's internal model names as they show up in modelName (seen in client code; a guess
# for the newest ones). Only cosmetic here.
MODEL_NAMES = {
    "V3_5": "chirp-v3-5",
    "V4": "chirp-v4",
    "V4_5": "chirp-auk",
    "V4_5PLUS": "chirp-bluejay",
    "V4_5ALL": "chirp-auk",
    "V5": "chirp-crow",
    "V5_5": "chirp-crow",
}
_TAGS = ("emulated, piano, calm", "emulated, synth, upbeat")

CALLBACK_STAGES = frozenset({"text", "first", "complete", "error"})
# How far along the timeline a stage is; stall_callbacks_after withholds later ones.
# An error ends the task, so it ranks with complete.
_CALLBACK_RANK = {"text": 1, "first": 2, "complete": 3, "error": 3}
# Which callbacks each outcome sends, and the timeline stage (see _stage) at which
# each falls due. callback_exception sends like success: kie reports that status
# when its attempts failed, which the emulator cannot know, so it just attempts.
_CALLBACK_SCHEDULE: dict[str, tuple[tuple[str, int], ...]] = {
    "success": (("text", 1), ("first", 2), ("complete", 3)),
    "callback_exception": (("text", 1), ("first", 2), ("complete", 3)),
    "sensitive": (("error", 1),),
    "audio_failed": (("text", 1), ("error", 2)),
    "never": (),
}
_CALLBACK_MESSAGES = {
    "text": "Text generation completed successfully.",
    "first": "First track generation completed.",
    "complete": "All generated successfully.",
}
# Callback track field -> record-info (camelCase) field it mirrors.
_CALLBACK_FIELDS = {
    "id": "id",
    "audio_url": "audioUrl",
    "source_audio_url": "sourceAudioUrl",
    "stream_audio_url": "streamAudioUrl",
    "image_url": "imageUrl",
    "prompt": "prompt",
    "model_name": "modelName",
    "title": "title",
    "tags": "tags",
    "createTime": "createTime",
    "duration": "duration",
}
CALLBACK_TICK = 0.1  # seconds between real-time flushes while callbacks are still to come
CALLBACK_TIMEOUT = 15.0  # kie waits this long for the receiver's answer


@dataclass
class _Task:
    task_id: str
    body: dict[str, Any]
    submitted: float
    generation_seconds: float
    outcome: str
    track_ids: tuple[str, str]
    error_code: int | None
    error_message: str
    # Callback settings captured at submit (None: this task sends no callbacks).
    callback_url: str | None = None
    callback_skip: frozenset[str] = frozenset()
    callback_stall: str | None = None
    callbacks_done: set[str] = field(default_factory=set)  # stages sent or skipped


class KieEmulator(PumpedEmulator):
    """kie.ai on a loopback port. Script faults before a call; inspect counters after.

    ``generation_seconds`` is read at each submit, so changing it affects later
    tasks only. ``clock`` (default ``time.time``) drives every stage decision
    and ``completed_at``. ``malformed_next("no_data")`` sends the envelope
    without ``data``.

    Callbacks go only to loopback ``callBackUrl``s. ``callbacks_enabled``,
    ``skip_callback_stages`` and ``stall_callbacks_after`` are read at each
    submit like ``generation_seconds``; ``webhook_secret`` (signing) at each
    send. A background task flushes due callbacks every ``CALLBACK_TICK`` in
    real time; with a fake clock, call ``flush_callbacks`` after moving it.
    Stages of one task go out in order; different tasks' go out concurrently.
    """

    API_PREFIX = "/api/"
    MALFORMED = MALFORMED
    CALLBACK_TIMEOUT = CALLBACK_TIMEOUT
    CALLBACK_TICK = CALLBACK_TICK

    def __init__(
        self,
        *,
        api_key: str = "kie-test-key",
        generation_seconds: float = 2.0,
        clock: Callable[[], float] = time.time,
        webhook_secret: str | None = None,
        callbacks_enabled: bool = True,
        skip_callback_stages: Iterable[str] = (),
        stall_callbacks_after: str | None = None,
    ) -> None:
        super().__init__(api_key=api_key, generation_seconds=generation_seconds, clock=clock)
        self.webhook_secret = webhook_secret
        self.callbacks_enabled = callbacks_enabled
        self.skip_callback_stages: set[str] = set(skip_callback_stages)
        self.stall_callbacks_after = stall_callbacks_after
        _check_stages([*self.skip_callback_stages, *filter(None, [stall_callbacks_after])])
        self.callbacks_sent: list[tuple[str, dict[str, str], bytes]] = []  # url, headers, body
        self.callback_errors: list[str] = []  # deliveries the receiver failed or refused
        self.track_durations: tuple[float, float] = (2.0, 2.04)  # match audio_bytes roughly
        self.credits: float = 1000.0
        self._tasks: dict[str, _Task] = {}
        self._plans: collections.deque[tuple[str, int | None, str]] = collections.deque()
        self._submit_faults: FaultQueue[Answer] = FaultQueue()
        self._record_faults: FaultQueue[Answer] = FaultQueue()

    def _add_routes(self, router: web.UrlDispatcher) -> None:
        router.add_post("/api/v1/generate", self._submit)
        router.add_get("/api/v1/generate/record-info", self._record_info)
        router.add_get("/api/v1/chat/credit", self._credit)
        router.add_get("/stream/{task_id}/{index}", self._stream)

    # -- scripting -------------------------------------------------------------

    def plan(
        self,
        outcome: str,
        *,
        error_code: int | None = 531,
        error_message: str = "Generation failed, credits have been refunded.",
    ) -> None:
        """Outcome of the next submitted task (queued: call again for the one after)."""
        if outcome not in OUTCOMES:
            raise ValueError(f"unknown outcome {outcome!r}; known: {sorted(OUTCOMES)}")
        self._plans.append((outcome, error_code, error_message))

    def fail_submit(
        self, code: int, msg: str = "error", *, http_status: int = 200, count: int = 1
    ) -> None:
        """The next ``count`` submits answer ``code`` (in a 200 body, or with that HTTP status)."""
        answer = functools.partial(_envelope, code or http_status, msg, None, http_status)
        self._submit_faults.add(answer, count=count)

    def fail_record_info(
        self, code: int, msg: str = "error", *, http_status: int = 200, count: int = 1
    ) -> None:
        """Like ``fail_submit``, for the next ``count`` record-info polls."""
        answer = functools.partial(_envelope, code or http_status, msg, None, http_status)
        self._record_faults.add(answer, count=count)

    def task_ids(self) -> list[str]:
        return list(self._tasks)

    # -- dialect errors --------------------------------------------------------

    def _http_error(self, status: int, headers: dict[str, str]) -> web.Response:
        return _envelope(status, f"HTTP {status}", None, status, headers)

    def _unauthorized(self) -> web.Response:
        return _envelope(401, "You do not have access permissions", None, 401)

    def _spoiled(self, kind: str, raw: bytes, status: int) -> web.Response:
        assert kind == "no_data"
        return web.json_response({"code": 200, "msg": "success"})

    # -- API -------------------------------------------------------------------

    async def _submit(self, request: web.Request) -> web.StreamResponse:
        fault = self._submit_faults.take()
        if fault is not None:
            return fault()
        try:
            body = await request.json()
        except ValueError:
            return _envelope(400, "request body is not JSON", None)
        problem = _validate(body)
        if problem is not None:
            return _envelope(problem[0], problem[1], None)
        outcome, error_code, error_message = (
            self._plans.popleft() if self._plans else ("success", None, "")
        )
        task = _Task(
            task_id=uuid.uuid4().hex,
            body=body,
            submitted=self.clock(),
            generation_seconds=self.generation_seconds,
            outcome=outcome,
            track_ids=(str(uuid.uuid4()), str(uuid.uuid4())),
            error_code=error_code,
            error_message=error_message,
        )
        self._tasks[task.task_id] = task
        self.submits.append(body)
        if outcome in ("success", "callback_exception"):
            self.completed_at[task.task_id] = task.submitted + task.generation_seconds
        if self._arm_callbacks(task):
            self._start_callback_pump()
        return _envelope(200, "success", {"taskId": task.task_id})

    async def _record_info(self, request: web.Request) -> web.StreamResponse:
        fault = self._record_faults.take()
        if fault is not None:
            return fault()
        task_id = request.query.get("taskId", "")
        if not task_id:
            return _envelope(422, "taskId cannot be empty", None)
        self.polls[task_id] += 1
        task = self._tasks.get(task_id)
        if task is None:
            # The real vendor's answer for an unknown id is undocumented; a guess.
            return _envelope(404, "task not found", None)
        return _envelope(200, "success", self._record(task))

    async def _credit(self, request: web.Request) -> web.StreamResponse:
        return _envelope(200, "success", self.credits)

    def _record(self, task: _Task) -> dict[str, Any]:
        stage = self._stage(task)
        status, response_stage = {
            "success": (("PENDING", "TEXT_SUCCESS", "FIRST_SUCCESS", "SUCCESS")[stage], stage),
            "never": ("PENDING", 0),
            "sensitive": ("PENDING" if stage == 0 else "SENSITIVE_WORD_ERROR", 0),
            "audio_failed": (
                ("PENDING", "TEXT_SUCCESS", "GENERATE_AUDIO_FAILED", "GENERATE_AUDIO_FAILED")[
                    stage
                ],
                min(stage, 1),
            ),
            "callback_exception": (
                ("PENDING", "TEXT_SUCCESS", "FIRST_SUCCESS", "CALLBACK_EXCEPTION")[stage],
                stage,
            ),
        }[task.outcome]
        error_code: int | None = None
        error_message: str | None = None
        if status == "GENERATE_AUDIO_FAILED":
            error_code, error_message = task.error_code, task.error_message
        elif status == "SENSITIVE_WORD_ERROR":
            error_message = "The prompt contains sensitive words."
        elif status == "CALLBACK_EXCEPTION":
            error_message = "Callback failed: the callback URL could not be reached."
        response = None
        if response_stage >= 1:
            response = {
                "taskId": task.task_id,
                "sunoData": [self._track(task, n, response_stage) for n in (0, 1)],
            }
        return {
            "taskId": task.task_id,
            "parentMusicId": "",
            "param": json.dumps(task.body),
            "response": response,
            "status": status,
            "type": "chirp-v4",
            "operationType": "generate",
            "errorCode": error_code,
            "errorMessage": error_message,
            "createTime": int(task.submitted * 1000),
        }

    def _stage(self, task: _Task) -> int:
        """0 pending, 1 text, 2 first, 3 done: TEXT at 30%, FIRST at 60%, done at 100%."""
        elapsed = self.clock() - task.submitted
        span = task.generation_seconds
        if elapsed >= span:
            return 3
        if elapsed >= 0.6 * span:
            return 2
        return 1 if elapsed >= 0.3 * span else 0

    def _track(self, task: _Task, n: int, stage: int) -> dict[str, Any]:
        tid = task.task_id
        audio = f"{self.base_url}/files/{tid}/{n}.mp3" if stage >= 3 else ""
        stream = f"{self.base_url}/stream/{tid}/{n}" if stage >= 2 else ""
        image = f"{self.base_url}/files/{tid}/{n}.png" if stage >= 2 else ""
        prompt = str(task.body.get("prompt", ""))
        instrumental = bool(task.body.get("instrumental"))
        lyrics = "[Instrumental]" if instrumental else f"[Verse]\n{prompt[:60]}\n[Chorus]\nla la la"
        model = str(task.body.get("model", ""))
        return {
            "id": task.track_ids[n],
            "audioUrl": audio,
            "sourceAudioUrl": audio,
            "streamAudioUrl": stream,
            "sourceStreamAudioUrl": stream,
            "imageUrl": image,
            "sourceImageUrl": image,
            "prompt": lyrics,
            "modelName": MODEL_NAMES.get(model, "chirp-v4"),
            "title": f"Emulated Song {'AB'[n]}",
            "tags": _TAGS[n],
            "createTime": datetime.fromtimestamp(task.submitted, UTC).strftime("%Y-%m-%d %H:%M:%S"),
            "duration": self.track_durations[n] if stage >= 3 else None,
        }

    # -- callbacks -------------------------------------------------------------

    def _due_callbacks(self) -> list[Awaitable[None]]:
        batches = [(task, self._take_due_callbacks(task)) for task in self._tasks.values()]
        return [self._send_callbacks(task, due) for task, due in batches if due]

    def _arm_callbacks(self, task: _Task) -> bool:
        """Capture the callback settings for a new task; True when it will send any."""
        url = task.body.get("callBackUrl")
        if not self.callbacks_enabled or not isinstance(url, str) or not loopback(url):
            return False  # e.g. the bot's https://example.invalid placeholder
        task.callback_url = url
        task.callback_skip = frozenset(self.skip_callback_stages)
        task.callback_stall = self.stall_callbacks_after
        return True

    def _callbacks_open(self) -> bool:
        return any(self._task_callbacks_open(task) for task in self._tasks.values())

    def _task_callbacks_open(self, task: _Task) -> bool:
        return task.callback_url is not None and any(
            name not in task.callbacks_done and not _withheld(name, task.callback_stall)
            for name, _ in _CALLBACK_SCHEDULE[task.outcome]
        )

    def _take_due_callbacks(self, task: _Task) -> list[str]:
        """Mark the stages due now as done; return those to send (skipped ones are not)."""
        if task.callback_url is None:
            return []
        stage = self._stage(task)
        due = []
        for name, at in _CALLBACK_SCHEDULE[task.outcome]:
            if name in task.callbacks_done or stage < at or _withheld(name, task.callback_stall):
                continue
            task.callbacks_done.add(name)
            if name not in task.callback_skip:
                due.append(name)
        return due

    async def _send_callbacks(self, task: _Task, stages: list[str]) -> None:
        for name in stages:
            await self._post_callback(task, name)

    async def _post_callback(self, task: _Task, name: str) -> None:
        """One delivery attempt, like the vendor's: no retry, failures only recorded."""
        assert task.callback_url is not None
        url = task.callback_url
        body = json.dumps(self._callback_payload(task, name)).encode()
        headers = {"Content-Type": "application/json"}
        if self.webhook_secret:
            timestamp = str(int(self.clock()))
            headers["X-Webhook-Timestamp"] = timestamp
            headers["X-Webhook-Signature"] = webhook_signature(
                self.webhook_secret, task.task_id, timestamp
            )
        self.callbacks_sent.append((url, headers, body))
        outcome = await self._post(url, body, headers)
        if isinstance(outcome, Exception):
            self.callback_errors.append(f"{name} to {url}: {outcome!r}")
        elif outcome >= 300:
            self.callback_errors.append(f"{name} to {url}: HTTP {outcome}")

    def _callback_payload(self, task: _Task, name: str) -> dict[str, Any]:
        """kie's callback body: snake_case, unlike record-info."""
        code, msg, tracks = 200, _CALLBACK_MESSAGES.get(name, ""), []
        if name == "error":
            code, msg = self._callback_error(task)
        else:
            stage = _CALLBACK_RANK[name]
            tracks = [_snake_track(self._track(task, n, stage)) for n in (0, 1)]
        data = {"callbackType": name, "task_id": task.task_id, "data": tracks}
        return {"code": code, "msg": msg, "data": data}

    @staticmethod
    def _callback_error(task: _Task) -> tuple[int, str]:
        if task.outcome == "sensitive":
            # kie answers sensitive or copyrighted input with a 400 (PROVIDERS.md).
            return 400, "The prompt contains sensitive words."
        return task.error_code or 501, task.error_message

    # -- media -----------------------------------------------------------------

    def _file_ready(self, task_id: str, stem: str, ext: str) -> bool:
        task = self._tasks.get(task_id)
        if task is None or stem not in ("0", "1"):
            return False
        done = task.outcome in ("success", "callback_exception")
        return done and self._stage(task) >= (3 if ext == "mp3" else 2)

    def _stream_ready(self, task_id: str, index: str) -> bool:
        task = self._tasks.get(task_id)
        return task is not None and index in ("0", "1") and self._stage(task) >= 2


def _envelope(
    code: int,
    msg: str,
    data: Any,
    http_status: int = 200,
    headers: dict[str, str] | None = None,
) -> web.Response:
    return web.json_response(
        {"code": code, "msg": msg, "data": data}, status=http_status, headers=headers
    )


def webhook_signature(secret: str, task_id: str, timestamp: str) -> str:
    """kie's callback signature: base64(HMAC-SHA256(secret, "{task_id}.{timestamp}"))."""
    digest = hmac.new(secret.encode(), f"{task_id}.{timestamp}".encode(), hashlib.sha256)
    return base64.b64encode(digest.digest()).decode()


def _check_stages(names: Iterable[str]) -> None:
    unknown = sorted(set(names) - CALLBACK_STAGES)
    if unknown:
        raise ValueError(f"unknown callback stage {unknown[0]!r}; known: {sorted(CALLBACK_STAGES)}")


def _withheld(name: str, stall_after: str | None) -> bool:
    """True when stall_callbacks_after keeps this stage from ever being sent."""
    return stall_after is not None and _CALLBACK_RANK[name] > _CALLBACK_RANK[stall_after]


def _snake_track(track: dict[str, Any]) -> dict[str, Any]:
    return {name: track[source] for name, source in _CALLBACK_FIELDS.items()}


def _validate(body: Any) -> tuple[int, str] | None:
    """kie's checks on a generate body, as far as the docs state them."""
    if not isinstance(body, dict):
        return 422, "request body must be an object"
    for name in ("customMode", "instrumental"):
        if not isinstance(body.get(name), bool):
            return 422, f"{name} is required"
    if not body.get("callBackUrl"):
        return 422, "callBackUrl is required"
    if body.get("model") not in VALID_MODELS:
        return 422, "model is invalid"
    prompt = body.get("prompt") or ""
    if body["customMode"]:
        if not body.get("style") or not body.get("title"):
            return 422, "style and title are required in custom mode"
        if not body["instrumental"] and not prompt:
            return 422, "prompt is required"
    else:
        if not prompt:
            return 422, "prompt is required"
        if len(prompt) > 500:
            return 400, "prompt is too long"
    return None
