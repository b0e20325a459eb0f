"""Where the bot registers its slash commands, and that members see each one once."""

from __future__ import annotations

from collections import Counter

from tests.e2e.conftest import Launcher
from tests.fakes.discord import FakeDiscord
from tests.fakes.discord.routes_meta import store_commands


async def test_with_guild_ids_the_commands_of_an_earlier_global_sync_are_removed(
    bots: Launcher, discord_fake: FakeDiscord
) -> None:
    # As a first run without guild_ids left them: registered for every server.
    earlier = [{"name": "generate", "description": "Make two songs from a description."}]
    store_commands(discord_fake.world, earlier, None)

    await bots.start()
    await discord_fake.wait_for(lambda: discord_fake.world.global_commands == [], timeout=15)
    names = Counter(c["name"] for c in discord_fake.commands)
    assert names["generate"] == 1  # the server's own, not a second global one
    assert set(names.values()) == {1}
    assert discord_fake.world.guild_commands[discord_fake.guild_id]
