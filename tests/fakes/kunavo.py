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
import functools
import json
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from aiohttp import web

from bot.providers.signing import hmac_sha256
from tests.fakes.vendor.base import VendorEmulator, loopback
from tests.fakes.vendor.faults import COMMON_MALFORMED, Answer, FaultQueue

JOBS = "/v1/audio/music/jobs"
VALID_MODELS = frozenset({"suno-v5", "suno-v5-5"})
# Custom-mode limits: undocumented by Kunavo; V5's, shared by every dialect (a guess).
LYRICS_LIMIT = 5000
STYLE_LIMIT = 1000
TITLE_LIMIT = 80
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
MALFORMED = COMMON_MALFORMED | {"no_id"}
RESULT_LIFETIME = 30 * 24 * 3600  # expires_at: when Kunavo prunes a result (~30 days)
MAX_KEY = 128
_QUEUED_SHARE = 0.25  # queued for the first quarter of the generation, then in_progress


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
class _Account:
    tasks: dict[str, _Task] = field(default_factory=dict)
    keys: dict[str, str] = field(default_factory=dict)  # Idempotency-Key -> task id


class KunavoEmulator(VendorEmulator):
    """Kunavo on a loopback port. Script faults before a call; inspect counters after.

    ``generation_seconds`` and ``archived`` are read at each submit, so changing
    them affects later tasks only. ``clock`` (default ``time.time``) drives every
    stage decision, ``completed_at`` and the webhook timestamps.
    ``other_api_key`` is a second account, for owner-scoping tests.
    Spoiled answers keep their HTTP status; ``malformed_next("no_id")`` sends
    an object without id or status.
    """

    API_PREFIX = "/v1/"
    MALFORMED = MALFORMED
    CALLBACK_TIMEOUT = 5.0
    SPOIL_KEEPS_STATUS = True

    def __init__(
        self,
        *,
        api_key: str = "kunavo-test-key",
        webhook_secret: str = "kunavo-webhook-secret",  # noqa: S107 - a test fixture
        generation_seconds: float = 2.0,
        clock: Callable[[], float] = time.time,
        other_api_key: str = "kunavo-other-account-key",
    ) -> None:
        super().__init__(api_key=api_key, generation_seconds=generation_seconds, clock=clock)
        self.other_api_key = other_api_key
        self.webhook_secret = webhook_secret
        self.archived = True  # Kunavo archives results to its CDN unless that failed
        # An in_progress job lists its tracks with stream_url only (url and image_url
        # come with completion). The seed has output only on completed, but calls
        # stream_url "handy for instant playback": a guess at when it appears.
        self.streams_early = False
        self.idempotency_keys: list[str | None] = []  # the header of every submit request
        self.idempotency_replays = 0
        self.callbacks_enabled = True
        self.callbacks_sent: list[SentCallback] = []
        self.webhook_attempts = 3  # "delivered with retry-and-backoff"
        self.webhook_retry_seconds = 0.05
        self._accounts = {api_key: _Account(), other_api_key: _Account()}
        self._plans: collections.deque[tuple[str, str | None, str]] = collections.deque()
        self._submit_faults: FaultQueue[Answer] = FaultQueue()

    def _add_routes(self, router: web.UrlDispatcher) -> None:
        router.add_post(JOBS, self._submit)
        router.add_get(JOBS + "/{task_id}", self._job)
        router.add_get("/stream/{task_id}/{index}", self._stream)

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
        self._submit_faults.add(functools.partial(_error, status, code, message), count=count)

    def task_ids(self) -> list[str]:
        return list(self._accounts[self.api_key].tasks)

    def sign(self, body: bytes, timestamp: int) -> dict[str, str]:
        """Kunavo's webhook headers for ``body``: HMAC-SHA256 over ``"{timestamp}.{body}"``."""
        digest = hmac_sha256(self.webhook_secret, f"{timestamp}.".encode() + body).hex()
        return {
            "X-Kunavo-Webhook-Timestamp": str(timestamp),
            "X-Kunavo-Webhook-Signature": f"sha256={digest}",
        }

    # -- dialect errors and auth ----------------------------------------------

    def _http_error(self, status: int, headers: dict[str, str]) -> web.Response:
        return _error(status, f"http_{status}", f"HTTP {status}", headers)

    def _unauthorized(self) -> web.Response:
        return _error(401, "invalid_api_key", "Invalid or missing API key.")

    def _spoiled(self, kind: str, raw: bytes, status: int) -> web.Response:
        assert kind == "no_id"
        return web.json_response({"object": "music"}, status=status)

    def _authorized(self, request: web.Request) -> bool:
        return self._account_key(request) is not None

    def _account_key(self, request: web.Request) -> str | None:
        scheme, _, key = request.headers.get("Authorization", "").partition(" ")
        return key if scheme == "Bearer" and key in self._accounts else None

    # -- API -------------------------------------------------------------------

    async def _submit(self, request: web.Request) -> web.StreamResponse:
        owner = self._account_key(request)
        assert owner is not None  # the auth middleware ran
        key = request.headers.get("Idempotency-Key")
        self.idempotency_keys.append(key)
        fault = self._submit_faults.take()
        if fault is not None:
            return fault()
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
                self._spawn(self._deliver_when_done(task))
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
        elif status == "in_progress" and self.streams_early:
            streams = [{"stream_url": self._track(task, n)["stream_url"]} for n in (0, 1)]
            output = {"tracks": streams, "archived": False}
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
        for attempt in range(self.webhook_attempts):
            # Each attempt is signed afresh: the timestamp is the delivery time.
            headers = {"Content-Type": "application/json", **self.sign(body, int(self.clock()))}
            outcome = await self._post(url, body, headers)
            status = None if isinstance(outcome, Exception) else outcome
            self.callbacks_sent.append(SentCallback(url, headers, body, status))
            if status is not None and 200 <= status < 300:
                return
            await asyncio.sleep(self.webhook_retry_seconds * 2**attempt)

    # -- media -----------------------------------------------------------------

    def _file_ready(self, task_id: str, stem: str, ext: str) -> bool:
        task = self._find(task_id)
        return task is not None and stem in ("0", "1") and self._status(task) == "completed"

    def _stream_ready(self, task_id: str, index: str) -> bool:
        task = self._find(task_id)
        live = task is not None and self._status(task) in ("in_progress", "completed")
        return live and index in ("0", "1")


def _error(
    status: int, code: str, message: str, headers: dict[str, str] | None = None
) -> web.Response:
    error_type = "invalid_request_error" if status < 500 else "server_error"
    body = {"error": {"code": code, "message": message, "type": error_type}}
    return web.json_response(body, status=status, headers=headers)


def _validate(body: Any) -> str | None:
    """Kunavo's checks on a submit body, as far as the seed states them.

    Fields the seed does not list (``negative_tags`` and the like) are ignored,
    not refused: the seed says nothing about unknown fields.
    """
    if not isinstance(body, dict):
        return "request body must be an object"
    if body.get("model") not in VALID_MODELS:
        return f"model must be one of {sorted(VALID_MODELS)}"
    for name in ("instrumental", "customMode"):
        if name in body and not isinstance(body[name], bool):
            return f"{name} must be a boolean"
    for name in ("prompt", "style", "title"):
        if body.get(name) is not None and not isinstance(body[name], str):
            return f"{name} must be a string"
    problem = _check_custom(body) if body.get("customMode") else _check_description(body)
    if problem is not None:
        return problem
    url = body.get("webhook_url")
    if url is not None and not _webhook_ok(url):
        return "webhook_url must be an https URL"
    return None


def _check_description(body: dict[str, Any]) -> str | None:
    if not (body.get("prompt") or "").strip():
        return "prompt is required"
    return None


def _check_custom(body: dict[str, Any]) -> str | None:
    """Custom mode: the prompt is the lyrics, "drive structure / lyrics / style explicitly".

    The seed states no requirements or limits for it. These are guesses from
    the Suno APIs Kunavo fronts (seed README: the limits every dialect shares):
    style and title required, lyrics required unless instrumental, and V5's
    limits for both Kunavo models.
    """
    style, title = body.get("style") or "", body.get("title") or ""
    if not style.strip() or not title.strip():
        return "style and title are required when customMode is true"
    lyrics = body.get("prompt") or ""
    if not body.get("instrumental") and not lyrics.strip():
        return "prompt (the lyrics) is required when customMode is true and not instrumental"
    for name, value, limit in (
        ("prompt", lyrics, LYRICS_LIMIT),
        ("style", style, STYLE_LIMIT),
        ("title", title, TITLE_LIMIT),
    ):
        if len(value) > limit:
            return f"{name} must be at most {limit} characters"
    return None


def _webhook_ok(url: Any) -> bool:
    """HTTPS as documented; plain HTTP to loopback too, so tests can receive."""
    if not isinstance(url, str):
        return False
    return urlsplit(url).scheme == "https" or loopback(url)
