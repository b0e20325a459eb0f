"""The Cancel button on a progress message: before the submit, and while the song is made."""

from __future__ import annotations

import time

from tests.e2e.conftest import Launcher
from tests.e2e.helpers import (
    MODERATOR,
    answered,
    custom_ids,
    generate,
    private_text,
    progress_messages,
    result_messages,
    status_text,
    wait_results,
)
from tests.fakes.discord import FakeDiscord, FakeMessage
from tests.fakes.kie import KieEmulator


async def _made_at_the_vendor(fake: FakeDiscord, kie: KieEmulator, member: int) -> FakeMessage:
    """A song submitted to kie.ai, whose clock stands still: it is made when the test says."""
    await generate(fake, member, prompt="a song nobody will hear")
    await fake.wait_for(lambda: len(kie.task_ids()) == 1, timeout=10)
    [progress] = progress_messages(fake)
    return progress


def _job_id(message: FakeMessage) -> str:
    return str(message.embeds[0]["footer"]["text"]).split(" ")[1]


def _cancel_id(progress: FakeMessage) -> str:
    return f"job:cancel:{_job_id(progress)}"


async def test_the_requester_cancels_a_submitted_song_and_it_is_never_posted(
    bots: Launcher, discord_fake: FakeDiscord, kie: KieEmulator, member: int
) -> None:
    now = [time.time()]
    kie.clock = lambda: now[0]
    kie.generation_seconds = 10
    await bots.start()
    progress = await _made_at_the_vendor(discord_fake, kie, member)
    cancel = _cancel_id(progress)
    assert cancel in custom_ids(progress)

    stranger = discord_fake.add_member("stranger")
    refused = await answered(await discord_fake.click_button(progress.id, cancel, user_id=stranger))
    assert refused.ephemeral
    assert f"Only <@{member}>, who asked for this song" in private_text(refused)
    assert "can cancel it" in private_text(refused)
    assert "Cancelled" not in status_text(progress)

    pressed = await answered(await discord_fake.click_button(progress.id, cancel, user_id=member))
    assert pressed.ephemeral
    assert "Cancelled" in private_text(pressed)
    assert "may still charge for it" in private_text(pressed)
    await discord_fake.wait_for(lambda: "Cancelled" in status_text(progress), timeout=10)
    assert custom_ids(progress) == []  # nothing left to press

    await generate(discord_fake, member, prompt="a song to keep")
    await discord_fake.wait_for(lambda: len(kie.task_ids()) == 2, timeout=10)
    now[0] += 20  # the vendor finishes both songs, the cancelled one too
    [kept] = await wait_results(discord_fake, 1)
    assert _job_id(kept) != _job_id(progress)
    assert len(result_messages(discord_fake)) == 1
    assert "Cancelled" in status_text(progress)


async def test_a_moderator_may_cancel_a_members_song(
    bots: Launcher, discord_fake: FakeDiscord, kie: KieEmulator, member: int
) -> None:
    kie.generation_seconds = 600
    await bots.start()
    progress = await _made_at_the_vendor(discord_fake, kie, member)
    moderator = discord_fake.add_member("mod", permissions=MODERATOR)
    pressed = await answered(
        await discord_fake.click_button(progress.id, _cancel_id(progress), user_id=moderator)
    )
    assert "Cancelled" in private_text(pressed)
    await discord_fake.wait_for(lambda: "Cancelled" in status_text(progress), timeout=10)


async def test_a_song_cancelled_before_its_submit_reaches_no_vendor_and_uses_no_quota(
    bots: Launcher, discord_fake: FakeDiscord, kie: KieEmulator, member: int
) -> None:
    await bots.start(extra="[quotas]\nmember_per_day = 1")
    # The progress message is posted, but Discord's answer is held: the job
    # waits there, before its submit, while the member presses Cancel.
    held = discord_fake.hold_next_message_create()
    await generate(discord_fake, member, prompt="a song I changed my mind about")
    progress = await held.wait()
    assert "#1 in line" in status_text(progress)
    pressed = await answered(
        await discord_fake.click_button(progress.id, _cancel_id(progress), user_id=member)
    )
    assert "had not reached the music service" in private_text(pressed)
    # Pressed again before the message says so: nothing more happens.
    again = await answered(
        await discord_fake.click_button(progress.id, _cancel_id(progress), user_id=member)
    )
    assert "was already cancelled" in private_text(again)
    held.release()
    await discord_fake.wait_for(lambda: "Cancelled" in status_text(progress), timeout=10)
    assert custom_ids(progress) == []
    assert progress_messages(discord_fake) == [progress]
    assert kie.task_ids() == []
    history = await answered(await discord_fake.slash_command("history", user_id=member))
    assert "· cancelled" in private_text(history)

    # The cancelled song gave its quota back: the day's one song is still to be had.
    await generate(discord_fake, member, prompt="the song I want")
    await wait_results(discord_fake, 1)
    assert len(kie.task_ids()) == 1
