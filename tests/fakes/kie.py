"""A kie.ai look-alike on 127.0.0.1 for contract tests and benchmarks.

It speaks the dialect of seed 001 / PROVIDERS.md: ``{code, msg, data}``
envelopes, Bearer auth, every create call the bot makes (generate, extend,
upload-cover, upload-extend, add-vocals, add-instrumental, WAV, vocal removal,
mp4, lyrics), their record-info endpoints (``param`` as a JSON string,
``sunoData`` in camelCase, ``successFlag`` for the file makers), timestamped
lyrics and the style boost (both answered at once), plus the faults a real
vendor shows (HTTP and in-body error codes, Retry-After, slow answers,
malformed and cut-off bodies).

Timing is stateless: a task's stage is computed from its creation time on
every poll, so any polling cadence sees the right stage. Media URLs point back
at the emulator and serve a real MP3 (tracks and stems), PNG, WAV, and an MP4
stub. Request checks live in ``kie_checks``, tasks and their timeline in
``kie_tasks``, answer bodies in ``kie_records``.

Callbacks: when a create call's ``callBackUrl`` is on the loopback, the
emulator POSTs the vendor's snake_case callbacks as the same timeline reaches
each stage (songs: ``text``, ``first``, ``complete`` or ``error``; the one-step
tasks: ``complete`` or ``error`` at the end), optionally signed the way kie
signs them when an account enables it.
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
from typing import Any

from aiohttp import web

from tests.fakes.kie_checks import (
    Refused,
    check_boost,
    check_create,
    check_object,
    check_track_call,
)
from tests.fakes.kie_records import (
    CALLBACK_RANK,
    callback_payload,
    callback_schedule,
    file_stages,
    record,
    timed_words,
)
from tests.fakes.kie_tasks import SONG_KINDS, Task, TaskBook
from tests.fakes.vendor.base import loopback
from tests.fakes.vendor.faults import COMMON_MALFORMED, Answer, FaultQueue
from tests.fakes.vendor.pumped import PumpedEmulator

GENERATE = "/api/v1/generate"
RECORD = "/api/v1/generate/record-info"
EXTEND = "/api/v1/generate/extend"
COVER = "/api/v1/generate/upload-cover"
UPLOAD_EXTEND = "/api/v1/generate/upload-extend"
ADD_VOCALS = "/api/v1/generate/add-vocals"
ADD_INSTRUMENTAL = "/api/v1/generate/add-instrumental"
BOOST_STYLE = "/api/v1/style/generate"
WAV = "/api/v1/wav/generate"
STEMS = "/api/v1/vocal-removal/generate"
VIDEO = "/api/v1/mp4/generate"
LYRICS = "/api/v1/lyrics"
TIMED_LYRICS = "/api/v1/generate/get-timestamped-lyrics"
CREDIT = "/api/v1/chat/credit"
# Create endpoint -> the kind of task it makes.
CREATE_KINDS = {
    GENERATE: "generate",
    EXTEND: "extend",
    COVER: "cover",
    UPLOAD_EXTEND: "upload_extend",
    ADD_VOCALS: "add_vocals",
    ADD_INSTRUMENTAL: "add_instrumental",
    WAV: "wav",
    STEMS: "stems",
    VIDEO: "video",
    LYRICS: "lyrics",
}
# record-info endpoint -> the kinds of task it knows.
RECORD_KINDS = {
    RECORD: SONG_KINDS,
    "/api/v1/wav/record-info": frozenset({"wav"}),
    "/api/v1/vocal-removal/record-info": frozenset({"stems"}),
    "/api/v1/mp4/record-info": frozenset({"video"}),
    "/api/v1/lyrics/record-info": frozenset({"lyrics"}),
}
OUTCOMES = frozenset({"success", "sensitive", "audio_failed", "never", "callback_exception"})
MALFORMED = COMMON_MALFORMED | {"no_data"}
CALLBACK_STAGES = frozenset(CALLBACK_RANK)
CALLBACK_TICK = 0.1  # seconds between real-time flushes while callbacks are still to come
CALLBACK_TIMEOUT = 15.0  # kie waits this long for the receiver's answer


class KieEmulator(PumpedEmulator):
    """kie.ai on a loopback port. Script faults before a call; inspect counters after.

    Scripting: ``plan(outcome)`` decides the next task made by any create
    endpoint (queued: call again for the one after); ``fail_submit`` and
    ``fail_record_info`` answer an error code on a given path (default:
    generate and its record-info); ``fail_requests``, ``delay_requests``,
    ``hold_answers`` and ``malformed_next`` come from the shared base;
    ``malformed_next("no_data")`` sends the envelope without ``data``.
    ``submit_limit=(n, seconds)`` enforces kie's rate rule: a create call beyond
    ``n`` accepted ones in any ``seconds`` is answered body code 429 (HTTP 200, as
    kie's other body codes) and makes nothing; ``rate_limited`` counts those.

    Inspection: ``submits`` holds the accepted ``/generate`` bodies, and
    ``calls(path)`` the accepted bodies of any create endpoint (or of
    get-timestamped-lyrics), in order; ``task_ids()`` every task made, of any
    kind; ``track_ids(task_id)`` a song task's two audio ids and
    ``submitted_track_ids(n)`` those of the task ``submits[n]`` made; ``polls``
    counts record-info looks per task id, ``hits`` requests per path.

    ``generation_seconds`` is read at each create call, so changing it affects
    later tasks only (a lyrics task takes 30% of it, a song's text stage); so
    is ``track_durations`` (an extension is ``kie_tasks.EXTENSION_SECONDS``
    longer than its source). ``clock`` (default ``time.time``) drives every
    stage decision and ``completed_at``. Follow-ups (extend, WAV, stems,
    video, timestamped lyrics) need a finished track the emulator made.

    Callbacks go only to loopback ``callBackUrl``s. ``callbacks_enabled``,
    ``skip_callback_stages`` and ``stall_callbacks_after`` are read at each
    create call like ``generation_seconds``; ``webhook_secret`` (signing) at
    each send. A background task flushes due callbacks every ``CALLBACK_TICK``
    in real time; with a fake clock, call ``flush_callbacks`` after moving it.
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
        submit_limit: tuple[int, float] | None = None,
    ) -> None:
        super().__init__(api_key=api_key, generation_seconds=generation_seconds, clock=clock)
        # The vendor's rule: at most this many create calls per this many seconds
        # per account (kie: 20 per 10 s); the excess is answered 429, not queued.
        # None (the default) enforces no limit.
        self.submit_limit = submit_limit
        self.rate_limited = 0  # create calls answered 429 by submit_limit
        self.created_times: list[float] = []  # when each accepted create call came, in order
        self._accepted_at: collections.deque[float] = collections.deque()
        self.webhook_secret = webhook_secret
        self.callbacks_enabled = callbacks_enabled
        self.skip_callback_stages: set[str] = set(skip_callback_stages)
        self.stall_callbacks_after = stall_callbacks_after
        _check_stages([*self.skip_callback_stages, *filter(None, [stall_callbacks_after])])
        self.callbacks_sent: list[tuple[str, dict[str, str], bytes]] = []  # url, headers, body
        self.callback_errors: list[str] = []  # deliveries the receiver failed or refused
        self.track_durations: tuple[float, float] = (2.0, 2.04)  # match audio_bytes roughly
        self.credits: float = 1000.0
        self.credits_per_task: float = 0.0  # what each created task takes from ``credits``
        self.audio_url_suffix = ""  # what new songs' audio URLs end with (see Task)
        # Where new songs' stream URLs point: an https base makes links the bot may
        # show members (it never fetches a stream); empty: this emulator's /stream/.
        self.stream_base = ""
        self.draft_verse = ""  # what written lyrics' verse says (default: the theme)
        self.boosted_style = ""  # what a style boost answers (default: the input, and more)
        self._book = TaskBook(lambda: self.clock())  # tests may swap the clock later
        self._tasks = self._book.tasks
        self._calls: collections.defaultdict[str, list[dict[str, Any]]] = collections.defaultdict(
            list
        )
        self._plans: collections.deque[tuple[str, int | None, str]] = collections.deque()
        self._post_faults: collections.defaultdict[str, FaultQueue[Answer]] = (
            collections.defaultdict(FaultQueue)
        )
        self._record_faults: collections.defaultdict[str, FaultQueue[Answer]] = (
            collections.defaultdict(FaultQueue)
        )

    def _add_routes(self, router: web.UrlDispatcher) -> None:
        for path in CREATE_KINDS:
            router.add_post(path, self._create)
        router.add_post(TIMED_LYRICS, self._timed_lyrics)
        router.add_post(BOOST_STYLE, self._boost_style)
        for path in RECORD_KINDS:
            router.add_get(path, self._record_info)
        router.add_get(CREDIT, self._credit)
        router.add_get("/stream/{task_id}/{index}", self._stream)

    # -- scripting -------------------------------------------------------------

    def plan(
        self,
        outcome: str,
        *,
        error_code: int | None = 531,
        error_message: str = "Generation failed, credits have been refunded.",
    ) -> None:
        """Outcome of the next task any create endpoint makes (queued: call again for the next).

        A failed WAV, stems, video or lyrics task reports its kind's own
        ``GENERATE_*_FAILED``; ``sensitive`` is ``SENSITIVE_WORD_ERROR`` for every kind.
        """
        if outcome not in OUTCOMES:
            raise ValueError(f"unknown outcome {outcome!r}; known: {sorted(OUTCOMES)}")
        self._plans.append((outcome, error_code, error_message))

    def fail_submit(
        self,
        code: int,
        msg: str = "error",
        *,
        http_status: int = 200,
        count: int = 1,
        path: str = GENERATE,
    ) -> None:
        """The next ``count`` POSTs to ``path`` answer ``code`` (in a 200 body, or that status).

        ``path`` is any create endpoint or get-timestamped-lyrics.
        """
        answer = functools.partial(_envelope, code or http_status, msg, None, http_status)
        self._post_faults[path].add(answer, count=count)

    def fail_credit(self, code: int, msg: str = "error", *, http_status: int = 200) -> None:
        """The next credit balance query answers ``code`` (in a 200 body, or that status)."""
        answer = functools.partial(_envelope, code or http_status, msg, None, http_status)
        self._record_faults[CREDIT].add(answer, count=1)

    def fail_record_info(
        self,
        code: int,
        msg: str = "error",
        *,
        http_status: int = 200,
        count: int = 1,
        path: str = RECORD,
    ) -> None:
        """Like ``fail_submit``, for the next ``count`` polls of the record-info at ``path``."""
        answer = functools.partial(_envelope, code or http_status, msg, None, http_status)
        self._record_faults[path].add(answer, count=count)

    # -- inspection ------------------------------------------------------------

    def task_ids(self) -> list[str]:
        return list(self._tasks)

    def calls(self, path: str) -> list[dict[str, Any]]:
        """The bodies ``path`` accepted (made a task, or was answered), oldest first."""
        return list(self._calls.get(path, []))

    def track_ids(self, task_id: str) -> tuple[str, str]:
        """The two audio ids of a song, extension or cover task."""
        return self._tasks[task_id].track_ids

    def submitted_track_ids(self, index: int) -> tuple[str, str]:
        """The audio ids of the task that ``submits[index]`` made."""
        made = [task for task in self._tasks.values() if task.kind == "generate"]
        return made[index].track_ids

    # -- dialect errors --------------------------------------------------------

    def _http_error(self, status: int, headers: dict[str, str]) -> web.Response:
        return _envelope(status, f"HTTP {status}", None, status, headers)

    def _unauthorized(self) -> web.Response:
        return _envelope(401, "You do not have access permissions", None, 401)

    def _spoiled(self, kind: str, raw: bytes, status: int) -> web.Response:
        assert kind == "no_data"
        return web.json_response({"code": 200, "msg": "success"})

    # -- API -------------------------------------------------------------------

    async def _create(self, request: web.Request) -> web.StreamResponse:
        fault = self._post_faults[request.path].take()
        if fault is not None:
            return fault()
        if self._over_limit():
            self.rate_limited += 1
            return _envelope(429, "The request rate is too high; please try again later.", None)
        try:
            body = check_create(await _json(request))
            task = self._new_task(request.path, body)
        except Refused as no:
            return _envelope(no.code, no.msg, None)
        self.credits -= self.credits_per_task
        return _envelope(200, "success", {"taskId": task.task_id})

    def _over_limit(self) -> bool:
        """True when ``submit_limit`` create calls were accepted in the last window."""
        if self.submit_limit is None:
            return False
        limit, period = self.submit_limit
        now = self.clock()
        while self._accepted_at and self._accepted_at[0] <= now - period:
            self._accepted_at.popleft()
        return len(self._accepted_at) >= limit

    async def _timed_lyrics(self, request: web.Request) -> web.StreamResponse:
        """Answered at once: the track's lyrics, each word given a slice of its duration."""
        fault = self._post_faults[request.path].take()
        if fault is not None:
            return fault()
        try:
            body = check_object(await _json(request))
            check_track_call(body, request.path)
            task, n = self._book.finished_track(body["taskId"], body["audioId"])
        except Refused as no:
            return _envelope(no.code, no.msg, None)
        self._calls[request.path].append(body)
        words = timed_words(task.lyrics, task.durations[n])
        data = {"alignedWords": words, "waveformData": [0, 1, 0.5], "hootCer": 0.1}
        return _envelope(200, "success", {**data, "isStreamed": False})

    async def _boost_style(self, request: web.Request) -> web.StreamResponse:
        """Answered at once, as kie does: the short style with production words added."""
        fault = self._post_faults[request.path].take()
        if fault is not None:
            return fault()
        try:
            content = check_boost(await _json(request))
        except Refused as no:
            return _envelope(no.code, no.msg, None)
        self._calls[request.path].append({"content": content})
        result = self.boosted_style or f"{content}, emulated warmth, crisp mix, wide stereo"
        return _envelope(200, "success", {"taskId": uuid.uuid4().hex, "result": result})

    async def _record_info(self, request: web.Request) -> web.StreamResponse:
        fault = self._record_faults[request.path].take()
        if fault is not None:
            return fault()
        task_id = request.query.get("taskId", "")
        if not task_id:
            return _envelope(422, "taskId cannot be empty", None)
        self.polls[task_id] += 1
        task = self._tasks.get(task_id)
        if task is None or task.kind not in RECORD_KINDS[request.path]:
            # The real vendor's answer for an unknown id is undocumented; a guess.
            return _envelope(404, "task not found", None)
        return _envelope(200, "success", record(task, self._book.stage(task), self.base_url))

    async def _credit(self, request: web.Request) -> web.StreamResponse:
        fault = self._record_faults[CREDIT].take()
        if fault is not None:
            return fault()
        return _envelope(200, "success", self.credits)

    def _new_task(self, path: str, body: dict[str, Any]) -> Task:
        """Check ``body`` for its endpoint, then make its task with the next planned outcome."""
        kind = CREATE_KINDS[path]
        # Raises Refused before any plan is used up.
        facts = self._book.facts(kind, path, body, self.track_durations)
        if kind == "lyrics" and self.draft_verse:
            facts["lyrics"] = self.draft_verse
        outcome, error_code, error_message = (
            self._plans.popleft() if self._plans else ("success", None, "")
        )
        task = Task(
            task_id=uuid.uuid4().hex,
            kind=kind,
            body=body,
            submitted=self.clock(),
            generation_seconds=self.generation_seconds,
            outcome=outcome,
            error_code=error_code,
            error_message=error_message,
            audio_url_suffix=self.audio_url_suffix,
            stream_base=self.stream_base,
            **facts,
        )
        self._book.add(task)
        self._accepted_at.append(task.submitted)  # only accepted calls use up the window
        self.created_times.append(task.submitted)
        self._calls[path].append(body)
        if kind == "generate":
            self.submits.append(body)
        if task.makes_output:
            self.completed_at[task.task_id] = task.ends_at
        if self._arm_callbacks(task):
            self._start_callback_pump()
        return task

    # -- callbacks -------------------------------------------------------------

    def _due_callbacks(self) -> list[Awaitable[None]]:
        batches = [(task, self._take_due_callbacks(task)) for task in self._tasks.values()]
        return [self._send_callbacks(task, due) for task, due in batches if due]

    def _arm_callbacks(self, task: Task) -> bool:
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

    def _task_callbacks_open(self, task: Task) -> bool:
        return task.callback_url is not None and any(
            name not in task.callbacks_done and not _withheld(name, task.callback_stall)
            for name, _ in callback_schedule(task)
        )

    def _take_due_callbacks(self, task: Task) -> list[str]:
        """Mark the stages due now as done; return those to send (skipped ones are not)."""
        if task.callback_url is None:
            return []
        stage = self._book.stage(task)
        due = []
        for name, at in callback_schedule(task):
            if name in task.callbacks_done or stage < at or _withheld(name, task.callback_stall):
                continue
            task.callbacks_done.add(name)
            if name not in task.callback_skip:
                due.append(name)
        return due

    async def _send_callbacks(self, task: Task, stages: list[str]) -> None:
        for name in stages:
            await self._post_callback(task, name)

    async def _post_callback(self, task: Task, name: str) -> None:
        """One delivery attempt, like the vendor's: no retry, failures only recorded."""
        assert task.callback_url is not None
        url = task.callback_url
        body = json.dumps(callback_payload(task, name, self.base_url)).encode()
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

    # -- media -----------------------------------------------------------------

    def _file_ready(self, task_id: str, stem: str, ext: str) -> bool:
        task = self._tasks.get(task_id)
        if task is None or not task.makes_output:
            return False
        needed = file_stages(task).get(f"{stem}.{ext}")
        return needed is not None and self._book.stage(task) >= needed

    def _stream_ready(self, task_id: str, index: str) -> bool:
        task = self._tasks.get(task_id)
        if task is None or task.kind not in SONG_KINDS:
            return False
        return index in ("0", "1") and self._book.stage(task) >= 2


async def _json(request: web.Request) -> Any:
    try:
        return await request.json()
    except ValueError:
        raise Refused(400, "request body is not JSON") from None


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
    return stall_after is not None and CALLBACK_RANK[name] > CALLBACK_RANK[stall_after]
