"""A Discord that accepts connections and never answers, as behind a black-holing proxy."""

from __future__ import annotations

import asyncio


class SilentDiscord:
    """Accepts every TCP connection on 127.0.0.1, reads what the client sends, answers nothing.

    Point both ``api_base`` and ``gateway_url`` at it: a client that does not bound its
    requests waits for ever (aiohttp's default is 300 s per request).
    """

    def __init__(self) -> None:
        self.connections = 0
        self._writers: set[asyncio.StreamWriter] = set()
        self._server: asyncio.Server | None = None
        self._port = 0

    async def start(self) -> None:
        self._server = await asyncio.start_server(self._swallow, "127.0.0.1", 0)
        self._port = self._server.sockets[0].getsockname()[1]

    async def stop(self) -> None:
        if self._server is not None:
            self._server.close()
            for writer in self._writers:
                writer.close()
            await self._server.wait_closed()
            self._server = None

    @property
    def api_base(self) -> str:
        return f"http://127.0.0.1:{self._port}/api/v10"

    @property
    def gateway_url(self) -> str:
        return f"ws://127.0.0.1:{self._port}/gateway"

    async def _swallow(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.connections += 1
        self._writers.add(writer)
        try:
            while await reader.read(65536):
                pass
        finally:
            self._writers.discard(writer)
            writer.close()
