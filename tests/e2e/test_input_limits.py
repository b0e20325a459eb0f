"""Input over a model's limits is refused privately and nothing is submitted."""

from __future__ import annotations

import asyncio

import pytest

from tests.e2e.conftest import Launcher
from tests.e2e.helpers import bot_messages, generate, response_text
from tests.fakes.discord import FakeDiscord
from tests.fakes.kie import KieEmulator

CASES = [
    ({"prompt": "x" * 501}, ["`prompt`", "501", "500"]),
    ({"prompt": "   "}, ["`prompt`", "empty"]),
    ({"prompt": "ok", "model": "v4", "style": "s" * 201}, ["`style`", "201", "200"]),
    ({"prompt": "ok", "model": "v3.5", "style": "s" * 201}, ["`style`", "200"]),
    ({"prompt": "ok", "model": "v5", "style": "s" * 1001}, ["`style`", "1,001", "1,000"]),
    ({"prompt": "ok", "title": "t" * 81}, ["`title`", "81", "80"]),
    ({"prompt": "p" * 400, "model": "v5", "style": "s" * 150}, ["`prompt` and `style`", "500"]),
]


@pytest.mark.timeout(60)
async def test_every_limit_is_refused_privately(
    bots: Launcher, discord_fake: FakeDiscord, kie: KieEmulator, member: int
) -> None:
    await bots.start()
    for options, expected in CASES:
        interaction = await generate(discord_fake, member, **options)
        text = response_text(interaction)
        assert interaction.ephemeral, options
        for words in expected:
            assert words in text, (options, text)
    await asyncio.sleep(0.5)
    assert kie.submits == []
    assert bot_messages(discord_fake) == []


async def test_limits_allow_the_maximum(
    bots: Launcher, discord_fake: FakeDiscord, kie: KieEmulator, member: int
) -> None:
    await bots.start()
    interaction = await generate(
        discord_fake, member, prompt="p" * 300, model="v5", style="s" * 190, title="t" * 80
    )
    assert "Queued" in response_text(interaction)
    await discord_fake.wait_for(lambda: len(kie.submits) == 1, timeout=10)


async def test_a_member_has_a_cap_on_open_jobs(
    bots: Launcher, discord_fake: FakeDiscord, kie: KieEmulator, member: int
) -> None:
    kie.generation_seconds = 30
    await bots.start(jobs="max_active_per_member = 2")
    for n in range(2):
        assert "Queued" in response_text(await generate(discord_fake, member, prompt=f"song {n}"))
    refused = await generate(discord_fake, member, prompt="one too many")
    assert refused.ephemeral
    assert "2 songs in progress" in response_text(refused)
    other = discord_fake.add_member("bob")
    assert "Queued" in response_text(await generate(discord_fake, other, prompt="bob's song"))
