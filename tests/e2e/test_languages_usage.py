"""A Spanish-speaking member meets their quota and reads /help in Spanish."""

from __future__ import annotations

from tests.e2e.conftest import Launcher
from tests.e2e.helpers import generate, response_text
from tests.e2e.test_help import help_page
from tests.fakes.discord import FakeDiscord
from tests.fakes.kie import KieEmulator


async def test_spanish_member_is_refused_by_the_quota_and_reads_help_in_spanish(
    bots: Launcher, discord_fake: FakeDiscord, kie: KieEmulator, member: int
) -> None:
    discord_fake.world.user_locales[member] = "es-ES"
    await bots.start(extra="[quotas]\nmember_per_day = 1")
    assert response_text(await generate(discord_fake, member, prompt="un vals")).startswith(
        "En cola:"
    )

    refused = await generate(discord_fake, member, prompt="otro vals")
    assert refused.ephemeral
    text = response_text(refused)
    assert text.startswith("Has agotado tu cuota diaria de 1 canción en este servidor.")
    assert "Podrás crear tu próxima canción <t:" in text

    page = await help_page(discord_fake, member)
    assert "Lo que puedo hacer en este servidor" in page
    assert "`/generar` — Crea dos canciones" in page
    assert "**Crear canciones:** sí" in page
    assert "**Últimas 24 horas:** quedan 0 de 1" in page
    assert "**Últimos 7 días:** sin límite" in page
    assert "**Dónde se crean las canciones:** cualquier canal donde pueda publicar" in page
