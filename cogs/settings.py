"""/settings: a server's own rules (bot.jobs.guild_rules), set by members with Manage Server.

Discord shows the command only to them (``default_permissions``); the bot checks
again, since a server admin can grant any command to anyone. Every answer is
private; a refused value changes nothing.
"""

from __future__ import annotations

from typing import Any, Literal

import discord
from discord import app_commands
from discord.ext import commands

from bot.app import MusicBot
from bot.errors import InputError
from bot.i18n import N_, t, tc
from bot.jobs.costs import usd
from bot.jobs.guild_rules import KEYS, GuildRules, RoleQuota, Source
from bot.providers.catalog import MODELS
from cogs.common import missing_permissions

Interaction = discord.Interaction[Any]
Change = Literal["add", "remove"]
_MODEL_CHOICES = [app_commands.Choice(name=spec.label, value=key) for key, spec in MODELS.items()]
# Where a value comes from, as /settings show says it (a file name stays as it is).
_SOURCES: dict[Source, str] = {"server": N_("server"), "config.toml": "config.toml"}
# The answer to a role gate's change, per key.
_ROLE_GATES = {
    "generate_roles": N_("Roles that may make songs: {roles}."),
    "costly_roles": N_("Roles that may use costly actions: {roles}."),
}


@app_commands.guild_only()
@app_commands.default_permissions(manage_guild=True)
class SettingsCog(
    commands.GroupCog, name="Settings", group_name="settings", group_description="Server rules."
):
    channel = app_commands.Group(name="channel", description="Where songs are made.")
    role = app_commands.Group(name="role", description="Who may make songs.")

    def __init__(self, bot: MusicBot) -> None:
        self.bot = bot
        super().__init__()

    async def _guild(self, interaction: Interaction) -> int:
        if not interaction.permissions.manage_guild:
            raise InputError("Only members with Manage Server can change the bot's settings.")
        assert interaction.guild_id is not None
        return interaction.guild_id

    async def _set(self, interaction: Interaction, key: str, value: object, said: str) -> None:
        await self.bot.rules.set(await self._guild(interaction), key, value)
        await interaction.response.send_message(said, ephemeral=True)

    @app_commands.command(name="show", description="Every setting and where it comes from.")
    async def show(self, interaction: Interaction) -> None:
        guild_id = await self._guild(interaction)
        rules = await self.bot.rules.of(guild_id)
        sources = self.bot.rules.sources(guild_id)
        locale = interaction.locale
        lines = [
            f"**{key}**: {_shown(rules, key, locale)} ({t(locale, _SOURCES[sources[key]])})"
            for key in KEYS
        ]
        await interaction.response.send_message("\n".join(lines), ephemeral=True)

    @channel.command(name="add", description="Make songs in this channel too.")
    async def channel_add(self, interaction: Interaction, channel: discord.TextChannel) -> None:
        rules = await self.bot.rules.of(await self._guild(interaction))
        _check_postable(interaction, channel)
        said = t(interaction.locale, "Songs are made in {channel} now.", channel=channel.mention)
        await self._set(interaction, "song_channels", rules.song_channels | {channel.id}, said)

    @channel.command(name="remove", description="No longer make songs in this channel.")
    async def channel_remove(self, interaction: Interaction, channel: discord.TextChannel) -> None:
        rules = await self.bot.rules.of(await self._guild(interaction))
        said = t(
            interaction.locale, "Songs are no longer made in {channel}.", channel=channel.mention
        )
        await self._set(interaction, "song_channels", rules.song_channels - {channel.id}, said)

    @role.command(name="generate", description="Add or remove a role that may make songs.")
    async def role_generate(
        self, interaction: Interaction, change: Change, role: discord.Role
    ) -> None:
        await self._role_gate(interaction, "generate_roles", change, role)

    @role.command(name="costly", description="Add or remove a role that may use costly actions.")
    async def role_costly(
        self, interaction: Interaction, change: Change, role: discord.Role
    ) -> None:
        await self._role_gate(interaction, "costly_roles", change, role)

    async def _role_gate(
        self, interaction: Interaction, key: str, change: Change, role: discord.Role
    ) -> None:
        current: frozenset[int] = getattr(await self._rules(interaction), key)
        roles = current | {role.id} if change == "add" else current - {role.id}
        shown = _mentions(roles, "<@&{}>") or t(interaction.locale, "everyone")
        said = t(interaction.locale, _ROLE_GATES[key], roles=shown)
        await self._set(interaction, key, roles, said)

    @app_commands.command(name="quota", description="Songs a role's members may ask for (0: any).")
    @app_commands.describe(day="Songs per 24 hours (0: no limit)", week="Songs per 7 days")
    async def quota(
        self,
        interaction: Interaction,
        role: discord.Role,
        day: app_commands.Range[int, 0, None],
        week: app_commands.Range[int, 0, None],
    ) -> None:
        if day < 0 or week < 0:
            raise InputError("A quota cannot be negative; 0 means no limit.")
        quotas = dict((await self._rules(interaction)).role_quotas)
        quotas[role.id] = RoleQuota(day, week)
        said = t(
            interaction.locale,
            "{role} may make {day} songs a day and {week} a week (0: no limit).",
            role=role.mention,
            day=day,
            week=week,
        )
        await self._set(interaction, "role_quotas", quotas, said)

    @app_commands.command(name="budget", description="The server's monthly budget (0: none).")
    async def budget(
        self, interaction: Interaction, usd_per_month: app_commands.Range[float, 0, None]
    ) -> None:
        if not usd_per_month >= 0:  # also refuses NaN
            raise InputError("A budget cannot be negative; 0 means no budget.")
        said = t(
            interaction.locale,
            "This server's monthly budget is {budget} now (0: none).",
            budget=usd(usd_per_month),
        )
        await self._set(interaction, "monthly_usd", float(usd_per_month), said)

    @app_commands.command(name="remix-by", description="Who may remix and convert songs.")
    async def remix_by(
        self, interaction: Interaction, who: Literal["everyone", "requester"]
    ) -> None:
        said = t(interaction.locale, "Remixes: {who}.", who=_choice(interaction.locale, who))
        await self._set(interaction, "remix_by", who, said)

    @app_commands.command(name="default-model", description="The model used when none is picked.")
    @app_commands.choices(model=_MODEL_CHOICES)
    async def default_model(self, interaction: Interaction, model: str) -> None:
        if model not in self.bot.jobs.offered_models():
            raise InputError(
                "No music service configured here offers model `{model}`.", model=model
            )
        said = t(interaction.locale, "The default model is {model} now.", model=model)
        await self._set(interaction, "default_model", model, said)

    @app_commands.command(name="audit-channel", description="Where jobs are logged (none: off).")
    async def audit_channel(
        self, interaction: Interaction, channel: discord.TextChannel | None = None
    ) -> None:
        await self._guild(interaction)  # Manage Server first, then the channel
        if channel is None:
            said = t(interaction.locale, "No audit channel now.")
            await self._set(interaction, "audit_channel", None, said)
            return
        _check_postable(interaction, channel)
        said = t(interaction.locale, "Jobs are logged in {channel} now.", channel=channel.mention)
        await self._set(interaction, "audit_channel", channel.id, said)

    @app_commands.command(name="reset", description="Use config.toml's value again.")
    @app_commands.choices(key=[app_commands.Choice(name=k, value=k) for k in KEYS])
    async def reset(self, interaction: Interaction, key: str) -> None:
        if key not in KEYS:
            raise InputError("There is no setting `{key}`.", key=key)
        await self.bot.rules.reset(await self._guild(interaction), key)
        said = t(interaction.locale, "{key}: back to config.toml.", key=key)
        await interaction.response.send_message(said, ephemeral=True)

    async def _rules(self, interaction: Interaction) -> GuildRules:
        return await self.bot.rules.of(await self._guild(interaction))


def _check_postable(interaction: Interaction, channel: discord.TextChannel) -> None:
    """Refuse a channel the bot could not post songs (or audit entries) in."""
    assert interaction.guild is not None
    missing = missing_permissions(channel.permissions_for(interaction.guild.me), interaction.locale)
    if missing:
        raise InputError(
            "I cannot post in {channel}: I lack {missing} there.",
            channel=channel.mention,
            missing=missing,
        )


def _mentions(ids: frozenset[int], form: str) -> str:
    """The ids as mentions; empty if none."""
    return ", ".join(form.format(i) for i in sorted(ids))


def _choice(locale: object, value: str) -> str:
    """A choice's value (``remix_by``) as the admin picked it, in their language."""
    return tc(locale, "choice name", value) or value


def _quota(locale: object, role_id: int, quota: RoleQuota) -> str:
    role = f"<@&{role_id}>"
    day, week = quota.member_per_day, quota.member_per_week
    return t(locale, "{role} {day}/day, {week}/week", role=role, day=day, week=week)


def _shown(rules: GuildRules, key: str, locale: object = None) -> str:
    """A setting's value, for /settings show in the language of ``locale``."""
    value = getattr(rules, key)
    none = t(locale, "none")
    if key == "song_channels":
        return _mentions(value, "<#{}>") or t(locale, "any channel")
    if key in ("generate_roles", "costly_roles"):
        return _mentions(value, "<@&{}>") or t(locale, "everyone")
    if key == "role_quotas":
        quotas = [_quota(locale, role_id, quota) for role_id, quota in value.items()]
        return "; ".join(quotas) or none
    if key == "monthly_usd":
        return usd(value) if value else none
    if key == "audit_channel":
        return f"<#{value}>" if value else none
    if key == "remix_by":
        return _choice(locale, value)
    return str(value)


async def setup(bot: commands.Bot) -> None:
    assert isinstance(bot, MusicBot)
    await bot.add_cog(SettingsCog(bot))
