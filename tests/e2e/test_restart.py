"""A bot killed at any point finishes every job exactly once after it restarts."""

from __future__ import annotations

import asyncio

from tests.e2e.conftest import Launcher
from tests.e2e.helpers import generate, progress_messages, result_messages, status_text
from tests.fakes.discord import FakeDiscord
from tests.fakes.kie import KieEmulator


async def test_restart_mid_generation_delivers_once_and_submits_once(
    bots: Launcher, discord_fake: FakeDiscord, kie: KieEmulator, member: int
) -> None:
    kie.generation_seconds = 4
    bot = await bots.start()
    await generate(discord_fake, member, prompt="a song that survives a crash")
    await discord_fake.wait_for(lambda: len(kie.submits) == 1, timeout=10)
    await discord_fake.wait_for(lambda: len(progress_messages(discord_fake)) == 1, timeout=10)
    await bot.kill()
    await discord_fake.wait_for(lambda: not discord_fake.connected, timeout=10)

    await bots.restart(bot)
    await discord_fake.wait_for(lambda: len(result_messages(discord_fake)) == 1, timeout=30)
    await asyncio.sleep(1)  # time for a wrongly duplicated delivery to show up
    assert len(result_messages(discord_fake)) == 1
    assert len(kie.submits) == 1
    # The restarted bot kept editing the same progress message.
    [progress] = progress_messages(discord_fake)
    await discord_fake.wait_for(lambda: "Done" in status_text(progress), timeout=5)
    assert "resumed 1 unfinished job" in bot.log


async def test_restart_after_posting_but_before_recording_delivers_once(
    bots: Launcher, discord_fake: FakeDiscord, kie: KieEmulator, member: int
) -> None:
    kie.generation_seconds = 2
    bot = await bots.start()
    await generate(discord_fake, member, prompt="a song posted during a crash")
    await discord_fake.wait_for(lambda: len(progress_messages(discord_fake)) == 1, timeout=10)
    # The next message the bot creates is the result: it is stored by Discord,
    # but the bot dies before it hears the answer and so before it records it.
    held = discord_fake.hold_next_message_create()
    await asyncio.wait_for(held.wait(), 20)
    await bot.kill()
    assert len(result_messages(discord_fake)) == 1

    await bots.restart(bot)
    [progress] = progress_messages(discord_fake)
    await discord_fake.wait_for(lambda: "Done" in status_text(progress), timeout=30)
    assert len(result_messages(discord_fake)) == 1
    assert len(kie.submits) == 1
