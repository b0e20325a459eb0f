"""The page of /help: this server's commands, what one member may do here, and, for server
managers, the admin commands and where each rule comes from.

Pure rendering of what the cog gathered; lists of channels and roles are cut with
"and N more" so a server of hundreds of them still gets a page Discord accepts.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass

import discord

from bot.discord.ui.limits import chunks, fit
from bot.discord.ui.usage import Window, left
from bot.i18n import N_, t, tn

ANYWHERE = N_("any channel where I can post")
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

    # As the admin reads them, in their language.
    name: str  # "Monthly budget"
    value: str  # "$5.00"
    source: str  # "config.toml", "/settings" or "default"


@dataclass(frozen=True)
class HelpPage:
    # Said in the member's language, as the cog gathered them:
    commands: Sequence[tuple[str, str]]  # (name, description) every member may use
    costly_operations: Sequence[str]  # the costly operations offered here: "extend", "WAV"
    rights: MemberRights
    windows: Sequence[Window]
    song_channels: Sequence[int]  # empty: anywhere the bot can post
    admin_commands: Sequence[tuple[str, str]] | None  # None: not a server manager
    rules: Sequence[RuleSource] = ()


def help_embeds(page: HelpPage, locale: object = None) -> list[discord.Embed]:
    """The private answer to /help in the member's language (``locale``), within Discord's
    limits for one message."""
    commands = _command_lines(page.commands) or ["-"]
    embeds = _listed_embeds(t(locale, "What I can do on this server"), commands)
    embeds += _listed_embeds(t(locale, "What you may do"), _member_lines(page, locale))
    if page.admin_commands is not None:
        embeds += _listed_embeds(t(locale, "For server managers"), _admin_lines(page, locale))
    return fit(embeds)


def some(mentions: Sequence[str], limit: int = _LIST_CHARS, locale: object = None) -> str:
    """``mentions`` joined with commas, the ones past ``limit`` characters counted instead."""
    shown: list[str] = []
    for mention in mentions:
        if len(", ".join([*shown, mention])) > limit:
            break
        shown.append(mention)
    rest = len(mentions) - len(shown)
    listed = ", ".join(shown)
    if not rest:
        return listed
    return tn(locale, "{listed} and {n} more", "{listed} and {n} more", rest, listed=listed)


def channels(ids: Sequence[int], locale: object = None) -> str:
    return some([f"<#{i}>" for i in ids], locale=locale) if ids else t(locale, ANYWHERE)


def roles(ids: Collection[int], locale: object = None) -> str:
    return some([f"<@&{i}>" for i in sorted(ids)], locale=locale)


def _listed_embeds(title: str, lines: Sequence[str]) -> list[discord.Embed]:
    embeds = [
        discord.Embed(description=text, colour=discord.Colour.blurple()) for text in chunks(lines)
    ]
    embeds[0].title = title
    return embeds


def _command_lines(commands: Sequence[tuple[str, str]]) -> list[str]:
    return [f"`/{name}` — {description}" for name, description in commands]


def _member_lines(page: HelpPage, locale: object) -> list[str]:
    rights = page.rights
    lines = [
        t(
            locale,
            "**Make songs:** {may}",
            may=_yes_or(rights.generate, _only(rights.generate_roles, locale), locale),
        )
    ]
    if page.costly_operations:
        what = ", ".join(page.costly_operations)
        may = _yes_or(rights.costly, _only(rights.costly_roles, locale), locale)
        lines.append(f"**{what[0].upper()}{what[1:]}:** {may}")
    own = t(locale, "only your own; members who can manage messages may")
    lines.append(
        t(
            locale,
            "**Remix anyone's songs:** {may}",
            may=_yes_or(rights.remix_others, own, locale),
        )
    )
    needs = t(locale, "needs Manage Messages")
    lines.append(
        t(
            locale,
            "**Cancel or delete others' songs:** {may}",
            may=_yes_or(rights.manage_others, needs, locale),
        )
    )
    for window in page.windows:
        label = t(locale, window.label)
        lines.append(f"**{label}:** {left(window, locale)}")
    lines.append(
        t(
            locale,
            "**Where songs are made:** {channels}",
            channels=channels(page.song_channels, locale),
        )
    )
    return lines


def _yes_or(may: bool, why_not: str, locale: object) -> str:
    return t(locale, "yes") if may else t(locale, "no ({why})", why=why_not)


def _only(allowed: Collection[int], locale: object) -> str:
    return t(locale, "only members with {roles}", roles=roles(allowed, locale))


def _admin_lines(page: HelpPage, locale: object) -> list[str]:
    lines = _command_lines(page.admin_commands or ())
    lines.append(
        t(locale, "`/usage` also shows this server's spending, its budget and vendor balances.")
    )
    lines.append(t(locale, "**Where each rule comes from**"))
    lines += [f"**{rule.name}:** {rule.value} · {rule.source}" for rule in page.rules]
    return lines
