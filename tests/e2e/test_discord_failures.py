"""Discord failing under the bot: retried where safe, never delivered twice."""

from __future__ import annotations

import asyncio

from tests.e2e.conftest import Launcher
from tests.e2e.helpers import (
    generate,
    progress_messages,
    response_text,
    result_messages,
    status_text,
)
from tests.fakes.discord import FakeDiscord
from tests.fakes.kie import KieEmulator


async def test_result_upload_retried_after_discord_outage(
    bots: Launcher, discord_fake: FakeDiscord, kie: KieEmulator, member: int
) -> None:
    bot = await bots.start()
    await generate(discord_fake, member, prompt="a song through a Discord outage")
    await discord_fake.wait_for(lambda: len(progress_messages(discord_fake)) == 1, timeout=10)
    # The progress message exists; the next message create is the result upload.
    discord_fake.fail_next("POST", r"^/channels/\d+/messages$", status=503, count=2)
    await discord_fake.wait_for(lambda: len(result_messages(discord_fake)) == 1, timeout=30)
    await asyncio.sleep(0.5)
    assert len(result_messages(discord_fake)) == 1
    [progress] = progress_messages(discord_fake)
    await discord_fake.wait_for(lambda: "Done" in status_text(progress), timeout=10)
    assert "retrying" in bot.log


async def test_progress_message_deleted_midway_is_posted_again(
    bots: Launcher, discord_fake: FakeDiscord, kie: KieEmulator, member: int
) -> None:
    kie.generation_seconds = 3
    await bots.start()
    await generate(discord_fake, member, prompt="a song whose progress gets deleted")
    await discord_fake.wait_for(lambda: len(progress_messages(discord_fake)) == 1, timeout=10)
    [first] = progress_messages(discord_fake)
    first.deleted = True  # a moderator removes it
    await discord_fake.wait_for(lambda: len(result_messages(discord_fake)) == 1, timeout=30)
    [second] = progress_messages(discord_fake)
    assert second.id != first.id
    await discord_fake.wait_for(lambda: "Done" in status_text(second), timeout=10)


async def test_missing_channel_permissions_refused_privately(
    bots: Launcher, discord_fake: FakeDiscord, kie: KieEmulator, member: int
) -> None:
    await bots.start()
    attach_files = 1 << 15
    discord_fake.world.app_permissions &= ~attach_files
    interaction = await generate(discord_fake, member, prompt="a song for a locked channel")
    assert interaction.ephemeral
    assert "Attach Files" in response_text(interaction)
    await asyncio.sleep(0.5)
    assert kie.submits == []
    assert progress_messages(discord_fake) == []
