"""The bot's permissions in a channel, from REST payloads, computed as discord.py does.

discord.py computes them (``GuildChannel.permissions_for``) from its Gateway
cache, which the doctor does not have: it reads the guild's roles, the bot's
member and the channel's overwrites over REST instead and applies the same
rules: the owner and Administrator get everything; otherwise @everyone's and
the member's roles' permissions, then the channel's @everyone overwrite, its
role overwrites together, the member's own overwrite, and a timeout last.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import discord

from bot.discord.permissions import PERMISSION_NAMES, SONG_CHANNEL

# A member in timeout keeps only these (discord.py's Permissions._timeout_mask).
_TIMEOUT_KEEPS = discord.Permissions(view_channel=True, read_message_history=True)
_ROLE, _MEMBER = 0, 1  # an overwrite's type

Json = Mapping[str, Any]


@dataclass(frozen=True)
class Guild:
    """What permissions depend on, as ``GET /guilds/{id}``, ``.../roles`` and the member say."""

    id: int
    owner_id: int
    roles: dict[int, int]  # role id -> its permissions
    member_id: int
    member_roles: frozenset[int]
    timed_out: bool

    @classmethod
    def from_payloads(cls, guild: Json, roles: list[Json], member: Json) -> Guild:
        until = member.get("communication_disabled_until")
        return cls(
            id=int(guild["id"]),
            owner_id=int(guild["owner_id"]),
            roles={int(r["id"]): int(r["permissions"]) for r in roles},
            member_id=int(member["user"]["id"]),
            member_roles=frozenset(int(r) for r in member.get("roles", [])),
            timed_out=until is not None and datetime.fromisoformat(until) > datetime.now(UTC),
        )


def permissions_in(guild: Guild, channel: Json) -> discord.Permissions:
    if guild.member_id == guild.owner_id:
        return discord.Permissions.all()
    base = discord.Permissions(guild.roles.get(guild.id, 0))
    for role_id in guild.member_roles:
        base.value |= guild.roles.get(role_id, 0)
    if base.administrator:
        return discord.Permissions.all()
    overwrites = [
        (int(o["id"]), int(o["type"]), int(o["allow"]), int(o["deny"]))
        for o in channel.get("permission_overwrites") or []
    ]
    for target, kind, allow, deny in overwrites:
        if kind == _ROLE and target == guild.id:
            base.handle_overwrite(allow=allow, deny=deny)
    allows = denies = 0
    for target, kind, allow, deny in overwrites:
        if kind == _ROLE and target in guild.member_roles:
            allows, denies = allows | allow, denies | deny
    base.handle_overwrite(allow=allows, deny=denies)
    for target, kind, allow, deny in overwrites:
        if kind == _MEMBER and target == guild.member_id:
            base.handle_overwrite(allow=allow, deny=deny)
    if guild.timed_out:
        base.value &= _TIMEOUT_KEEPS.value
    return base


def missing(have: discord.Permissions) -> list[str]:
    """The needed permissions ``have`` lacks, as Discord's apps name them."""
    return [
        PERMISSION_NAMES[name]
        for name, needed in SONG_CHANNEL
        if needed and not getattr(have, name)
    ]
