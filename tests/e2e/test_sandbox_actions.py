"""The quick start's provider does the follow-ups too: lyrics, paging, extend, WAV, stems."""

from __future__ import annotations

import io
import wave

import miniaudio

from tests.e2e.conftest import Launcher
from tests.e2e.helpers import (
    answered,
    custom_ids,
    form_fields,
    form_id,
    response_embeds,
    wait_done,
    wait_results,
)
from tests.fakes.discord import FakeDiscord
from tests.fakes.kie import KieEmulator

SANDBOX = (
    '[[providers]]\nname = "sandbox"\nkind = "sandbox"\nstage_seconds = 0.2\ntrack_seconds = 3.0\n'
)
LINE = "we sang it in the sandbox and it sang it back\n"


def _job_id(result_footer: str) -> str:
    return result_footer.split(" ")[1]


async def test_written_lyrics_become_a_song_whose_lyrics_page(
    bots: Launcher, discord_fake: FakeDiscord, kie: KieEmulator, member: int
) -> None:
    await bots.start(providers=SANDBOX)
    commands = {c["name"] for c in discord_fake.commands}
    assert {"compose", "lyrics", "cover"} <= commands

    asked = await answered(
        await discord_fake.slash_command("lyrics", {"theme": "paper boats"}, user_id=member)
    )
    await discord_fake.wait_for(lambda: len(asked.followups) == 2, timeout=15)
    drafts = asked.followups[0]
    assert "paper" in drafts.embeds[0]["description"].lower()
    opened = await answered(
        await discord_fake.click_button(drafts.id, "draft:compose:1", user_id=member)
    )
    # The draft is short; a long verse is appended so that the lyrics need pages.
    lyrics = str(form_fields(opened)["lyrics"]["value"]) + "\n" + LINE * 80
    await answered(
        await discord_fake.submit_modal(
            form_id(opened), {"lyrics": lyrics[:4000], "style": "folk"}, user_id=member
        )
    )
    [result] = await wait_results(discord_fake, 1)
    await wait_done(discord_fake)
    job = _job_id(result.embeds[0]["footer"]["text"])

    shown = await answered(
        await discord_fake.click_button(result.id, f"track:lyrics:{job}:1", user_id=member)
    )
    assert shown.ephemeral
    [first] = response_embeds(shown)
    assert first["footer"]["text"] == "page 1 of 3"
    assert first["description"].startswith("[Verse]")
    turned = await answered(
        await discord_fake.click_button(
            _ephemeral_with(discord_fake, f"lyrics:{job}:1:1"), f"lyrics:{job}:1:1", user_id=member
        )
    )
    [page] = response_embeds(turned)
    assert page["footer"]["text"] == "page 2 of 3"
    assert LINE.strip() in page["description"]


async def test_extend_then_wav_and_stems_of_the_extension(
    bots: Launcher, discord_fake: FakeDiscord, kie: KieEmulator, member: int
) -> None:
    await bots.start(providers=SANDBOX)
    opened = await answered(
        await discord_fake.slash_command("compose", {"instrumental": True}, user_id=member)
    )
    await answered(
        await discord_fake.submit_modal(
            form_id(opened), {"title": "Dunes", "style": "ambient"}, user_id=member
        )
    )
    [song] = await wait_results(discord_fake, 1)
    await wait_done(discord_fake)
    job = _job_id(song.embeds[0]["footer"]["text"])
    form = await answered(
        await discord_fake.click_button(song.id, f"track:extend:{job}:2", user_id=member)
    )
    await answered(
        await discord_fake.submit_modal(form_id(form), {"continue_at": "2"}, user_id=member)
    )
    results = await wait_results(discord_fake, 2)
    await wait_done(discord_fake)
    extension = results[1]
    assert "Extension of track 2 of [this song](" in extension.content
    mp3s = [a for a in extension.attachments if a.filename.endswith(".mp3")]
    # Two seconds of the source, then three of its own.
    assert [round(miniaudio.decode(m.data).duration) for m in mp3s] == [5, 5]

    ext_job = _job_id(extension.embeds[0]["footer"]["text"])
    menu = await answered(
        await discord_fake.click_button(extension.id, f"track:more:{ext_job}:1", user_id=member)
    )
    assert menu.ephemeral
    menu_id = _ephemeral_with(discord_fake, f"track:wav:{ext_job}:1")
    assert f"track:video:{ext_job}:1" not in custom_ids(discord_fake.message(menu_id))
    for action in ("wav", "stems"):
        await answered(
            await discord_fake.click_button(menu_id, f"track:{action}:{ext_job}:1", user_id=member)
        )
    files = await wait_results(discord_fake, 4)
    [wav] = [a for r in files[2:] for a in r.attachments if a.filename.endswith(".wav")]
    with wave.open(io.BytesIO(wav.data)) as audio:
        assert round(audio.getnframes() / audio.getframerate()) == 5
    [stems] = [r for r in files[2:] if "stems" in r.content.lower()]
    assert len(stems.attachments) == 2
    assert "track 1 of" in stems.content
    assert kie.submits == []


def _ephemeral_with(fake: FakeDiscord, custom_id: str) -> int:
    """The private message the bot sent that carries a button with ``custom_id``."""
    [message] = [m for m in fake.channel_messages() if m.ephemeral and custom_id in custom_ids(m)]
    return message.id
