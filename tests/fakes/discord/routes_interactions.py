"""Interaction callbacks and the interaction-token webhook (follow-ups, @original)."""

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
)
from .models import EPHEMERAL, LOADING, FakeInteraction, FakeMessage, Json
from .multipart import Body
from .payloads import message_payload, user_payload
from .responses import (
    ApiError,
    field_error,
    invalid_form_body,
    invalid_webhook_token,
    json_response,
    max_length_error,
    no_content,
    unknown_interaction,
    unknown_message,
)
from .rest import Ctx, Route
from .validation import validate_modal

APPLICATION_COMMAND, COMPONENT, AUTOCOMPLETE, MODAL_SUBMIT = 2, 3, 4, 5
# Which callback types Discord accepts for which interaction types.
_ALLOWED = {
    4: {APPLICATION_COMMAND, COMPONENT, MODAL_SUBMIT},
    5: {APPLICATION_COMMAND, COMPONENT, MODAL_SUBMIT},
    6: {COMPONENT, MODAL_SUBMIT},
    7: {COMPONENT, MODAL_SUBMIT},
    8: {AUTOCOMPLETE},
    9: {APPLICATION_COMMAND, COMPONENT},
}


def _stamp(ctx: Ctx, inter: FakeInteraction, message: FakeMessage) -> FakeMessage:
    """Mark a message as sent by the application's webhook on behalf of an interaction."""
    world = ctx.world
    message.type = 20 if inter.type == APPLICATION_COMMAND else 0
    message.webhook_id = world.application_id
    message.interaction_id = inter.id
    message.interaction_metadata = {
        "id": str(inter.id),
        "type": inter.type,
        "user": user_payload(world.users[inter.user_id]),
        "authorizing_integration_owners": {"0": str(world.guild_id)},
    }
    return message


def _check_callback(ctx: Ctx, inter: FakeInteraction | None) -> FakeInteraction:
    if inter is None or inter.token != ctx.params["token"]:
        raise unknown_interaction()
    if time.monotonic() - inter.dispatched_at > ctx.world.interaction_deadline:
        raise unknown_interaction()
    if inter.response is not None:
        raise ApiError(400, 40060, "Interaction has already been acknowledged.")
    return inter


async def callback(ctx: Ctx) -> web.StreamResponse:
    found = ctx.world.interactions.get(ctx.snowflake("interaction_id"))
    try:
        inter = _check_callback(ctx, found)
        response = ctx.body.json
        kind = int(response.get("type", 0))
        if inter.type not in _ALLOWED.get(kind, set()):
            raise invalid_form_body({"type": field_error("INTERACTION_CALLBACK_TYPE", "Invalid")})
        message = await _perform(ctx, inter, kind, response.get("data") or {})
    except ApiError as error:
        if found is not None:
            found.callback_statuses.append(error.status)
            ctx.world.changed()
        raise
    inter.callback_statuses.append(200)
    inter._mark_responded(response)
    ctx.world.changed()
    if ctx.request.query.get("with_response") not in ("1", "true", "True"):
        return no_content()
    answer: Json = {
        "interaction": {
            "id": str(inter.id),
            "type": inter.type,
            "activity_instance_id": None,
            "response_message_id": str(message.id) if message else None,
            "response_message_loading": kind == 5,
            "response_message_ephemeral": bool(message and message.ephemeral),
        },
        "resource": {"type": kind},
    }
    if message is not None and kind in (4, 5, 7):
        answer["resource"]["message"] = message_payload(ctx.world, message)
    return json_response(answer)


async def _perform(ctx: Ctx, inter: FakeInteraction, kind: int, data: Json) -> FakeMessage | None:
    world = ctx.world
    # The callback wraps the message in "data"; the message helpers read a bare payload.
    inner = Body(payload=data, files=ctx.body.files)
    if kind == 4:
        check_uploads(inner, world.upload_limit(inter.channel_id))
        built = build_message(world, inter.channel_id, inner, allow_ephemeral=True)
        inter.original = world.add_message(_stamp(ctx, inter, built))
        await announce_create(world, ctx.events, inter.original)
        return inter.original
    if kind == 5:
        flags = LOADING | (int(data.get("flags") or 0) & EPHEMERAL)
        thinking = FakeMessage(world.new_id(), inter.channel_id, world.bot_user_id, flags=flags)
        inter.original = world.add_message(_stamp(ctx, inter, thinking))
        await announce_create(world, ctx.events, inter.original)
        return inter.original
    if kind in (6, 7):
        # For components the "original response" is the message the component sits on.
        message_id = int((inter.payload.get("message") or {}).get("id", 0))
        inter.original = world.messages_by_id.get(message_id)
        if kind == 7 and inter.original is not None:
            check_uploads(inner, world.upload_limit(inter.channel_id))
            apply_edit(world, inter.original, inner)
            await announce_update(world, ctx.events, inter.original)
        return inter.original
    if kind == 8 and len(data.get("choices") or []) > 25:
        raise invalid_form_body({"data": {"choices": max_length_error(25)}})
    if kind == 9:
        validate_modal(data)
    return None


def _webhook_interaction(ctx: Ctx) -> FakeInteraction:
    if ctx.snowflake("application_id") != ctx.world.application_id:
        raise ApiError(404, 10015, "Unknown Webhook")
    inter = ctx.world.interactions_by_token.get(ctx.params["token"])
    if inter is None or time.monotonic() - inter.dispatched_at > ctx.world.token_ttl:
        raise invalid_webhook_token()
    if inter.response is None:
        # The webhook only exists once the interaction was acknowledged.
        raise ApiError(404, 10015, "Unknown Webhook")
    return inter


async def followup(ctx: Ctx) -> web.StreamResponse:
    inter = _webhook_interaction(ctx)
    world = ctx.world
    check_uploads(ctx.body, world.upload_limit(inter.channel_id))
    original = inter.original
    if original is not None and original.loading and not original.deleted:
        # The first follow-up after a deferral fills in the "thinking" message.
        apply_edit(world, original, ctx.body)
        message = original
        await announce_update(world, ctx.events, message)
    else:
        built = build_message(world, inter.channel_id, ctx.body, allow_ephemeral=True)
        message = world.add_message(_stamp(ctx, inter, built))
        await announce_create(world, ctx.events, message)
    inter.followups.append(message)
    world.changed()
    if ctx.request.query.get("wait") in ("1", "true", "True"):
        return json_response(message_payload(world, message))
    return no_content()


def _webhook_message(ctx: Ctx, inter: FakeInteraction) -> FakeMessage:
    target = ctx.params["message_id"]
    if target == "@original":
        message = inter.original
    else:
        message = ctx.world.messages_by_id.get(int(target)) if target.isdigit() else None
        if message is not None and message.interaction_id is None and message is not inter.original:
            message = None
    if message is None or message.deleted:
        raise unknown_message()
    return message


async def get_webhook_message(ctx: Ctx) -> web.StreamResponse:
    inter = _webhook_interaction(ctx)
    return json_response(message_payload(ctx.world, _webhook_message(ctx, inter)))


async def edit_webhook_message(ctx: Ctx) -> web.StreamResponse:
    inter = _webhook_interaction(ctx)
    message = _webhook_message(ctx, inter)
    check_uploads(ctx.body, ctx.world.upload_limit(inter.channel_id))
    apply_edit(ctx.world, message, ctx.body)
    await announce_update(ctx.world, ctx.events, message)
    return json_response(message_payload(ctx.world, message))


async def delete_webhook_message(ctx: Ctx) -> web.StreamResponse:
    inter = _webhook_interaction(ctx)
    await delete_message(ctx.world, ctx.events, _webhook_message(ctx, inter))
    return no_content()


def interaction_routes() -> list[Route]:
    webhook = "/webhooks/{application_id}/{token}"
    message = webhook + "/messages/{message_id}"
    return [
        Route("POST", "/interactions/{interaction_id}/{token}/callback", callback, bot_auth=False),
        Route("POST", webhook, followup, bot_auth=False),
        Route("GET", message, get_webhook_message, bot_auth=False),
        Route("PATCH", message, edit_webhook_message, bot_auth=False),
        Route("DELETE", message, delete_webhook_message, bot_auth=False),
    ]
