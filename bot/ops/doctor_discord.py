"""The doctor's Discord checks: the token, the application, and each server over REST.

Plain HTTPS requests to ``[discord] api_base`` (no Gateway, no discord.py
login): each is bounded by ``TIMEOUT_SECONDS``, and the token travels only in
the Authorization header, never in a row.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import discord
import httpx

from bot.config import DiscordSettings
from bot.discord.permissions import SONG_CHANNEL
from bot.ops.checks import TIMEOUT_SECONDS, Check
from bot.ops.doctor_servers import check_server

_NEW_DISCORD_CREDENTIAL = (
    "copy the bot's token from the Developer Portal (your application > Bot > Reset Token)"
    " into DISCORD_TOKEN"
)
_CHECK_API_BASE = (
    "check the network, and [discord] api_base if you set it (Discord's is"
    " https://discord.com/api/v10); if Discord is down, try later"
)
_COMMAND_SCOPES = ("bot", "applications.commands")


class DiscordRefused(Exception):
    """Discord answered a request with an error."""

    def __init__(self, status: int, body: Any) -> None:
        message = body.get("message", "") if isinstance(body, Mapping) else ""
        super().__init__(f"{status} {message}".strip())
        self.status = status


class DiscordApi:
    """GET requests to Discord's REST API as the bot; JSON answers, errors as ``DiscordRefused``."""

    def __init__(self, settings: DiscordSettings) -> None:
        self._client = httpx.AsyncClient(
            base_url=settings.api_base,
            headers={"Authorization": f"Bot {settings.token.get_secret_value()}"},
            timeout=TIMEOUT_SECONDS,
            trust_env=False,
        )

    async def get(self, path: str) -> Any:
        response = await self._client.get(path)
        try:
            body = response.json()
        except ValueError:
            body = None
        if response.is_error:
            raise DiscordRefused(response.status_code, body)
        return body

    async def aclose(self) -> None:
        await self._client.aclose()


def invite_link(application_id: int, guild_id: int | None = None) -> str:
    """The link that adds the bot with the permissions it needs and its slash commands."""
    guild = discord.Object(guild_id) if guild_id else discord.utils.MISSING
    return discord.utils.oauth_url(
        application_id, permissions=SONG_CHANNEL, guild=guild, scopes=_COMMAND_SCOPES
    )


async def check_discord(settings: DiscordSettings, database: Path) -> list[Check]:
    """Rows for the token, the application and each server; the rows so far when Discord fails."""
    api = DiscordApi(settings)
    checks: list[Check] = []
    try:
        await _checks(api, settings, database, checks)
    except httpx.TransportError as exc:
        host = urlsplit(settings.api_base).netloc
        problem = f"no answer from {host} ({type(exc).__name__})"
        checks.append(Check.fail("Discord", problem, _CHECK_API_BASE))
    except DiscordRefused as exc:
        if exc.status == 401:
            problem = f"Discord rejected DISCORD_TOKEN ({exc})"
            checks.append(Check.fail("Discord token", problem, _NEW_DISCORD_CREDENTIAL))
        else:
            checks.append(Check.fail("Discord", f"Discord answered {exc}", _CHECK_API_BASE))
    finally:
        await api.aclose()
    return checks


async def _checks(
    api: DiscordApi, settings: DiscordSettings, database: Path, checks: list[Check]
) -> None:
    me = await api.get("/users/@me")
    checks.append(Check.ok("Discord token", f"accepted: the bot is {me['username']} ({me['id']})"))
    app = await api.get("/applications/@me")
    app_id = int(app["id"])
    checks.append(_application(app))
    joined = {int(g["id"]): g for g in await api.get("/users/@me/guilds")}
    servers = list(settings.guild_ids) or list(joined)
    checks.append(_servers_row(settings.guild_ids, joined, app_id))
    for guild_id in servers:
        if guild_id not in joined:
            checks.append(_not_joined(guild_id, app_id))
            continue
        try:
            checks += await check_server(api.get, guild_id, int(me["id"]), database)
        except DiscordRefused as exc:
            checks.append(
                Check.fail(
                    f"server {guild_id}",
                    f"Discord refused to describe it ({exc})",
                    f"invite the bot again with {invite_link(app_id, guild_id)}",
                )
            )


def _application(app: Mapping[str, Any]) -> Check:
    app_id = int(app["id"])
    who = "anyone with the link" if app.get("bot_public") else "only you (Public Bot is off)"
    result = f"{app.get('name')} ({app_id}); {who} can add it with {invite_link(app_id)}"
    if app.get("bot_require_code_grant"):
        return Check.warn(
            "application",
            result,
            "turn off Requires OAuth2 Code Grant (Developer Portal > Bot): with it on the"
            " invite link does not work",
        )
    return Check.ok("application", result)


def _servers_row(configured: list[int], joined: Mapping[int, Any], app_id: int) -> Check:
    if configured:
        return Check.ok("servers", f"[discord] guild_ids lists {len(configured)}")
    if not joined:
        return Check.warn(
            "servers", "the bot is in no server yet", f"invite it with {invite_link(app_id)}"
        )
    return Check.ok(
        "servers",
        f"no [discord] guild_ids: commands are registered globally; the bot is in"
        f" {len(joined)} server(s), checked below",
    )


def _not_joined(guild_id: int, app_id: int) -> Check:
    return Check.fail(
        f"server {guild_id}",
        "listed in [discord] guild_ids, but the bot is not in it",
        f"invite it with {invite_link(app_id, guild_id)}, or remove the id from guild_ids",
    )
