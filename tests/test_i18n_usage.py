"""/usage, /help, Cancel answers, quota and budget refusals in a Spanish member's language."""

from __future__ import annotations

import math
from pathlib import Path

import discord
import pytest
from pydantic import SecretStr

from bot.config import BudgetSettings, DiscordSettings, QuotaSettings, Settings
from bot.discord.ui.help import HelpPage, MemberRights, help_embeds
from bot.discord.ui.usage import ServerSpending, Window, member_embed, server_embeds
from bot.errors import InputError
from bot.jobs.costs import BudgetWatch, budget_refusal, next_month_start
from bot.jobs.guild_rules import GuildRules, RoleQuota
from bot.jobs.models import Stage
from bot.jobs.quotas import DAY, WEEK, Admission, Usage
from bot.jobs.service import Cancelled
from bot.jobs.store import JobStore
from bot.providers.base import GenerateRequest, Operation
from cogs.cancel import _TOO_LATE, _confirmation
from cogs.help import _over_config, _servers_own, localized
from tests.factories import shown_job
from tests.test_costs import make_service, paid_job

NOW = 1_700_000_000.0
ES = "es-ES"


def test_a_weekly_quota_refusal_is_spanish_with_its_time_and_english_stays_as_it_was() -> None:
    admission = Admission(3, QuotaSettings(member_per_day=5, member_per_week=2))
    member = [(NOW - 3 * DAY, Operation.SONG), (NOW - 60, Operation.SONG)]
    refused = admission.refused(Usage(0, member, []), Operation.SONG, NOW)
    assert refused is not None
    when = f"<t:{math.ceil(NOW - 3 * DAY + WEEK)}:R>"
    assert refused.text(ES) == (
        "Has agotado tu cuota semanal de 2 canciones en este servidor. "
        f"Podrás crear tu próxima canción {when}."
    )
    assert refused.user_message == (
        "You have used your weekly quota of 2 songs on this server. "
        f"Your next song is possible {when}."
    )


def test_counts_of_songs_in_refusals_take_the_languages_plural_forms() -> None:
    server = Admission(3, QuotaSettings(server_per_day=4, video_weight=2))
    used = [(NOW - 7200, Operation.VIDEO), (NOW - 60, Operation.WAV)]
    refused = server.refused(Usage(0, [], used), Operation.VIDEO, NOW)
    assert refused is not None
    assert refused.text(ES).startswith("Este servidor ha agotado su cuota diaria de 4 canciones.")
    assert refused.text(ES).endswith("(esto cuenta como 2 canciones).")
    too_heavy = Admission(3, QuotaSettings(member_per_day=1, video_weight=2))
    never = too_heavy.refused(Usage(0, [], []), Operation.VIDEO, NOW)
    assert never is not None
    assert never.text(ES) == "Esto cuenta como 2 canciones, más que tu cuota diaria de 1 canción."
    # One song in progress at most: singular, in both languages (English said "1 songs").
    busy = Admission(1, QuotaSettings()).refused(Usage(1, [], []), Operation.SONG, NOW)
    assert busy is not None
    assert busy.text(ES) == "Ya tienes 1 canción en preparación. Espera a que termine una primero."
    assert busy.user_message.startswith("You already have 1 song in progress.")


async def test_the_service_refuses_a_spent_budget_in_the_members_language(tmp_path: Path) -> None:
    store = await JobStore.open(tmp_path / "jobs.sqlite3")
    for _ in range(2):
        await store.add(paid_job())
    where = {"guild_id": 1, "channel_id": 2, "user_id": 9, "upload_limit": None}
    with pytest.raises(InputError) as refused:
        await make_service(store, 1.0).create(GenerateRequest(prompt="p", model="v5"), **where)
    await store.close()
    text = refused.value.text(ES)
    assert text.startswith("Este servidor ha gastado su presupuesto mensual de $1.00")
    assert "($1.00 gastados o en cola)" in text
    alone = budget_refusal(2.0, 1.0, NOW)
    assert alone is not None
    assert f"de nuevo <t:{math.ceil(next_month_start(NOW))}:R>" in alone.text(ES)


async def test_the_budget_warning_is_in_the_servers_language(tmp_path: Path) -> None:
    store = await JobStore.open(tmp_path / "jobs.sqlite3")
    job = paid_job(cost=0.9)
    await store.add(job)
    watch = BudgetWatch(store, BudgetSettings(monthly_usd=1.0), clock=lambda: NOW)
    text = await watch.warning(job, ES)
    await store.close()
    assert text is not None
    assert text.startswith("**Presupuesto:** este servidor ha gastado $0.90 de su presupuesto")
    assert "(90%, más del 80%)" in text
    assert text.endswith("con /uso.")


def test_usage_embeds_in_spanish() -> None:
    windows = [Window("Last 24 hours", 1, 3), Window("Last 7 days", 2, 0)]
    mine = member_embed(windows, 1, 0.5, ES)
    assert mine.title == "Tu uso en este servidor"
    assert str(mine.description).splitlines() == [
        "**Últimas 24 horas:** 1 canción · quedan 2 de 3",
        "**Últimos 7 días:** 2 canciones · sin límite",
        "**Este mes (UTC):** 1 canción",
        "**Tu gasto este mes:** $0.50",
    ]
    spending = ServerSpending(
        budget=2.0,
        spent=0.5,
        by_member=[(42, 0.5, 1)],
        by_day=[],
        balances=[("kie", "10.00 créditos")],
    )
    first, by_member, by_day = server_embeds(spending, ES)
    assert first.title == "Gasto de este servidor este mes"
    assert first.description == "**Gastado:** $0.50 del presupuesto mensual de $2.00 (25%)"
    assert first.fields[0].name == "Saldo de kie"
    assert (by_member.title, by_member.description) == ("Por miembro", "<@42>: $0.50 (1 canción)")
    assert (by_day.title, by_day.description) == ("Por día (UTC)", "Nada todavía.")


def text_of(embeds: list[discord.Embed]) -> str:
    return "\n".join(f"{e.title or ''}\n{e.description or ''}" for e in embeds)


def test_help_for_a_spanish_member_who_lacks_the_roles() -> None:
    rights = MemberRights(False, False, False, False, frozenset({7}), frozenset({8}))
    page = HelpPage(
        commands=localized([("generate", "Make two songs from a description.")], ES),
        costly_operations=["extender", "WAV"],
        rights=rights,
        windows=[Window("Last 24 hours", 1, 3)],
        song_channels=[],
        admin_commands=None,
    )
    shown = text_of(help_embeds(page, ES))
    assert "Lo que puedo hacer en este servidor" in shown
    assert "`/generar` — Crea dos canciones" in shown
    assert "**Crear canciones:** no (solo miembros con <@&7>)" in shown
    assert "**Extender, WAV:** no (solo miembros con <@&8>)" in shown
    assert "**Cancelar o borrar canciones de otros:** no (requiere Gestionar mensajes)" in shown
    assert "**Últimas 24 horas:** quedan 2 de 3" in shown
    assert "**Dónde se crean las canciones:** cualquier canal donde pueda publicar" in shown
    assert "Para quienes gestionan el servidor" not in shown


def test_help_tells_a_spanish_admin_where_each_rule_comes_from() -> None:
    rules = GuildRules(
        song_channels=frozenset({11}),
        generate_roles=frozenset(),
        costly_roles=frozenset(),
        role_quotas={5: RoleQuota(10, 0)},
        monthly_usd=0,
        remix_by="requester",
        default_model="v5",
        audit_channel=None,
    )
    config = Settings(discord=DiscordSettings(token=SecretStr("x")))
    found = _servers_own(rules, ES) + _over_config(rules, config, {"remix_by": "server"}, ES)
    said = {rule.name: (rule.value, rule.source) for rule in found}
    assert said["Canales de canciones"] == ("<#11>", "/ajustes")
    assert said["Quién puede crear canciones"] == ("todos", "predeterminado")
    assert said["Canciones por rol"] == ("<@&5>: 10 al día, sin límite a la semana", "/ajustes")
    assert said["Canal de auditoría"] == ("ninguno", "predeterminado")
    assert said["Presupuesto mensual"] == ("ninguno", "config.toml")
    assert said["Quién puede remezclar"] == ("quien lo pidió", "/ajustes")
    page = HelpPage(
        [],
        [],
        MemberRights(True, True, True, True, frozenset(), frozenset()),
        [],
        [],
        admin_commands=localized([("settings", "x")], ES),
        rules=found,
    )
    shown = text_of(help_embeds(page, ES))
    assert "`/uso` también muestra el gasto de este servidor" in shown
    assert "**Modelo predeterminado:** v5 · config.toml" in shown


def test_cancel_answers_in_spanish() -> None:
    request = GenerateRequest(prompt="p", model="v5", title="Lluvia")
    job = shown_job(request, created_at=NOW, deadline_at=NOW + 600)
    assert _confirmation(Cancelled(job, False, False), ES).startswith(
        "**Lluvia** cancelada. Aún no había llegado al servicio de música"
    )
    assert _confirmation(Cancelled(job, True, False), ES).endswith("puede que aún la cobre.")
    too_late = InputError(_TOO_LATE[Stage.DONE], title="Lluvia")
    assert too_late.text(ES) == (
        "**Lluvia** ya está hecha y publicada: es demasiado tarde para cancelarla."
    )
    assert too_late.user_message == "**Lluvia** is already made and posted: too late to cancel it."
    assert InputError("I no longer know this song.").text(ES) == "Ya no conozco esta canción."
