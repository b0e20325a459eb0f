"""``suno-bot run``: load the settings, open resources, run the bot until stopped."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
import sys

import aiohttp
import discord

from bot import log_json, logs
from bot.app import MusicBot
from bot.config import Settings, load_settings
from bot.discord.endpoints import apply_endpoints
from bot.discord.startup import start
from bot.errors import ConfigError, StartupError, StorageError
from bot.jobs.store import JobStore
from bot.providers.registry import build_providers

log = logging.getLogger("bot")


def main() -> int:
    try:
        settings = load_settings()
    except ConfigError as exc:
        print(f"Configuration error: {exc.key}: {exc.problem}", file=sys.stderr)
        return 2
    _setup_logging(settings)
    try:
        asyncio.run(run(settings))
    except discord.LoginFailure:
        print("Discord rejected DISCORD_TOKEN: check the bot token.", file=sys.stderr)
        return 1
    except discord.PrivilegedIntentsRequired:
        print("Discord refused an intent the bot asked for.", file=sys.stderr)
        return 1
    except (aiohttp.ClientConnectionError, discord.GatewayNotFound) as exc:
        print(f"Cannot reach Discord ({type(exc).__name__}); check the network.", file=sys.stderr)
        return 1
    except (StartupError, StorageError) as exc:
        print(exc, file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        pass
    return 0


async def run(settings: Settings) -> None:
    apply_endpoints(settings.discord)
    store = await JobStore.open(
        settings.storage.database, max_pages=settings.storage.test_max_pages
    )
    providers = build_providers(settings.providers, settings.media)
    log.info(
        "providers: %s; database: %s",
        ", ".join(p.name for p in providers),
        settings.storage.database,
    )
    try:
        async with MusicBot(settings, store, providers) as bot:
            _close_on_signals(bot)
            await start(bot, settings.discord.token.get_secret_value(), settings.discord)
    finally:
        for provider in providers:
            await provider.aclose()
        await store.close()


def _close_on_signals(bot: MusicBot) -> None:
    """SIGTERM (docker stop) closes the bot cleanly; open jobs resume next start."""
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        with contextlib.suppress(NotImplementedError):
            loop.add_signal_handler(sig, lambda: asyncio.ensure_future(bot.close()))


def _setup_logging(settings: Settings) -> None:
    logging.basicConfig(
        level=settings.log_level,
        format="%(asctime)s %(levelname)-7s %(name)s: %(message)s",
        stream=sys.stderr,
    )
    if settings.log_format == "json":
        log_json.use_json(logging.getLogger())
    # No secret, URL token or member's prompt in the log, at any level.
    logs.install(settings)
