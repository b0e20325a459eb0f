"""Creating, editing and deleting messages: shared by the bot-token and webhook routes."""

from __future__ import annotations

from .models import EPHEMERAL, LOADING, FakeAttachment, FakeMessage, Json
from .multipart import Body
from .payloads import gateway_message_payload, mentioned_ids
from .responses import field_error, invalid_form_body, too_large
from .rest import EventSink
from .snowflake import iso_now
from .validation import validate_message
from .world import World

GUILD_MESSAGES = 1 << 9
DIRECT_MESSAGES = 1 << 12
GUILD_MESSAGE_REACTIONS = 1 << 10
DIRECT_MESSAGE_REACTIONS = 1 << 13
# Flags a sender may set; EPHEMERAL only through interactions.
_SETTABLE_FLAGS = (1 << 2) | (1 << 12) | (1 << 13) | (1 << 15)


def check_uploads(body: Body, limit: int) -> None:
    """Discord refuses the whole request when any file is over the upload limit."""
    if any(upload.size > limit for upload in body.files.values()):
        raise too_large()


def _normalise_embeds(embeds: list[Json] | None) -> list[Json]:
    return [{"type": "rich", **embed} for embed in embeds or []]


def _uploads(body: Body) -> list[FakeAttachment]:
    return [upload for _, upload in sorted(body.files.items())]


def build_message(
    world: World,
    channel_id: int,
    body: Body,
    *,
    message_type: int = 0,
    allow_ephemeral: bool = False,
) -> FakeMessage:
    """Validate a create payload and return the (not yet stored) message it describes."""
    payload = body.json
    uploads = _uploads(body)
    validate_message(payload, len(uploads))
    reference = _resolve_reference(world, channel_id, payload.get("message_reference"))
    settable = _SETTABLE_FLAGS | (EPHEMERAL if allow_ephemeral else 0)
    message = FakeMessage(
        id=world.new_id(),
        channel_id=channel_id,
        author_id=world.bot_user_id,
        content=payload.get("content") or "",
        embeds=_normalise_embeds(payload.get("embeds")),
        components=payload.get("components") or [],
        attachments=[world.store_attachment(channel_id, upload) for upload in uploads],
        flags=int(payload.get("flags") or 0) & settable,
        allowed_mentions=payload.get("allowed_mentions"),
        message_reference=reference,
        nonce=payload.get("nonce"),
        tts=bool(payload.get("tts")),
        type=19 if reference is not None and message_type == 0 else message_type,
    )
    return message


def _resolve_reference(world: World, channel_id: int, reference: Json | None) -> Json | None:
    if not reference or not reference.get("message_id"):
        return None
    target = world.messages_by_id.get(int(reference["message_id"]))
    if target is None or target.deleted:
        if reference.get("fail_if_not_exists", True):
            raise invalid_form_body(
                {
                    "message_reference": field_error(
                        "MESSAGE_REFERENCE_UNKNOWN_MESSAGE", "Unknown message"
                    )
                }
            )
        return None
    return {
        "type": reference.get("type", 0),
        "message_id": str(target.id),
        "channel_id": str(target.channel_id),
        "guild_id": str(target.guild_id) if target.guild_id else None,
        "fail_if_not_exists": reference.get("fail_if_not_exists", True),
    }


def apply_edit(world: World, message: FakeMessage, body: Body) -> None:
    """PATCH semantics: only keys present change; ``attachments`` lists what to keep."""
    payload = body.json
    uploads = _uploads(body)
    if "attachments" in payload:
        keep_ids = {str(entry.get("id")) for entry in payload["attachments"] or []}
        kept = [a for a in message.attachments if str(a.id) in keep_ids]
    else:
        kept = list(message.attachments)
    merged: Json = {
        "content": payload.get("content", message.content),
        "embeds": payload.get("embeds", message.embeds),
        "components": payload.get("components", message.components),
        "flags": payload.get("flags", message.flags),
    }
    validate_message(merged, len(kept) + len(uploads))
    message.content = merged["content"] or ""
    message.embeds = _normalise_embeds(merged["embeds"])
    message.components = merged["components"] or []
    if "flags" in payload and payload["flags"] is not None:
        # Ephemerality is fixed at creation; only the settable flags can change.
        message.flags = (message.flags & EPHEMERAL) | (int(payload["flags"]) & _SETTABLE_FLAGS)
    message.flags &= ~LOADING
    if "allowed_mentions" in payload:
        message.allowed_mentions = payload["allowed_mentions"]
    new = [world.store_attachment(message.channel_id, upload) for upload in uploads]
    message.attachments = kept + new
    message.edits.append(payload)
    message.edited_timestamp = iso_now()
    world.changed()


def _message_intent(world: World, message: FakeMessage) -> int:
    channel = world.channels.get(message.channel_id)
    return DIRECT_MESSAGES if channel is not None and channel.guild_id is None else GUILD_MESSAGES


def _without_content(world: World, message: FakeMessage, data: Json) -> Json | None:
    """What an app without the MESSAGE_CONTENT intent receives; None when it sees everything.

    Discord leaves content, embeds, attachments and components in the app's own
    messages, direct messages and messages that mention the app, and empties them
    everywhere else.
    """
    if (
        message.author_id == world.bot_user_id
        or message.guild_id is None
        or world.bot_user_id in mentioned_ids(message.content)
    ):
        return None
    return {**data, "content": "", "embeds": [], "attachments": [], "components": []}


async def _announce(world: World, events: EventSink, event: str, message: FakeMessage) -> None:
    if not message.ephemeral:
        data = gateway_message_payload(world, message)
        hidden = _without_content(world, message, data)
        await events.dispatch(event, data, _message_intent(world, message), without_content=hidden)


async def announce_create(world: World, events: EventSink, message: FakeMessage) -> None:
    await _announce(world, events, "MESSAGE_CREATE", message)


async def announce_update(world: World, events: EventSink, message: FakeMessage) -> None:
    await _announce(world, events, "MESSAGE_UPDATE", message)


async def delete_message(world: World, events: EventSink, message: FakeMessage) -> None:
    message.deleted = True
    world.changed()
    if message.ephemeral:
        return
    data: Json = {"id": str(message.id), "channel_id": str(message.channel_id)}
    if message.guild_id is not None:
        data["guild_id"] = str(message.guild_id)
    await events.dispatch("MESSAGE_DELETE", data, _message_intent(world, message))


def reaction_intent(world: World, message: FakeMessage) -> int:
    if _message_intent(world, message) == DIRECT_MESSAGES:
        return DIRECT_MESSAGE_REACTIONS
    return GUILD_MESSAGE_REACTIONS
