"""Identity, application commands and guild look-ups."""

from __future__ import annotations

from typing import Any

from aiohttp import web

from .models import Json
from .payloads import (
    GUILD_NAME,
    application_payload,
    bot_user_payload,
    channel_payload,
    guild_payload,
    member_payload,
    role_payload,
    user_payload,
)
from .responses import ApiError, json_response
from .rest import Ctx, Route
from .validation import validate_commands
from .world import World


async def get_me(ctx: Ctx) -> web.StreamResponse:
    return json_response(bot_user_payload(ctx.world))


async def get_my_guilds(ctx: Ctx) -> web.StreamResponse:
    """The servers the bot is in, as Discord's partial guilds (the fake's one guild)."""
    world = ctx.world
    guild = {
        "id": str(world.guild_id),
        "name": GUILD_NAME,
        "icon": None,
        "banner": None,
        "owner": False,
        "permissions": str(world.member_permissions(world.bot_user_id)),
        "features": [],
    }
    return json_response([guild])


async def get_user(ctx: Ctx) -> web.StreamResponse:
    user = ctx.world.users.get(ctx.snowflake("user_id"))
    if user is None:
        raise ApiError(404, 10013, "Unknown User")
    return json_response(user_payload(user))


async def get_application(ctx: Ctx) -> web.StreamResponse:
    return json_response(application_payload(ctx.world))


def _check_application(ctx: Ctx) -> None:
    if ctx.snowflake("application_id") != ctx.world.application_id:
        raise ApiError(403, 50001, "Missing Access")


def _check_guild(ctx: Ctx) -> None:
    if ctx.snowflake("guild_id") != ctx.world.guild_id:
        raise ApiError(404, 10004, "Unknown Guild")


def store_commands(world: World, sent: list[Json], guild_id: int | None) -> list[Json]:
    """Bulk overwrite: keeps ids of commands that survive (same name and type), as Discord does."""
    validate_commands(sent)
    previous = world.guild_commands.get(guild_id, []) if guild_id else world.global_commands
    known = {(c["name"], c.get("type", 1)): c["id"] for c in previous}
    stored: list[Json] = []
    for command in sent:
        kind = command.get("type", 1)
        entry: dict[str, Any] = {
            "description": "",
            "options": [],
            "default_member_permissions": None,
            "nsfw": False,
            **command,
            "id": known.get((command["name"], kind)) or str(world.new_id()),
            "type": kind,
            "application_id": str(world.application_id),
            "version": str(world.new_id()),
        }
        # Discord takes the bitfield as a number or a string and returns it as a string.
        if entry["default_member_permissions"] is not None:
            entry["default_member_permissions"] = str(entry["default_member_permissions"])
        if guild_id:
            entry["guild_id"] = str(guild_id)
        stored.append(entry)
    if guild_id:
        world.guild_commands[guild_id] = stored
    else:
        world.global_commands = stored
    world.command_syncs += 1
    world.changed()
    return stored


def _command_list(ctx: Ctx) -> list[Json]:
    if not isinstance(ctx.body.payload, list):
        raise ApiError(400, 50035, "Invalid Form Body", {"_errors": [{"code": "LIST_TYPE"}]})
    return ctx.body.payload


async def put_global_commands(ctx: Ctx) -> web.StreamResponse:
    _check_application(ctx)
    return json_response(store_commands(ctx.world, _command_list(ctx), None))


def _check_commands_guild(ctx: Ctx) -> None:
    # Discord does not say whether a guild exists: an application that is not in it
    # (or was invited without the applications.commands scope) gets Missing Access.
    if ctx.snowflake("guild_id") != ctx.world.guild_id:
        raise ApiError(403, 50001, "Missing Access")


async def put_guild_commands(ctx: Ctx) -> web.StreamResponse:
    _check_application(ctx)
    _check_commands_guild(ctx)
    return json_response(store_commands(ctx.world, _command_list(ctx), ctx.world.guild_id))


async def get_global_commands(ctx: Ctx) -> web.StreamResponse:
    _check_application(ctx)
    return json_response(ctx.world.global_commands)


async def get_guild_commands(ctx: Ctx) -> web.StreamResponse:
    _check_application(ctx)
    _check_commands_guild(ctx)
    return json_response(ctx.world.guild_commands.get(ctx.world.guild_id, []))


async def get_guild(ctx: Ctx) -> web.StreamResponse:
    _check_guild(ctx)
    return json_response(guild_payload(ctx.world, full=False))


async def get_member(ctx: Ctx) -> web.StreamResponse:
    _check_guild(ctx)
    member = ctx.world.members.get(ctx.snowflake("user_id"))
    if member is None:
        raise ApiError(404, 10007, "Unknown Member")
    return json_response(member_payload(ctx.world, member))


async def get_guild_channels(ctx: Ctx) -> web.StreamResponse:
    _check_guild(ctx)
    world = ctx.world
    return json_response([channel_payload(world, c) for c in world.channels.values() if c.guild_id])


async def get_roles(ctx: Ctx) -> web.StreamResponse:
    _check_guild(ctx)
    return json_response([role_payload(r) for r in ctx.world.roles.values()])


async def get_gateway(ctx: Ctx) -> web.StreamResponse:
    # Only AutoShardedBot asks; a plain Bot connects to DEFAULT_GATEWAY directly.
    limit = {"total": 1000, "remaining": 999, "reset_after": 0, "max_concurrency": 1}
    url = ctx.world.gateway_url
    return json_response({"url": url, "shards": 1, "session_start_limit": limit})


def meta_routes() -> list[Route]:
    app_commands = "/applications/{application_id}/commands"
    guild_commands = "/applications/{application_id}/guilds/{guild_id}/commands"
    return [
        Route("GET", "/users/@me", get_me),
        Route("GET", "/users/@me/guilds", get_my_guilds),
        Route("GET", "/users/{user_id}", get_user),
        Route("GET", "/oauth2/applications/@me", get_application),
        Route("GET", "/applications/@me", get_application),
        Route("PUT", app_commands, put_global_commands),
        Route("GET", app_commands, get_global_commands),
        Route("PUT", guild_commands, put_guild_commands),
        Route("GET", guild_commands, get_guild_commands),
        Route("GET", "/guilds/{guild_id}", get_guild),
        Route("GET", "/guilds/{guild_id}/members/{user_id}", get_member),
        Route("GET", "/guilds/{guild_id}/channels", get_guild_channels),
        Route("GET", "/guilds/{guild_id}/roles", get_roles),
        Route("GET", "/gateway", get_gateway, bot_auth=False),
        Route("GET", "/gateway/bot", get_gateway),
    ]
