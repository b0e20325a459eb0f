"""A submit that surely failed moves to the next provider; a job never runs at two."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest_asyncio

from tests.e2e.botproc import vendor_provider
from tests.e2e.conftest import Launcher
from tests.e2e.helpers import generate, progress_messages, result_messages, status_text
from tests.fakes.discord import FakeDiscord
from tests.fakes.kie import KieEmulator


@pytest_asyncio.fixture
async def backup() -> AsyncIterator[KieEmulator]:
    emulator = KieEmulator(generation_seconds=1.0)
    await emulator.start()
    yield emulator
    await emulator.stop()


def two_providers(primary: KieEmulator, backup: KieEmulator) -> str:
    return vendor_provider("kie", primary.base_url, name="primary", priority=0) + vendor_provider(
        "kie", backup.base_url, name="backup", priority=1
    )


async def test_out_of_credits_moves_to_the_next_provider(
    bots: Launcher, discord_fake: FakeDiscord, kie: KieEmulator, backup: KieEmulator, member: int
) -> None:
    bot = await bots.start(providers=two_providers(kie, backup))
    kie.fail_submit(402, "no credits left")
    await generate(discord_fake, member, prompt="a song that changes vendors")
    await discord_fake.wait_for(lambda: len(result_messages(discord_fake)) == 1, timeout=20)
    assert kie.submits == []
    assert len(backup.submits) == 1
    assert "moving to backup" in bot.log


async def test_vendor_down_moves_to_the_next_provider(
    bots: Launcher, discord_fake: FakeDiscord, kie: KieEmulator, backup: KieEmulator, member: int
) -> None:
    await bots.start(providers=two_providers(kie, backup))
    kie.fail_requests(503, count=100)
    await generate(discord_fake, member, prompt="a song around an outage")
    await discord_fake.wait_for(lambda: len(result_messages(discord_fake)) == 1, timeout=30)
    assert len(backup.submits) == 1


async def test_content_policy_does_not_fail_over(
    bots: Launcher, discord_fake: FakeDiscord, kie: KieEmulator, backup: KieEmulator, member: int
) -> None:
    await bots.start(providers=two_providers(kie, backup))
    kie.fail_submit(400, "lyrics contain copyrighted material")
    await generate(discord_fake, member, prompt="a song no vendor may make")
    await discord_fake.wait_for(lambda: len(progress_messages(discord_fake)) == 1, timeout=10)
    [progress] = progress_messages(discord_fake)
    await discord_fake.wait_for(lambda: "Failed" in status_text(progress), timeout=20)
    assert "content policy" in status_text(progress)
    assert backup.submits == []


async def test_failover_skips_providers_without_the_model(
    bots: Launcher, discord_fake: FakeDiscord, kie: KieEmulator, backup: KieEmulator, member: int
) -> None:
    providers = vendor_provider("kie", kie.base_url, name="primary") + vendor_provider(
        "kie", backup.base_url, name="backup", priority=1, models=["v4"]
    )
    await bots.start(providers=providers)
    kie.fail_submit(402, "no credits left")
    await generate(discord_fake, member, prompt="a v5 song", model="v5")
    await discord_fake.wait_for(lambda: len(progress_messages(discord_fake)) == 1, timeout=10)
    [progress] = progress_messages(discord_fake)
    await discord_fake.wait_for(lambda: "Failed" in status_text(progress), timeout=20)
    assert "out of credits" in status_text(progress)
    assert backup.submits == []
