"""A Spanish-speaking server and member: commands, answers and songs in Spanish."""

from __future__ import annotations

from typing import Any

from tests.e2e.conftest import Launcher
from tests.e2e.helpers import (
    answered,
    bot_messages,
    form_id,
    generate,
    response_embeds,
    response_text,
)
from tests.fakes.discord import FakeDiscord, FakeMessage
from tests.fakes.kie import KieEmulator


def _field(message: FakeMessage, name: str) -> str:
    """A field of the message's first embed as it stands after every edit."""
    embeds = message.embeds
    for edit in message.edits:
        embeds = edit.get("embeds", embeds)
    return next((str(f["value"]) for f in embeds[0].get("fields", []) if f["name"] == name), "")


def _songs(fake: FakeDiscord) -> list[FakeMessage]:
    """The result messages, in any language: the ones with the MP3s."""
    return [
        m for m in bot_messages(fake) if any(a.filename.endswith(".mp3") for a in m.attachments)
    ]


def _synced(fake: FakeDiscord, name: str) -> dict[str, Any]:
    return next(c for c in fake.commands if c["name"] == name)


# Names Spanish writes as English does: the translator leaves them to the default.
_SAME_IN_SPANISH = frozenset({"instrumental", "audio", "id"})


def _untranslated(entry: dict[str, Any], path: tuple[str, ...]) -> list[tuple[str, ...]]:
    """The names and descriptions of a command and its options with no Spanish text."""
    missing = []
    names = entry.get("name_localizations") or {}
    if "es-ES" not in names and entry["name"] not in _SAME_IN_SPANISH:
        missing.append((*path, "name"))
    # "…" is discord.py's stand-in for an option nobody described: nothing to translate.
    descriptions = entry.get("description_localizations") or {}
    if "es-ES" not in descriptions and entry.get("description") != "…":
        missing.append((*path, "description"))
    for option in entry.get("options") or []:
        missing += _untranslated(option, (*path, option["name"]))
    return missing


async def test_spanish_member_gets_spanish_commands_answers_and_songs(
    bots: Launcher, discord_fake: FakeDiscord, kie: KieEmulator, member: int
) -> None:
    discord_fake.world.guild_locale = "es-ES"
    discord_fake.world.user_locales[member] = "es-ES"
    await bots.start()

    # The fake checked the translated names against Discord's rules when they were synced.
    command = _synced(discord_fake, "generate")
    assert command["name_localizations"]["es-ES"] == "generar"
    assert command["description_localizations"]["es-ES"].startswith("Crea dos canciones")
    options = {o["name"]: o for o in command["options"]}
    assert options["title"]["name_localizations"]["es-ES"] == "título"
    untranslated = [path for c in discord_fake.commands for path in _untranslated(c, (c["name"],))]
    assert untranslated == []

    interaction = await generate(discord_fake, member, prompt="un vals lento", title="Vals")
    assert interaction.ephemeral
    assert response_text(interaction).startswith("En cola: **Vals** (trabajo `")

    await discord_fake.wait_for(lambda: len(_songs(discord_fake)) == 1, timeout=20)
    [progress] = [m for m in bot_messages(discord_fake) if "pidió una canción" in m.content]
    await discord_fake.wait_for(lambda: "Listo" in _field(progress, "Estado"), timeout=5)
    assert _field(progress, "Estado").startswith("✅ Listo: [ir a tus canciones](")
    assert _field(progress, "Tiempo").startswith("tardó ")

    [result] = _songs(discord_fake)
    assert f"<@{member}> ¡tu canción está lista! 🎶" in result.content
    fields = [f["name"] for embed in result.embeds for f in embed.get("fields", [])]
    assert "Duración" in fields
    assert "Duration" not in fields
    labels = [b["label"] for row in result.components for b in row["components"]]
    assert labels[:3] == ["Remezclar", "Editar y remezclar", "Eliminar"]
    assert "-# Reacciona con 🔁 remezclar" in result.content


async def test_english_member_in_spanish_server_reads_private_answers_in_english(
    bots: Launcher, discord_fake: FakeDiscord, kie: KieEmulator, member: int
) -> None:
    discord_fake.world.guild_locale = "es-ES"
    await bots.start()
    interaction = await generate(discord_fake, member, prompt="a slow waltz", title="Waltz")
    assert response_text(interaction).startswith("Queued **Waltz** (job `")
    await discord_fake.wait_for(lambda: len(_songs(discord_fake)) == 1, timeout=20)
    [result] = _songs(discord_fake)
    assert "¡tu canción está lista!" in result.content  # public: the server's language


async def test_spanish_member_composing_is_answered_in_spanish(
    bots: Launcher, discord_fake: FakeDiscord, kie: KieEmulator, member: int
) -> None:
    discord_fake.world.user_locales[member] = "es-419"
    await bots.start()
    opened = await answered(await discord_fake.slash_command("compose", {}, user_id=member))
    submitted = await answered(
        await discord_fake.submit_modal(
            form_id(opened),
            {"title": "Luna", "style": "bolero", "lyrics": "[Verse]\nla luna sobre el mar\n"},
            user_id=member,
        )
    )
    assert submitted.ephemeral
    assert response_text(submitted).startswith("En cola: **Luna** (trabajo `")


async def test_spanish_member_sees_the_line_in_spanish(
    bots: Launcher, discord_fake: FakeDiscord, kie: KieEmulator, member: int
) -> None:
    discord_fake.world.user_locales[member] = "es-ES"
    await bots.start()
    interaction = await answered(await discord_fake.slash_command("queue", {}, user_id=member))
    [embed] = response_embeds(interaction)
    assert embed["title"] == "La cola"
    description = str(embed["description"])
    assert "**0 canciones esperando** a enviarse a un servicio de música." in description
    assert "No tienes canciones esperando ni en preparación." in description
    assert "Una canción nueva ahora: n.º 1 en la cola · " in description
