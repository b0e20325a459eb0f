"""/usage: a member's songs and quotas; with Manage Server, the server's spending too."""

from __future__ import annotations

import asyncio
import logging
import time
from typing import Any

import discord
from discord import app_commands
from discord.ext import commands

from bot.app import MusicBot
from bot.discord.ui.limits import fit
from bot.discord.ui.usage import ServerSpending, Window, member_embed, server_embeds
from bot.errors import ProviderError
from bot.i18n import N_, t
from bot.jobs.costs import month_start
from bot.jobs.guild_rules import member_quota
from bot.jobs.quotas import DAY, WEEK, Admission
from bot.providers.base import Provider
from cogs.common import role_ids

log = logging.getLogger(__name__)

Interaction = discord.Interaction[Any]
# A vendor slow to say its balance must not hold up the answer for long.
_BALANCE_TIMEOUT = 10.0


class UsageCog(commands.Cog, name="Usage"):
    def __init__(self, bot: MusicBot) -> None:
        self.bot = bot

    @app_commands.command(
        name="usage", description="Your songs and quotas (and, for moderators, spending)."
    )
    @app_commands.guild_only()
    async def usage(self, interaction: Interaction) -> None:
        assert interaction.guild_id is not None
        # Vendor balances may take a few seconds: answer privately, later.
        await interaction.response.defer(ephemeral=True, thinking=True)
        now, locale = time.time(), interaction.locale  # a private answer: the member's language
        embeds = [await self._member(interaction, now)]
        if interaction.permissions.manage_guild:
            spending = await self._server(interaction.guild_id, now, locale)
            embeds += server_embeds(spending, locale)
        await interaction.followup.send(embeds=fit(embeds), ephemeral=True)

    async def _member(self, interaction: Interaction, now: float) -> discord.Embed:
        assert interaction.guild_id is not None
        guild_id, user_id = interaction.guild_id, interaction.user.id
        roles = role_ids(interaction)
        windows, month_songs = await member_windows(self.bot, guild_id, user_id, roles, now)
        jobs, month = self.bot.jobs, month_start(now)
        spending = {
            user: spent for user, spent, _ in await jobs.spending_by_member(guild_id, month)
        }
        priced = any(
            p.price.usd is not None or p.price.usd_by_operation for p in self.bot.providers
        )
        spent = spending.get(user_id, 0.0) if priced else None
        return member_embed(windows, month_songs, spent, interaction.locale)

    async def _server(self, guild_id: int, now: float, locale: object) -> ServerSpending:
        jobs, month = self.bot.jobs, month_start(now)
        balances = await asyncio.gather(*(_balance(p, locale) for p in self.bot.providers))
        return ServerSpending(
            budget=(await self.bot.rules.of(guild_id)).monthly_usd,
            spent=await jobs.spent(guild_id, month),
            by_member=await jobs.spending_by_member(guild_id, month),
            by_day=await jobs.spending_by_day(guild_id, month),
            balances=[(p.name, b) for p, b in zip(self.bot.providers, balances, strict=True) if b],
        )


async def member_windows(
    bot: MusicBot, guild_id: int, user_id: int, roles: frozenset[int], now: float
) -> tuple[list[Window], int]:
    """A member's quota windows (what they used of each limit) and their songs this month.

    /usage and /help both show these, counted the way the quota counts them; the
    limits are the member's (``roles``: the most generous role quota, as admission uses).
    """
    quotas, month = bot.settings.quotas, month_start(now)
    limits = member_quota(await bot.rules.of(guild_id), roles, quotas)
    used = await bot.jobs.used(guild_id, user_id, min(now - WEEK, month))
    weight = Admission(bot.settings.jobs.max_active_per_member, quotas).weight

    def since(start: float) -> int:
        return sum(weight(op) for at, op in used if at > start)

    windows = [
        Window(N_("Last 24 hours"), since(now - DAY), limits.member_per_day),
        Window(N_("Last 7 days"), since(now - WEEK), limits.member_per_week),
    ]
    return windows, sum(1 for at, _ in used if at >= month)


async def _balance(provider: Provider, locale: object) -> str | None:
    """The vendor's balance in words; None for a vendor that reports none."""
    try:
        credits = await asyncio.wait_for(provider.balance(), _BALANCE_TIMEOUT)
    except (ProviderError, TimeoutError) as exc:
        log.warning("%s: balance not available: %s", provider.name, exc)
        return t(locale, "not available right now")
    amount = f"{credits:,.2f}" if credits is not None else ""
    return None if credits is None else t(locale, "{amount} credits", amount=amount)


async def setup(bot: MusicBot) -> None:
    await bot.add_cog(UsageCog(bot))
