"""A start and a stop without voice leave no warning in the log.

The bot runs with every warning shown (``PYTHONWARNINGS=default``: deprecations,
unclosed resources), connects to the fake Discord, syncs its commands and is
stopped as a supervisor stops it.
"""

from __future__ import annotations

import re
from pathlib import Path

from tests.e2e.botproc import BotProcess, bot_config
from tests.fakes.discord import FakeDiscord

# How the warnings module prints one: "path:line: SomeWarning: message".
PRINTED_WARNING = re.compile(r"\b\w*Warning: ")


async def test_start_and_stop_print_no_warning(discord_fake: FakeDiscord, tmp_path: Path) -> None:
    config = bot_config(
        api_base=discord_fake.api_base,
        gateway_url=discord_fake.gateway_url,
        guild_id=discord_fake.guild_id,
        database=tmp_path / "bot.sqlite3",
        providers="",
    )
    bot = BotProcess(tmp_path, config, env={"PYTHONWARNINGS": "default"})
    await bot.start()
    try:
        await discord_fake.wait_for(lambda: discord_fake.identify_count > 0, timeout=20)
        await discord_fake.wait_commands(timeout=20)
    finally:
        await bot.stop()
    assert bot.proc is not None
    assert bot.proc.returncode == 0, bot.log[-3000:]
    assert PRINTED_WARNING.search(bot.log) is None, bot.log[-3000:]
    # discord.py's notice that voice needs PyNaCl and davey: the bot has no voice.
    assert "voice will NOT be supported" not in bot.log
