"""A member types /generate and gets two songs with covers in the channel."""

from __future__ import annotations

import io

import miniaudio
from PIL import Image

from tests.e2e.conftest import Launcher
from tests.e2e.helpers import (
    generate,
    progress_messages,
    response_text,
    result_messages,
    status_text,
)
from tests.fakes.discord import FakeDiscord
from tests.fakes.kie import KieEmulator


async def test_generate_delivers_two_songs_with_covers(
    bots: Launcher, discord_fake: FakeDiscord, kie: KieEmulator, member: int
) -> None:
    await bots.start()
    interaction = await generate(
        discord_fake, member, prompt="a calm piano piece at dawn", style="ambient", title="Dawn"
    )
    assert interaction.ephemeral
    assert "Queued" in response_text(interaction)
    assert interaction.responded_at is not None
    assert interaction.responded_at - interaction.dispatched_at < 3

    await discord_fake.wait_for(lambda: len(result_messages(discord_fake)) == 1, timeout=20)
    [result] = result_messages(discord_fake)
    mp3s = [a for a in result.attachments if a.filename.endswith(".mp3")]
    covers = [a for a in result.attachments if a.filename.endswith(".png")]
    assert len(mp3s) == 2
    assert len(covers) == 2
    for mp3 in mp3s:
        assert mp3.data == kie.audio_bytes
        assert miniaudio.decode(mp3.data).duration > 0
    for cover in covers:
        Image.open(io.BytesIO(cover.data)).verify()
    assert [e["footer"]["text"].split(" · ")[-1] for e in result.embeds] == ["track 1", "track 2"]
    assert all(
        e.get("thumbnail", {}).get("url", "").startswith("attachment://") for e in result.embeds
    )
    assert f"<@{member}>" in result.content
    assert result.allowed_mentions is not None
    assert result.allowed_mentions["parse"] == []
    assert [int(u) for u in result.allowed_mentions["users"]] == [member]

    # One progress message, edited through the stages, ending on "Done" with a link.
    [progress] = progress_messages(discord_fake)
    await discord_fake.wait_for(lambda: "Done" in status_text(progress), timeout=5)
    assert str(result.id) in status_text(progress)
    stages = 6  # waiting, queued, running, partial, delivering, done
    assert len(progress.edits) <= stages - 1
    assert result.message_reference is not None
    assert int(result.message_reference["message_id"]) == progress.id

    # The vendor saw one submit, in its own dialect, and no more polls than needed.
    assert len(kie.submits) == 1
    assert kie.submits[0]["customMode"] is False
    assert "ambient" in kie.submits[0]["prompt"]


async def test_user_text_never_pings(
    bots: Launcher, discord_fake: FakeDiscord, kie: KieEmulator, member: int
) -> None:
    await bots.start()
    sneaky = "@everyone @here <@&123456789012345678> <@98765432109876543> party song"
    await generate(discord_fake, member, prompt=sneaky, title="@everyone")
    await discord_fake.wait_for(lambda: len(result_messages(discord_fake)) == 1, timeout=20)
    for message in [*progress_messages(discord_fake), *result_messages(discord_fake)]:
        assert message.allowed_mentions is not None
        assert message.allowed_mentions.get("parse") == []
        assert "@everyone" not in message.content
        users = [int(u) for u in message.allowed_mentions.get("users", [])]
        assert users in ([], [member])


async def test_sandbox_provider_needs_no_vendor(
    bots: Launcher, discord_fake: FakeDiscord, kie: KieEmulator, member: int
) -> None:
    sandbox = '[[providers]]\nname = "sandbox"\nkind = "sandbox"\nstage_seconds = 0.3\n'
    await bots.start(providers=sandbox)
    await generate(discord_fake, member, prompt="lofi beats to test bots to")
    await discord_fake.wait_for(lambda: len(result_messages(discord_fake)) == 1, timeout=20)
    [result] = result_messages(discord_fake)
    mp3s = [a for a in result.attachments if a.filename.endswith(".mp3")]
    assert len(mp3s) == 2
    assert mp3s[0].data != mp3s[1].data
    assert all(miniaudio.decode(m.data).duration > 5 for m in mp3s)
    assert kie.submits == []


async def test_commands_carry_the_configured_models(
    bots: Launcher, discord_fake: FakeDiscord
) -> None:
    kie_v5_only = (
        '[[providers]]\nname = "kie"\nkind = "kie"\nbase_url = "http://127.0.0.1:9"\n'
        'models = ["v4", "v5"]\n'
    )
    await bots.start(providers=kie_v5_only)
    [command] = [c for c in discord_fake.commands if c["name"] == "generate"]
    options = {o["name"]: o for o in command["options"]}
    assert options["prompt"]["required"] is True
    assert [c["value"] for c in options["model"]["choices"]] == ["v4", "v5"]
    assert set(options) == {"prompt", "instrumental", "model", "style", "title"}
