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
from bot.guild_rules import GuildRules, Source
from bot.jobs.costs import usd
from bot.providers.base import Operation
from bot.ui.help import HelpPage, MemberRights, RuleSource, channels, help_embeds, roles
from cogs.common import role_ids
from cogs.usage import member_windows

Interaction = discord.Interaction[Any]
# What the costly-role gate covers, as members call it.
COSTLY = {
    Operation.EXTEND: "extend",
    Operation.COVER: "cover",
    Operation.WAV: "WAV",
    Operation.STEMS: "stems",
    Operation.VIDEO: "video",
}


class HelpCog(commands.Cog, name="Help"):
    def __init__(self, bot: MusicBot) -> None:
        self.bot = bot

    @app_commands.command(name="help", description="What I can do here, and what you may do.")
    @app_commands.guild_only()
    async def help(self, interaction: Interaction) -> None:
        assert interaction.guild_id is not None
        guild_id, user = interaction.guild_id, interaction.user
        rules = await self.bot.rules.of(guild_id)
        manager = interaction.permissions.manage_guild
        members, admins = offered_commands(self.bot.tree)
        held = role_ids(interaction)
        windows, _ = await member_windows(self.bot, guild_id, user.id, held, time.time())
        page = HelpPage(
            commands=members,
            costly_operations=[name for op, name in COSTLY.items() if self.bot.jobs.offers(op)],
            rights=_rights(rules, interaction),
            windows=windows,
            song_channels=sorted(rules.song_channels),
            admin_commands=admins if manager else None,
            rules=(
                _servers_own(rules)
                + _over_config(rules, self.bot.settings, self.bot.rules.sources(guild_id))
                if manager
                else ()
            ),
        )
        await interaction.response.send_message(embeds=help_embeds(page), ephemeral=True)


def offered_commands(
    tree: app_commands.CommandTree[Any],
) -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
    """The slash commands on ``tree``: (everyone's, those for server managers only).

    A command Discord shows only to members with Manage Server is a manager's.
    """
    everyone: list[tuple[str, str]] = []
    managers: list[tuple[str, str]] = []
    for command in tree.get_commands(type=discord.AppCommandType.chat_input):
        assert isinstance(command, app_commands.Command | app_commands.Group)
        needs = command.default_permissions
        listed = managers if needs is not None and needs.manage_guild else everyone
        listed.append((command.name, command.description))
    return everyone, managers


def _servers_own(rules: GuildRules) -> list[RuleSource]:
    """Rules config.toml has no say in: the server's own (/settings) when set, else the default."""
    quotas = rules.role_quotas
    by_role = "; ".join(
        f"<@&{role}>: {_per(q.member_per_day, q.member_per_week)}"
        for role, q in sorted(quotas.items())
    )
    audit = rules.audit_channel
    rows = [
        ("Song channels", rules.song_channels, channels(sorted(rules.song_channels))),
        ("Who may make songs", rules.generate_roles, roles(rules.generate_roles) or "everyone"),
        (
            "Who may extend, cover, convert",
            rules.costly_roles,
            roles(rules.costly_roles) or "everyone",
        ),
        ("Songs per role", by_role, by_role or "none"),
        ("Audit channel", audit, f"<#{audit}>" if audit else "none"),
    ]
    return [
        RuleSource(name, shown, "/settings" if chosen else "default")
        for name, chosen, shown in rows
    ]


def _over_config(
    rules: GuildRules, config: Settings, sources: dict[str, Source]
) -> list[RuleSource]:
    """Rules config.toml sets for every server, and whether this server set its own."""
    quotas = config.quotas
    per_member = _per(quotas.member_per_day, quotas.member_per_week)
    budget = usd(rules.monthly_usd) if rules.monthly_usd else "none"
    rows = [
        ("Monthly budget", "monthly_usd", budget),
        ("Who may remix", "remix_by", rules.remix_by),
        ("Default model", "default_model", rules.default_model),
    ]
    return [RuleSource("Songs per member", per_member, "config.toml")] + [
        RuleSource(name, shown, "/settings" if sources.get(key) == "server" else "config.toml")
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


def _per(day: int, week: int) -> str:
    def limit(n: int, window: str) -> str:
        return f"{n} a {window}" if n else f"no limit a {window}"

    return f"{limit(day, 'day')}, {limit(week, 'week')}"


async def setup(bot: MusicBot) -> None:
    await bot.add_cog(HelpCog(bot))
