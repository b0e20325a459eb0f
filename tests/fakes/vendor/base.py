"""``VendorEmulator``: an aiohttp server on 127.0.0.1 with the plumbing all vendors share.

A subclass adds its dialect through the hooks at the bottom of the class: its
API routes, its error bodies, which media exist yet, and its own spoiled-body
kinds. Everything a test scripts or inspects in common lives here.
"""

from __future__ import annotations

import abc
import asyncio
import collections
import contextlib
import math
from collections.abc import AsyncIterator, Awaitable, Callable, Coroutine
from typing import Any, ClassVar
from urllib.parse import urlsplit

import aiohttp
from aiohttp import web

from tests.fakes.vendor.faults import FaultQueue, HttpFault, gateway_page, spoil
from tests.fakes.vendor.media import (
    MEDIA_TYPES,
    chunked,
    cover_png,
    dripped,
    sine_mp3,
    sine_wav,
    stub_mp4,
)

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
_LOOPBACK_HOSTS = frozenset({"127.0.0.1", "localhost", "::1"})
# How callback bodies are written: at once, or in pieces a few ms apart as real
# networks and reverse proxies deliver them (with chunked transfer-encoding, or
# with a Content-Length and several TCP writes).
CALLBACK_DELIVERIES = frozenset({"whole", "chunked", "trickle"})
_PIECE_BYTES = 64
_PIECE_GAP_SECONDS = 0.003


class VendorEmulator(abc.ABC):
    """A vendor on a loopback port. Script faults before a call; inspect counters after.

    ``generation_seconds`` is read at each submit, so changing it affects later
    tasks only. ``clock`` (default ``time.time``) drives every stage decision.
    """

    API_PREFIX: ClassVar[str]  # requests under it need the key and may be spoiled
    MALFORMED: ClassVar[frozenset[str]]  # kinds malformed_next accepts
    CALLBACK_TIMEOUT: ClassVar[float]  # how long the vendor waits for a receiver
    # Whether a spoiled answer keeps the handler's HTTP status (else it is 200).
    SPOIL_KEEPS_STATUS: ClassVar[bool] = False

    def __init__(
        self, *, api_key: str, generation_seconds: float, clock: Callable[[], float]
    ) -> None:
        self.api_key = api_key
        self.generation_seconds = generation_seconds
        self.clock = clock  # tests may pass a fake clock to step through stages
        self.base_url = ""
        self.audio_bytes: bytes = sine_mp3()
        self.image_bytes: bytes = cover_png()
        self.wav_bytes: bytes = sine_wav()  # for dialects that convert tracks to WAV
        self.video_bytes: bytes = stub_mp4()  # for dialects that make music videos
        self.chunked_media = False  # serve media without Content-Length
        self.callback_delivery = "whole"  # one of CALLBACK_DELIVERIES
        self.callback_statuses: list[int | None] = []  # receiver's answer per attempt, None: none
        self.submits: list[dict[str, Any]] = []
        self.polls: collections.Counter[str] = collections.Counter()
        self.completed_at: dict[str, float] = {}  # task id -> when it turns terminal
        self.downloads: collections.Counter[str] = collections.Counter()
        self.download_headers: list[dict[str, str]] = []  # headers of every media GET
        self.hits: collections.Counter[str] = collections.Counter()  # path -> requests seen
        self._request_faults: FaultQueue[HttpFault] = FaultQueue()
        self._delays: FaultQueue[float] = FaultQueue()  # seconds to hold the answer back
        self._drips: FaultQueue[float] = FaultQueue()  # seconds between bytes of a media answer
        self._malformed: collections.deque[str] = collections.deque()
        self._background: set[asyncio.Task[None]] = set()  # callback senders, cancelled on stop
        self._session: aiohttp.ClientSession | None = None  # for callbacks, made on first use
        self._runner: web.AppRunner | None = None

    # -- lifecycle -------------------------------------------------------------

    async def start(self) -> None:
        app = web.Application(middlewares=[self._fault_mw, self._auth_mw, self._malformed_mw])
        self._add_routes(app.router)
        app.router.add_get("/files/{task_id}/{name}", self._file)
        # A short shutdown: a deliberately slow answer must not hold up stop().
        self._runner = web.AppRunner(app, access_log=None, shutdown_timeout=0.2)
        await self._runner.setup()
        await web.TCPSite(self._runner, "127.0.0.1", 0).start()
        self.base_url = f"http://127.0.0.1:{self._runner.addresses[0][1]}"

    async def stop(self) -> None:
        pending = list(self._background)
        for task in pending:
            task.cancel()
        for task in pending:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None
        if self._session is not None:
            await self._session.close()
            self._session = None

    # -- scripting -------------------------------------------------------------

    def fail_requests(
        self,
        status: int,
        *,
        count: int,
        retry_after: float | str | None = None,
        path_prefix: str | None = None,
        html: bool = False,
    ) -> None:
        """The next ``count`` requests under ``path_prefix`` (default: the API) get ``status``.

        ``retry_after`` may be seconds or a preformatted HTTP date; ``html``
        answers the way a gateway does, with an HTML page instead of the
        vendor's error body.
        """
        prefix = self.API_PREFIX if path_prefix is None else path_prefix
        fault = HttpFault(status, retry_after, html)
        self._request_faults.add(fault, count=count, path_prefix=prefix)

    def delay_requests(
        self, seconds: float, *, count: int = 1, path_prefix: str | None = None
    ) -> None:
        """The next ``count`` requests are processed at once but answered ``seconds`` later."""
        prefix = self.API_PREFIX if path_prefix is None else path_prefix
        self._delays.add(seconds, count=count, path_prefix=prefix)

    def drip_media(self, interval: float, *, count: int, path_prefix: str = "/files/") -> None:
        """The next ``count`` media answers under ``path_prefix`` send a byte every ``interval`` s.

        ``path_prefix`` may name one task's files (``/files/<task id>/``).
        """
        self._drips.add(interval, count=count, path_prefix=path_prefix)

    def hold_answers(self, *, count: int = 1, path_prefix: str | None = None) -> None:
        """The next ``count`` requests are processed but never answered.

        A create call makes (and charges) its task; the caller waits for an
        answer until it gives up or dies, as on a network that lost it.
        """
        self.delay_requests(math.inf, count=count, path_prefix=path_prefix)

    def malformed_next(self, kind: str) -> None:
        """Spoil the next API answer (after it was processed, as a broken proxy would).

        ``not_json``: an HTML page; ``truncated``: the JSON cut in half;
        ``disconnect``: the connection drops half-way through the declared body;
        the dialect's own kinds are described on its class.
        """
        if kind not in self.MALFORMED:
            raise ValueError(f"unknown kind {kind!r}; known: {sorted(self.MALFORMED)}")
        self._malformed.append(kind)

    # -- middlewares -----------------------------------------------------------

    @web.middleware
    async def _fault_mw(self, request: web.Request, handler: Handler) -> web.StreamResponse:
        self.hits[request.path] += 1
        fault = self._request_faults.take(request.path)
        if fault is not None:
            headers = {}
            if fault.retry_after is not None:
                headers["Retry-After"] = str(fault.retry_after)
            if fault.html:
                return gateway_page(fault.status, headers)
            return self._http_error(fault.status, headers)
        delay = self._delays.take(request.path)
        response = await handler(request)
        if delay is not None:
            await asyncio.sleep(delay)
        return response

    @web.middleware
    async def _auth_mw(self, request: web.Request, handler: Handler) -> web.StreamResponse:
        if request.path.startswith(self.API_PREFIX) and not self._authorized(request):
            return self._unauthorized()
        return await handler(request)

    @web.middleware
    async def _malformed_mw(self, request: web.Request, handler: Handler) -> web.StreamResponse:
        response = await handler(request)
        if not request.path.startswith(self.API_PREFIX) or not self._malformed:
            return response
        kind = self._malformed.popleft()
        body = response.body if isinstance(response, web.Response) else b""
        raw = body if isinstance(body, bytes) else b""
        status = response.status if self.SPOIL_KEEPS_STATUS else 200
        if kind in ("not_json", "truncated", "disconnect"):
            return await spoil(request, kind, raw, status)
        return self._spoiled(kind, raw, status)

    def _authorized(self, request: web.Request) -> bool:
        return request.headers.get("Authorization") == f"Bearer {self.api_key}"

    # -- media -----------------------------------------------------------------

    async def _file(self, request: web.Request) -> web.StreamResponse:
        stem, _, ext = request.match_info["name"].partition(".")
        if ext not in MEDIA_TYPES or not self._file_ready(request.match_info["task_id"], stem, ext):
            raise web.HTTPNotFound()
        data = {
            "mp3": self.audio_bytes,
            "png": self.image_bytes,
            "wav": self.wav_bytes,
            "mp4": self.video_bytes,
        }[ext]
        return await self._media(request, data, MEDIA_TYPES[ext])

    async def _stream(self, request: web.Request) -> web.StreamResponse:
        """The live audio stream, for dialects that route ``/stream/{task_id}/{index}`` here."""
        if not self._stream_ready(request.match_info["task_id"], request.match_info["index"]):
            raise web.HTTPNotFound()
        return await self._media(request, self.audio_bytes, MEDIA_TYPES["mp3"])

    async def _media(self, request: web.Request, data: bytes, kind: str) -> web.StreamResponse:
        self.downloads[request.path] += 1
        self.download_headers.append(dict(request.headers))
        interval = self._drips.take(request.path)
        if interval is not None:
            return await dripped(request, data, kind, interval)
        if self.chunked_media:
            return await chunked(request, data, kind)
        return web.Response(body=data, content_type=kind)

    # -- callbacks -------------------------------------------------------------

    def _spawn(self, work: Coroutine[Any, Any, None]) -> asyncio.Task[None]:
        """Run callback work in the background; stop() cancels whatever is still running."""
        task = asyncio.get_running_loop().create_task(work)
        self._background.add(task)
        task.add_done_callback(self._background.discard)
        return task

    async def callbacks_idle(self, seconds: float = 5.0) -> None:
        """Wait until every callback due was delivered or given up on.

        Only tasks whose end the clock has passed can finish: with a fake clock,
        advance it first.
        """
        async with asyncio.timeout(seconds):
            while self._background:
                await asyncio.gather(*self._background)

    async def _post(self, url: str, body: bytes, headers: dict[str, str]) -> int | Exception:
        """One delivery attempt: the receiver's HTTP status, or the error that stopped it."""
        if self._session is None:
            timeout = aiohttp.ClientTimeout(total=self.CALLBACK_TIMEOUT)
            self._session = aiohttp.ClientSession(timeout=timeout)
        if self.callback_delivery not in CALLBACK_DELIVERIES:
            raise ValueError(f"unknown callback_delivery {self.callback_delivery!r}")
        data: bytes | AsyncIterator[bytes] = body
        if self.callback_delivery != "whole":
            data = _in_pieces(body)  # aiohttp sends an iterator chunked...
        if self.callback_delivery == "trickle":
            headers = {**headers, "Content-Length": str(len(body))}  # ...unless its length is set
        try:
            async with self._session.post(url, data=data, headers=headers) as response:
                await response.read()
                self.callback_statuses.append(response.status)
                return response.status
        except (aiohttp.ClientError, OSError) as exc:  # OSError covers TimeoutError
            self.callback_statuses.append(None)
            return exc

    # -- dialect hooks ---------------------------------------------------------

    @abc.abstractmethod
    def _add_routes(self, router: web.UrlDispatcher) -> None:
        """Register the API routes (and ``/stream`` if the vendor has it)."""

    @abc.abstractmethod
    def _http_error(self, status: int, headers: dict[str, str]) -> web.Response:
        """The vendor's JSON body for a scripted HTTP ``status`` (see ``fail_requests``)."""

    @abc.abstractmethod
    def _unauthorized(self) -> web.Response:
        """The vendor's answer to a missing or wrong key."""

    @abc.abstractmethod
    def _spoiled(self, kind: str, raw: bytes, status: int) -> web.Response:
        """A spoiled answer of one of the dialect's own ``MALFORMED`` kinds."""

    @abc.abstractmethod
    def _file_ready(self, task_id: str, stem: str, ext: str) -> bool:
        """Whether ``/files/{task_id}/{stem}.{ext}`` exists yet."""

    def _stream_ready(self, task_id: str, index: str) -> bool:
        """Whether ``/stream/{task_id}/{index}`` can be played yet."""
        return False


async def _in_pieces(body: bytes) -> AsyncIterator[bytes]:
    for start in range(0, len(body), _PIECE_BYTES):
        if start:
            await asyncio.sleep(_PIECE_GAP_SECONDS)
        yield body[start : start + _PIECE_BYTES]


def loopback(url: str) -> bool:
    """Only loopback receivers get callbacks: tests must never reach out of the machine."""
    try:
        parts = urlsplit(url)
        return parts.scheme in ("http", "https") and parts.hostname in _LOOPBACK_HOSTS
    except ValueError:
        return False
