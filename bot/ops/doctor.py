"""``suno-bot doctor``: check a setup before members find its problems.

Prints one row per check (OK / WARN / FAIL, what, and the fix) for the
config, the database, the Discord token, the application, each server, each
vendor key and the callback address; exits 0 unless something failed. It
never connects to the Gateway and never starts the bot, so it may run next to
a running bot; every request gives up after a few seconds.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
from pathlib import Path

from bot.config import DEFAULT_CONFIG_PATH, Settings, load_settings
from bot.errors import ConfigError
from bot.ops.checks import Check, failed, table
from bot.ops.doctor_discord import check_discord
from bot.ops.doctor_storage import check_database
from bot.ops.doctor_vendors import check_callbacks, check_providers


def main(args: argparse.Namespace) -> int:
    # The rows say everything; the adapters' own log lines would only repeat them.
    logging.getLogger().addHandler(logging.NullHandler())
    checks = asyncio.run(run_checks())
    print(table(checks))
    return 1 if failed(checks) else 0


async def run_checks() -> list[Check]:
    try:
        settings = load_settings()
    except ConfigError as exc:
        return [
            Check.fail(
                "config",
                f"{exc.key}: {exc.problem}",
                "correct it (config.example.toml documents every setting), then run doctor again",
            )
        ]
    checks = [_config_row(settings), *check_database(settings.storage)]
    checks += await check_discord(settings.discord, settings.storage.database)
    checks += await check_providers(settings)
    checks.append(await check_callbacks(settings.callbacks))
    return checks


def _config_row(settings: Settings) -> Check:
    path = Path(os.environ.get("BOT_CONFIG") or DEFAULT_CONFIG_PATH)
    source = str(path) if path.exists() else f"no {path}: the defaults"
    providers = ", ".join(p.name for p in settings.providers)
    return Check.ok("config", f"{source} is valid; providers: {providers}")
