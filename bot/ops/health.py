"""The health and metrics endpoint: ``/healthz`` for supervisors, ``/metrics`` for Prometheus.

Off unless ``[health] enabled`` (or ``BOT_HEALTH_PORT``); on a port of its own,
apart from the callback receiver, since it should not face the internet.
``/healthz`` answers 200 only when the bot is on the Discord Gateway, can write
its database and has a provider that takes work; else 503, with what is wrong
in a small JSON body (no secret: states and reasons only).
"""

from __future__ import annotations

import asyncio
import logging
import socket
import sqlite3
import time
from collections.abc import Sequence
from typing import Any

import discord
from aiohttp import web
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from bot.config import HealthSettings
from bot.errors import StartupError, StorageFull
from bot.jobs.pacing import Pacing
from bot.jobs.store import JobStore
from bot.ops.metrics import JobCensusCollector
from bot.telemetry import counters, provider_status

log = logging.getLogger(__name__)

OK = "ok"
# A database write that takes longer than this is as good as none (SQLite waits
# up to its busy_timeout, 5 s, for a lock another process holds).
PROBE_TIMEOUT = 10.0


class HealthServer:
    def __init__(
        self,
        settings: HealthSettings,
        client: discord.Client,
        store: JobStore,
        providers: Sequence[str],
        pacing: Pacing,
    ) -> None:
        self._settings = settings
        self._client = client
        self._store = store
        self._providers = list(providers)
        self._pacing = pacing
        self._census = JobCensusCollector(self._providers)
        self._probing = asyncio.Lock()  # one write probe at a time, however many checks come
        self._runner: web.AppRunner | None = None
        self.port: int | None = None

    async def start(self) -> None:
        host, port = self._settings.listen_host, self._settings.listen_port
        try:
            sock = socket.create_server((host, port))
        except OSError as exc:
            raise StartupError(
                f"Cannot serve health checks on {host}:{port} ({exc.strerror or exc}):"
                " choose a free port with [health] listen_port (or BOT_HEALTH_PORT)."
            ) from exc
        app = web.Application()
        app.router.add_get("/healthz", self._healthz)
        app.router.add_get("/metrics", self._metrics)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        await web.SockSite(self._runner, sock).start()
        counters.REGISTRY.register(self._census)
        # With listen_port 0 the OS picks the port; the socket knows which.
        self.port = int(sock.getsockname()[1])
        log.info("health endpoint listening on port %s (/healthz, /metrics)", self.port)

    async def stop(self) -> None:
        if self._runner is None:
            return
        await self._runner.cleanup()
        self._runner = None
        counters.REGISTRY.unregister(self._census)

    async def checks(self) -> dict[str, Any]:
        """Each check's answer: "ok", or what is wrong (providers: one answer each)."""
        return {
            "discord": gateway_problem(self._client) or OK,
            "database": await self._database_problem() or OK,
            "providers": {name: self._provider_problem(name) or OK for name in self._providers},
        }

    async def _healthz(self, request: web.Request) -> web.Response:
        checks = await self.checks()
        healthy = (
            checks["discord"] == OK
            and checks["database"] == OK
            and OK in checks["providers"].values()
        )
        body = {"status": "healthy" if healthy else "unhealthy", **checks}
        return web.json_response(body, status=200 if healthy else 503)

    async def _metrics(self, request: web.Request) -> web.Response:
        try:
            self._census.use(await self._store.census())
        except sqlite3.Error as exc:
            log.warning("metrics: cannot count the jobs (%s); their gauges are left out", exc)
            self._census.use(())
        return web.Response(
            body=generate_latest(counters.REGISTRY), headers={"Content-Type": CONTENT_TYPE_LATEST}
        )

    async def _database_problem(self) -> str | None:
        async with self._probing:
            try:
                async with asyncio.timeout(PROBE_TIMEOUT):
                    await self._store.probe_write(time.time())
            except StorageFull:
                return "cannot be written: the disk is full"
            except sqlite3.Error as exc:
                return f"cannot be written: {exc}"  # SQLite's own words, e.g. "database is locked"
            except TimeoutError:
                return f"cannot be written: no answer within {PROBE_TIMEOUT:g} s"
        return None

    def _provider_problem(self, name: str) -> str | None:
        paused = self._pacing.of(name).paused_for()
        if paused > 0:
            return f"rate limited: no submit for {paused:.0f} s"
        refusal = provider_status.refusal(name)
        if refusal is not None:
            return f"refused its last submit: {refusal.value}"
        return None


def gateway_problem(client: discord.Client) -> str | None:
    """Why the bot is not on the Discord Gateway now, or None when it is."""
    if client.is_closed():
        return "closed: the bot is shutting down"
    if not client.is_ready():
        return "not connected to the Gateway yet"
    # Between a drop and the reconnect discord.py keeps the old, closed socket.
    if client.ws is None or not client.ws.open:
        return "disconnected from the Gateway (reconnecting)"
    return None
