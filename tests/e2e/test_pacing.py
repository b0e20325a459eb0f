"""A busy server against kie's rate rule: songs wait their turn, none fails, none is lost."""

from __future__ import annotations

import asyncio

from tests.e2e.botproc import kie_provider
from tests.e2e.conftest import Launcher
from tests.e2e.helpers import generate, progress_messages, result_messages, status_text
from tests.fakes.discord import FakeDiscord
from tests.fakes.kie import KieEmulator


async def ask_many(fake: FakeDiscord, members: int, songs: int) -> list[str]:
    """``songs`` songs from each of ``members`` new members, at once; returns the prompts."""
    prompts = []
    for m in range(members):
        member = fake.add_member(f"member{m}")
        for n in range(songs):
            prompts.append(f"song {n} of member {m}")
            await generate(fake, member, prompt=prompts[-1])
    return prompts


async def test_a_429_storm_delays_songs_without_failing_them(
    bots: Launcher, discord_fake: FakeDiscord, kie: KieEmulator
) -> None:
    # The account allows 3 new tasks a second, but the bot was told 10 (another
    # program shares the key, say): the vendor refuses the excess with 429.
    kie.submit_limit = (3, 1.0)
    await bots.start(providers=kie_provider(kie.base_url, submit_rate="10/1s", retries=1))
    prompts = await ask_many(discord_fake, members=4, songs=2)
    await discord_fake.wait_for(
        lambda: len(result_messages(discord_fake)) == len(prompts), timeout=60
    )
    assert kie.rate_limited > 0  # the storm happened
    assert not any("Failed" in status_text(m) for m in progress_messages(discord_fake))
    assert sorted(body["prompt"] for body in kie.submits) == sorted(prompts)
    await asyncio.sleep(1)  # time for a wrongly duplicated delivery to show up
    assert len(result_messages(discord_fake)) == len(prompts)


async def test_songs_waiting_in_line_are_each_delivered_once_after_kill_9(
    bots: Launcher, discord_fake: FakeDiscord, kie: KieEmulator
) -> None:
    kie.generation_seconds = 3
    bot = await bots.start(providers=kie_provider(kie.base_url, submit_rate="2/2s"))
    prompts = await ask_many(discord_fake, members=3, songs=2)
    # Both submitted tasks are on their rows (the bot polls them): a kill now
    # cuts off no submit, and four songs still wait in line.
    await discord_fake.wait_for(lambda: len(kie.polls) == 2, timeout=10)
    await bot.kill()
    await discord_fake.wait_for(lambda: not discord_fake.connected, timeout=10)
    assert len(kie.submits) == 2

    await bots.restart(bot)
    await discord_fake.wait_for(
        lambda: len(result_messages(discord_fake)) == len(prompts), timeout=60
    )
    await asyncio.sleep(1)  # time for a wrongly duplicated delivery to show up
    assert len(result_messages(discord_fake)) == len(prompts)
    assert sorted(body["prompt"] for body in kie.submits) == sorted(prompts)
    assert "resumed" in bot.log
