"""The HTTP receiver for vendor callbacks, inside the bot process.

Each job has its own path, ``/callbacks/<job id>/<token>``, with a random
token only the vendor learns. A callback never changes a job by itself: after
the dialect's checks (signature and freshness where it signs) it wakes the
job, whose runner confirms the state with one status fetch. The vendor gets
its 2xx at once; the work happens after.
"""

from __future__ import annotations

import asyncio
import hmac
import logging
import time
from collections.abc import Callable, Mapping

from aiohttp import web
from aiohttp.http_exceptions import HttpProcessingError

from bot.callbacks.transport import ConnectionGuard
from bot.config import CallbackSettings
from bot.errors import StorageFull
from bot.jobs.models import Job
from bot.jobs.store import JobStore
from bot.providers.base import CallbackMalformed, CallbackRejected, Provider
from bot.telemetry import counters

log = logging.getLogger(__name__)

ROUTE = "/callbacks/{job_id}/{token}"


def callback_url_for(settings: CallbackSettings, job: Job) -> str | None:
    """The callback URL a vendor gets for ``job``, or None when callbacks are off."""
    if not settings.enabled or not job.callback_token:
        return None
    return f"{settings.public_url}/callbacks/{job.id}/{job.callback_token}"


class CallbackReceiver:
    def __init__(
        self,
        settings: CallbackSettings,
        store: JobStore,
        providers: Mapping[str, Provider],
        wake: Callable[[str], None],
        *,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._settings = settings
        self._store = store
        self._providers = providers
        self._wake = wake  # the runner's: cuts a job's wait short
        self._clock = clock
        self._runner_app: web.AppRunner | None = None
        self._listener: asyncio.Server | None = None
        self.port: int | None = None

    async def start(self) -> None:
        settings = self._settings
        guard = ConnectionGuard(
            limit=settings.max_connections, header_timeout=settings.header_timeout_seconds
        )
        app = web.Application(
            client_max_size=settings.max_body_kb * 1024, middlewares=[guard.middleware]
        )
        app.router.add_post(ROUTE, self._handle)
        # A body refused early is drained no longer than one is read.
        self._runner_app = web.AppRunner(
            app, access_log=None, lingering_time=settings.body_timeout_seconds
        )
        await self._runner_app.setup()
        assert self._runner_app.server is not None  # made by setup()
        self._listener = await guard.listen(
            self._runner_app.server, settings.listen_host, settings.listen_port
        )
        # With listen_port 0 the OS picks the port; the socket knows which.
        self.port = int(self._listener.sockets[0].getsockname()[1])
        log.info("callback receiver listening on port %s", self.port)

    async def stop(self) -> None:
        if self._listener is not None:
            self._listener.close()  # no new connections; the runner ends the open ones
        if self._runner_app is not None:
            await self._runner_app.cleanup()
        if self._listener is not None:
            await self._listener.wait_closed()

    async def _handle(self, request: web.Request) -> web.Response:
        response = await self._answer(request)
        counters.callback_answered(response.status)
        return response

    async def _answer(self, request: web.Request) -> web.Response:
        try:
            body = await self._read_capped(request)
        except TimeoutError:
            return _answer(408, "body too slow")
        except (ConnectionError, HttpProcessingError, web.RequestPayloadError):
            # The client hung up or garbled the framing (which of the last two aiohttp
            # raises depends on its parser): the client's problem, not a server error.
            return _answer(400, "unreadable body")
        if body is None:
            return _answer(413, "body too large")
        try:
            return await self._accept(request, body)
        except StorageFull as exc:
            # The vendor retries a 5xx later; by then there may be space again.
            log.warning("callback not saved: %s", exc)
            return _answer(503, "cannot save right now")

    async def _accept(self, request: web.Request, body: bytes) -> web.Response:
        """Check a callback read whole against its job, and wake the job."""
        job = await self._store.get(request.match_info["job_id"])
        token = request.match_info["token"]
        # Unknown job and wrong token answer alike, so the path reveals nothing.
        if job is None or not hmac.compare_digest(job.callback_token or "", token):
            return _answer(404, "unknown callback")
        provider = self._providers.get(job.provider)
        if provider is None:
            return _answer(404, "unknown callback")
        headers = {k.lower(): v for k, v in request.headers.items()}
        try:
            event = provider.read_callback(headers, body, self._clock())
        except CallbackMalformed as exc:
            log.warning("job %s: callback refused: %s", job.id, exc)
            return _answer(400, "malformed")
        except CallbackRejected as exc:
            log.warning("job %s: callback refused: %s", job.id, exc)
            return _answer(401, "refused")
        if event.task_id and job.vendor_task_id and event.task_id != job.vendor_task_id:
            log.warning("job %s: callback names another task", job.id)
            return _answer(400, "wrong task")
        if event.event_id and not await self._store.remember_event(
            event.event_id, job.id, self._clock()
        ):
            # A vendor retrying after our answer was lost: not an error, and not news.
            log.info("job %s: callback event already accepted", job.id)
            return _answer(200, "already accepted")
        if event.task_id and job.vendor_task_id is None and job.submit_started_at is not None:
            # A crash cut the job's submit off before its answer: this names the task.
            await self._store.adopt_task(job.id, event.task_id, self._clock())
        if job.closed_at is None:
            self._wake(job.id)
        return _answer(200, "ok")

    async def _read_capped(self, request: web.Request) -> bytes | None:
        """The whole body, however it arrives (chunked, in slow pieces); None beyond the cap.

        Raises TimeoutError when it takes longer than ``body_timeout_seconds``.
        """
        cap = self._settings.max_body_kb * 1024
        if request.content_length is not None and request.content_length > cap:
            return None
        body = bytearray()
        async with asyncio.timeout(self._settings.body_timeout_seconds):
            # read(n) returns what has arrived so far: loop until the end or the cap.
            while chunk := await request.content.read(cap + 1 - len(body)):
                body += chunk
                if len(body) > cap:
                    return None
        return bytes(body)


def _answer(status: int, text: str) -> web.Response:
    return web.json_response({"status": text}, status=status)
