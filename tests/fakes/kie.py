"""A kie.ai look-alike on 127.0.0.1 for contract tests and benchmarks.

It speaks the dialect of seed 001 / PROVIDERS.md: ``{code, msg, data}``
envelopes, Bearer auth, ``POST /api/v1/generate``, ``GET
/api/v1/generate/record-info`` with ``param`` as a JSON string and ``sunoData``
in camelCase, plus the faults a real vendor shows (HTTP and in-body error
codes, Retry-After, slow answers, malformed and cut-off bodies).

Timing is stateless: a task's stage is computed from its submit time on every
poll, so any polling cadence sees the right stage. Media URLs point back at the
emulator and serve a real MP3 and PNG.
"""

from __future__ import annotations

import asyncio
import collections
import functools
import io
import json
import math
import time
import uuid
from array import array
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

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
    """

    def __init__(
        self,
        *,
        api_key: str = "kie-test-key",
        generation_seconds: float = 2.0,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.api_key = api_key
        self.generation_seconds = generation_seconds
        self.clock = clock  # tests may pass a fake clock to step through stages
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
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

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
