"""Quotas through Discord: a refusal is private and says when the next song is possible."""

from __future__ import annotations

import re
import time

from tests.e2e.conftest import Launcher
from tests.e2e.helpers import generate, progress_messages, response_text, status_text
from tests.fakes.discord import FakeDiscord
from tests.fakes.kie import KieEmulator

DAY = 86_400


async def test_a_daily_quota_refuses_the_third_song_and_a_failed_one_gives_it_back(
    bots: Launcher, discord_fake: FakeDiscord, kie: KieEmulator, member: int
) -> None:
    await bots.start(extra="[quotas]\nmember_per_day = 2")
    kie.plan("audio_failed")
    assert "Queued" in response_text(await generate(discord_fake, member, prompt="it breaks"))
    await discord_fake.wait_for(
        lambda: any("Failed" in status_text(m) for m in progress_messages(discord_fake)),
        timeout=20,
    )
    # The failed song gave its quota back: two more are accepted.
    before = time.time()
    for n in (1, 2):
        accepted = await generate(discord_fake, member, prompt=f"song {n}")
        assert "Queued" in response_text(accepted)
    after = time.time()

    refused = await generate(discord_fake, member, prompt="one too many")
    assert refused.ephemeral
    text = response_text(refused)
    assert "You have used your daily quota of 2 songs on this server" in text
    when = re.search(r"<t:(\d+):R>", text)
    assert when is not None, text
    # A day after the oldest counted song, the second /generate.
    assert before + DAY <= int(when[1]) <= after + DAY + 1

    # Another member is not held back; nothing of the refused request was submitted.
    bob = discord_fake.add_member("bob")
    assert "Queued" in response_text(await generate(discord_fake, bob, prompt="bob's song"))
    await discord_fake.wait_for(lambda: len(kie.submits) == 4, timeout=20)
    prompts = [body.get("prompt") for body in kie.submits]
    assert "one too many" not in prompts
    assert len(progress_messages(discord_fake)) == 4
