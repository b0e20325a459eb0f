"""Bot-token channel routes: messages, history, reactions, typing, DMs."""

from __future__ import annotations

import time

from aiohttp import web

from .messages import (
    announce_create,
    announce_update,
    apply_edit,
    build_message,
    check_uploads,
    delete_message,
    reaction_intent,
)
from .models import FakeChannel, FakeMessage, HeldMessageCreate, Json
from .payloads import (
    channel_payload,
    emoji_payload,
    member_payload,
    message_payload,
    user_payload,
)
from .responses import ApiError, json_response, no_content, unknown_channel, unknown_message
from .rest import Ctx, Route, rate_limited
from .world import World

NONCE_WINDOW = 300.0  # seconds Discord remembers an enforce_nonce nonce


def _channel(ctx: Ctx) -> FakeChannel:
    channel = ctx.world.channels.get(ctx.snowflake("channel_id"))
    if channel is None:
        raise unknown_channel()
    return channel


def _message(ctx: Ctx) -> FakeMessage:
    channel = _channel(ctx)
    message = ctx.world.live_message(channel.id, ctx.snowflake("message_id"))
    # Ephemeral messages only exist for the interaction webhook, never for the bot token.
    if message is None or message.ephemeral:
        raise unknown_message()
    return message


def _duplicate_by_nonce(world: World, channel_id: int, payload: Json) -> FakeMessage | None:
    nonce = payload.get("nonce")
    if not payload.get("enforce_nonce") or nonce is None:
        return None
    for message in reversed(world.channel_messages(channel_id)):
        if time.monotonic() - message.created_at > NONCE_WINDOW:
            break
        if message.nonce == nonce and message.author_id == world.bot_user_id:
            return message
    return None


def _claim_hold(world: World, channel_id: int) -> HeldMessageCreate | None:
    for hold in world.holds:
        if not hold.claimed and hold.channel_id in (None, channel_id):
            hold.claimed = True
            return hold
    return None


async def create_message(ctx: Ctx) -> web.StreamResponse:
    channel = _channel(ctx)
    world = ctx.world
    check_uploads(ctx.body, world.upload_limit(channel.id))
    existing = _duplicate_by_nonce(world, channel.id, ctx.body.json)
    if existing is not None:
        return json_response(message_payload(world, existing))
    message = world.add_message(build_message(world, channel.id, ctx.body))
    await announce_create(world, ctx.events, message)
    hold = _claim_hold(world, channel.id)
    if hold is not None:
        hold.message = message
        hold.stored.set()
        world.changed()
        await hold.released.wait()
    return json_response(message_payload(world, message))


async def list_messages(ctx: Ctx) -> web.StreamResponse:
    channel = _channel(ctx)
    query = ctx.request.query
    limit = min(max(int(query.get("limit", "50")), 1), 100)
    history = [m for m in ctx.world.channel_messages(channel.id) if not m.ephemeral]
    if "around" in query:
        around = int(query["around"])
        older = [m for m in history if m.id < around]
        newer = [m for m in history if m.id >= around]
        picked = older[len(older) - limit // 2 :] if limit // 2 else []
        picked += newer[: limit - len(picked)]
    elif "after" in query:
        picked = [m for m in history if m.id > int(query["after"])][:limit]
    else:
        before = int(query["before"]) if "before" in query else None
        older = [m for m in history if before is None or m.id < before]
        picked = older[-limit:]
    # Discord answers newest first whatever the strategy.
    return json_response([message_payload(ctx.world, m) for m in reversed(picked)])


async def get_message(ctx: Ctx) -> web.StreamResponse:
    return json_response(message_payload(ctx.world, _message(ctx)))


async def edit_message(ctx: Ctx) -> web.StreamResponse:
    message = _message(ctx)
    if message.author_id != ctx.world.bot_user_id:
        raise ApiError(403, 50005, "Cannot edit a message authored by another user")
    wait = ctx.world.edit_allowed(message.channel_id)
    if wait > 0:
        assert ctx.world.edit_limit is not None
        return rate_limited(wait, limit=ctx.world.edit_limit[0])
    check_uploads(ctx.body, ctx.world.upload_limit(message.channel_id))
    apply_edit(ctx.world, message, ctx.body)
    await announce_update(ctx.world, ctx.events, message)
    return json_response(message_payload(ctx.world, message))


async def remove_message(ctx: Ctx) -> web.StreamResponse:
    await delete_message(ctx.world, ctx.events, _message(ctx))
    return no_content()


async def get_channel(ctx: Ctx) -> web.StreamResponse:
    return json_response(channel_payload(ctx.world, _channel(ctx)))


def _emoji(ctx: Ctx) -> str:
    emoji = ctx.params["emoji"]
    # Names like "thumbsup" are not emoji; Discord wants the character or name:id.
    if ":" not in emoji and emoji.isascii():
        raise ApiError(400, 10014, "Unknown Emoji")
    return emoji


async def add_own_reaction(ctx: Ctx) -> web.StreamResponse:
    message, emoji = _message(ctx), _emoji(ctx)
    if emoji not in message.reactions:
        message.reactions.append(emoji)
        ctx.world.changed()
        await ctx.events.dispatch(
            "MESSAGE_REACTION_ADD",
            reaction_event(ctx.world, message, ctx.world.bot_user_id, emoji),
            reaction_intent(ctx.world, message),
        )
    return no_content()


async def remove_own_reaction(ctx: Ctx) -> web.StreamResponse:
    message, emoji = _message(ctx), _emoji(ctx)
    if emoji in message.reactions:
        message.reactions.remove(emoji)
        ctx.world.changed()
        data = reaction_event(ctx.world, message, ctx.world.bot_user_id, emoji)
        data.pop("member", None)
        await ctx.events.dispatch(
            "MESSAGE_REACTION_REMOVE", data, reaction_intent(ctx.world, message)
        )
    return no_content()


async def list_reactors(ctx: Ctx) -> web.StreamResponse:
    message, emoji = _message(ctx), _emoji(ctx)
    user_ids = [ctx.world.bot_user_id] if emoji in message.reactions else []
    user_ids += [uid for uid, e in message.user_reactions if e == emoji]
    return json_response([user_payload(ctx.world.users[uid]) for uid in user_ids])


def reaction_event(world: World, message: FakeMessage, user_id: int, emoji: str) -> Json:
    data: Json = {
        "user_id": str(user_id),
        "channel_id": str(message.channel_id),
        "message_id": str(message.id),
        "message_author_id": str(message.author_id),
        "emoji": emoji_payload(emoji),
        "burst": False,
        "burst_colors": [],
        "type": 0,
    }
    if message.guild_id is not None:
        data["guild_id"] = str(message.guild_id)
        if user_id in world.members:
            data["member"] = member_payload(world, world.members[user_id])
    return data


async def typing(ctx: Ctx) -> web.StreamResponse:
    _channel(ctx)
    return no_content()


async def open_dm(ctx: Ctx) -> web.StreamResponse:
    try:
        recipient = int(ctx.body.json["recipient_id"])
    except (KeyError, TypeError, ValueError):
        raise ApiError(400, 50035, "Invalid Form Body") from None
    if recipient not in ctx.world.users:
        raise ApiError(404, 10013, "Unknown User")
    return json_response(channel_payload(ctx.world, ctx.world.dm_channel(recipient)))


def channel_routes() -> list[Route]:
    messages = "/channels/{channel_id}/messages"
    one = messages + "/{message_id}"
    reaction = one + "/reactions/{emoji}"
    return [
        Route("POST", messages, create_message),
        Route("GET", messages, list_messages),
        Route("GET", one, get_message),
        Route("PATCH", one, edit_message),
        Route("DELETE", one, remove_message),
        Route("PUT", reaction + "/@me", add_own_reaction),
        Route("DELETE", reaction + "/@me", remove_own_reaction),
        Route("GET", reaction, list_reactors),
        Route("GET", "/channels/{channel_id}", get_channel),
        Route("POST", "/channels/{channel_id}/typing", typing),
        Route("POST", "/users/@me/channels", open_dm),
    ]
