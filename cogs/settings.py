"""/settings: a server's own rules (bot.guild_rules), set by members with Manage Server.

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
from bot.guild_rules import KEYS, GuildRules, RoleQuota
from bot.jobs.costs import usd
from bot.providers.catalog import MODELS
from cogs.common import missing_permissions

Interaction = discord.Interaction[Any]
Change = Literal["add", "remove"]
_MODEL_CHOICES = [app_commands.Choice(name=spec.label, value=key) for key, spec in MODELS.items()]


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
        lines = [f"**{key}**: {_shown(rules, key)} ({sources[key]})" for key in KEYS]
        await interaction.response.send_message("\n".join(lines), ephemeral=True)

    @channel.command(name="add", description="Make songs in this channel too.")
    async def channel_add(self, interaction: Interaction, channel: discord.TextChannel) -> None:
        rules = await self.bot.rules.of(await self._guild(interaction))
        _check_postable(interaction, channel)
        said = f"Songs are made in {channel.mention} now."
        await self._set(interaction, "song_channels", rules.song_channels | {channel.id}, said)

    @channel.command(name="remove", description="No longer make songs in this channel.")
    async def channel_remove(self, interaction: Interaction, channel: discord.TextChannel) -> None:
        rules = await self.bot.rules.of(await self._guild(interaction))
        said = f"Songs are no longer made in {channel.mention}."
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
        await self._set(interaction, key, roles, f"{key}: {_mentions(roles, '<@&{}>')}.")

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
        said = f"{role.mention} may make {day} songs a day and {week} a week (0: no limit)."
        await self._set(interaction, "role_quotas", quotas, said)

    @app_commands.command(name="budget", description="The server's monthly budget (0: none).")
    async def budget(
        self, interaction: Interaction, usd_per_month: app_commands.Range[float, 0, None]
    ) -> None:
        if not usd_per_month >= 0:  # also refuses NaN
            raise InputError("A budget cannot be negative; 0 means no budget.")
        said = f"This server's monthly budget is {usd(usd_per_month)} now (0: none)."
        await self._set(interaction, "monthly_usd", float(usd_per_month), said)

    @app_commands.command(name="remix-by", description="Who may remix and convert songs.")
    async def remix_by(
        self, interaction: Interaction, who: Literal["everyone", "requester"]
    ) -> None:
        await self._set(interaction, "remix_by", who, f"Remixes: {who}.")

    @app_commands.command(name="default-model", description="The model used when none is picked.")
    @app_commands.choices(model=_MODEL_CHOICES)
    async def default_model(self, interaction: Interaction, model: str) -> None:
        if model not in self.bot.jobs.offered_models():
            raise InputError(f"No music service configured here offers model `{model}`.")
        await self._set(interaction, "default_model", model, f"The default model is {model} now.")

    @app_commands.command(name="audit-channel", description="Where jobs are logged (none: off).")
    async def audit_channel(
        self, interaction: Interaction, channel: discord.TextChannel | None = None
    ) -> None:
        await self._guild(interaction)  # Manage Server first, then the channel
        if channel is None:
            await self._set(interaction, "audit_channel", None, "No audit channel now.")
            return
        _check_postable(interaction, channel)
        said = f"Jobs are logged in {channel.mention} now."
        await self._set(interaction, "audit_channel", channel.id, said)

    @app_commands.command(name="reset", description="Use config.toml's value again.")
    @app_commands.choices(key=[app_commands.Choice(name=k, value=k) for k in KEYS])
    async def reset(self, interaction: Interaction, key: str) -> None:
        if key not in KEYS:
            raise InputError(f"There is no setting `{key}`.")
        await self.bot.rules.reset(await self._guild(interaction), key)
        await interaction.response.send_message(f"{key}: back to config.toml.", ephemeral=True)

    async def _rules(self, interaction: Interaction) -> GuildRules:
        return await self.bot.rules.of(await self._guild(interaction))


def _check_postable(interaction: Interaction, channel: discord.TextChannel) -> None:
    """Refuse a channel the bot could not post songs (or audit entries) in."""
    assert interaction.guild is not None
    missing = missing_permissions(channel.permissions_for(interaction.guild.me))
    if missing:
        raise InputError(f"I cannot post in {channel.mention}: I lack {missing} there.")


def _mentions(ids: frozenset[int], form: str) -> str:
    return ", ".join(form.format(i) for i in sorted(ids)) or "none"


def _shown(rules: GuildRules, key: str) -> str:
    value = getattr(rules, key)
    if key == "song_channels":
        return _mentions(value, "<#{}>") if value else "any channel"
    if key in ("generate_roles", "costly_roles"):
        return _mentions(value, "<@&{}>") if value else "everyone"
    if key == "role_quotas":
        quotas = [
            f"<@&{r}> {q.member_per_day}/day, {q.member_per_week}/week" for r, q in value.items()
        ]
        return "; ".join(quotas) or "none"
    if key == "monthly_usd":
        return usd(value) if value else "none"
    if key == "audit_channel":
        return f"<#{value}>" if value else "none"
    return str(value)


async def setup(bot: commands.Bot) -> None:
    assert isinstance(bot, MusicBot)
    await bot.add_cog(SettingsCog(bot))
