"""A Spanish-speaking server's admin and moderators: /settings and the audit log in Spanish."""

from __future__ import annotations

from tests.e2e.conftest import Launcher
from tests.e2e.helpers import MANAGE_GUILD, generate, private_text, response_text
from tests.e2e.test_moderation import start_with_audit, wait_audit
from tests.e2e.test_settings import settings
from tests.fakes.discord import FakeDiscord
from tests.fakes.kie import KieEmulator


async def test_spanish_admin_reads_settings_and_a_blocked_request_in_spanish(
    bots: Launcher, discord_fake: FakeDiscord, kie: KieEmulator, member: int
) -> None:
    discord_fake.world.guild_locale = "es-ES"
    discord_fake.world.user_locales[member] = "es-ES"
    audit = await start_with_audit(bots, discord_fake)
    admin = discord_fake.add_member("administradora", permissions=MANAGE_GUILD)
    discord_fake.world.user_locales[admin] = "es-ES"

    shown = private_text(await settings(discord_fake, admin, "show"))
    assert f"**audit_channel**: <#{audit}> (servidor)" in shown
    assert "**song_channels**: cualquier canal (config.toml)" in shown

    refused = await generate(discord_fake, member, prompt="una balada como Taylor Swift")
    assert refused.ephemeral
    assert response_text(refused) == (
        "La descripción contiene una palabra o un nombre que este servidor no permite."
    )
    # Moderators read the server's language, and the term the member was not told.
    line = await wait_audit(discord_fake, audit, "Rechazada", f"<@{member}>")
    assert "la descripción contiene el término bloqueado “taylor swift”" in line
    assert kie.submits == []
