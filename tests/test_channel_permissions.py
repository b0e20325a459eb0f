"""The doctor's permission arithmetic follows Discord's order (and discord.py's code):
@everyone's overwrite, then the member's roles' overwrites together, then its own."""

from __future__ import annotations

from typing import Any

import discord

from bot.ops.channel_permissions import Guild, missing, permissions_in

GUILD, BOT, ROLE, OWNER = 1, 2, 3, 4
P = discord.Permissions
EVERYONE = P(view_channel=True, send_messages=True, read_message_history=True).value
BOT_ROLE = P(embed_links=True, attach_files=True).value


def guild(**changes: Any) -> Guild:
    base: dict[str, Any] = {
        "id": GUILD,
        "owner_id": OWNER,
        "roles": {GUILD: EVERYONE, ROLE: BOT_ROLE},
        "member_id": BOT,
        "member_roles": frozenset({ROLE}),
        "timed_out": False,
    }
    return Guild(**{**base, **changes})


def channel(*overwrites: tuple[int, int, int, int]) -> dict[str, Any]:
    return {
        "permission_overwrites": [
            {"id": str(i), "type": t, "allow": str(a), "deny": str(d)} for i, t, a, d in overwrites
        ]
    }


SEND = P(send_messages=True).value
ATTACH = P(attach_files=True).value


def test_roles_add_up_and_nothing_is_missing() -> None:
    assert missing(permissions_in(guild(), channel())) == []


def test_a_role_overwrite_beats_everyones_and_the_member_overwrite_beats_both() -> None:
    everyone_denies_send = (GUILD, 0, 0, SEND)
    role_allows_send = (ROLE, 0, SEND, 0)
    member_denies_attach = (BOT, 1, 0, ATTACH)
    assert missing(permissions_in(guild(), channel(everyone_denies_send))) == ["Send Messages"]
    assert missing(permissions_in(guild(), channel(everyone_denies_send, role_allows_send))) == []
    both = channel(role_allows_send, member_denies_attach, everyone_denies_send)
    assert missing(permissions_in(guild(), both)) == ["Attach Files"]


def test_administrator_and_the_owner_ignore_overwrites_and_a_timeout_keeps_only_reading() -> None:
    denied = channel((BOT, 1, 0, SEND | ATTACH))
    admin = guild(roles={GUILD: EVERYONE, ROLE: P(administrator=True).value})
    assert missing(permissions_in(admin, denied)) == []
    assert missing(permissions_in(guild(owner_id=BOT), denied)) == []
    assert missing(permissions_in(guild(timed_out=True), channel())) == [
        "Send Messages",
        "Embed Links",
        "Attach Files",
    ]
