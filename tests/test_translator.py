"""Translated command names and descriptions follow Discord's rules (the fake's checks)."""

from __future__ import annotations

import discord
import pytest
from discord import app_commands
from discord.app_commands import TranslationContext
from discord.app_commands import TranslationContextLocation as Where

from bot.discord.translator import CatalogTranslator
from tests.fakes.discord.responses import ApiError
from tests.fakes.discord.validation import validate_commands


@app_commands.command(name="generate", description="Make two songs from a description.")
@app_commands.describe(title="A title for the songs", style="Genre, mood, instruments")
async def generate(interaction: discord.Interaction, title: str, style: str = "") -> None:
    """A stand-in with /generate's names, translated as the bot's is."""


async def _payload() -> dict[str, object]:
    return await generate.get_translated_payload(
        app_commands.CommandTree(discord.Client(intents=discord.Intents.none())),
        CatalogTranslator(),
    )


async def test_spanish_names_and_descriptions_are_valid_for_discord() -> None:
    payload = await _payload()
    validate_commands([payload])  # raises ApiError on a name Discord would refuse
    assert payload["name_localizations"] == {"es-ES": "generar", "es-419": "generar"}
    titles = [o for o in payload["options"] if o["name"] == "title"]  # type: ignore[attr-defined]
    assert titles[0]["name_localizations"]["es-ES"] == "título"
    assert titles[0]["description_localizations"]["es-419"] == "Un título para las canciones"


async def test_english_and_untranslated_text_keep_the_default() -> None:
    translate = CatalogTranslator().translate
    name = TranslationContext(Where.command_name, None)
    english, spanish = discord.Locale.american_english, discord.Locale.spain_spanish
    assert await translate(app_commands.locale_str("generate"), english, name) is None
    assert await translate(app_commands.locale_str("nowhere"), spanish, name) is None


@pytest.mark.parametrize(
    ("entry", "reason"),
    [
        ({"name_localizations": {"es-ES": "Generar"}}, "uppercase"),
        ({"name_localizations": {"es-ES": "generar canciones"}}, "space"),
        ({"name_localizations": {"es": "generar"}}, "not a Discord locale"),
        ({"description_localizations": {"es-ES": "x" * 101}}, "too long"),
    ],
)
def test_the_fake_refuses_what_discord_refuses(entry: dict[str, object], reason: str) -> None:
    command = {"name": "generate", "description": "Make two songs.", "type": 1, **entry}
    with pytest.raises(ApiError):
        validate_commands([command])
