"""The page of /help: this server's commands, what one member may do here, and, for server
managers, the admin commands and where each rule comes from.

Pure rendering of what the cog gathered; lists of channels and roles are cut with
"and N more" so a server of hundreds of them still gets a page Discord accepts.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass

import discord

from bot.ui.limits import chunks, fit
from bot.ui.usage import Window, left

ANYWHERE = "any channel where I can post"
# How much of a line a list of mentions may take before "and N more".
_LIST_CHARS = 900


@dataclass(frozen=True)
class MemberRights:
    """What one member may do here, given their roles and permissions."""

    generate: bool
    costly: bool
    remix_others: bool
    manage_others: bool  # Manage Messages: cancel, delete or extend anyone's song
    generate_roles: frozenset[int]  # who may, when this member may not
    costly_roles: frozenset[int]


@dataclass(frozen=True)
class RuleSource:
    """One of the server's rules as an admin sees it: its value and where it comes from."""

    name: str  # "Monthly budget"
    value: str  # "$5.00"
    source: str  # "config.toml", "/settings" or "default"


@dataclass(frozen=True)
class HelpPage:
    commands: Sequence[tuple[str, str]]  # (name, description) every member may use
    costly_operations: Sequence[str]  # the costly operations offered here: "extend", "WAV"
    rights: MemberRights
    windows: Sequence[Window]
    song_channels: Sequence[int]  # empty: anywhere the bot can post
    admin_commands: Sequence[tuple[str, str]] | None  # None: not a server manager
    rules: Sequence[RuleSource] = ()


def help_embeds(page: HelpPage) -> list[discord.Embed]:
    """The private answer to /help, within Discord's limits for one message."""
    embeds = _listed_embeds("What I can do on this server", _command_lines(page.commands) or ["-"])
    embeds += _listed_embeds("What you may do", _member_lines(page))
    if page.admin_commands is not None:
        embeds += _listed_embeds("For server managers", _admin_lines(page))
    return fit(embeds)


def some(mentions: Sequence[str], limit: int = _LIST_CHARS) -> str:
    """``mentions`` joined with commas, the ones past ``limit`` characters counted instead."""
    shown: list[str] = []
    for mention in mentions:
        if len(", ".join([*shown, mention])) > limit:
            break
        shown.append(mention)
    rest = len(mentions) - len(shown)
    return ", ".join(shown) + (f" and {rest} more" if rest else "")


def channels(ids: Sequence[int]) -> str:
    return some([f"<#{i}>" for i in ids]) if ids else ANYWHERE


def roles(ids: Collection[int]) -> str:
    return some([f"<@&{i}>" for i in sorted(ids)])


def _listed_embeds(title: str, lines: Sequence[str]) -> list[discord.Embed]:
    embeds = [
        discord.Embed(description=text, colour=discord.Colour.blurple()) for text in chunks(lines)
    ]
    embeds[0].title = title
    return embeds


def _command_lines(commands: Sequence[tuple[str, str]]) -> list[str]:
    return [f"`/{name}` — {description}" for name, description in commands]


def _member_lines(page: HelpPage) -> list[str]:
    rights = page.rights
    lines = [f"**Make songs:** {_yes_or(rights.generate, _only(rights.generate_roles))}"]
    if page.costly_operations:
        what = ", ".join(page.costly_operations)
        may = _yes_or(rights.costly, _only(rights.costly_roles))
        lines.append(f"**{what[0].upper()}{what[1:]}:** {may}")
    own = "only your own; members who can manage messages may"
    lines.append(f"**Remix anyone's songs:** {_yes_or(rights.remix_others, own)}")
    lines.append(
        "**Cancel or delete others' songs:** "
        + _yes_or(rights.manage_others, "needs Manage Messages")
    )
    lines += [f"**{window.label}:** {left(window)}" for window in page.windows]
    lines.append(f"**Where songs are made:** {channels(page.song_channels)}")
    return lines


def _yes_or(may: bool, why_not: str) -> str:
    return "yes" if may else f"no ({why_not})"


def _only(allowed: Collection[int]) -> str:
    return f"only members with {roles(allowed)}"


def _admin_lines(page: HelpPage) -> list[str]:
    lines = _command_lines(page.admin_commands or ())
    lines.append("`/usage` also shows this server's spending, its budget and vendor balances.")
    lines.append("**Where each rule comes from**")
    lines += [f"**{rule.name}:** {rule.value} · {rule.source}" for rule in page.rules]
    return lines
