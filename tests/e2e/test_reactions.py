"""Reactions on a result message: 🔁 remix, ⏩ extend, 📜 lyrics by DM, 🗑️ delete."""

from __future__ import annotations

from tests.e2e.conftest import Launcher
from tests.e2e.helpers import generate, wait_done, wait_results
from tests.fakes.discord import FakeDiscord, FakeMessage
from tests.fakes.kie import KieEmulator


async def _song(fake: FakeDiscord, member: int) -> FakeMessage:
    await generate(fake, member, prompt="a song about trains at night", title="Night Train")
    [result] = await wait_results(fake, 1)
    await wait_done(fake)
    return result


def _direct_messages(fake: FakeDiscord, user_id: int) -> list[FakeMessage]:
    return fake.channel_messages(fake.world.dm_channel(user_id).id)


async def test_remix_reaction_from_anyone(
    bots: Launcher, discord_fake: FakeDiscord, kie: KieEmulator, member: int
) -> None:
    await bots.start()
    result = await _song(discord_fake, member)
    other = discord_fake.add_member("bob")
    await discord_fake.add_reaction(result.id, "🔁", user_id=other)
    results = await wait_results(discord_fake, 2)
    assert f"<@{other}>" in results[1].content
    assert "Remix of" in results[1].content
    assert kie.submits[1]["prompt"] == kie.submits[0]["prompt"]


async def test_lyrics_reaction_sends_them_by_direct_message(
    bots: Launcher, discord_fake: FakeDiscord, member: int
) -> None:
    await bots.start()
    result = await _song(discord_fake, member)
    other = discord_fake.add_member("bob")
    await discord_fake.add_reaction(result.id, "📜", user_id=other)
    await discord_fake.wait_for(lambda: len(_direct_messages(discord_fake, other)) == 2)
    first = _direct_messages(discord_fake, other)[0]
    assert "a song about trains at night" in first.embeds[0]["description"]


async def test_delete_reaction_by_someone_else_is_explained_by_direct_message(
    bots: Launcher, discord_fake: FakeDiscord, member: int
) -> None:
    await bots.start()
    result = await _song(discord_fake, member)
    other = discord_fake.add_member("bob")
    await discord_fake.add_reaction(result.id, "🗑️", user_id=other)
    await discord_fake.wait_for(lambda: len(_direct_messages(discord_fake, other)) == 1)
    assert f"Only <@{member}>" in _direct_messages(discord_fake, other)[0].content
    assert not discord_fake.message(result.id).deleted

    await discord_fake.add_reaction(result.id, "🗑️", user_id=member)
    await discord_fake.wait_for(lambda: discord_fake.message(result.id).deleted, timeout=5)


async def test_reactions_the_bot_does_not_know_change_nothing(
    bots: Launcher, discord_fake: FakeDiscord, kie: KieEmulator, member: int
) -> None:
    await bots.start()
    result = await _song(discord_fake, member)
    await discord_fake.add_reaction(result.id, "👍", user_id=member)
    await discord_fake.add_reaction(result.id, "🔁", user_id=member)
    await wait_results(discord_fake, 2)
    assert len(kie.submits) == 2  # the 👍 did nothing; the 🔁 made one remix
