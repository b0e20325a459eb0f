"""A Spanish-speaking member acting on a finished song is answered in Spanish."""

from __future__ import annotations

from tests.e2e.conftest import Launcher
from tests.e2e.helpers import answered, generate, private_text, wait_done, wait_results
from tests.fakes.discord import FakeDiscord
from tests.fakes.kie import KieEmulator


async def test_spanish_member_gets_spanish_answers_and_refusals_on_a_finished_song(
    bots: Launcher, discord_fake: FakeDiscord, kie: KieEmulator, member: int
) -> None:
    # The server is English (its public messages are), the member Spanish.
    discord_fake.world.user_locales[member] = "es-ES"
    await bots.start()
    await generate(discord_fake, member, prompt="un faro en la niebla", title="Faro")
    [result] = await wait_results(discord_fake, 1)
    await wait_done(discord_fake)
    job = result.embeds[0]["footer"]["text"].split(" ")[1]

    more = await answered(
        await discord_fake.click_button(result.id, f"track:more:{job}:1", user_id=member)
    )
    assert private_text(more) == "Más para la pista 1:"
    assert more.response is not None
    rows = more.response["data"]["components"]
    labels = [b["label"] for row in rows for b in row["components"]]
    assert labels == ["WAV", "Pistas", "Vídeo", "Letra sincronizada"]

    deleted = await answered(
        await discord_fake.click_button(result.id, f"song:delete:{job}", user_id=member)
    )
    assert private_text(deleted) == "Eliminado."

    # The private menu outlives the song; its buttons are refused, in Spanish.
    [menu] = [m for m in discord_fake.channel_messages() if m.ephemeral and m.components]
    refused = await answered(
        await discord_fake.click_button(menu.id, f"track:wav:{job}:1", user_id=member)
    )
    assert private_text(refused) == "Esta canción fue eliminada."
