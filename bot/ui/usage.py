"""The embeds of /usage: a member's songs and quotas, and a server's spending for moderators.

Pure rendering of figures the cog read; every list goes through ``chunks`` so
a long month of many members stays within Discord's limits.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import discord

from bot.jobs.costs import usd
from bot.ui.limits import chunks


@dataclass(frozen=True)
class Window:
    """One quota window of a member: what they used of it and its limit (0: none)."""

    label: str  # "Last 24 hours"
    used: int  # songs, weighted as the quota weighs them
    limit: int


@dataclass(frozen=True)
class ServerSpending:
    budget: float  # 0: none
    spent: float
    by_member: Sequence[tuple[int, float, int]]  # (member, spent, songs)
    by_day: Sequence[tuple[str, float]]  # (YYYY-MM-DD, spent)
    balances: Sequence[tuple[str, str]]  # (provider, balance or why unknown)


def member_embed(windows: Sequence[Window], month_songs: int, spent: float | None) -> discord.Embed:
    lines = [f"**{w.label}:** {_songs(w.used)} · {left(w)}" for w in windows]
    lines.append(f"**This month (UTC):** {_songs(month_songs)}")
    if spent is not None:
        lines.append(f"**Your spending this month:** {usd(spent)}")
    embed = discord.Embed(title="Your usage on this server", colour=discord.Colour.blurple())
    embed.description = "\n".join(lines)
    return embed


def server_embeds(spending: ServerSpending) -> list[discord.Embed]:
    budget = (
        f"{usd(spending.spent)} of the {usd(spending.budget)} monthly budget"
        f" ({spending.spent / spending.budget:.0%})"
        if spending.budget
        else f"{usd(spending.spent)} (no monthly budget set)"
    )
    first = discord.Embed(title="This server's spending this month", colour=discord.Colour.gold())
    first.description = f"**Spent:** {budget}"
    for name, balance in spending.balances:
        first.add_field(name=f"{name} balance", value=balance, inline=True)
    members = [
        f"<@{user}>: {usd(spent)} ({_songs(songs)})" for user, spent, songs in spending.by_member
    ]
    days = [f"{day}: {usd(spent)}" for day, spent in spending.by_day]
    embeds = [first]
    for title, lines in (("By member", members), ("By day (UTC)", days)):
        for n, text in enumerate(chunks(lines or ["Nothing yet."])):
            embed = discord.Embed(description=text, colour=discord.Colour.gold())
            embed.title = title if n == 0 else None
            embeds.append(embed)
    return embeds


def left(window: Window) -> str:
    """What is left of a quota window, in words."""
    if not window.limit:
        return "no limit"
    return f"{max(window.limit - window.used, 0)} of {window.limit} left"


def _songs(n: int) -> str:
    return f"{n} song" if n == 1 else f"{n} songs"
