"""Every message the bot builds is one Discord accepts, and a refused result is still posted."""

from __future__ import annotations

import time
from pathlib import Path

import discord

from bot.jobs.models import Job
from bot.jobs.store import JobStore
from bot.providers.base import GenerateRequest, TaskState, Track
from tests.e2e.conftest import Launcher
from tests.e2e.helpers import (
    answered,
    form_fields,
    form_id,
    generate,
    private_text,
    progress_messages,
    result_messages,
    status_text,
    wait_done,
    wait_results,
)
from tests.fakes.discord import FakeDiscord, FakeMessage
from tests.fakes.kie import KieEmulator

SANDBOX = '[[providers]]\nname = "sandbox"\nkind = "sandbox"\nstage_seconds = 0.2\n'
# Every character of it needs a backslash to be shown literally: escaped, it doubles.
MARKDOWN_LINE = "**oh** the _river_ ~~runs~~ |cold| `and` *slow*\n"
REFUSED = {"code": 50035, "message": "Invalid Form Body", "errors": {}}
RESULTS = r"^/channels/\d+/messages$"


def _texts(message: FakeMessage) -> str:
    parts = [message.content]
    for embed in message.embeds:
        parts += [embed.get("title", ""), embed.get("description", "")]
        parts += [f"{f['name']} {f['value']}" for f in embed.get("fields", [])]
    return "\n".join(parts)


async def test_a_long_audio_url_that_could_not_be_fetched_is_left_out_with_a_note(
    bots: Launcher, discord_fake: FakeDiscord, kie: KieEmulator, member: int
) -> None:
    # A signed URL of about 1,550 characters whose download fails (its path is unknown).
    kie.audio_url_suffix = "/expired-" + "s" * 1500
    await bots.start()
    await generate(discord_fake, member, prompt="a song behind a very long link")
    [result] = await wait_results(discord_fake, 1, timeout=40)
    await wait_done(discord_fake)
    assert [a.filename for a in result.attachments] == ["cover-1.png", "cover-2.png"]
    assert "s" * 100 not in _texts(result)
    for embed in result.embeds:
        fields = {f["name"]: f["value"] for f in embed["fields"]}
        assert "could not be fetched" in fields["Note"]
        assert "too long to show" in fields["Audio"]


async def test_a_refused_result_is_posted_again_with_its_files_and_a_short_text(
    bots: Launcher, discord_fake: FakeDiscord, kie: KieEmulator, member: int
) -> None:
    bot = await bots.start()
    await generate(discord_fake, member, prompt="a song Discord refuses once")
    await discord_fake.wait_for(lambda: len(progress_messages(discord_fake)) == 1, timeout=10)
    # A rule the bot did not foresee: the full result is refused, the bare song is not.
    discord_fake.fail_next("POST", RESULTS, status=400, body=REFUSED)
    [result] = await wait_results(discord_fake, 1, timeout=30)
    await wait_done(discord_fake)
    assert result.embeds == []
    assert len([a for a in result.attachments if a.filename.endswith(".mp3")]) == 2
    assert f"<@{member}>" in result.content
    assert len(result.content) < 500
    assert "posting the files with a short text" in bot.log


async def test_a_result_refused_twice_says_so_instead_of_uploading_forever(
    bots: Launcher, discord_fake: FakeDiscord, kie: KieEmulator, member: int
) -> None:
    bot = await bots.start()
    await generate(discord_fake, member, prompt="a song Discord refuses for good")
    await discord_fake.wait_for(lambda: len(progress_messages(discord_fake)) == 1, timeout=10)
    discord_fake.fail_next("POST", RESULTS, status=400, body=REFUSED, count=2)
    [progress] = progress_messages(discord_fake)
    await discord_fake.wait_for(lambda: "could not be posted" in status_text(progress), timeout=30)
    assert "Uploading" not in status_text(progress)
    assert result_messages(discord_fake) == []
    assert "could not reach the member" in bot.log
    # The requester is told last, once the job is closed.
    dm_channel = discord_fake.world.dm_channel(member).id
    await discord_fake.wait_for(lambda: bool(discord_fake.channel_messages(dm_channel)))
    shown = await answered(await discord_fake.slash_command("history", user_id=member))
    assert "could not be posted" in private_text(shown)


async def test_long_lyrics_by_direct_message_are_split_into_messages_discord_accepts(
    bots: Launcher, discord_fake: FakeDiscord, member: int
) -> None:
    await bots.start(providers=SANDBOX)
    lyrics = (MARKDOWN_LINE * 100)[:3990] + "\n"
    more = (MARKDOWN_LINE * 30)[:980] + "\nthe very last line"
    opened = await answered(await discord_fake.slash_command("compose", {}, user_id=member))
    await answered(
        await discord_fake.submit_modal(
            form_id(opened),
            {"title": "Long", "style": "folk", "lyrics": lyrics, "lyrics_more": more},
            user_id=member,
        )
    )
    [result] = await wait_results(discord_fake, 1)
    # Done is shown once the result's message id is stored, so the reaction finds its song.
    await wait_done(discord_fake)
    await discord_fake.add_reaction(result.id, "📜", user_id=member)
    dm_channel = discord_fake.world.dm_channel(member).id

    def last_lines() -> int:
        dms = discord_fake.channel_messages(dm_channel)
        return sum(_texts(m).count("the very last line") for m in dms)

    await discord_fake.wait_for(lambda: last_lines() == 2, timeout=15)  # one per track
    assert len(discord_fake.channel_messages(dm_channel)) > 2


async def test_two_long_lyrics_drafts_are_each_shown_and_usable(
    bots: Launcher, discord_fake: FakeDiscord, kie: KieEmulator, member: int
) -> None:
    kie.draft_verse = ("a verse that goes on and on\n" * 150)[:3950]
    await bots.start()
    asked = await answered(
        await discord_fake.slash_command("lyrics", {"theme": "endless"}, user_id=member)
    )
    await discord_fake.wait_for(lambda: len(asked.followups) == 2, timeout=15)
    second = asked.followups[1]
    assert kie.draft_verse in second.embeds[0]["description"]
    opened = await answered(
        await discord_fake.click_button(second.id, "draft:compose:2", user_id=member)
    )
    assert form_fields(opened)["lyrics"]["value"] == second.embeds[0]["description"]


async def test_history_of_long_titles_fits(
    bots: Launcher, discord_fake: FakeDiscord, member: int, tmp_path: Path
) -> None:
    await _seed_songs(tmp_path / "bot.sqlite3", discord_fake, member, count=25)
    await bots.start(extra="[actions]\nhistory_size = 25")
    shown = await answered(await discord_fake.slash_command("history", user_id=member))
    text = private_text(shown)
    assert text.count("[open](https://discord.com/channels/") == 25


async def _seed_songs(database: Path, fake: FakeDiscord, member: int, count: int) -> None:
    """Finished songs with the longest titles /history shows, already in the database."""
    store = await JobStore.open(database)
    try:
        for n in range(count):
            title = f"{n:02d} " + "_very*long~title " * 10
            job = Job(
                id=f"{n:016x}",
                guild_id=fake.guild_id,
                channel_id=fake.channel_id,
                user_id=member,
                provider="kie",
                request=GenerateRequest(model="v5", prompt="a song", title=title),
                state=TaskState.SUCCEEDED,
                result_message_id=discord.utils.time_snowflake(discord.utils.utcnow()) + n,
                created_at=time.time() - 60 * n,
                deadline_at=time.time(),
                closed_at=time.time(),
                tracks=[Track(vendor_task_id="t", vendor_track_id=f"a{n}", title=title)],
            )
            await store.add(job)
    finally:
        await store.close()
