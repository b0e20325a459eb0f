"""A Spanish-speaking member in an English server: /cover, /history and /song answer in Spanish,
and a re-post everyone sees is in the server's English."""

from __future__ import annotations

from tests.e2e.conftest import Launcher
from tests.e2e.helpers import answered, generate, private_text, wait_done, wait_results
from tests.fakes.discord import FakeAttachment, FakeDiscord
from tests.fakes.kie import KieEmulator


async def test_spanish_member_library_and_cover_refusal(
    bots: Launcher, discord_fake: FakeDiscord, kie: KieEmulator, member: int
) -> None:
    discord_fake.world.user_locales[member] = "es-ES"
    await bots.start()

    upload = FakeAttachment("notas.txt", b"hola")
    refused = await answered(
        await discord_fake.slash_command(
            "cover", {"audio": upload, "style": "jazz"}, user_id=member
        )
    )
    await discord_fake.wait_for(lambda: bool(refused.followups), timeout=10)
    assert private_text(refused).startswith("`notas.txt` no es un archivo de audio que pueda leer")

    await generate(discord_fake, member, prompt="un vals lento", title="Vals")
    [original] = await wait_results(discord_fake, 1)
    await wait_done(discord_fake)
    job = original.embeds[0]["footer"]["text"].split(" ")[1]

    shown = await answered(await discord_fake.slash_command("history", user_id=member))
    assert shown.ephemeral
    assert shown.response is not None
    [embed] = shown.response["data"]["embeds"]
    assert embed["title"] == "Tus canciones recientes"
    assert f"`{job}` · " in embed["description"]
    assert " · canción **" in embed["description"]  # the track's title follows
    assert "** · [abrir](https://discord.com/channels/" in embed["description"]
    assert embed["footer"]["text"] == "Vuelve a publicar una con /canción <id>."

    missing = await answered(
        await discord_fake.slash_command("song", {"id": "nope"}, user_id=member)
    )
    assert private_text(missing) == "No hay ninguna canción `nope` en este servidor."

    asked = await answered(await discord_fake.slash_command("song", {"id": job}, user_id=member))
    await discord_fake.wait_for(lambda: bool(asked.followups), timeout=10)
    assert private_text(asked).startswith("Publicada de nuevo: https://discord.com/channels/")
    [repost] = [m for m in discord_fake.channel_messages() if f"again (job `{job}`)" in m.content]
    assert repost.content.startswith(f"<@{member}> posted **")  # public: the server's English
