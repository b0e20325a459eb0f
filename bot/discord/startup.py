"""Reaching Discord at start-up: every request bounded, 5xx ridden out, failures in one sentence.

discord.py waits up to 300 s for an answer (aiohttp's default), retries only
500/502/504/524 by itself, and on a 503 at login raises with a traceback. A bot
that cannot start should say so quickly, in words, and exit: its supervisor then
restarts it or an admin reads why.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from typing import Any
from urllib.parse import urlsplit

import aiohttp
import discord
from discord.http import HTTPClient, Route

from bot.config import DiscordSettings
from bot.errors import StartupError

log = logging.getLogger(__name__)

# A request Discord answered with a 5xx discord.py does not retry is tried this many
# times in all, waiting 1, 2, 4 s in between: a short blip passes, an outage ends start-up.
_ATTEMPTS = 4
_FIRST_BACKOFF = 1.0
_RETRIED_BY_DISCORD_PY = frozenset({500, 502, 504, 524})
# Repeating these cannot do anything twice; a message create (POST) could.
_IDEMPOTENT = frozenset({"GET", "HEAD", "PUT", "PATCH", "DELETE"})


async def start(bot: discord.Client, token: str, settings: DiscordSettings) -> None:
    """Log in (which syncs commands and resumes jobs), reach the Gateway, then run until closed.

    Raises ``StartupError`` when Discord does not answer in time or keeps failing.
    """
    timeout = settings.connect_timeout_seconds
    try:
        with _patient_requests(bot.http, timeout):
            await bot.login(token)
            gateway = asyncio.create_task(bot.connect(), name="discord-gateway")
            await _until_ready(bot, gateway, timeout)
    except TimeoutError as exc:
        raise StartupError(
            f"Discord ({urlsplit(settings.api_base).netloc}) did not answer within {timeout:g} s"
            " while the bot was starting; check the network and discord.api_base"
            " (discord.connect_timeout_seconds sets the wait)."
        ) from exc
    except discord.DiscordServerError as exc:
        raise StartupError(
            f"Discord kept answering {exc.status} ({_reason(exc)}) while the bot was starting;"
            " Discord is having trouble, start the bot again later."
        ) from exc
    await gateway


async def _until_ready(bot: discord.Client, gateway: asyncio.Task[None], seconds: float) -> None:
    """Wait for the Gateway's READY; discord.py alone would retry a silent Gateway for ever."""
    ready = asyncio.create_task(bot.wait_until_ready())
    done, _ = await asyncio.wait({ready, gateway}, timeout=seconds, return_when="FIRST_COMPLETED")
    if ready in done:
        return
    ready.cancel()
    if gateway in done:
        gateway.result()  # its failure (a refused intent, a closed bot) is the answer
        return
    gateway.cancel()
    await bot.close()
    raise TimeoutError("no READY from the Gateway")


@contextmanager
def _patient_requests(http: HTTPClient, timeout: float) -> Iterator[None]:
    """While the bot starts, bound each request and retry a 5xx discord.py gives up on.

    discord.py offers no hook for either, so its request method is wrapped for the
    duration; uploads (a resumed job's result) keep its own limits.
    """
    original: Callable[..., Awaitable[Any]] = http.request
    bound = aiohttp.ClientTimeout(total=timeout)

    async def request(route: Route, **kwargs: Any) -> Any:
        if not kwargs.get("files") and not kwargs.get("form"):
            kwargs.setdefault("timeout", bound)
        attempt = 1
        while True:
            try:
                return await original(route, **kwargs)
            except discord.DiscordServerError as exc:
                if not _retryable(route, exc) or attempt == _ATTEMPTS:
                    raise
                delay = _FIRST_BACKOFF * 2 ** (attempt - 1)
                log.warning(
                    "Discord answered %s to %s %s; retrying in %.0f s",
                    exc.status, route.method, route.path, delay,
                )  # fmt: skip
                await asyncio.sleep(delay)
                attempt += 1

    http.request = request  # type: ignore[method-assign]
    try:
        yield
    finally:
        del http.request  # the class's method again


def _retryable(route: Route, error: discord.DiscordServerError) -> bool:
    return route.method in _IDEMPOTENT and error.status not in _RETRIED_BY_DISCORD_PY


def _reason(error: discord.HTTPException) -> str:
    return error.response.reason or error.text or "server error"
