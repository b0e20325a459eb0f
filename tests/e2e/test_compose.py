"""/compose: a member writes lyrics in a form and gets two songs sung from them."""

from __future__ import annotations

from tests.e2e.conftest import Launcher
from tests.e2e.helpers import (
    answered,
    form_fields,
    form_id,
    private_text,
    response_text,
    wait_results,
)
from tests.fakes.discord import FakeAttachment, FakeDiscord
from tests.fakes.kie import KieEmulator

VERSE = "[Verse]\nwe walked along the river\nthe lights were coming on\n"


async def test_short_lyrics_make_a_custom_song(
    bots: Launcher, discord_fake: FakeDiscord, kie: KieEmulator, member: int
) -> None:
    await bots.start()
    opened = await answered(
        await discord_fake.slash_command(
            "compose", {"model": "v4.5", "vocal_gender": "f", "weirdness": 0.3}, user_id=member
        )
    )
    fields = form_fields(opened)
    assert set(fields) == {"title", "style", "lyrics", "lyrics_more", "negative_tags"}
    assert fields["lyrics"]["max_length"] == 4000

    submitted = await answered(
        await discord_fake.submit_modal(
            form_id(opened),
            {"title": "River", "style": "indie folk", "lyrics": VERSE, "negative_tags": "metal"},
            user_id=member,
        )
    )
    assert submitted.ephemeral
    assert "Queued **River**" in response_text(submitted)
    [result] = await wait_results(discord_fake, 1)
    [body] = kie.submits
    assert body["customMode"] is True
    assert body["prompt"] == VERSE.strip()
    assert (body["style"], body["title"], body["negativeTags"]) == ("indie folk", "River", "metal")
    assert body["vocalGender"] == "f"
    assert body["weirdnessConstraint"] == 0.3
    assert "styleWeight" not in body
    assert len([a for a in result.attachments if a.filename.endswith(".mp3")]) == 2


async def test_long_lyrics_span_two_fields(
    bots: Launcher, discord_fake: FakeDiscord, kie: KieEmulator, member: int
) -> None:
    await bots.start()
    first = (VERSE * 80)[:3990]
    second = (VERSE * 20)[:800]
    opened = await answered(await discord_fake.slash_command("compose", {}, user_id=member))
    await answered(
        await discord_fake.submit_modal(
            form_id(opened),
            {"title": "Long", "style": "rock", "lyrics": first, "lyrics_more": second},
            user_id=member,
        )
    )
    await wait_results(discord_fake, 1)
    [body] = kie.submits
    assert body["prompt"] == f"{first.strip()}\n{second.strip()}"
    assert len(body["prompt"]) > 4000


async def test_lyrics_file_fills_the_form(
    bots: Launcher, discord_fake: FakeDiscord, kie: KieEmulator, member: int
) -> None:
    await bots.start()
    lyrics = (VERSE * 70).strip()  # about 4,400 characters: more than one field holds
    opened = await answered(
        await discord_fake.slash_command(
            "compose",
            {"lyrics_file": FakeAttachment("song.txt", lyrics.encode())},
            user_id=member,
        )
    )
    fields = form_fields(opened)
    assert f"{fields['lyrics']['value']}\n{fields['lyrics_more']['value']}" == lyrics
    await answered(
        await discord_fake.submit_modal(
            form_id(opened), {"title": "From a file", "style": "pop"}, user_id=member
        )
    )
    await wait_results(discord_fake, 1)
    assert kie.submits[0]["prompt"] == lyrics


async def test_lyrics_over_the_model_limit_are_refused(
    bots: Launcher, discord_fake: FakeDiscord, kie: KieEmulator, member: int
) -> None:
    await bots.start()
    # Two full fields hold 8,000 characters; V4.5 takes 5,000.
    opened = await answered(
        await discord_fake.slash_command("compose", {"model": "v4.5"}, user_id=member)
    )
    refused = await answered(
        await discord_fake.submit_modal(
            form_id(opened),
            {
                "title": "Too long",
                "style": "pop",
                "lyrics": "la " * 1300,
                "lyrics_more": "la " * 900,
            },
            user_id=member,
        )
    )
    assert refused.ephemeral
    assert "`lyrics` is 6,599 characters" in private_text(refused)
    assert "allows at most 5,000" in private_text(refused)
    assert kie.submits == []


async def test_a_lyrics_file_too_long_for_the_model_opens_no_form(
    bots: Launcher, discord_fake: FakeDiscord, kie: KieEmulator, member: int
) -> None:
    await bots.start()
    lyrics = (VERSE * 60).strip()  # about 3,800 characters; V4 takes 3,000
    refused = await answered(
        await discord_fake.slash_command(
            "compose",
            {"model": "v4", "lyrics_file": FakeAttachment("song.txt", lyrics.encode())},
            user_id=member,
        )
    )
    assert refused.ephemeral
    assert f"The lyrics are {len(lyrics):,} characters" in private_text(refused)
    assert "V4 takes at most 3,000" in private_text(refused)
    assert kie.submits == []


async def test_instrumental_needs_only_style_and_title(
    bots: Launcher, discord_fake: FakeDiscord, kie: KieEmulator, member: int
) -> None:
    await bots.start()
    opened = await answered(
        await discord_fake.slash_command("compose", {"instrumental": True}, user_id=member)
    )
    assert "lyrics" not in form_fields(opened)
    await answered(
        await discord_fake.submit_modal(
            form_id(opened), {"title": "Quiet", "style": "ambient piano"}, user_id=member
        )
    )
    await wait_results(discord_fake, 1)
    [body] = kie.submits
    assert body["customMode"] is True
    assert body["instrumental"] is True
    assert not body.get("prompt")


async def test_a_form_filled_across_a_restart_still_makes_the_song(
    bots: Launcher, discord_fake: FakeDiscord, kie: KieEmulator, member: int
) -> None:
    bot = await bots.start()
    opened = await answered(await discord_fake.slash_command("compose", {}, user_id=member))
    await bot.stop()
    await bots.restart(bot)
    submitted = await answered(
        await discord_fake.submit_modal(
            form_id(opened),
            {"title": "Survivor", "style": "soul", "lyrics": VERSE},
            user_id=member,
        )
    )
    assert "Queued **Survivor**" in response_text(submitted)
    await wait_results(discord_fake, 1)
    assert kie.submits[0]["title"] == "Survivor"
