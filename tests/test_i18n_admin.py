"""Admin texts in Spanish: /settings, /blocklist, blocked fields, the audit log, refusals."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import discord
import pytest
import pytest_asyncio
from discord import app_commands
from pydantic import SecretStr

from bot.config import DiscordSettings, JobSettings, Settings
from bot.discord.audit import AuditLog
from bot.discord.permissions import check_allowed
from bot.discord.tree import _refusal
from bot.discord.ui.actions import Action
from bot.errors import InputError
from bot.i18n import t
from bot.jobs.guild_rules import GuildRulesBook, RoleQuota
from bot.jobs.models import TaskState
from bot.jobs.store import JobStore
from bot.moderation import Blocked, Blocklist, check_request
from bot.providers.base import GenerateRequest
from cogs.common import missing_permissions
from cogs.settings import SettingsCog
from tests.factories import shown_job

GUILD = 10


@pytest_asyncio.fixture
async def book(tmp_path: Path) -> AsyncIterator[GuildRulesBook]:
    store = await JobStore.open(tmp_path / "db.sqlite3")
    settings = Settings(
        discord=DiscordSettings(token=SecretStr("x")), jobs=JobSettings(default_model="v4.5")
    )
    yield GuildRulesBook(store, settings)
    await store.close()


class _Response:
    def __init__(self) -> None:
        self.sent: list[str] = []

    async def send_message(self, text: str, **_: Any) -> None:
        self.sent.append(text)


def _interaction(locale: str, manage_guild: bool = True) -> Any:
    return SimpleNamespace(
        locale=discord.Locale(locale),
        guild_id=GUILD,
        permissions=discord.Permissions(manage_guild=manage_guild),
        response=_Response(),
    )


@pytest.mark.parametrize(
    ("fields", "spanish"),
    [
        ({"prompt": "taylor swift"}, "La descripción contiene"),
        ({"prompt": "rain", "style": "taylor swift"}, "El estilo contiene"),
        ({"prompt": "rain", "title": "taylor swift"}, "El título contiene"),
        ({"prompt": "rain", "lyrics": "taylor swift"}, "La letra contiene"),
        ({"prompt": "rain", "negative_tags": "taylor swift"}, "Los estilos a evitar contienen"),
    ],
)
def test_a_blocked_field_is_named_in_spanish_and_the_term_is_not(
    fields: dict[str, str], spanish: str
) -> None:
    request = GenerateRequest(model="v5", **fields)
    with pytest.raises(Blocked) as caught:
        check_request(request, Blocklist.of(["Taylor Swift"]))
    text = caught.value.text("es-ES")
    assert text == f"{spanish} una palabra o un nombre que este servidor no permite."
    assert "taylor" not in text.lower()
    assert caught.value.user_message.startswith("The ")  # English for logs and tests


async def test_settings_show_says_each_value_and_its_source_in_spanish(
    book: GuildRulesBook,
) -> None:
    await book.set(GUILD, "remix_by", "requester")
    await book.set(GUILD, "role_quotas", {7: RoleQuota(3, 10)})
    cog = SettingsCog(SimpleNamespace(rules=book))
    interaction = _interaction("es-ES")
    await SettingsCog.show.callback(cog, interaction)
    shown = interaction.response.sent[0]
    assert "**remix_by**: quien lo pidió (servidor)" in shown
    assert "**role_quotas**: <@&7> 3/día, 10/semana (servidor)" in shown
    assert "**song_channels**: cualquier canal (config.toml)" in shown
    assert "**generate_roles**: todos (config.toml)" in shown
    assert "**audit_channel**: ninguno (config.toml)" in shown
    assert "**default_model**: v4.5 (config.toml)" in shown

    english = _interaction("en-US")
    await SettingsCog.show.callback(cog, english)
    assert "**remix_by**: requester (server)" in english.response.sent[0]
    assert "**audit_channel**: none (config.toml)" in english.response.sent[0]


async def test_settings_refusals_and_answers_in_spanish(book: GuildRulesBook) -> None:
    cog = SettingsCog(SimpleNamespace(rules=book))
    with pytest.raises(InputError) as caught:
        await SettingsCog.show.callback(cog, _interaction("es-ES", manage_guild=False))
    assert caught.value.text("es-ES") == (
        "Solo los miembros con Gestionar servidor pueden cambiar los ajustes del bot."
    )
    with pytest.raises(InputError) as caught:
        await SettingsCog.reset.callback(cog, _interaction("es-ES"), "colour")
    assert caught.value.text("es-ES") == "No existe el ajuste `colour`."
    assert caught.value.user_message == "There is no setting `colour`."

    interaction = _interaction("es-ES")
    await SettingsCog.remix_by.callback(cog, interaction, "everyone")
    assert interaction.response.sent == ["Remezclas: todos."]
    assert (await book.of(GUILD)).remix_by == "everyone"


def test_channel_and_song_refusals_in_spanish() -> None:
    sees = discord.Permissions(view_channel=True, send_messages=True)
    assert missing_permissions(sees, "es-ES") == (
        "Insertar enlaces, Adjuntar archivos, Leer el historial de mensajes"
    )
    assert missing_permissions(discord.Permissions(embed_links=True)) == (
        "View Channel, Send Messages, Attach Files, Read Message History"
    )
    job = shown_job()
    with pytest.raises(InputError) as caught:
        check_allowed(Action.CANCEL, job, 99, manage_messages=False, remix_by="everyone")
    assert caught.value.text("es-ES") == (
        "Solo <@7>, quien pidió esta canción, o un miembro que pueda gestionar mensajes "
        "puede cancelarla."
    )
    with pytest.raises(InputError) as caught:
        check_allowed(Action.STEMS, job, 99, manage_messages=False, remix_by="requester")
    assert caught.value.user_message == (
        "On this server only <@7>, who asked for this song, or a member who can manage "
        "messages can make its stems."
    )
    check_allowed(Action.STEMS, job, 7, manage_messages=False, remix_by="requester")
    missing = app_commands.MissingPermissions(["manage_guild"])
    assert (
        _refusal(missing, "es-ES")
        == "Para este comando necesitas estos permisos: Gestionar servidor."
    )
    assert _refusal(app_commands.NoPrivateMessage(), "es-ES") == (
        "Este comando solo funciona en un servidor."
    )


class _Audit(AuditLog):
    """The audit log of a Spanish server, its lines kept instead of posted."""

    def __init__(self, locale: str) -> None:
        guild = SimpleNamespace(preferred_locale=discord.Locale(locale))
        super().__init__(SimpleNamespace(get_guild=lambda _: guild), None)
        self.lines: list[str] = []

    def _post(self, guild_id: int, text: str) -> None:
        self.lines.append(text)


def test_audit_lines_are_in_the_servers_language() -> None:
    audit = _Audit("es-ES")
    request = GenerateRequest(model="v5", prompt="rain", lyrics="la la taylor swift")
    audit.refused(request, GUILD, 7, Blocked("lyrics", "taylor swift"))
    audit.refused(request, GUILD, 7, InputError("There is no setting `{key}`.", key="x"))
    audit.ended(shown_job(state=TaskState.SUCCEEDED, cost_usd=0.5, result_message_id=5))
    assert audit.lines == [
        "⛔ Rechazada la canción de <@7>: la letra contiene el término bloqueado "
        "“taylor swift” — “rain”",
        "⛔ Rechazada la canción de <@7>: No existe el ajuste `x`. — “rain”",
        "✅ El trabajo `0123456789abcdef` de <@7> terminó ($0.50): "
        "https://discord.com/channels/1/2/5",
    ]
    english = _Audit("en-US")
    english.refused(request, GUILD, 7, Blocked("lyrics", "taylor swift"))
    assert english.lines == [
        "⛔ Refused <@7>'s song: the lyrics contains the blocked term “taylor swift” — “rain”"
    ]


def test_every_blocked_field_has_a_spanish_audit_reason() -> None:
    audit = _Audit("es-ES")
    request = GenerateRequest(model="v5", prompt="rain")
    for field in ("prompt", "style", "title", "lyrics", "negative style tags"):
        audit.refused(request, GUILD, 7, Blocked(field, "x"))
    assert all("término bloqueado “x”" in line for line in audit.lines)
    assert t("es-ES", "Blocked on this server") == "Bloqueado en este servidor"
