"""A provider without follow-ups (APIXO): its songs offer only what it can do."""

from __future__ import annotations

from tests.e2e.botproc import vendor_provider
from tests.e2e.conftest import Launcher
from tests.e2e.helpers import custom_ids, generate, wait_done, wait_results
from tests.fakes.apixo import ApixoEmulator
from tests.fakes.discord import FakeDiscord


async def test_actions_the_provider_lacks_are_not_offered(
    bots: Launcher, discord_fake: FakeDiscord, apixo: ApixoEmulator, member: int
) -> None:
    await bots.start(providers=vendor_provider("apixo", apixo.base_url))
    names = {c["name"] for c in discord_fake.commands}
    assert "compose" in names  # APIXO takes custom mode
    assert not {"lyrics", "cover"} & names  # but writes no lyrics and takes no uploads

    await generate(discord_fake, member, prompt="a song without extensions")
    [result] = await wait_results(discord_fake, 1)
    await wait_done(discord_fake)
    job = result.embeds[0]["footer"]["text"].split(" ")[1]
    assert custom_ids(result) == [
        f"song:remix:{job}",
        f"song:edit:{job}",
        f"song:delete:{job}",
        f"track:lyrics:{job}:1",
        f"track:lyrics:{job}:2",
    ]
    assert "⏩" not in result.content

    # A reaction asking for what the provider cannot do is explained privately.
    await discord_fake.add_reaction(result.id, "⏩", user_id=member)
    dm = discord_fake.world.dm_channel(member).id
    await discord_fake.wait_for(lambda: len(discord_fake.channel_messages(dm)) == 1)
    assert "cannot extend" in discord_fake.channel_messages(dm)[0].content
    assert len(apixo.submits) == 1
