from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path

import pytest
import pytest_asyncio

from tests.e2e.botproc import TOKEN, BotProcess, bot_config, kie_provider
from tests.fakes.discord import FakeDiscord
from tests.fakes.kie import KieEmulator

# Interaction tokens in the fake die after a few seconds instead of Discord's
# 15 minutes, so every journey that outlives them proves the bot never
# depends on the interaction webhook for progress or results.
TOKEN_TTL = 1.5

StartBot = Callable[..., Awaitable[BotProcess]]


@pytest_asyncio.fixture
async def discord_fake() -> AsyncIterator[FakeDiscord]:
    fake = FakeDiscord(token_ttl=TOKEN_TTL, bot_token=TOKEN)
    await fake.start()
    yield fake
    await fake.stop()


@pytest_asyncio.fixture
async def kie() -> AsyncIterator[KieEmulator]:
    emulator = KieEmulator(generation_seconds=1.5)
    await emulator.start()
    yield emulator
    await emulator.stop()


@pytest_asyncio.fixture
async def start_bot(
    discord_fake: FakeDiscord, kie: KieEmulator, tmp_path: Path
) -> AsyncIterator[StartBot]:
    """Start ``python -m bot`` against the fakes; every process is stopped afterwards."""
    started: list[BotProcess] = []

    async def start(
        *, providers: str | None = None, jobs: str = "", wait_ready: bool = True
    ) -> BotProcess:
        config = bot_config(
            api_base=discord_fake.api_base,
            gateway_url=discord_fake.gateway_url,
            guild_id=discord_fake.guild_id,
            database=tmp_path / "bot.sqlite3",
            providers=providers if providers is not None else kie_provider(kie.base_url),
            jobs=jobs,
        )
        bot = BotProcess(tmp_path, config)
        started.append(bot)
        await bot.start()
        if wait_ready:
            await discord_fake.wait_ready(timeout=20)
            await discord_fake.wait_commands(timeout=20)
        return bot

    yield start
    for bot in started:
        await bot.stop()
        # Secrets never reach the log, whatever happened in the test.
        assert TOKEN not in bot.log
        assert "kie-test-key" not in bot.log


@pytest.fixture
def member(discord_fake: FakeDiscord) -> int:
    return discord_fake.add_member("alice")
