from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import TypedDict, Unpack

import pytest
import pytest_asyncio

from tests.e2e.botproc import KIE_KEY, TEST_MEDIA, TOKEN, BotProcess, bot_config, kie_provider
from tests.fakes.apixo import ApixoEmulator
from tests.fakes.discord import FakeDiscord
from tests.fakes.kie import KieEmulator

# Interaction tokens in the fake die after a few seconds instead of Discord's
# 15 minutes, so every journey that outlives them proves the bot never
# depends on the interaction webhook for progress or results.
TOKEN_TTL = 1.5


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
async def apixo() -> AsyncIterator[ApixoEmulator]:
    """APIXO: custom mode, but no lyrics writing, no uploads, no follow-ups."""
    emulator = ApixoEmulator(generation_seconds=1.0)
    await emulator.start()
    yield emulator
    await emulator.stop()


START_SECONDS = 60


class BotOptions(TypedDict, total=False):
    """What a test changes in its bot's config.toml; each is a TOML fragment."""

    providers: str  # the [[providers]] entries (default: the kie emulator)
    jobs: str
    extra: str
    media: str  # default: TEST_MEDIA
    storage: str


class Launcher:
    """Starts ``python -m bot`` against the fakes, and again after a crash."""

    def __init__(self, fake: FakeDiscord, kie: KieEmulator, workdir: Path) -> None:
        self._fake = fake
        self._kie = kie
        self._workdir = workdir
        self.started: list[BotProcess] = []

    def config(self, **options: Unpack[BotOptions]) -> str:
        """The config.toml of a bot on these fakes (the kie emulator unless ``providers``)."""
        providers = options.get("providers")  # "" is none: the sandbox
        return bot_config(
            api_base=self._fake.api_base,
            gateway_url=self._fake.gateway_url,
            guild_id=self._fake.guild_id,
            database=self._workdir / "bot.sqlite3",
            providers=providers if providers is not None else kie_provider(self._kie.base_url),
            jobs=options.get("jobs", ""),
            media=options.get("media", TEST_MEDIA),
            extra=options.get("extra", ""),
            storage=options.get("storage", ""),
        )

    async def start(self, **options: Unpack[BotOptions]) -> BotProcess:
        bot = BotProcess(self._workdir, self.config(**options))
        self.started.append(bot)
        await self.restart(bot)
        return bot

    async def restart(self, bot: BotProcess) -> None:
        """Start the process and wait until it has identified and synced its commands."""
        identified = self._fake.identify_count
        await bot.start()
        # A bot starts in a few seconds; on a machine running four test workers and
        # their bots at once it has taken over 20 s. Only a broken start waits this out.
        await self._fake.wait_for(
            lambda: self._fake.identify_count > identified, timeout=START_SECONDS
        )
        await self._fake.wait_commands(timeout=START_SECONDS)


@pytest_asyncio.fixture
async def bots(
    discord_fake: FakeDiscord, kie: KieEmulator, tmp_path: Path
) -> AsyncIterator[Launcher]:
    launcher = Launcher(discord_fake, kie, tmp_path)
    yield launcher
    for bot in launcher.started:
        await bot.stop()
        # Secrets never reach the log, whatever happened in the test.
        assert TOKEN not in bot.log
        assert KIE_KEY not in bot.log
    assert discord_fake.unknown_routes == []
    assert discord_fake.internal_errors == []


@pytest.fixture
def member(discord_fake: FakeDiscord) -> int:
    return discord_fake.add_member("alice")
