"""A Kunavo look-alike on 127.0.0.1 for contract tests and benchmarks.

It speaks the job API of seed 000 / PROVIDERS.md: Bearer auth, ``POST
/v1/audio/music/jobs`` with an optional ``Idempotency-Key`` (202 fresh, 200
replay), ``GET /v1/audio/music/jobs/{id}`` scoped to the owning account (404
otherwise), and signed ``music.completed`` / ``music.failed`` webhooks. Faults
a real vendor shows can be scripted: HTTP errors, Retry-After, slow answers,
malformed and cut-off bodies.

The seed documents no error body and no task error codes: errors here come as
``{error: {code, message, type}}`` (the OpenAI style Kunavo's other APIs
mirror) and the codes in ``FAILURE_CODES`` are guesses.

Timing is stateless like the kie emulator's: a task's stage is computed from
its submit time and ``clock`` on every request. Webhooks are the exception:
a small watcher per task notices when ``clock`` passes its end and delivers.
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
import json
import time
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

import aiohttp
from aiohttp import web

from bot.providers.signing import hmac_sha256
from tests.fakes.kie import cover_png, sine_mp3

JOBS = "/v1/audio/music/jobs"
VALID_MODELS = frozenset({"suno-v5", "suno-v5-5"})
# Guessed task error codes -> the message the emulator puts next to them.
FAILURE_CODES: dict[str, str] = {
    "content_policy_violation": "The prompt was blocked by content moderation.",
    "insufficient_credits": "Your balance is too low for this request.",
    "quota_exceeded": "Monthly quota exceeded.",
    "rate_limit_exceeded": "Too many concurrent generations.",
    "generation_timeout": "Generation timed out upstream.",
    "generation_failed": "Generation failed; you were not charged.",
    "upstream_error": "Suno returned an error.",
}
OUTCOMES = frozenset({"success", "never", "failed", *FAILURE_CODES})
MALFORMED = frozenset({"not_json", "truncated", "no_id", "disconnect"})
RESULT_LIFETIME = 30 * 24 * 3600  # expires_at: when Kunavo prunes a result (~30 days)
MAX_KEY = 128
_QUEUED_SHARE = 0.25  # queued for the first quarter of the generation, then in_progress
_LOOPBACK = frozenset({"127.0.0.1", "localhost", "::1"})

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


@dataclass
class SentCallback:
    """One webhook delivery attempt; ``status`` is None when the receiver was unreachable."""

    url: str
    headers: dict[str, str]
    body: bytes
    status: int | None


@dataclass
class _Task:
    task_id: str
    owner: str  # the API key that submitted it: GET is owner-scoped
    body: dict[str, Any]
    submitted: float
    generation_seconds: float
    outcome: str
    error_code: str | None
    error_message: str
    archived: bool

    @property
    def ends_at(self) -> float | None:
        return None if self.outcome == "never" else self.submitted + self.generation_seconds


@dataclass
class _Fault:
    status: int
    remaining: int
    path_prefix: str
    retry_after: float | str | None = None
    code: str = ""
    message: str = ""
    html: bool = False
    seconds: float = 0.0  # for delays


@dataclass
class _Account:
    tasks: dict[str, _Task] = field(default_factory=dict)
    keys: dict[str, str] = field(default_factory=dict)  # Idempotency-Key -> task id


class KunavoEmulator:
    """Kunavo on a loopback port. Script faults before a call; inspect counters after.

    ``generation_seconds`` and ``archived`` are read at each submit, so changing
    them affects later tasks only. ``clock`` (default ``time.time``) drives every
    stage decision, ``completed_at`` and the webhook timestamps.
    ``other_api_key`` is a second account, for owner-scoping tests.
    """

    def __init__(
        self,
        *,
        api_key: str = "kunavo-test-key",
        webhook_secret: str = "kunavo-webhook-secret",  # noqa: S107 - a test fixture
        generation_seconds: float = 2.0,
        clock: Callable[[], float] = time.time,
        other_api_key: str = "kunavo-other-account-key",
    ) -> None:
        self.api_key = api_key
        self.other_api_key = other_api_key
        self.webhook_secret = webhook_secret
        self.generation_seconds = generation_seconds
        self.clock = clock
        self.base_url = ""
        self.archived = True  # Kunavo archives results to its CDN unless that failed
        self.audio_bytes: bytes = sine_mp3()
        self.image_bytes: bytes = cover_png()
        self.chunked_media = False  # serve media without Content-Length
        self.submits: list[dict[str, Any]] = []  # bodies of fresh submits only
        self.idempotency_keys: list[str | None] = []  # the header of every submit request
        self.idempotency_replays = 0
        self.polls: collections.Counter[str] = collections.Counter()
        self.completed_at: dict[str, float] = {}  # task id -> when it turns terminal
        self.downloads: collections.Counter[str] = collections.Counter()
        self.download_headers: list[dict[str, str]] = []
        self.hits: collections.Counter[str] = collections.Counter()
        self.callbacks_enabled = True
        self.callbacks_sent: list[SentCallback] = []
        self.webhook_attempts = 3  # "delivered with retry-and-backoff"
        self.webhook_retry_seconds = 0.05
        self._accounts = {api_key: _Account(), other_api_key: _Account()}
        self._plans: collections.deque[tuple[str, str | None, str]] = collections.deque()
        self._request_faults: list[_Fault] = []
        self._submit_faults: list[_Fault] = []
        self._delays: list[_Fault] = []
        self._malformed: collections.deque[str] = collections.deque()
        self._watchers: set[asyncio.Task[None]] = set()
        self._session: aiohttp.ClientSession | None = None
        self._runner: web.AppRunner | None = None

    # -- lifecycle -------------------------------------------------------------

    async def start(self) -> None:
        app = web.Application(middlewares=[self._fault_mw, self._auth_mw, self._malformed_mw])
        app.router.add_post(JOBS, self._submit)
        app.router.add_get(JOBS + "/{task_id}", self._job)
        app.router.add_get("/files/{task_id}/{name}", self._file)
        app.router.add_get("/stream/{task_id}/{index}", self._stream)
        # A short shutdown: a deliberately slow answer must not hold up stop().
        self._runner = web.AppRunner(app, access_log=None, shutdown_timeout=0.2)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        port = self._runner.addresses[0][1]
        self.base_url = f"http://127.0.0.1:{port}"
        self._session = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=5))

    async def stop(self) -> None:
        for watcher in list(self._watchers):
            watcher.cancel()
        for watcher in list(self._watchers):
            with contextlib.suppress(asyncio.CancelledError):
                await watcher
        if self._session is not None:
            await self._session.close()
            self._session = None
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    # -- scripting -------------------------------------------------------------

    def plan(
        self, outcome: str, *, error_code: str | None = None, error_message: str | None = None
    ) -> None:
        """Outcome of the next submitted task (queued: call again for the one after).

        ``success``, ``never`` (stays queued), a code of ``FAILURE_CODES``, or
        ``failed`` with any ``error_code`` (None sends ``error: null``).
        """
        if outcome not in OUTCOMES:
            raise ValueError(f"unknown outcome {outcome!r}; known: {sorted(OUTCOMES)}")
        code = (
            error_code if outcome == "failed" else (outcome if outcome in FAILURE_CODES else None)
        )
        message = error_message if error_message is not None else FAILURE_CODES.get(outcome, "")
        self._plans.append((outcome, code, message))

    def fail_submit(
        self, status: int, code: str = "error", message: str = "error", *, count: int = 1
    ) -> None:
        """The next ``count`` submits answer HTTP ``status`` with ``{error: {code, message}}``."""
        self._submit_faults.append(_Fault(status, count, "", code=code, message=message))

    def fail_requests(
        self,
        status: int,
        *,
        count: int,
        retry_after: float | str | None = None,
        path_prefix: str = "/v1/",
        html: bool = False,
    ) -> None:
        """The next ``count`` requests under ``path_prefix`` get HTTP ``status``.

        ``retry_after`` may be seconds or a preformatted HTTP date; ``html``
        answers the way a gateway does, with an HTML page instead of JSON.
        """
        self._request_faults.append(
            _Fault(status, count, path_prefix, retry_after=retry_after, html=html)
        )

    def delay_requests(self, seconds: float, *, count: int = 1, path_prefix: str = "/v1/") -> None:
        """The next ``count`` requests are processed at once but answered ``seconds`` later."""
        self._delays.append(_Fault(0, count, path_prefix, seconds=seconds))

    def malformed_next(self, kind: str) -> None:
        """Spoil the next API answer (after it was processed, as a broken proxy would).

        ``not_json``: an HTML page with the original status; ``truncated``: the
        JSON cut in half; ``no_id``: an object without id or status;
        ``disconnect``: the connection drops half-way through the declared body.
        """
        if kind not in MALFORMED:
            raise ValueError(f"unknown kind {kind!r}; known: {sorted(MALFORMED)}")
        self._malformed.append(kind)

    def task_ids(self) -> list[str]:
        return list(self._accounts[self.api_key].tasks)

    def sign(self, body: bytes, timestamp: int) -> dict[str, str]:
        """Kunavo's webhook headers for ``body``: HMAC-SHA256 over ``"{timestamp}.{body}"``."""
        digest = hmac_sha256(self.webhook_secret, f"{timestamp}.".encode() + body).hex()
        return {
            "X-Kunavo-Webhook-Timestamp": str(timestamp),
            "X-Kunavo-Webhook-Signature": f"sha256={digest}",
        }

    async def webhooks_idle(self, seconds: float = 5.0) -> None:
        """Wait until every watched task's webhook was delivered or given up on.

        Only tasks whose end the clock has passed can finish: with a fake clock,
        advance it first.
        """
        async with asyncio.timeout(seconds):
            while self._watchers:
                await asyncio.gather(*self._watchers)

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
            return _error(fault.status, f"http_{fault.status}", f"HTTP {fault.status}", headers)
        delay = _take(self._delays, request.path)
        response = await handler(request)
        if delay is not None:
            await asyncio.sleep(delay.seconds)
        return response

    @web.middleware
    async def _auth_mw(self, request: web.Request, handler: Handler) -> web.StreamResponse:
        if request.path.startswith("/v1/") and self._account_key(request) is None:
            return _error(401, "invalid_api_key", "Invalid or missing API key.")
        return await handler(request)

    @web.middleware
    async def _malformed_mw(self, request: web.Request, handler: Handler) -> web.StreamResponse:
        response = await handler(request)
        if not request.path.startswith("/v1/") or not self._malformed:
            return response
        kind = self._malformed.popleft()
        body = response.body if isinstance(response, web.Response) else b""
        raw = body if isinstance(body, bytes) else b""
        if kind == "not_json":
            return web.Response(
                status=response.status, text="<html>upstream error</html>", content_type="text/html"
            )
        if kind == "truncated":
            return web.Response(
                status=response.status, body=raw[: len(raw) // 2], content_type="application/json"
            )
        if kind == "no_id":
            return web.json_response({"object": "music"}, status=response.status)
        # disconnect: promise the whole body, send half, hang up.
        cut = web.StreamResponse(
            status=response.status, headers={"Content-Type": "application/json"}
        )
        cut.content_length = len(raw)
        await cut.prepare(request)
        await cut.write(raw[: len(raw) // 2])
        if request.transport is not None:
            request.transport.close()
        return cut

    def _account_key(self, request: web.Request) -> str | None:
        scheme, _, key = request.headers.get("Authorization", "").partition(" ")
        return key if scheme == "Bearer" and key in self._accounts else None

    # -- API -------------------------------------------------------------------

    async def _submit(self, request: web.Request) -> web.StreamResponse:
        owner = self._account_key(request)
        assert owner is not None  # the auth middleware ran
        key = request.headers.get("Idempotency-Key")
        self.idempotency_keys.append(key)
        fault = _take(self._submit_faults, "")
        if fault is not None:
            return _error(fault.status, fault.code, fault.message)
        if key is not None and not 0 < len(key) <= MAX_KEY:
            return _error(400, "invalid_request", "Idempotency-Key must be 1-128 characters.")
        account = self._accounts[owner]
        if key is not None and key in account.keys:
            self.idempotency_replays += 1
            return web.json_response(self._object(account.tasks[account.keys[key]]), status=200)
        try:
            body = await request.json()
        except ValueError:
            return _error(400, "invalid_request", "Request body is not JSON.")
        problem = _validate(body)
        if problem is not None:
            return _error(400, "invalid_request", problem)
        task = self._new_task(owner, body)
        account.tasks[task.task_id] = task
        if key is not None:
            account.keys[key] = task.task_id
        self.submits.append(body)
        if task.ends_at is not None:
            self.completed_at[task.task_id] = task.ends_at
            if body.get("webhook_url"):
                self._watch(task)
        return web.json_response(self._object(task), status=202)

    def _new_task(self, owner: str, body: dict[str, Any]) -> _Task:
        outcome, code, message = self._plans.popleft() if self._plans else ("success", None, "")
        return _Task(
            task_id=f"msc_{uuid.uuid4().hex[:24]}",
            owner=owner,
            body=body,
            submitted=self.clock(),
            generation_seconds=self.generation_seconds,
            outcome=outcome,
            error_code=code,
            error_message=message,
            archived=self.archived,
        )

    async def _job(self, request: web.Request) -> web.StreamResponse:
        owner = self._account_key(request)
        assert owner is not None
        task_id = request.match_info["task_id"]
        self.polls[task_id] += 1
        task = self._accounts[owner].tasks.get(task_id)
        if task is None:  # unknown, or another account's: Kunavo answers alike
            return _error(404, "not_found", f"No music task {task_id!r}.")
        return web.json_response(self._object(task))

    def _status(self, task: _Task) -> str:
        ends = task.ends_at
        elapsed = self.clock() - task.submitted
        if ends is not None and self.clock() >= ends:
            return "completed" if task.outcome == "success" else "failed"
        if task.outcome == "never" or elapsed < _QUEUED_SHARE * task.generation_seconds:
            return "queued"
        return "in_progress"

    def _object(self, task: _Task) -> dict[str, Any]:
        """The job object exactly as the seed's response table lists it."""
        status = self._status(task)
        terminal = status in ("completed", "failed")
        output = None
        if status == "completed":
            output = {"tracks": [self._track(task, n) for n in (0, 1)], "archived": task.archived}
        error = None
        if status == "failed" and task.error_code is not None:
            error = {"code": task.error_code, "message": task.error_message}
        return {
            "id": task.task_id,
            "object": "music",
            "status": status,
            "model": task.body.get("model"),
            "created_at": int(task.submitted),
            "completed_at": int(task.ends_at) if terminal and task.ends_at else None,
            "expires_at": int(task.submitted) + RESULT_LIFETIME,
            "progress": 100 if terminal else 0,  # "0 until terminal, then 100"
            "output": output,
            "error": error,
        }

    def _track(self, task: _Task, n: int) -> dict[str, str]:
        # Archived links live on Kunavo's CDN; unarchived ones are Suno's temporary links.
        where = "files" if task.archived else "suno"
        return {
            "url": f"{self.base_url}/files/{task.task_id}/{n}.mp3?src={where}",
            "stream_url": f"{self.base_url}/stream/{task.task_id}/{n}",
            "image_url": f"{self.base_url}/files/{task.task_id}/{n}.png?src={where}",
        }

    def _find(self, task_id: str) -> _Task | None:
        return next((a.tasks[task_id] for a in self._accounts.values() if task_id in a.tasks), None)

    # -- webhooks --------------------------------------------------------------

    def _watch(self, task: _Task) -> None:
        watcher = asyncio.get_running_loop().create_task(self._deliver_when_done(task))
        self._watchers.add(watcher)
        watcher.add_done_callback(self._watchers.discard)

    async def _deliver_when_done(self, task: _Task) -> None:
        ends = task.ends_at
        assert ends is not None
        # The clock may be a fake that tests move by hand: nothing could set an
        # Event when it passes the end, so look at it a hundred times a second.
        while self.clock() < ends:  # noqa: ASYNC110
            await asyncio.sleep(0.01)
        if not self.callbacks_enabled:
            return
        status = self._status(task)
        event = {
            "id": f"evt_{uuid.uuid4().hex[:24]}",
            "object": "event",
            "type": f"music.{status}",
            "created_at": int(self.clock()),
            "data": self._object(task),
        }
        body = json.dumps(event, separators=(",", ":")).encode()
        await self._deliver(str(task.body["webhook_url"]), body)

    async def _deliver(self, url: str, body: bytes) -> None:
        assert self._session is not None
        for attempt in range(self.webhook_attempts):
            # Each attempt is signed afresh: the timestamp is the delivery time.
            headers = {"Content-Type": "application/json", **self.sign(body, int(self.clock()))}
            status: int | None = None
            with contextlib.suppress(aiohttp.ClientError, TimeoutError):
                async with self._session.post(url, data=body, headers=headers) as response:
                    status = response.status
            self.callbacks_sent.append(SentCallback(url, headers, body, status))
            if status is not None and 200 <= status < 300:
                return
            await asyncio.sleep(self.webhook_retry_seconds * 2**attempt)

    # -- media -----------------------------------------------------------------

    async def _file(self, request: web.Request) -> web.StreamResponse:
        task = self._find(request.match_info["task_id"])
        stem, _, ext = request.match_info["name"].partition(".")
        if task is None or stem not in ("0", "1") or ext not in ("mp3", "png"):
            raise web.HTTPNotFound()
        if self._status(task) != "completed":
            raise web.HTTPNotFound()
        if ext == "mp3":
            return await self._media(request, self.audio_bytes, "audio/mpeg")
        return await self._media(request, self.image_bytes, "image/png")

    async def _stream(self, request: web.Request) -> web.StreamResponse:
        task = self._find(request.match_info["task_id"])
        ready = task is not None and self._status(task) in ("in_progress", "completed")
        if not ready or request.match_info["index"] not in ("0", "1"):
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


def _error(
    status: int, code: str, message: str, headers: dict[str, str] | None = None
) -> web.Response:
    error_type = "invalid_request_error" if status < 500 else "server_error"
    body = {"error": {"code": code, "message": message, "type": error_type}}
    return web.json_response(body, status=status, headers=headers)


def _take(faults: list[_Fault], path: str) -> _Fault | None:
    """Consume one use of the first fault whose prefix matches ``path``."""
    for fault in faults:
        if path.startswith(fault.path_prefix):
            fault.remaining -= 1
            if fault.remaining <= 0:
                faults.remove(fault)
            return fault
    return None


def _validate(body: Any) -> str | None:
    """Kunavo's checks on a submit body, as far as the seed states them."""
    if not isinstance(body, dict):
        return "request body must be an object"
    if body.get("model") not in VALID_MODELS:
        return f"model must be one of {sorted(VALID_MODELS)}"
    prompt = body.get("prompt")
    if not isinstance(prompt, str) or not prompt.strip():
        return "prompt is required"
    if "instrumental" in body and not isinstance(body["instrumental"], bool):
        return "instrumental must be a boolean"
    url = body.get("webhook_url")
    if url is not None and not _webhook_ok(url):
        return "webhook_url must be an https URL"
    return None


def _webhook_ok(url: Any) -> bool:
    """HTTPS as documented; plain HTTP to loopback too, so tests can receive."""
    if not isinstance(url, str):
        return False
    parts = urlsplit(url)
    return parts.scheme == "https" or (parts.scheme == "http" and parts.hostname in _LOOPBACK)
