"""The embeds of /usage: a member's songs and quotas, and a server's spending for moderators.

Pure rendering of figures the cog read; every list goes through ``chunks`` so
a long month of many members stays within Discord's limits.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import discord

from bot.discord.ui.limits import chunks
from bot.i18n import N_, t, tn
from bot.jobs.costs import usd


@dataclass(frozen=True)
class Window:
    """One quota window of a member: what they used of it and its limit (0: none)."""

    label: str  # a msgid: "Last 24 hours", said in the member's language where shown
    used: int  # songs, weighted as the quota weighs them
    limit: int


@dataclass(frozen=True)
class ServerSpending:
    budget: float  # 0: none
    spent: float
    by_member: Sequence[tuple[int, float, int]]  # (member, spent, songs)
    by_day: Sequence[tuple[str, float]]  # (YYYY-MM-DD, spent)
    balances: Sequence[tuple[str, str]]  # (provider, balance or why unknown)


def member_embed(
    windows: Sequence[Window], month_songs: int, spent: float | None, locale: object = None
) -> discord.Embed:
    """The member's own figures, in their language (``locale``)."""
    lines = [
        t(
            locale,
            "**{window}:** {songs} · {left}",
            window=t(locale, w.label),
            songs=_songs(w.used, locale),
            left=left(w, locale),
        )
        for w in windows
    ]
    lines.append(t(locale, "**This month (UTC):** {songs}", songs=_songs(month_songs, locale)))
    if spent is not None:
        lines.append(t(locale, "**Your spending this month:** {spent}", spent=usd(spent)))
    embed = discord.Embed(
        title=t(locale, "Your usage on this server"), colour=discord.Colour.blurple()
    )
    embed.description = "\n".join(lines)
    return embed


def server_embeds(spending: ServerSpending, locale: object = None) -> list[discord.Embed]:
    """The server's spending, for a moderator, in their language (``locale``)."""
    spent = usd(spending.spent)
    share = f"{spending.spent / spending.budget:.0%}" if spending.budget else ""
    budget = (
        t(
            locale,
            "{spent} of the {budget} monthly budget ({share})",
            spent=spent,
            budget=usd(spending.budget),
            share=share,
        )
        if spending.budget
        else t(locale, "{spent} (no monthly budget set)", spent=spent)
    )
    first = discord.Embed(
        title=t(locale, "This server's spending this month"), colour=discord.Colour.gold()
    )
    first.description = t(locale, "**Spent:** {budget}", budget=budget)
    for name, balance in spending.balances:
        first.add_field(name=t(locale, "{provider} balance", provider=name), value=balance)
    members = [
        f"<@{user}>: {usd(spent)} ({_songs(songs, locale)})"
        for user, spent, songs in spending.by_member
    ]
    days = [f"{day}: {usd(spent)}" for day, spent in spending.by_day]
    embeds = [first]
    nothing = t(locale, "Nothing yet.")
    for title, lines in ((N_("By member"), members), (N_("By day (UTC)"), days)):
        for n, text in enumerate(chunks(lines or [nothing])):
            embed = discord.Embed(description=text, colour=discord.Colour.gold())
            embed.title = t(locale, title) if n == 0 else None
            embeds.append(embed)
    return embeds


def left(window: Window, locale: object = None) -> str:
    """What is left of a quota window, in words."""
    if not window.limit:
        return t(locale, "no limit")
    return t(
        locale,
        "{left} of {limit} left",
        left=max(window.limit - window.used, 0),
        limit=window.limit,
    )


def _songs(n: int, locale: object) -> str:
    return tn(locale, "{n} song", "{n} songs", n)
