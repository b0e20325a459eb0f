"""JSON payloads in the shapes discord.py parses (missing required keys crash the client)."""

from __future__ import annotations

import re
from typing import Any

from .models import FakeAttachment, FakeChannel, FakeMember, FakeMessage, FakeRole, FakeUser, Json
from .world import World

GUILD_NAME = "Fake Guild"


def user_payload(user: FakeUser) -> Json:
    return {
        "id": str(user.id),
        "username": user.username,
        "global_name": None if user.bot else user.username,
        "discriminator": "0000" if user.bot else "0",
        "avatar": None,
        "bot": user.bot,
        "public_flags": 0,
        "flags": 0,
    }


def bot_user_payload(world: World) -> Json:
    payload = user_payload(world.users[world.bot_user_id])
    payload.update({"verified": True, "mfa_enabled": False, "email": None, "locale": "en-US"})
    return payload


def member_payload(world: World, member: FakeMember, *, with_permissions: bool = False) -> Json:
    payload: Json = {
        "user": user_payload(world.users[member.user_id]),
        "roles": [str(r) for r in member.role_ids],
        "joined_at": member.joined_at,
        "nick": None,
        "avatar": None,
        "premium_since": None,
        "deaf": False,
        "mute": False,
        "pending": False,
        "flags": 0,
        "communication_disabled_until": None,
    }
    if with_permissions:
        payload["permissions"] = str(world.member_permissions(member.user_id))
    return payload


def role_payload(role: FakeRole) -> Json:
    return {
        "id": str(role.id),
        "name": role.name,
        "permissions": str(role.permissions),
        "position": role.position,
        "color": 0,
        "colors": {"primary_color": 0, "secondary_color": None, "tertiary_color": None},
        "hoist": False,
        "managed": role.managed,
        "mentionable": False,
        "icon": None,
        "unicode_emoji": None,
        "flags": 0,
    }


def channel_payload(world: World, channel: FakeChannel) -> Json:
    last = [m.id for m in world.messages if m.channel_id == channel.id and not m.deleted]
    payload: Json = {
        "id": str(channel.id),
        "type": channel.type,
        "last_message_id": str(last[-1]) if last else None,
        "flags": 0,
    }
    if channel.type == 1:
        assert channel.recipient_id is not None
        payload["recipients"] = [user_payload(world.users[channel.recipient_id])]
        return payload
    payload.update(
        {
            "guild_id": str(channel.guild_id),
            "name": channel.name,
            "position": channel.position,
            "parent_id": str(channel.parent_id) if channel.parent_id else None,
            "permission_overwrites": _overwrites(world, channel),
            "nsfw": False,
            "topic": None,
            "rate_limit_per_user": 0,
        }
    )
    if channel.type == 2:
        payload.update({"bitrate": 64000, "user_limit": 0, "rtc_region": None})
    return payload


def _overwrites(world: World, channel: FakeChannel) -> list[Json]:
    if not channel.bot_denied:
        return []
    denied = str(channel.bot_denied)
    return [{"id": str(world.bot_user_id), "type": 1, "allow": "0", "deny": denied}]


def guild_payload(world: World, *, full: bool, all_members: bool = True) -> Json:
    """GUILD_CREATE when ``full``; otherwise the REST ``GET /guilds/{id}`` shape.

    Without the members (or presences) intent Discord lists only the bot's own member.
    """
    payload: Json = {
        "id": str(world.guild_id),
        "name": GUILD_NAME,
        "icon": None,
        "splash": None,
        "discovery_splash": None,
        "banner": None,
        "description": None,
        "owner_id": str(world.owner_id),
        "afk_channel_id": None,
        "afk_timeout": 300,
        "verification_level": 0,
        "default_message_notifications": 0,
        "explicit_content_filter": 0,
        "mfa_level": 0,
        "nsfw_level": 0,
        "features": [],
        "roles": [role_payload(r) for r in world.roles.values()],
        "emojis": [],
        "stickers": [],
        "premium_tier": world.premium_tier,
        "premium_subscription_count": [0, 2, 7, 14][min(max(world.premium_tier, 0), 3)],
        "preferred_locale": world.guild_locale,
        "system_channel_id": str(world.channel_id),
        "system_channel_flags": 0,
        "rules_channel_id": None,
        "public_updates_channel_id": None,
        "vanity_url_code": None,
        "max_members": 500000,
        "premium_progress_bar_enabled": False,
    }
    if not full:
        payload["approximate_member_count"] = len(world.members)
        payload["approximate_presence_count"] = 0
        return payload
    payload.update(
        {
            "unavailable": False,
            "large": False,
            "joined_at": world.members[world.bot_user_id].joined_at,
            "member_count": len(world.members),
            "members": [
                member_payload(world, m)
                for m in world.members.values()
                if all_members or m.user_id == world.bot_user_id
            ],
            "channels": [channel_payload(world, c) for c in world.channels.values() if c.guild_id],
            "threads": [],
            "presences": [],
            "voice_states": [],
            "stage_instances": [],
            "guild_scheduled_events": [],
            "soundboard_sounds": [],
        }
    )
    return payload


def attachment_payload(attachment: FakeAttachment) -> Json:
    payload: Json = {
        "id": str(attachment.id),
        "filename": attachment.filename,
        "size": attachment.size,
        "url": attachment.url,
        "proxy_url": attachment.url,
        "content_type": attachment.content_type,
        "flags": 0,
    }
    if attachment.description is not None:
        payload["description"] = attachment.description
    return payload


def _reactions_payload(world: World, message: FakeMessage) -> list[Json]:
    counts: dict[str, list[bool]] = {}
    for emoji in message.reactions:
        counts.setdefault(emoji, []).append(True)
    for _, emoji in message.user_reactions:
        counts.setdefault(emoji, []).append(False)
    return [
        {
            "emoji": emoji_payload(emoji),
            "count": len(who),
            "count_details": {"normal": len(who), "burst": 0},
            "me": any(who),
            "me_burst": False,
            "burst_colors": [],
        }
        for emoji, who in counts.items()
    ]


def emoji_payload(emoji: str) -> Json:
    # "name:id" (or "a:name:id") is how custom emoji travel in reaction routes.
    parts = emoji.split(":")
    if len(parts) >= 2 and parts[-1].isdigit():
        return {"id": parts[-1], "name": parts[-2], "animated": parts[0] == "a"}
    return {"id": None, "name": emoji}


def mentioned_ids(content: str) -> list[int]:
    """Users a message's text mentions (``<@id>`` or ``<@!id>``), as Discord parses them."""
    return [int(found) for found in dict.fromkeys(re.findall(r"<@!?(\d+)>", content))]


def message_payload(world: World, message: FakeMessage) -> Json:
    payload: Json = {
        "id": str(message.id),
        "channel_id": str(message.channel_id),
        "type": message.type,
        "content": message.content,
        "author": user_payload(world.users[message.author_id]),
        "attachments": [attachment_payload(a) for a in message.attachments],
        "embeds": message.embeds,
        "components": message.components,
        "mentions": [
            user_payload(world.users[uid])
            for uid in mentioned_ids(message.content)
            if uid in world.users
        ],
        "mention_roles": [],
        "mention_everyone": False,
        "pinned": False,
        "tts": message.tts,
        "timestamp": message.timestamp,
        "edited_timestamp": message.edited_timestamp,
        "flags": message.flags,
        "nonce": message.nonce,
        "reactions": _reactions_payload(world, message),
    }
    if message.guild_id is not None:
        payload["guild_id"] = str(message.guild_id)
    if message.message_reference is not None:
        payload["message_reference"] = message.message_reference
        ref_id = message.message_reference.get("message_id")
        referenced = world.messages_by_id.get(int(ref_id)) if ref_id else None
        if referenced is not None and not referenced.deleted:
            payload["referenced_message"] = message_payload(world, referenced)
    if message.webhook_id is not None:
        payload["webhook_id"] = str(message.webhook_id)
        payload["application_id"] = str(world.application_id)
    if message.interaction_metadata is not None:
        payload["interaction_metadata"] = message.interaction_metadata
    return payload


def application_payload(world: World) -> Json:
    bot = world.users[world.bot_user_id]
    owner = world.users[world.owner_id]
    return {
        "id": str(world.application_id),
        "name": bot.username,
        "description": "A fake application",
        "icon": None,
        "bot_public": True,
        "bot_require_code_grant": False,
        "owner": user_payload(owner),
        "team": None,
        "verify_key": "0" * 64,
        "flags": 0,
        "summary": "",
        "rpc_origins": [],
        "tags": [],
        "interactions_endpoint_url": None,
        "redirect_uris": [],
        "approximate_guild_count": 1,
        "bot": user_payload(bot),
    }


def ready_payload(world: World, session_id: str, resume_url: str) -> Json:
    return {
        "v": 10,
        "user": bot_user_payload(world),
        "guilds": [{"id": str(world.guild_id), "unavailable": True}],
        "session_id": session_id,
        "session_type": "normal",
        "resume_gateway_url": resume_url,
        "application": {"id": str(world.application_id), "flags": 0},
        "private_channels": [],
        "relationships": [],
        "presences": [],
        "user_settings": {},
        "guild_join_requests": [],
        "geo_ordered_rtc_regions": [],
        "_trace": ["fake-discord"],
    }


def gateway_message_payload(world: World, message: FakeMessage) -> Json:
    """MESSAGE_CREATE/UPDATE data: the REST shape plus the author's member in guilds."""
    payload = message_payload(world, message)
    member = world.members.get(message.author_id)
    if message.guild_id is not None and member is not None:
        data: dict[str, Any] = member_payload(world, member)
        data.pop("user")
        payload["member"] = data
    return payload
