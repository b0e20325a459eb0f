"""The REST side: a small router that records every call and can inject faults."""

from __future__ import annotations

import logging
import math
import re
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Protocol
from urllib.parse import unquote

from aiohttp import web

from .models import Json, RestCall
from .multipart import Body, read_body
from .responses import ApiError, json_response, unauthorized
from .world import World

API_PREFIX = "/api/v10"

log = logging.getLogger(__name__)


class EventSink(Protocol):
    """Where REST handlers send gateway events (the gateway server)."""

    async def dispatch(
        self,
        event: str,
        data: Json,
        intent: int | None = None,
        *,
        without_content: Json | None = None,
    ) -> None: ...


@dataclass
class Ctx:
    request: web.Request
    params: dict[str, str]
    world: World
    events: EventSink
    call: RestCall
    body: Body

    def snowflake(self, name: str) -> int:
        try:
            return int(self.params[name])
        except ValueError:
            raise ApiError(404, 0, "404: Not Found") from None


Handler = Callable[[Ctx], Awaitable[web.StreamResponse]]


@dataclass
class Route:
    method: str
    pattern: str  # "/channels/{channel_id}/messages": names only matter to handlers
    handler: Handler
    bot_auth: bool = True  # interaction callbacks and webhooks are authenticated by token
    regex: re.Pattern[str] = field(init=False)
    template: str = field(init=False)

    def __post_init__(self) -> None:
        self.regex = re.compile(
            "^" + re.sub(r"\\\{(\w+)\\\}", r"(?P<\1>[^/]+)", re.escape(self.pattern)) + "$"
        )
        # Tests see one spelling for every snowflake: "/channels/{id}/messages/{id}".
        self.template = re.sub(r"\{\w+_id\}", "{id}", self.pattern)


@dataclass
class Fault:
    method: str
    path: re.Pattern[str]
    status: int
    body: Json | None
    remaining: int
    retry_after: float | None

    def matches(self, call: RestCall) -> bool:
        return (self.method in ("*", call.method)) and bool(
            self.path.search(call.raw_path) or self.path.search(call.path)
        )

    def response(self) -> web.Response:
        if self.status != 429:
            body = self.body or {"code": 0, "message": f"{self.status}: injected failure"}
            return json_response(body, self.status)
        retry_after = 0.25 if self.retry_after is None else self.retry_after
        return rate_limited(retry_after, self.body)


def rate_limited(retry_after: float, body: Json | None = None, *, limit: int = 5) -> web.Response:
    """Discord's 429, with the headers discord.py reads to wait and retry."""
    body = body or {
        "message": "You are being rate limited.",
        "retry_after": retry_after,
        "global": False,
    }
    # discord.py treats a 429 without Via (or without a JSON body) as a Cloudflare ban.
    headers = {
        "Via": "1.1 google",
        "Retry-After": str(math.ceil(retry_after)),
        "X-RateLimit-Limit": str(limit),
        "X-RateLimit-Remaining": "0",
        "X-RateLimit-Reset": f"{time.time() + retry_after:.3f}",
        "X-RateLimit-Reset-After": f"{retry_after:.3f}",
        "X-RateLimit-Scope": "user",
    }
    return json_response(body, 429, headers)


class Router:
    def __init__(self, world: World, events: EventSink) -> None:
        self.world = world
        self.events = events
        self.routes: list[Route] = []
        self.faults: list[Fault] = []

    def add(self, routes: list[Route]) -> None:
        self.routes.extend(routes)

    def fail_next(
        self,
        method: str,
        path_regex: str,
        *,
        status: int,
        body: Json | None,
        count: int,
        retry_after: float | None,
    ) -> None:
        fault = Fault(method.upper(), re.compile(path_regex), status, body, count, retry_after)
        self.faults.append(fault)

    def _match(self, method: str, path: str) -> tuple[Route | None, dict[str, str], bool]:
        path_known = False
        for route in self.routes:
            found = route.regex.match(path)
            if found is None:
                continue
            path_known = True
            if route.method == method:
                return route, {k: unquote(v) for k, v in found.groupdict().items()}, True
        return None, {}, path_known

    async def handle(self, request: web.Request) -> web.StreamResponse:
        encoded = request.rel_url.raw_path[len(API_PREFIX) :] or "/"
        route, params, path_known = self._match(request.method, encoded)
        call = RestCall(
            method=request.method,
            path=route.template if route else unquote(encoded),
            raw_path=unquote(encoded),
            at=time.monotonic(),
            query=dict(request.query),
        )
        self.world.record(call)
        try:
            # Always drain the body first: answering mid-upload resets the connection.
            body = await read_body(request)
            call.payload = body.payload
            call.files = [f.filename for _, f in sorted(body.files.items())]
            response = await self._answer(request, route, params, path_known, call, body)
        except ApiError as error:
            response = error.response()
        except Exception as error:
            # A bug in the fake, not in the bot. 503 makes discord.py raise at once (it retries
            # 500s for ~25 s), and internal_errors lets a test fail loudly on it.
            log.exception("fake Discord crashed on %s %s", call.method, call.raw_path)
            self.world.internal_errors.append(f"{call.method} {call.raw_path}: {error!r}")
            response = json_response({"code": 0, "message": f"fake crashed: {error!r}"}, 503)
        call.status = response.status
        self.world.changed()
        return response

    async def _answer(
        self,
        request: web.Request,
        route: Route | None,
        params: dict[str, str],
        path_known: bool,
        call: RestCall,
        body: Body,
    ) -> web.StreamResponse:
        for fault in self.faults:
            if fault.remaining > 0 and fault.matches(call):
                fault.remaining -= 1
                return fault.response()
        if route is None:
            self.world.unknown_routes.append(call)
            if path_known:
                return json_response({"code": 0, "message": "405: Method Not Allowed"}, 405)
            return json_response({"code": 0, "message": "404: Not Found"}, 404)
        if route.bot_auth and request.headers.get("Authorization") != f"Bot {self.world.bot_token}":
            raise unauthorized()
        ctx = Ctx(request, params, self.world, self.events, call, body)
        return await route.handler(ctx)


async def serve_attachment(world: World, request: web.Request) -> web.StreamResponse:
    """The CDN: attachment URLs in message payloads point here, so the bot can download them."""
    try:
        attachment = world.attachments_by_id[int(request.match_info["attachment_id"])]
    except (KeyError, ValueError):
        return web.Response(status=404, text="Not Found")
    return web.Response(body=attachment.data, headers={"Content-Type": attachment.content_type})
