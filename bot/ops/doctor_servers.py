"""The doctor's check of one server the bot is in: its permissions in the song channels.

A server that set song channels (``/settings channel add``) is checked in each
of them, and a missing permission there fails. One that set none lets members
ask in any channel: every text channel is checked, and only a server where the
bot can post nowhere fails; channels it cannot use are a warning.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from pathlib import Path
from typing import Any

from bot.ops.channel_permissions import Guild, missing, permissions_in
from bot.ops.checks import Check
from bot.ops.doctor_storage import song_channels

Get = Callable[[str], Awaitable[Any]]
Json = Mapping[str, Any]
# Channels members can type slash commands in: text and announcement channels.
_TEXT_TYPES = frozenset({0, 5})
_PERMISSION_FIX = (
    "give the bot's role {needs} in {where} (Edit Channel > Permissions), or remove the"
    " overwrite that denies them"
)


async def check_server(get: Get, guild_id: int, bot_id: int, database: Path) -> list[Check]:
    base = f"/guilds/{guild_id}"
    guild_payload = await get(base)
    guild = Guild.from_payloads(
        guild_payload, await get(f"{base}/roles"), await get(f"{base}/members/{bot_id}")
    )
    channels = {int(c["id"]): c for c in await get(f"{base}/channels")}
    name = guild_payload.get("name", guild_id)
    wanted = song_channels(database, guild_id)
    if wanted:
        return [_song_channel(guild, channels.get(c), c, name) for c in sorted(wanted)]
    return [_any_channel(guild, channels, name)]


def _song_channel(guild: Guild, channel: Json | None, channel_id: int, server: object) -> Check:
    what = f"song channel {channel_id}"
    if channel is None:
        return Check.fail(
            what,
            f"set as a song channel of {server}, but it no longer exists",
            "remove it with /settings channel remove, or add another",
        )
    what = f"#{channel.get('name')}"
    lacks = missing(permissions_in(guild, channel))
    if lacks:
        needs = ", ".join(lacks)
        return Check.fail(
            what,
            f"song channel of {server}: the bot lacks {needs}",
            _PERMISSION_FIX.format(needs=needs, where=what),
        )
    return Check.ok(what, f"song channel of {server}: the bot has every permission it needs")


def _any_channel(guild: Guild, channels: Mapping[int, Json], server: object) -> Check:
    text = [c for c in channels.values() if c.get("type") in _TEXT_TYPES]
    lacking = {f"#{c.get('name')}": missing(permissions_in(guild, c)) for c in text}
    lacking = {where: lacks for where, lacks in lacking.items() if lacks}
    what = f"server {guild.id}"
    if not lacking:
        return Check.ok(what, f"{server}: the bot can post in all {len(text)} text channel(s)")
    needs = ", ".join(sorted({p for lacks in lacking.values() for p in lacks}))
    where = ", ".join(lacking)
    if len(lacking) == len(text):
        return Check.fail(
            what,
            f"{server}: the bot can post in no channel (it lacks {needs})",
            _PERMISSION_FIX.format(needs=needs, where="the channels for songs"),
        )
    return Check.warn(
        what,
        f"{server}: no song channels set, and the bot lacks {needs} in {where}:"
        " songs asked for there fail",
        "set the channels for songs with /settings channel add, or "
        + _PERMISSION_FIX.format(needs=needs, where="those channels"),
    )
