"""/history lists a member's songs; /song posts one again with working buttons."""

from __future__ import annotations

import io
from pathlib import Path

from PIL import Image

from bot.jobs.store import JobStore
from tests.e2e.conftest import Launcher
from tests.e2e.helpers import (
    answered,
    custom_ids,
    generate,
    private_text,
    progress_messages,
    response_text,
    result_messages,
    status_text,
    wait_done,
    wait_results,
)
from tests.fakes.discord import FakeDiscord
from tests.fakes.discord.models import FakeMessage
from tests.fakes.kie import KieEmulator


async def test_history_lists_songs_with_links(
    bots: Launcher, discord_fake: FakeDiscord, member: int
) -> None:
    await bots.start()
    asked = [
        await generate(discord_fake, member, prompt="first song", title="One"),
        await generate(discord_fake, member, prompt="second song", title="Two"),
    ]
    jobs = [response_text(a).split("`")[1] for a in asked]  # "Queued ... (job `<id>`)"
    await wait_results(discord_fake, 2)
    progress = progress_messages(discord_fake)
    await discord_fake.wait_for(lambda: all("Done" in status_text(m) for m in progress))
    shown = await answered(await discord_fake.slash_command("history", user_id=member))
    assert shown.ephemeral
    text = private_text(shown)
    assert text.index(jobs[1]) < text.index(jobs[0])  # newest first
    assert text.count("[open](https://discord.com/channels/") == 2

    other = discord_fake.add_member("bob")
    empty = await answered(await discord_fake.slash_command("history", user_id=other))
    assert "no songs here yet" in private_text(empty)


async def test_song_is_posted_again_with_working_buttons(
    bots: Launcher, discord_fake: FakeDiscord, kie: KieEmulator, member: int
) -> None:
    bot = await bots.start()
    await generate(discord_fake, member, prompt="a song to post twice", title="Twice")
    [original] = await wait_results(discord_fake, 1)
    job = original.embeds[0]["footer"]["text"].split(" ")[1]
    [progress] = progress_messages(discord_fake)
    await discord_fake.wait_for(lambda: "Done" in status_text(progress))
    await bot.stop()
    await bots.restart(bot)

    asked = await answered(await discord_fake.slash_command("song", {"id": job}, user_id=member))
    await discord_fake.wait_for(lambda: bool(asked.followups), timeout=10)
    assert "Posted again" in private_text(asked)
    [repost] = [m for m in discord_fake.channel_messages() if "posted **" in m.content]
    assert sorted(a.filename for a in repost.attachments) == sorted(
        a.filename for a in original.attachments
    )
    assert [a.data for a in repost.attachments] == [a.data for a in original.attachments]
    assert custom_ids(repost) == custom_ids(original)

    clicked = await answered(
        await discord_fake.click_button(repost.id, f"song:remix:{job}", user_id=member)
    )
    assert "Queued a remix" in private_text(clicked)
    await discord_fake.add_reaction(repost.id, "🔁", user_id=member)
    await discord_fake.wait_for(lambda: len(kie.submits) == 3, timeout=10)


async def test_song_survives_its_original_post_through_a_repost(
    bots: Launcher, discord_fake: FakeDiscord, kie: KieEmulator, member: int
) -> None:
    await bots.start()
    await generate(discord_fake, member, prompt="a song moderators dislike", title="Gone")
    [original] = await wait_results(discord_fake, 1)
    job = original.embeds[0]["footer"]["text"].split(" ")[1]
    await wait_done(discord_fake)
    first = await answered(await discord_fake.slash_command("song", {"id": job}, user_id=member))
    await discord_fake.wait_for(lambda: bool(first.followups), timeout=10)

    # Deleted in the Discord client, not with the bot's button: the song is not retired.
    await discord_fake.delete_message(original.id)
    second = await answered(await discord_fake.slash_command("song", {"id": job}, user_id=member))
    await discord_fake.wait_for(lambda: bool(second.followups), timeout=10)
    assert "Posted again" in private_text(second)
    reposts = [m for m in discord_fake.channel_messages() if "posted **" in m.content]
    assert len(reposts) == 2
    assert [a.data for a in reposts[1].attachments] == [a.data for a in original.attachments]

    for message in reposts:
        await discord_fake.delete_message(message.id)
    refused = await answered(await discord_fake.slash_command("song", {"id": job}, user_id=member))
    await discord_fake.wait_for(lambda: bool(refused.followups), timeout=10)
    assert "Every post of that song is gone" in private_text(refused)


async def test_a_song_that_could_not_be_posted_says_so(
    bots: Launcher, discord_fake: FakeDiscord, kie: KieEmulator, member: int
) -> None:
    bot = await bots.start()
    asked = await generate(discord_fake, member, prompt="a song for a channel gone wrong")
    job = response_text(asked).split("`")[1]
    await discord_fake.wait_for(lambda: len(progress_messages(discord_fake)) == 1, timeout=10)
    # The result upload is refused for good (the bot lost access): no retry helps.
    discord_fake.fail_next("POST", r"^/channels/\d+/messages$", status=403)
    await discord_fake.wait_for(lambda: "could not reach the member" in bot.log, timeout=30)
    dm = discord_fake.world.dm_channel(member).id
    await discord_fake.wait_for(lambda: len(discord_fake.channel_messages(dm)) == 1, timeout=10)
    [told] = discord_fake.channel_messages(dm)
    assert f"(job `{job}`) is ready, but I could not post it" in told.content

    shown = await answered(await discord_fake.slash_command("history", user_id=member))
    assert f"`{job}`" in private_text(shown)
    assert "could not be posted" in private_text(shown)
    refused = await answered(await discord_fake.slash_command("song", {"id": job}, user_id=member))
    assert refused.ephemeral
    assert "could not be posted" in private_text(refused)
    assert result_messages(discord_fake) == []


async def test_unknown_song_id_is_refused(
    bots: Launcher, discord_fake: FakeDiscord, member: int
) -> None:
    await bots.start()
    refused = await answered(
        await discord_fake.slash_command("song", {"id": "0123456789abcdef"}, user_id=member)
    )
    assert "There is no song `0123456789abcdef`" in private_text(refused)


def _jpeg_cover() -> bytes:
    """A real JPEG cover, as vendors often serve: posted under a .jpg name, not .png."""
    out = io.BytesIO()
    Image.new("RGB", (64, 64), (200, 60, 90)).save(out, format="JPEG")
    return out.getvalue()


def _thumbnails(message: FakeMessage) -> list[object]:
    return [e.get("thumbnail", {}).get("url") for e in message.embeds]  # type: ignore[union-attr]


async def test_song_reposts_each_cover_under_the_name_it_was_posted_with(
    bots: Launcher, discord_fake: FakeDiscord, kie: KieEmulator, member: int
) -> None:
    kie.image_bytes = _jpeg_cover()
    await bots.start()
    await generate(discord_fake, member, prompt="a song with a jpeg cover", title="Jay")
    [original] = await wait_results(discord_fake, 1)
    job = original.embeds[0]["footer"]["text"].split(" ")[1]
    await wait_done(discord_fake)
    covers = sorted(a.filename for a in original.attachments if a.filename.startswith("cover-"))
    assert covers == ["cover-1.jpg", "cover-2.jpg"]
    assert _thumbnails(original) == ["attachment://cover-1.jpg", "attachment://cover-2.jpg"]

    asked = await answered(await discord_fake.slash_command("song", {"id": job}, user_id=member))
    await discord_fake.wait_for(lambda: bool(asked.followups), timeout=10)
    [repost] = [m for m in discord_fake.channel_messages() if "posted **" in m.content]
    assert _thumbnails(repost) == _thumbnails(original)
    assert [a.data for a in repost.attachments] == [a.data for a in original.attachments]


async def test_a_song_delivered_before_names_were_stored_still_reposts(
    bots: Launcher, discord_fake: FakeDiscord, kie: KieEmulator, member: int, tmp_path: Path
) -> None:
    bot = await bots.start()
    await generate(discord_fake, member, prompt="a song from an older bot", title="Old")
    [original] = await wait_results(discord_fake, 1)
    job_id = original.embeds[0]["footer"]["text"].split(" ")[1]
    await wait_done(discord_fake)
    await bot.stop()
    # As a row delivered before migration 12 reads: no names stored with it.
    store = await JobStore.open(tmp_path / "bot.sqlite3")
    try:
        job = await store.get(job_id)
        assert job is not None
        assert job.attachments is not None
        job.attachments = None
        await store.update(job, "attachments")
    finally:
        await store.close()
    await bots.restart(bot)

    asked = await answered(await discord_fake.slash_command("song", {"id": job_id}, user_id=member))
    await discord_fake.wait_for(lambda: bool(asked.followups), timeout=10)
    assert "Posted again" in private_text(asked)
    [repost] = [m for m in discord_fake.channel_messages() if "posted **" in m.content]
    assert _thumbnails(repost) == ["attachment://cover-1.png", "attachment://cover-2.png"]
    assert _thumbnails(repost) == _thumbnails(original)
    assert [a.data for a in repost.attachments] == [a.data for a in original.attachments]
    assert custom_ids(repost) == custom_ids(original)
