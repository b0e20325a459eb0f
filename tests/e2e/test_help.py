"""/help through Discord: this server's commands, this member's rights and quota, where songs go."""

from __future__ import annotations

from tests.e2e.botproc import vendor_provider
from tests.e2e.conftest import Launcher
from tests.e2e.helpers import (
    MANAGE_GUILD,
    MODERATOR,
    generate,
    response_embeds,
    response_text,
    settings,
)
from tests.fakes.apixo import ApixoEmulator
from tests.fakes.discord import FakeDiscord, FakeInteraction
from tests.fakes.kie import KieEmulator


async def help_page(fake: FakeDiscord, user_id: int) -> str:
    """Every title, description and field of the private answer to /help, as one text."""
    interaction: FakeInteraction = await fake.slash_command("help", {}, user_id=user_id)
    await interaction.wait_response(timeout=10)
    assert interaction.ephemeral
    parts = [response_text(interaction)]
    for embed in response_embeds(interaction):
        parts += [str(embed.get("title", "")), str(embed.get("description", ""))]
        fields = embed.get("fields", [])
        assert isinstance(fields, list)
        parts += [f"{f['name']}: {f['value']}" for f in fields]
    return "\n".join(parts)


async def test_help_shows_a_member_the_commands_their_rights_quota_and_where_songs_go(
    bots: Launcher, discord_fake: FakeDiscord, kie: KieEmulator, member: int
) -> None:
    await bots.start(extra="[quotas]\nmember_per_day = 3")
    assert "Queued" in response_text(await generate(discord_fake, member, prompt="a song"))

    page = await help_page(discord_fake, member)
    for command in (
        *("generate", "compose", "lyrics", "cover", "extend-upload", "add-vocals"),
        *("add-instrumental", "history", "usage", "queue", "help"),
    ):
        assert f"`/{command}`" in page, command
    assert "Make two songs from a description." in page  # one line each, as Discord shows it
    assert "Make songs:** yes" in page
    costly = "Extend, cover, upload extend, add vocals, add instrumental, WAV, stems, video"
    assert f"{costly}:** yes" in page
    assert "Remix anyone's songs:** yes" in page
    assert "Cancel or delete others' songs:** no (needs Manage Messages)" in page
    assert "Last 24 hours:** 2 of 3 left" in page
    assert "Last 7 days:** no limit" in page
    assert "Where songs are made:** any channel where I can post" in page
    assert "For server managers" not in page

    moderator = discord_fake.add_member("mod", permissions=MODERATOR)
    assert "Cancel or delete others' songs:** yes" in await help_page(discord_fake, moderator)


async def test_help_shows_a_server_manager_the_admin_commands_and_where_rules_come_from(
    bots: Launcher, discord_fake: FakeDiscord, kie: KieEmulator
) -> None:
    await bots.start(extra='[budget]\nmonthly_usd = 5\n[actions]\nremix_by = "requester"')
    admin = discord_fake.add_member("admin", permissions=MANAGE_GUILD)
    page = await help_page(discord_fake, admin)
    assert "For server managers" in page
    assert "`/usage` also shows this server's spending" in page
    assert "Monthly budget:** $5.00 · config.toml" in page
    assert "Who may remix:** requester · config.toml" in page
    assert "Song channels:** any channel where I can post · default" in page
    # Remixing others' songs is the requester's only, unless one manages messages.
    assert "Remix anyone's songs:** no (only your own" in page

    # A value the server set is its own, even when it equals config.toml's.
    await settings(discord_fake, admin, "remix-by", who="requester")
    page = await help_page(discord_fake, admin)
    assert "Who may remix:** requester · /settings" in page
    assert "Monthly budget:** $5.00 · config.toml" in page


async def test_commands_no_provider_can_carry_out_are_left_out_of_help_and_named_in_the_log(
    bots: Launcher, discord_fake: FakeDiscord, apixo: ApixoEmulator, member: int
) -> None:
    bot = await bots.start(providers=vendor_provider("apixo", apixo.base_url))
    page = await help_page(discord_fake, member)
    assert "`/compose`" in page
    for command in ("cover", "extend-upload", "add-vocals", "add-instrumental"):
        assert f"`/{command}`" not in page
    assert "`/lyrics`" not in page
    assert "Extend, cover" not in page  # APIXO does none of the costly operations
    await bot.stop()
    lines = [line for line in bot.log.splitlines() if "not offered:" in line]
    assert all(" INFO " in line for line in lines)
    said = "\n".join(lines)
    assert "/lyrics (no provider writes lyrics)" in said
    assert "/cover (no provider does upload-cover)" in said
    assert "/add-vocals (no provider adds vocals)" in said
