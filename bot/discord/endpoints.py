"""The one place that points discord.py at a Discord other than discord.com.

A REST rate-limit proxy needs the REST base moved; the end-to-end tests move
both REST and the Gateway to a loopback fake.
"""

from __future__ import annotations

import discord
import yarl

from bot.config import DiscordSettings


def apply_endpoints(settings: DiscordSettings) -> None:
    # Route.BASE is read each time a request is built, interaction callbacks included.
    discord.http.Route.BASE = settings.api_base.rstrip("/")
    if settings.gateway_url:
        discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(settings.gateway_url)
