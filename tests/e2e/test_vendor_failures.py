"""Vendor failures end in words a member understands, on the progress message."""

from __future__ import annotations

from tests.e2e.conftest import Launcher
from tests.e2e.helpers import generate, progress_messages, result_messages, status_text
from tests.fakes.discord import FakeDiscord
from tests.fakes.kie import KieEmulator


async def _final_status(fake: FakeDiscord, needle: str) -> str:
    await fake.wait_for(lambda: len(progress_messages(fake)) == 1, timeout=15)
    [progress] = progress_messages(fake)
    await fake.wait_for(lambda: needle in status_text(progress), timeout=20)
    return status_text(progress)


async def test_content_violation(
    bots: Launcher, discord_fake: FakeDiscord, kie: KieEmulator, member: int
) -> None:
    await bots.start()
    kie.plan("sensitive")
    await generate(discord_fake, member, prompt="something the vendor will not sing")
    status = await _final_status(discord_fake, "Failed")
    assert "content policy" in status
    assert result_messages(discord_fake) == []


async def test_out_of_credits(
    bots: Launcher, discord_fake: FakeDiscord, kie: KieEmulator, member: int
) -> None:
    bot = await bots.start()
    kie.fail_submit(402, "Insufficient credits")
    await generate(discord_fake, member, prompt="a song nobody paid for")
    status = await _final_status(discord_fake, "Failed")
    assert "out of credits" in status
    assert "Insufficient credits" not in status  # raw vendor words stay in the admin log
    assert "402" in bot.log


async def test_vendor_5xx_then_recovery(
    bots: Launcher, discord_fake: FakeDiscord, kie: KieEmulator, member: int
) -> None:
    await bots.start()
    kie.fail_requests(503, count=3)
    await generate(discord_fake, member, prompt="a song through the storm")
    await discord_fake.wait_for(lambda: len(result_messages(discord_fake)) == 1, timeout=30)
    assert len(kie.submits) == 1


async def test_rate_limit_with_retry_after_then_recovery(
    bots: Launcher, discord_fake: FakeDiscord, kie: KieEmulator, member: int
) -> None:
    await bots.start()
    kie.fail_requests(429, count=1, retry_after=1)
    await generate(discord_fake, member, prompt="a patient song")
    await discord_fake.wait_for(lambda: len(result_messages(discord_fake)) == 1, timeout=30)
    assert len(kie.submits) == 1


async def test_vendor_down_for_good(
    bots: Launcher, discord_fake: FakeDiscord, kie: KieEmulator, member: int
) -> None:
    await bots.start()
    kie.fail_requests(503, count=100)
    await generate(discord_fake, member, prompt="a song for a dead vendor")
    status = await _final_status(discord_fake, "Failed")
    assert "unavailable" in status
    assert kie.submits == []


async def test_generation_failure_reported(
    bots: Launcher, discord_fake: FakeDiscord, kie: KieEmulator, member: int
) -> None:
    await bots.start()
    kie.plan("audio_failed")
    await generate(discord_fake, member, prompt="a song that breaks the vendor")
    status = await _final_status(discord_fake, "Failed")
    assert "music service" in status


async def test_task_that_never_finishes_times_out(
    bots: Launcher, discord_fake: FakeDiscord, kie: KieEmulator, member: int
) -> None:
    await bots.start(jobs="deadline_minutes = 0.05")
    kie.plan("never")
    await generate(discord_fake, member, prompt="an endless song")
    status = await _final_status(discord_fake, "Failed")
    assert "did not finish in time" in status
    assert result_messages(discord_fake) == []
    assert len(kie.submits) == 1
