"""Extend, WAV, stems, video, timed lyrics, written lyrics and covers through kie.ai."""

from __future__ import annotations

import io
import wave

from tests.e2e.conftest import Launcher
from tests.e2e.helpers import (
    answered,
    custom_ids,
    form_fields,
    form_id,
    generate,
    private_text,
    wait_done,
    wait_results,
)
from tests.fakes.discord import FakeAttachment, FakeDiscord, FakeMessage
from tests.fakes.kie import KieEmulator

EXTEND_PATH = "/api/v1/generate/extend"


async def _song(fake: FakeDiscord, member: int) -> tuple[FakeMessage, str]:
    await generate(fake, member, prompt="a song about the sea", style="shanty", title="Tide")
    [result] = await wait_results(fake, 1)
    await wait_done(fake)
    return result, result.embeds[0]["footer"]["text"].split(" ")[1]


async def test_extend_from_a_chosen_second_with_new_lyrics(
    bots: Launcher, discord_fake: FakeDiscord, kie: KieEmulator, member: int
) -> None:
    await bots.start()
    result, job = await _song(discord_fake, member)
    opened = await answered(
        await discord_fake.click_button(result.id, f"track:extend:{job}:2", user_id=member)
    )
    assert set(form_fields(opened)) == {"continue_at", "lyrics", "style", "title"}
    await answered(
        await discord_fake.submit_modal(
            form_id(opened), {"continue_at": "1", "lyrics": "[Bridge]\nthe tide turns"},
            user_id=member,
        )
    )  # fmt: skip
    results = await wait_results(discord_fake, 2)
    [body] = kie.calls(EXTEND_PATH)
    assert body["audioId"] == kie.submitted_track_ids(0)[1]
    assert body["defaultParamFlag"] is True
    assert body["continueAt"] == 1
    assert body["prompt"] == "[Bridge]\nthe tide turns"
    assert body["model"] == kie.submits[0]["model"]
    assert "Extension of track 2 of [this song](" in results[1].content


async def test_extend_reaction_continues_track_one_from_its_end(
    bots: Launcher, discord_fake: FakeDiscord, kie: KieEmulator, member: int
) -> None:
    await bots.start()
    result, _ = await _song(discord_fake, member)
    await discord_fake.add_reaction(result.id, "⏩", user_id=member)
    await wait_results(discord_fake, 2)
    [body] = kie.calls(EXTEND_PATH)
    assert body["audioId"] == kie.submitted_track_ids(0)[0]
    assert body["defaultParamFlag"] is False

    other = discord_fake.add_member("bob")
    await discord_fake.add_reaction(result.id, "⏩", user_id=other)
    dm = discord_fake.world.dm_channel(other).id
    await discord_fake.wait_for(lambda: len(discord_fake.channel_messages(dm)) == 1)
    assert len(kie.calls(EXTEND_PATH)) == 1


async def test_more_offers_wav_stems_video_and_timed_lyrics(
    bots: Launcher, discord_fake: FakeDiscord, kie: KieEmulator, member: int
) -> None:
    await bots.start()
    result, job = await _song(discord_fake, member)
    menu = await answered(
        await discord_fake.click_button(result.id, f"track:more:{job}:1", user_id=member)
    )
    assert menu.ephemeral
    [menu_message] = [m for m in discord_fake.channel_messages() if m.ephemeral and m.components]
    assert custom_ids(menu_message) == [
        f"track:{action}:{job}:1" for action in ("wav", "stems", "video", "timed")
    ]

    for action in ("wav", "stems", "video"):
        queued = await answered(
            await discord_fake.click_button(
                menu_message.id, f"track:{action}:{job}:1", user_id=member
            )
        )
        assert "Queued" in private_text(queued)
    results = await wait_results(discord_fake, 4)
    files = {a.filename.rsplit(".", 1)[-1]: a for r in results[1:] for a in r.attachments}
    assert set(files) == {"wav", "mp3", "mp4"}
    assert files["wav"].data
    stems = next(r for r in results[1:] if "stems" in r.content)
    assert len(stems.attachments) == 2
    assert all(
        "WAV of track 1 of" in r.content or "of track 1 of" in r.content for r in results[1:]
    )

    timed = await answered(
        await discord_fake.click_button(menu_message.id, f"track:timed:{job}:1", user_id=member)
    )
    await discord_fake.wait_for(lambda: bool(timed.followups), timeout=10)
    assert "`[0:0" in private_text(timed)


async def test_lyrics_command_drafts_open_the_form_filled_in(
    bots: Launcher, discord_fake: FakeDiscord, kie: KieEmulator, member: int
) -> None:
    await bots.start()
    asked = await answered(
        await discord_fake.slash_command("lyrics", {"theme": "a lighthouse keeper"}, user_id=member)
    )
    await discord_fake.wait_for(lambda: len(asked.followups) == 2, timeout=15)
    first, answer = asked.followups  # a message per draft
    assert first.ephemeral
    assert answer.ephemeral
    assert first.embeds[0]["description"] != answer.embeds[0]["description"]
    opened = await answered(
        await discord_fake.click_button(answer.id, "draft:compose:2", user_id=member)
    )
    fields = form_fields(opened)
    assert fields["lyrics"]["value"] == answer.embeds[0]["description"]
    assert fields["title"]["value"] == answer.embeds[0]["title"]


async def test_cover_restyles_an_upload(
    bots: Launcher, discord_fake: FakeDiscord, kie: KieEmulator, member: int
) -> None:
    await bots.start()
    upload = FakeAttachment("mine.mp3", kie.audio_bytes)
    asked = await answered(
        await discord_fake.slash_command(
            "cover", {"audio": upload, "style": "jazz trio", "title": "Mine, in jazz"},
            user_id=member,
        )
    )  # fmt: skip
    await discord_fake.wait_for(lambda: bool(asked.followups), timeout=10)
    assert "Queued a cover" in private_text(asked)
    await wait_results(discord_fake, 1)
    [body] = kie.calls("/api/v1/generate/upload-cover")
    assert body["uploadUrl"].endswith("/mine.mp3")
    assert "jazz trio" in body["prompt"]


async def test_cover_refuses_what_is_not_a_short_song(
    bots: Launcher, discord_fake: FakeDiscord, kie: KieEmulator, member: int
) -> None:
    await bots.start(extra="[actions]\nupload_max_mb = 0.02\nupload_max_minutes = 0.01")
    for upload, words in (
        (FakeAttachment("notes.txt", b"hello"), "not an audio file"),
        (FakeAttachment("big.mp3", bytes(30_000)), "at most 0.02 MB"),
        (FakeAttachment("broken.mp3", b"not really an mp3"), "could not read `broken.mp3`"),
        (FakeAttachment("long.wav", _silence(seconds=1)), "at most 0.01 minutes"),
    ):
        asked = await answered(
            await discord_fake.slash_command(
                "cover", {"audio": upload, "style": "jazz"}, user_id=member
            )
        )
        await discord_fake.wait_for(lambda a=asked: bool(a.followups), timeout=10)  # type: ignore[misc]
        assert words in private_text(asked)
    assert kie.calls("/api/v1/generate/upload-cover") == []


def _silence(seconds: float) -> bytes:
    """A small but real WAV: 8 kHz mono, 8-bit."""
    out = io.BytesIO()
    with wave.open(out, "wb") as wav:
        wav.setnchannels(1)
        wav.setsampwidth(1)
        wav.setframerate(8000)
        wav.writeframes(b"\x80" * int(8000 * seconds))
    return out.getvalue()
