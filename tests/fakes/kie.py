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

import asyncio
import base64
import collections
import contextlib
import functools
import hashlib
import hmac
import io
import json
import math
import time
import uuid
from array import array
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit

import aiohttp
import lameenc
from aiohttp import web
from PIL import Image

OUTCOMES = frozenset({"success", "sensitive", "audio_failed", "never", "callback_exception"})
MALFORMED = frozenset({"not_json", "truncated", "no_data", "disconnect"})
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
_LOOPBACK_HOSTS = frozenset({"127.0.0.1", "localhost", "::1"})
CALLBACK_TICK = 0.1  # seconds between real-time flushes while callbacks are still to come
CALLBACK_TIMEOUT = 15.0  # kie waits this long for the receiver's answer

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


@functools.cache
def sine_mp3(seconds: float = 2.0, rate: int = 22050, freq: float = 440.0) -> bytes:
    """A real, decodable mono MP3 of a sine tone (generated once per process)."""
    n = int(seconds * rate)
    pcm = array("h", (int(12000 * math.sin(2 * math.pi * freq * i / rate)) for i in range(n)))
    encoder = lameenc.Encoder()
    encoder.set_bit_rate(32)
    encoder.set_in_sample_rate(rate)
    encoder.set_channels(1)
    encoder.set_quality(7)
    return bytes(encoder.encode(pcm.tobytes()) + encoder.flush())


@functools.cache
def cover_png(size: int = 64) -> bytes:
    """A real PNG cover: a two-colour square."""
    image = Image.new("RGB", (size, size), (40, 90, 160))
    image.paste((230, 180, 40), (size // 4, size // 4, 3 * size // 4, 3 * size // 4))
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()


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


@dataclass
class _Fault:
    status: int
    remaining: int
    path_prefix: str
    retry_after: float | str | None = None
    code: int | None = None
    msg: str = ""
    html: bool = False


class KieEmulator:
    """kie.ai on a loopback port. Script faults before a call; inspect counters after.

    ``generation_seconds`` is read at each submit, so changing it affects later
    tasks only. ``clock`` (default ``time.time``) drives every stage decision
    and ``completed_at``.

    Callbacks go only to loopback ``callBackUrl``s. ``callbacks_enabled``,
    ``skip_callback_stages`` and ``stall_callbacks_after`` are read at each
    submit like ``generation_seconds``; ``webhook_secret`` (signing) at each
    send. A background task flushes due callbacks every ``CALLBACK_TICK`` in
    real time; with a fake clock, call ``flush_callbacks`` after moving it.
    """

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
        self.api_key = api_key
        self.generation_seconds = generation_seconds
        self.clock = clock  # tests may pass a fake clock to step through stages
        self.webhook_secret = webhook_secret
        self.callbacks_enabled = callbacks_enabled
        self.skip_callback_stages: set[str] = set(skip_callback_stages)
        self.stall_callbacks_after = stall_callbacks_after
        _check_stages([*self.skip_callback_stages, *filter(None, [stall_callbacks_after])])
        self.callbacks_sent: list[tuple[str, dict[str, str], bytes]] = []  # url, headers, body
        self.callback_errors: list[str] = []  # deliveries the receiver failed or refused
        self.base_url = ""
        self.audio_bytes: bytes = sine_mp3()
        self.image_bytes: bytes = cover_png()
        self.track_durations: tuple[float, float] = (2.0, 2.04)  # match audio_bytes roughly
        self.credits: float = 1000.0
        self.chunked_media = False  # serve media without Content-Length
        self.submits: list[dict[str, Any]] = []
        self.polls: collections.Counter[str] = collections.Counter()
        self.completed_at: dict[str, float] = {}
        self.downloads: collections.Counter[str] = collections.Counter()
        self.download_headers: list[dict[str, str]] = []  # headers of every media GET
        self.hits: collections.Counter[str] = collections.Counter()  # path -> requests seen
        self._tasks: dict[str, _Task] = {}
        self._plans: collections.deque[tuple[str, int | None, str]] = collections.deque()
        self._request_faults: list[_Fault] = []
        self._submit_faults: list[_Fault] = []
        self._record_faults: list[_Fault] = []
        self._delays: list[_Fault] = []  # status unused; retry_after holds the delay
        self._malformed: collections.deque[str] = collections.deque()
        self._runner: web.AppRunner | None = None
        self._callback_session: aiohttp.ClientSession | None = None
        self._callback_pump: asyncio.Task[None] | None = None
        # One flush at a time: when flush_callbacks returns, what was due has been delivered,
        # even if the background pump had started sending it.
        self._callback_lock = asyncio.Lock()

    # -- lifecycle -------------------------------------------------------------

    async def start(self) -> None:
        app = web.Application(middlewares=[self._fault_mw, self._auth_mw, self._malformed_mw])
        app.router.add_post("/api/v1/generate", self._submit)
        app.router.add_get("/api/v1/generate/record-info", self._record_info)
        app.router.add_get("/api/v1/chat/credit", self._credit)
        app.router.add_get("/files/{task_id}/{name}", self._file)
        app.router.add_get("/stream/{task_id}/{index}", self._stream)
        # A short shutdown: a deliberately slow answer must not hold up stop().
        self._runner = web.AppRunner(app, access_log=None, shutdown_timeout=0.2)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        port = self._runner.addresses[0][1]
        self.base_url = f"http://127.0.0.1:{port}"

    async def stop(self) -> None:
        if self._callback_pump is not None:
            self._callback_pump.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._callback_pump
            self._callback_pump = None
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None
        if self._callback_session is not None:
            await self._callback_session.close()
            self._callback_session = None

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
        self._submit_faults.append(
            _Fault(status=http_status, remaining=count, path_prefix="", code=code, msg=msg)
        )

    def fail_record_info(
        self, code: int, msg: str = "error", *, http_status: int = 200, count: int = 1
    ) -> None:
        """Like ``fail_submit``, for the next ``count`` record-info polls."""
        self._record_faults.append(
            _Fault(status=http_status, remaining=count, path_prefix="", code=code, msg=msg)
        )

    def fail_requests(
        self,
        status: int,
        *,
        count: int,
        retry_after: float | str | None = None,
        path_prefix: str = "/api/",
        html: bool = False,
    ) -> None:
        """The next ``count`` requests under ``path_prefix`` get HTTP ``status``.

        ``retry_after`` may be seconds or a preformatted HTTP date; ``html``
        answers the way a gateway does, with an HTML page instead of an envelope.
        """
        self._request_faults.append(
            _Fault(status, count, path_prefix, retry_after=retry_after, html=html)
        )

    def delay_requests(self, seconds: float, *, count: int = 1, path_prefix: str = "/api/") -> None:
        """The next ``count`` requests are processed at once but answered ``seconds`` later."""
        self._delays.append(_Fault(0, count, path_prefix, retry_after=seconds))

    def malformed_next(self, kind: str) -> None:
        """Spoil the next API answer (after it was processed, as a broken proxy would).

        ``not_json``: an HTML page with HTTP 200; ``truncated``: the JSON cut in
        half; ``no_data``: the envelope without ``data``; ``disconnect``: the
        connection drops half-way through the declared body.
        """
        if kind not in MALFORMED:
            raise ValueError(f"unknown kind {kind!r}; known: {sorted(MALFORMED)}")
        self._malformed.append(kind)

    def task_ids(self) -> list[str]:
        return list(self._tasks)

    # -- middlewares -----------------------------------------------------------

    @web.middleware
    async def _fault_mw(self, request: web.Request, handler: Handler) -> web.StreamResponse:
        self.hits[request.path] += 1
        fault = _take(self._request_faults, request.path)
        if fault is not None:
            headers = {}
            if fault.retry_after is not None:
                headers["Retry-After"] = str(fault.retry_after)
            if fault.html:
                page = f"<html><body><h1>{fault.status}</h1>nginx</body></html>"
                return web.Response(
                    status=fault.status, text=page, content_type="text/html", headers=headers
                )
            return _envelope(fault.status, f"HTTP {fault.status}", None, fault.status, headers)
        delay = _take(self._delays, request.path)
        response = await handler(request)
        if delay is not None and isinstance(delay.retry_after, float | int):
            await asyncio.sleep(delay.retry_after)
        return response

    @web.middleware
    async def _auth_mw(self, request: web.Request, handler: Handler) -> web.StreamResponse:
        authorized = request.headers.get("Authorization") == f"Bearer {self.api_key}"
        if request.path.startswith("/api/") and not authorized:
            return _envelope(401, "You do not have access permissions", None, 401)
        return await handler(request)

    @web.middleware
    async def _malformed_mw(self, request: web.Request, handler: Handler) -> web.StreamResponse:
        response = await handler(request)
        if not request.path.startswith("/api/") or not self._malformed:
            return response
        kind = self._malformed.popleft()
        body = response.body if isinstance(response, web.Response) else b""
        raw = body if isinstance(body, bytes) else b""
        if kind == "not_json":
            return web.Response(text="<html>upstream error</html>", content_type="text/html")
        if kind == "truncated":
            return web.Response(body=raw[: len(raw) // 2], content_type="application/json")
        if kind == "no_data":
            return web.json_response({"code": 200, "msg": "success"})
        # disconnect: promise the whole body, send half, hang up.
        cut = web.StreamResponse(headers={"Content-Type": "application/json"})
        cut.content_length = len(raw)
        await cut.prepare(request)
        await cut.write(raw[: len(raw) // 2])
        if request.transport is not None:
            request.transport.close()
        return cut

    # -- API -------------------------------------------------------------------

    async def _submit(self, request: web.Request) -> web.StreamResponse:
        fault = _take(self._submit_faults, "")
        if fault is not None:
            return _envelope(fault.code or fault.status, fault.msg, None, fault.status)
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
        fault = _take(self._record_faults, "")
        if fault is not None:
            return _envelope(fault.code or fault.status, fault.msg, None, fault.status)
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

    async def flush_callbacks(self) -> None:
        """Send every callback stage that is due by ``clock`` now, and wait for the deliveries.

        Stages of one task go out in order; different tasks' go out concurrently.
        """
        async with self._callback_lock:
            if self._runner is None:
                return  # stopped: the session is gone and nothing may be sent any more
            batches = [(task, self._take_due_callbacks(task)) for task in self._tasks.values()]
            await asyncio.gather(*(self._send_callbacks(task, due) for task, due in batches if due))

    def _arm_callbacks(self, task: _Task) -> bool:
        """Capture the callback settings for a new task; True when it will send any."""
        url = task.body.get("callBackUrl")
        if not self.callbacks_enabled or not isinstance(url, str) or not _loopback(url):
            return False  # e.g. the bot's https://example.invalid placeholder
        task.callback_url = url
        task.callback_skip = frozenset(self.skip_callback_stages)
        task.callback_stall = self.stall_callbacks_after
        return True

    def _start_callback_pump(self) -> None:
        if self._callback_pump is None or self._callback_pump.done():
            self._callback_pump = asyncio.create_task(self._pump_callbacks())

    async def _pump_callbacks(self) -> None:
        """Real-time delivery: flush every tick while any task still has a callback to come."""
        while any(self._callbacks_open(task) for task in self._tasks.values()):
            await self.flush_callbacks()
            await asyncio.sleep(CALLBACK_TICK)

    def _callbacks_open(self, task: _Task) -> bool:
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
        if self._callback_session is None:
            timeout = aiohttp.ClientTimeout(total=CALLBACK_TIMEOUT)
            self._callback_session = aiohttp.ClientSession(timeout=timeout)
        try:
            async with self._callback_session.post(url, data=body, headers=headers) as response:
                await response.read()
                if response.status >= 300:
                    self.callback_errors.append(f"{name} to {url}: HTTP {response.status}")
        except (aiohttp.ClientError, TimeoutError) as exc:
            self.callback_errors.append(f"{name} to {url}: {exc!r}")

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

    async def _file(self, request: web.Request) -> web.StreamResponse:
        task = self._tasks.get(request.match_info["task_id"])
        name = request.match_info["name"]
        stem, _, ext = name.partition(".")
        if task is None or stem not in ("0", "1") or ext not in ("mp3", "png"):
            raise web.HTTPNotFound()
        stage = self._stage(task)
        ready = task.outcome in ("success", "callback_exception") and stage >= (
            3 if ext == "mp3" else 2
        )
        if not ready:
            raise web.HTTPNotFound()
        if ext == "mp3":
            return await self._media(request, self.audio_bytes, "audio/mpeg")
        return await self._media(request, self.image_bytes, "image/png")

    async def _stream(self, request: web.Request) -> web.StreamResponse:
        task = self._tasks.get(request.match_info["task_id"])
        if task is None or request.match_info["index"] not in ("0", "1") or self._stage(task) < 2:
            raise web.HTTPNotFound()
        return await self._media(request, self.audio_bytes, "audio/mpeg")

    async def _media(self, request: web.Request, data: bytes, kind: str) -> web.StreamResponse:
        self.downloads[request.path] += 1
        self.download_headers.append(dict(request.headers))
        if not self.chunked_media:
            return web.Response(body=data, content_type=kind)
        response = web.StreamResponse(headers={"Content-Type": kind})
        response.enable_chunked_encoding()
        await response.prepare(request)
        for start in range(0, len(data), 4096):
            await response.write(data[start : start + 4096])
        await response.write_eof()
        return response


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


def _loopback(url: str) -> bool:
    """Only loopback receivers get callbacks: tests must never reach out of the machine."""
    try:
        parts = urlsplit(url)
        return parts.scheme in ("http", "https") and parts.hostname in _LOOPBACK_HOSTS
    except ValueError:
        return False


def _snake_track(track: dict[str, Any]) -> dict[str, Any]:
    return {name: track[source] for name, source in _CALLBACK_FIELDS.items()}


def _take(faults: list[_Fault], path: str) -> _Fault | None:
    """Consume one use of the first fault whose prefix matches ``path``."""
    for fault in faults:
        if path.startswith(fault.path_prefix):
            fault.remaining -= 1
            if fault.remaining <= 0:
                faults.remove(fault)
            return fault
    return None


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
