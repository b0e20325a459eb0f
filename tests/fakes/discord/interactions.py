"""INTERACTION_CREATE payloads as a Discord client would produce them for a user's action."""

from __future__ import annotations

import secrets
from typing import Any

from .models import FakeAttachment, FakeInteraction, FakeMessage, Json
from .payloads import (
    attachment_payload,
    channel_payload,
    member_payload,
    message_payload,
    role_payload,
    user_payload,
)
from .world import ALL_PERMISSIONS, World

SUB_COMMAND, SUB_COMMAND_GROUP = 1, 2
STRING, INTEGER, BOOLEAN, USER, CHANNEL, ROLE, MENTIONABLE, NUMBER, ATTACHMENT = (
    3, 4, 5, 6, 7, 8, 9, 10, 11,
)  # fmt: skip


def new_interaction(
    world: World, kind: int, user_id: int, channel_id: int, data: Json, message: FakeMessage | None
) -> FakeInteraction:
    if user_id not in world.members:
        raise ValueError(f"user {user_id} is not a guild member; use FakeDiscord.add_member()")
    channel = world.channels[channel_id]
    interaction_id = world.new_id()
    token = secrets.token_urlsafe(48)
    payload: Json = {
        "id": str(interaction_id),
        "application_id": str(world.application_id),
        "type": kind,
        "token": token,
        "version": 1,
        "data": data,
        "channel_id": str(channel_id),
        "channel": channel_payload(world, channel),
        "app_permissions": str(world.app_permissions & ~channel.bot_denied),
        "locale": world.user_locales.get(user_id, "en-US"),
        "entitlements": [],
        "attachment_size_limit": world.upload_limit(channel_id),
        "context": 0 if channel.guild_id else 1,
    }
    if channel.guild_id:
        payload["guild_id"] = str(world.guild_id)
        payload["guild"] = {"id": str(world.guild_id), "locale": world.guild_locale, "features": []}
        payload["guild_locale"] = world.guild_locale
        payload["member"] = member_payload(world, world.members[user_id], with_permissions=True)
        payload["authorizing_integration_owners"] = {"0": str(world.guild_id)}
    else:
        payload["user"] = user_payload(world.users[user_id])
        payload["authorizing_integration_owners"] = {"1": str(user_id)}
    if message is not None:
        payload["message"] = message_payload(world, message)
    inter = FakeInteraction(
        interaction_id, token, kind, user_id, channel_id, channel.guild_id, payload
    )
    world.interactions[interaction_id] = inter
    world.interactions_by_token[token] = inter
    return inter


def command_data(world: World, command: Json, path: list[str], values: dict[str, Any]) -> Json:
    """data of an APPLICATION_COMMAND interaction; ``path`` are subcommand (group) names."""
    resolved: Json = {}
    options, specs = _walk_subcommands(command, path)
    typed = _typed_options(world, specs, values, resolved, command["name"])
    # Nest the typed values under the chosen subcommand (group) options.
    for kind, name in reversed(options):
        typed = [{"type": kind, "name": name, "options": typed}]
    data: Json = {"id": command["id"], "name": command["name"], "type": 1, "options": typed}
    if command.get("guild_id"):
        data["guild_id"] = command["guild_id"]
    if resolved:
        data["resolved"] = resolved
    return data


def _walk_subcommands(command: Json, path: list[str]) -> tuple[list[tuple[int, str]], list[Json]]:
    chosen: list[tuple[int, str]] = []
    specs: list[Json] = command.get("options") or []
    for name in path:
        match = [o for o in specs if o["name"] == name and o["type"] in (1, 2)]
        if not match:
            raise ValueError(f"/{command['name']} has no subcommand {name!r}")
        chosen.append((match[0]["type"], name))
        specs = match[0].get("options") or []
    if any(o["type"] in (SUB_COMMAND, SUB_COMMAND_GROUP) for o in specs):
        raise ValueError(f"/{command['name']} needs a subcommand: {[o['name'] for o in specs]}")
    return chosen, specs


def _typed_options(
    world: World, specs: list[Json], values: dict[str, Any], resolved: Json, command: str
) -> list[Json]:
    unknown = set(values) - {o["name"] for o in specs}
    if unknown:
        raise ValueError(f"/{command} has no option(s) {sorted(unknown)}")
    typed: list[Json] = []
    for spec in specs:
        name = spec["name"]
        if name not in values:
            if spec.get("required"):
                raise ValueError(f"/{command} requires option {name!r}")
            continue
        value = _convert(world, spec, values[name], resolved)
        typed.append({"name": name, "type": spec["type"], "value": value})
    return typed


def _convert(world: World, spec: Json, value: Any, resolved: Json) -> Any:
    kind = spec["type"]
    if kind == STRING:
        value = str(value)
    elif kind == INTEGER:
        value = int(value)
    elif kind == BOOLEAN:
        value = bool(value)
    elif kind == NUMBER:
        value = float(value)
    elif kind == ATTACHMENT:
        return _resolve_attachment(world, value, resolved)
    elif kind in (USER, CHANNEL, ROLE, MENTIONABLE):
        return _resolve_snowflake(world, kind, int(value), resolved)
    _check_bounds(spec, value)
    return value


def _check_bounds(spec: Json, value: Any) -> None:
    # The Discord client refuses to send values the command does not accept.
    choices = [c["value"] for c in spec.get("choices") or []]
    if choices and value not in choices:
        raise ValueError(f"option {spec['name']!r}: {value!r} is not one of {choices}")
    size = len(value) if isinstance(value, str) else value
    low = spec.get("min_length" if isinstance(value, str) else "min_value")
    high = spec.get("max_length" if isinstance(value, str) else "max_value")
    if (low is not None and size < low) or (high is not None and size > high):
        raise ValueError(f"option {spec['name']!r}: {value!r} is outside [{low}, {high}]")


def _resolve_attachment(world: World, value: Any, resolved: Json) -> str:
    if isinstance(value, tuple):
        value = FakeAttachment(value[0], value[1])
    if not isinstance(value, FakeAttachment):
        raise ValueError("attachment options take a FakeAttachment or (filename, bytes)")
    stored = world.store_attachment(world.channel_id, value)
    resolved.setdefault("attachments", {})[str(stored.id)] = attachment_payload(stored)
    return str(stored.id)


def _resolve_snowflake(world: World, kind: int, target: int, resolved: Json) -> str:
    key = str(target)
    if kind in (USER, MENTIONABLE) and target in world.users:
        resolved.setdefault("users", {})[key] = user_payload(world.users[target])
        if target in world.members:
            member = member_payload(world, world.members[target], with_permissions=True)
            member.pop("user")
            resolved.setdefault("members", {})[key] = member
    elif kind in (ROLE, MENTIONABLE) and target in world.roles:
        resolved.setdefault("roles", {})[key] = role_payload(world.roles[target])
    elif kind == CHANNEL and target in world.channels:
        channel = channel_payload(world, world.channels[target])
        channel["permissions"] = str(ALL_PERMISSIONS)
        resolved.setdefault("channels", {})[key] = channel
    else:
        raise ValueError(f"{target} is not a known user/role/channel for option type {kind}")
    return key


def find_component(components: list[Json], custom_id: str) -> Json | None:
    for component in components:
        if component.get("custom_id") == custom_id:
            return component
        nested = list(component.get("components") or [])
        for key in ("component", "accessory"):
            if isinstance(component.get(key), dict):
                nested.append(component[key])
        found = find_component(nested, custom_id)
        if found is not None:
            return found
    return None


def modal_components(layout: list[Json] | None, values: dict[str, str]) -> list[Json]:
    """Submitted components, mirroring the modal's rows (type 1) or labels (type 18)."""
    if layout is None:
        return [
            {"type": 1, "components": [{"type": 4, "custom_id": key, "value": value}]}
            for key, value in values.items()
        ]
    submitted: list[Json] = []
    seen: set[str] = set()
    for block in layout:
        inner = block.get("components") or [block.get("component") or {}]
        parts = [_submitted(c, values, seen) for c in inner if c.get("custom_id")]
        if not parts:
            continue
        if block.get("type") == 18:
            submitted.append({"type": 18, "component": parts[0]})
        else:
            submitted.append({"type": 1, "components": parts})
    missing = set(values) - seen
    if missing:
        raise ValueError(f"the modal has no input(s) {sorted(missing)}")
    return submitted


def _submitted(component: Json, values: dict[str, str], seen: set[str]) -> Json:
    custom_id = component["custom_id"]
    seen.add(custom_id)
    value = values.get(custom_id, component.get("value") or "")
    if component.get("type", 4) != 4:
        return {
            "type": component["type"],
            "custom_id": custom_id,
            "values": [value] if value else [],
        }
    if component.get("required", True) and not value:
        raise ValueError(f"modal input {custom_id!r} is required")
    if len(value) > int(component.get("max_length") or 4000):
        raise ValueError(f"modal input {custom_id!r} is longer than its max_length")
    return {"type": 4, "custom_id": custom_id, "value": value}
