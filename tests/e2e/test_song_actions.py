"""Buttons on a finished song: remix, edit and remix, extend, lyrics, more, delete."""

from __future__ import annotations

import asyncio

from tests.e2e.conftest import Launcher
from tests.e2e.helpers import (
    MODERATOR,
    answered,
    custom_ids,
    form_fields,
    form_id,
    generate,
    private_text,
    progress_messages,
    result_messages,
    wait_done,
    wait_results,
)
from tests.fakes.discord import FakeDiscord, FakeMessage
from tests.fakes.kie import KieEmulator


async def _first_song(fake: FakeDiscord, member: int) -> tuple[FakeMessage, str]:
    await generate(fake, member, prompt="a song about lighthouses", style="folk", title="Beacon")
    [result] = await wait_results(fake, 1)
    await wait_done(fake)
    job_id = result.embeds[0]["footer"]["text"].split(" ")[1]
    return result, job_id


async def test_result_offers_every_action_the_provider_has(
    bots: Launcher, discord_fake: FakeDiscord, member: int
) -> None:
    await bots.start()
    result, job = await _first_song(discord_fake, member)
    assert custom_ids(result) == [
        f"song:remix:{job}",
        f"song:edit:{job}",
        f"song:delete:{job}",
        f"track:extend:{job}:1",
        f"track:lyrics:{job}:1",
        f"track:more:{job}:1",
        f"track:extend:{job}:2",
        f"track:lyrics:{job}:2",
        f"track:more:{job}:2",
    ]
    assert "React 🔁 remix" in result.content


async def test_remix_makes_two_new_songs_with_the_same_settings(
    bots: Launcher, discord_fake: FakeDiscord, kie: KieEmulator, member: int
) -> None:
    await bots.start()
    result, job = await _first_song(discord_fake, member)
    other = discord_fake.add_member("bob")
    clicked = await answered(
        await discord_fake.click_button(result.id, f"song:remix:{job}", user_id=other)
    )
    assert clicked.ephemeral
    assert "Queued a remix" in private_text(clicked)
    results = await wait_results(discord_fake, 2)
    assert kie.submits[1]["prompt"] == kie.submits[0]["prompt"]
    remix = results[1]
    assert f"<@{other}>" in remix.content
    assert "Remix of [this song](" in remix.content
    assert str(result.id) in remix.content


async def test_edit_and_remix_opens_the_settings_filled_in(
    bots: Launcher, discord_fake: FakeDiscord, kie: KieEmulator, member: int
) -> None:
    await bots.start()
    result, job = await _first_song(discord_fake, member)
    opened = await answered(
        await discord_fake.click_button(result.id, f"song:edit:{job}", user_id=member)
    )
    fields = form_fields(opened)
    assert fields["prompt"]["value"] == "a song about lighthouses"
    assert fields["style"]["value"] == "folk"
    assert fields["title"]["value"] == "Beacon"
    await answered(
        await discord_fake.submit_modal(
            form_id(opened),
            {"prompt": "a song about harbours", "style": "folk", "title": "Harbour"},
            user_id=member,
        )
    )
    await wait_results(discord_fake, 2)
    assert kie.submits[1]["prompt"].startswith("a song about harbours")


async def test_lyrics_are_shown_privately(
    bots: Launcher, discord_fake: FakeDiscord, member: int
) -> None:
    await bots.start()
    result, job = await _first_song(discord_fake, member)
    other = discord_fake.add_member("bob")
    shown = await answered(
        await discord_fake.click_button(result.id, f"track:lyrics:{job}:2", user_id=other)
    )
    assert shown.ephemeral
    assert "a song about lighthouses" in private_text(shown)


async def test_delete_by_the_requester_removes_the_song(
    bots: Launcher, discord_fake: FakeDiscord, member: int
) -> None:
    await bots.start()
    result, job = await _first_song(discord_fake, member)
    done = await answered(
        await discord_fake.click_button(result.id, f"song:delete:{job}", user_id=member)
    )
    assert "Deleted" in private_text(done)
    await discord_fake.wait_for(lambda: discord_fake.message(result.id).deleted, timeout=5)
    assert progress_messages(discord_fake) == []


async def test_a_song_deleted_as_it_is_delivered_stays_deleted(
    bots: Launcher, discord_fake: FakeDiscord, member: int
) -> None:
    await bots.start()
    await generate(discord_fake, member, prompt="a song to regret", title="Oops")
    await discord_fake.wait_for(lambda: len(progress_messages(discord_fake)) == 1, timeout=10)
    # The result is in the channel, but the bot has not heard so yet when it is deleted.
    held = discord_fake.hold_next_message_create()
    result = await held.wait(timeout=20)
    job = result.embeds[0]["footer"]["text"].split(" ")[1]
    done = await answered(
        await discord_fake.click_button(result.id, f"song:delete:{job}", user_id=member)
    )
    assert "Deleted" in private_text(done)
    await discord_fake.wait_for(lambda: progress_messages(discord_fake) == [], timeout=5)
    held.release()
    # The runner's last word would be a "Done" on the progress message, now gone.
    await asyncio.sleep(1.5)
    assert progress_messages(discord_fake) == []
    assert result_messages(discord_fake) == []


async def test_someone_else_cannot_extend_or_delete(
    bots: Launcher, discord_fake: FakeDiscord, kie: KieEmulator, member: int
) -> None:
    await bots.start()
    result, job = await _first_song(discord_fake, member)
    other = discord_fake.add_member("bob")
    for custom_id in (f"song:delete:{job}", f"track:extend:{job}:1"):
        refused = await answered(
            await discord_fake.click_button(result.id, custom_id, user_id=other)
        )
        assert refused.ephemeral
        assert f"Only <@{member}>" in private_text(refused)
    assert not discord_fake.message(result.id).deleted
    assert kie.task_ids() == [kie.task_ids()[0]]


async def test_a_moderator_may_delete_any_song(
    bots: Launcher, discord_fake: FakeDiscord, member: int
) -> None:
    await bots.start()
    result, job = await _first_song(discord_fake, member)
    moderator = discord_fake.add_member("mod", permissions=MODERATOR)
    await answered(
        await discord_fake.click_button(result.id, f"song:delete:{job}", user_id=moderator)
    )
    await discord_fake.wait_for(lambda: discord_fake.message(result.id).deleted, timeout=5)


async def test_admin_can_keep_remixes_to_the_requester(
    bots: Launcher, discord_fake: FakeDiscord, kie: KieEmulator, member: int
) -> None:
    await bots.start(extra='[actions]\nremix_by = "requester"')
    result, job = await _first_song(discord_fake, member)
    other = discord_fake.add_member("bob")
    refused = await answered(
        await discord_fake.click_button(result.id, f"song:remix:{job}", user_id=other)
    )
    assert "only" in private_text(refused)
    assert len(kie.submits) == 1
    mine = await answered(
        await discord_fake.click_button(result.id, f"song:remix:{job}", user_id=member)
    )
    assert "Queued a remix" in private_text(mine)


async def test_buttons_work_after_a_restart(
    bots: Launcher, discord_fake: FakeDiscord, kie: KieEmulator, member: int
) -> None:
    bot = await bots.start()
    result, job = await _first_song(discord_fake, member)
    await bot.stop()
    await bots.restart(bot)
    clicked = await answered(
        await discord_fake.click_button(result.id, f"song:remix:{job}", user_id=member)
    )
    assert "Queued a remix" in private_text(clicked)
    await wait_results(discord_fake, 2)
