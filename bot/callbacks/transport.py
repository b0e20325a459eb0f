"""The callback receiver's connections: how many may be open, and how long headers may take.

aiohttp's server has neither a connection limit nor a header read timeout (its
keep-alive timer, where it covers a silent client at all, defaults to an hour),
so clients that open connections and send half a request would hold sockets
until the process runs out of file descriptors. ``ConnectionGuard`` is the
protocol factory the receiver listens with. It wraps each of aiohttp's own
request handlers rather than watching the runner's connections on a timer:
the wrapper sees exactly the two moments that matter, a connection opening
(refused at once beyond the limit) and closing (counted exactly, so no
accept burst overshoots the limit), and one timer per connection cuts it off
unless its request's headers were complete in time. It uses only aiohttp's
public interfaces: ``Server.__call__``, ``Request.protocol`` and
``RequestHandler.force_close``.

Each connection carries one request (answers say ``Connection: close``), so
the header deadline counted from the connection's opening covers its only
request; the body's deadline is the handler's (see ``receiver.py``). Vendors
open a connection per callback anyway.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from aiohttp import web

log = logging.getLogger(__name__)


class ConnectionGuard:
    """Listens with guarded aiohttp handlers; ``middleware`` must be on the app."""

    def __init__(self, *, limit: int, header_timeout: float) -> None:
        self._server: web.Server | None = None  # the runner's, once it is set up
        self._limit = limit
        self._header_timeout = header_timeout
        self._open: set[_GuardedConnection] = set()
        # Handlers whose request's headers are not complete yet, with their deadline.
        self._awaiting_headers: dict[web.RequestHandler, asyncio.TimerHandle] = {}
        self._refusing = False  # for one warning per stretch at the limit, not one per refusal

    async def listen(self, server: web.Server, host: str, port: int) -> asyncio.Server:
        """Listen on ``host``:``port`` with ``server``'s handlers (an AppRunner's, set up)."""
        self._server = server
        loop = asyncio.get_running_loop()
        return await loop.create_server(lambda: _GuardedConnection(self), host, port)

    @web.middleware
    async def middleware(self, request: web.Request, handler: Any) -> web.StreamResponse:
        """Mark the headers as complete, and close the connection after the answer."""
        deadline = self._awaiting_headers.pop(request.protocol, None)
        if deadline is not None:
            deadline.cancel()
        try:
            response: web.StreamResponse = await handler(request)
        except web.HTTPException as exc:  # aiohttp's own 404 and 405 are answers too
            exc.force_close()
            raise
        response.force_close()
        return response

    def admit(self, connection: _GuardedConnection) -> web.RequestHandler | None:
        """A handler for a new connection, or None when the limit is reached."""
        if len(self._open) >= self._limit:
            if not self._refusing:
                self._refusing = True
                log.warning(
                    "callback receiver: %d connections open, closing new ones until some end",
                    self._limit,
                )
            return None
        self._refusing = False
        self._open.add(connection)
        assert self._server is not None  # listen() set it before any connection
        handler = self._server()
        loop = asyncio.get_running_loop()
        self._awaiting_headers[handler] = loop.call_later(
            self._header_timeout, self._headers_late, handler
        )
        return handler

    def release(self, connection: _GuardedConnection, handler: web.RequestHandler) -> None:
        self._open.discard(connection)
        deadline = self._awaiting_headers.pop(handler, None)
        if deadline is not None:
            deadline.cancel()

    def _headers_late(self, handler: web.RequestHandler) -> None:
        if self._awaiting_headers.pop(handler, None) is not None:
            log.debug("callback receiver: headers not complete in time, connection closed")
            handler.force_close()


class _GuardedConnection(asyncio.Protocol):
    """One connection: aiohttp's handler inside, admitted or refused by the guard."""

    def __init__(self, guard: ConnectionGuard) -> None:
        self._guard = guard
        self._handler: web.RequestHandler | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self._handler = self._guard.admit(self)
        if self._handler is None:
            transport.close()
        else:
            self._handler.connection_made(transport)

    def connection_lost(self, exc: Exception | None) -> None:
        if self._handler is not None:
            self._guard.release(self, self._handler)
            self._handler.connection_lost(exc)

    # Everything else goes to aiohttp's handler as it is.

    def data_received(self, data: bytes) -> None:
        if self._handler is not None:
            self._handler.data_received(data)

    def eof_received(self) -> None:
        # aiohttp's handler keeps nothing open on a half-close: the transport closes.
        if self._handler is not None:
            self._handler.eof_received()

    def pause_writing(self) -> None:
        if self._handler is not None:
            self._handler.pause_writing()

    def resume_writing(self) -> None:
        if self._handler is not None:
            self._handler.resume_writing()
