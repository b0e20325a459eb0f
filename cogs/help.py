"""/help: the commands this server offers, what this member may do, their quota, where songs go.

The commands are read from the tree, so a command no provider can carry out
(which its cog never registers) is not listed. Commands Discord shows only to
members with Manage Server are listed to those members alone.
"""

from __future__ import annotations

import time
from typing import Any

import discord
from discord import app_commands
from discord.ext import commands

from bot.app import MusicBot
from bot.config import Settings
from bot.discord.ui.help import HelpPage, MemberRights, RuleSource, channels, help_embeds, roles
from bot.i18n import N_, t, tc
from bot.jobs.costs import usd
from bot.jobs.guild_rules import GuildRules, Source
from bot.providers.base import Operation
from cogs.common import role_ids
from cogs.usage import member_windows

Interaction = discord.Interaction[Any]
# What the costly-role gate covers, as members call it.
COSTLY = {
    Operation.EXTEND: N_("extend"),
    Operation.RESTYLE: N_("cover"),
    Operation.UPLOAD_EXTEND: N_("upload extend"),
    Operation.ADD_VOCALS: N_("add vocals"),
    Operation.ADD_INSTRUMENTAL: N_("add instrumental"),
    Operation.WAV: N_("WAV"),
    Operation.STEMS: N_("stems"),
    Operation.VIDEO: N_("video"),
}
# Who may remix others' songs (``remix_by``), as /help says it.
_REMIX_BY = {"everyone": N_("everyone"), "requester": N_("requester")}


class HelpCog(commands.Cog, name="Help"):
    def __init__(self, bot: MusicBot) -> None:
        self.bot = bot

    @app_commands.command(name="help", description="What I can do here, and what you may do.")
    @app_commands.guild_only()
    async def help(self, interaction: Interaction) -> None:
        assert interaction.guild_id is not None
        guild_id, user = interaction.guild_id, interaction.user
        locale = interaction.locale  # a private answer: the member's language
        rules = await self.bot.rules.of(guild_id)
        manager = interaction.permissions.manage_guild
        members, admins = offered_commands(self.bot.tree, guild_id)
        held = role_ids(interaction)
        windows, _ = await member_windows(self.bot, guild_id, user.id, held, time.time())
        sources = self.bot.rules.sources(guild_id)
        page = HelpPage(
            commands=localized(members, locale),
            costly_operations=[
                t(locale, name) for op, name in COSTLY.items() if self.bot.jobs.offers(op)
            ],
            rights=_rights(rules, interaction),
            windows=windows,
            song_channels=sorted(rules.song_channels),
            admin_commands=localized(admins, locale) if manager else None,
            rules=(
                _servers_own(rules, locale)
                + _over_config(rules, self.bot.settings, sources, locale)
                if manager
                else ()
            ),
        )
        await interaction.response.send_message(embeds=help_embeds(page, locale), ephemeral=True)


def offered_commands(
    tree: app_commands.CommandTree[Any], guild_id: int
) -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
    """The slash commands ``tree`` offers in a server: (everyone's, those for server
    managers only). With ``guild_ids`` they are the server's own, else the global ones.

    A command Discord shows only to members with Manage Server is a manager's.
    """
    everyone: list[tuple[str, str]] = []
    managers: list[tuple[str, str]] = []
    slash = discord.AppCommandType.chat_input
    here = {c.name: c for c in tree.get_commands(type=slash)}
    here.update({c.name: c for c in tree.get_commands(guild=discord.Object(guild_id), type=slash)})
    for command in here.values():
        assert isinstance(command, app_commands.Command | app_commands.Group)
        needs = command.default_permissions
        listed = managers if needs is not None and needs.manage_guild else everyone
        listed.append((command.name, command.description))
    return everyone, managers


def localized(commands: list[tuple[str, str]], locale: object) -> list[tuple[str, str]]:
    """(name, description) of ``commands`` as Discord shows them to a member of ``locale``."""
    return [
        (tc(locale, "command name", name) or name, t(locale, description))
        for name, description in commands
    ]


def _settings(locale: object) -> str:
    """/settings, as a member of ``locale`` types it."""
    name = tc(locale, "command name", "settings") or "settings"
    return f"/{name}"


def _servers_own(rules: GuildRules, locale: object = None) -> list[RuleSource]:
    """Rules config.toml has no say in: the server's own (/settings) when set, else the default."""
    quotas = rules.role_quotas
    by_role = "; ".join(
        f"<@&{role}>: {_per(q.member_per_day, q.member_per_week, locale)}"
        for role, q in sorted(quotas.items())
    )
    audit = rules.audit_channel
    everyone, none = t(locale, "everyone"), t(locale, "none")
    rows = [
        (N_("Song channels"), rules.song_channels, channels(sorted(rules.song_channels), locale)),
        (
            N_("Who may make songs"),
            rules.generate_roles,
            roles(rules.generate_roles, locale) or everyone,
        ),
        (
            N_("Who may extend, cover, convert"),
            rules.costly_roles,
            roles(rules.costly_roles, locale) or everyone,
        ),
        (N_("Songs per role"), by_role, by_role or none),
        (N_("Audit channel"), audit, f"<#{audit}>" if audit else none),
    ]
    server, default = _settings(locale), t(locale, "default")
    return [
        RuleSource(t(locale, name), shown, server if chosen else default)
        for name, chosen, shown in rows
    ]


def _over_config(
    rules: GuildRules, config: Settings, sources: dict[str, Source], locale: object = None
) -> list[RuleSource]:
    """Rules config.toml sets for every server, and whether this server set its own."""
    quotas = config.quotas
    per_member = _per(quotas.member_per_day, quotas.member_per_week, locale)
    budget = usd(rules.monthly_usd) if rules.monthly_usd else t(locale, "none")
    remix_by = t(locale, _REMIX_BY.get(rules.remix_by, rules.remix_by))
    rows = [
        (N_("Monthly budget"), "monthly_usd", budget),
        (N_("Who may remix"), "remix_by", remix_by),
        (N_("Default model"), "default_model", rules.default_model),
    ]
    server = _settings(locale)
    return [RuleSource(t(locale, "Songs per member"), per_member, "config.toml")] + [
        RuleSource(
            t(locale, name), shown, server if sources.get(key) == "server" else "config.toml"
        )
        for name, key, shown in rows
    ]


def _rights(rules: GuildRules, interaction: Interaction) -> MemberRights:
    held = role_ids(interaction)
    manage_messages = interaction.permissions.manage_messages
    return MemberRights(
        generate=not rules.generate_roles or bool(rules.generate_roles & held),
        costly=not rules.costly_roles or bool(rules.costly_roles & held),
        remix_others=rules.remix_by == "everyone" or manage_messages,
        manage_others=manage_messages,
        generate_roles=rules.generate_roles,
        costly_roles=rules.costly_roles,
    )


def _per(day: int, week: int, locale: object = None) -> str:
    daily = t(locale, "{n} a day", n=day) if day else t(locale, "no limit a day")
    weekly = t(locale, "{n} a week", n=week) if week else t(locale, "no limit a week")
    return f"{daily}, {weekly}"


async def setup(bot: MusicBot) -> None:
    await bot.add_cog(HelpCog(bot))
