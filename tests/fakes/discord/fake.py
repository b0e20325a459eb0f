"""FakeDiscord: a loopback Discord (REST + Gateway) for end-to-end tests of a real client."""

from __future__ import annotations

import asyncio
import functools
import socket
import time
from collections.abc import Callable

from aiohttp import web

from .gateway import GUILDS_INTENT, GatewayServer
from .interactions import command_data, find_component, modal_components, new_interaction
from .messages import announce_create, delete_message, reaction_intent
from .models import FakeInteraction, FakeMessage, HeldMessageCreate, Json, RestCall
from .payloads import guild_payload
from .rest import API_PREFIX, Router, serve_attachment
from .routes_channels import channel_routes, reaction_event
from .routes_interactions import interaction_routes
from .routes_meta import meta_routes
from .world import MIB, World


class FakeDiscord:
    """One guild with one text channel, served on 127.0.0.1.

    Point discord.py at it with ``discord.http.Route.BASE = fake.api_base`` and
    ``discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(fake.gateway_url)``.
    """

    def __init__(
        self,
        *,
        premium_tier: int = 0,
        interaction_deadline: float = 3.0,
        token_ttl: float = 900.0,
        bot_token: str = "fake-token",  # noqa: S107 - not a secret: the fake checks it
    ) -> None:
        self.world = World(
            premium_tier=premium_tier,
            interaction_deadline=interaction_deadline,
            token_ttl=token_ttl,
            bot_token=bot_token,
        )
        self.gateway = GatewayServer(self.world)
        self.router = Router(self.world, self.gateway)
        self.router.add(channel_routes() + interaction_routes() + meta_routes())
        self.api_base = ""
        self.gateway_url = ""
        self._runner: web.AppRunner | None = None
        self._tasks: set[asyncio.Task[None]] = set()

    # -- lifecycle -----------------------------------------------------------------------

    async def start(self) -> None:
        app = web.Application(client_max_size=256 * MIB)
        app.router.add_route("*", API_PREFIX + "/{tail:.*}", self.router.handle)
        app.router.add_get("/gateway", self.gateway.handle)
        app.router.add_get(
            "/attachments/{channel_id}/{attachment_id}/{filename}",
            functools.partial(serve_attachment, self.world),
        )
        self._runner = web.AppRunner(app, access_log=None, shutdown_timeout=1.0)
        await self._runner.setup()
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.bind(("127.0.0.1", 0))
        await web.SockSite(self._runner, sock).start()
        port = sock.getsockname()[1]
        self.world.http_base = f"http://127.0.0.1:{port}"
        self.api_base = self.world.http_base + API_PREFIX
        self.gateway_url = self.world.gateway_url = f"ws://127.0.0.1:{port}/gateway"

    async def stop(self) -> None:
        for hold in self.world.holds:
            hold.release()
        await self.gateway.close_all()
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> FakeDiscord:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    # -- the world -----------------------------------------------------------------------

    @property
    def application_id(self) -> int:
        return self.world.application_id

    @property
    def bot_user_id(self) -> int:
        return self.world.bot_user_id

    @property
    def guild_id(self) -> int:
        return self.world.guild_id

    @property
    def channel_id(self) -> int:
        return self.world.channel_id

    @property
    def owner_id(self) -> int:
        return self.world.owner_id

    @property
    def bot_token(self) -> str:
        return self.world.bot_token

    @property
    def premium_tier(self) -> int:
        return self.world.premium_tier

    @premium_tier.setter
    def premium_tier(self, tier: int) -> None:
        self.world.premium_tier = tier
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            return  # nobody can be connected without a running loop
        # A boost change reaches connected clients as GUILD_UPDATE, as on Discord.
        update = guild_payload(self.world, full=False)
        task = loop.create_task(self.gateway.dispatch("GUILD_UPDATE", update, GUILDS_INTENT))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    @property
    def upload_limit(self) -> int:
        return self.world.upload_limit()

    def add_member(
        self, name: str, *, permissions: int | None = None, role_ids: list[int] | None = None
    ) -> int:
        return self.world.add_member(name, permissions, role_ids)

    def add_role(self, name: str, permissions: int = 0) -> int:
        """Add a role; call before the bot connects (no GUILD_ROLE_CREATE is sent)."""
        return self.world.add_role(name, permissions)

    def add_channel(self, name: str, channel_type: int = 0, *, bot_denied: int = 0) -> int:
        """Add a guild channel; call before the bot connects (no CHANNEL_CREATE is sent).

        ``bot_denied``: permissions an overwrite denies the bot there."""
        return self.world.add_channel(name, channel_type, bot_denied)

    @property
    def messages(self) -> list[FakeMessage]:
        return self.world.messages

    def message(self, message_id: int) -> FakeMessage:
        """Any message ever created, deleted ones included."""
        try:
            return self.world.messages_by_id[message_id]
        except KeyError:
            raise LookupError(f"no message {message_id}") from None

    def channel_messages(self, channel_id: int | None = None) -> list[FakeMessage]:
        """Live messages, oldest first, ephemeral ones included (check ``.ephemeral``)."""
        return self.world.channel_messages(channel_id or self.world.channel_id)

    @property
    def interactions(self) -> list[FakeInteraction]:
        return list(self.world.interactions.values())

    @property
    def commands(self) -> list[Json]:
        return self.world.commands

    @property
    def rest_calls(self) -> list[RestCall]:
        return self.world.rest_calls

    @property
    def unknown_routes(self) -> list[RestCall]:
        return self.world.unknown_routes

    @property
    def internal_errors(self) -> list[str]:
        """Crashes of the fake's own handlers (answered 503); should stay empty."""
        return self.world.internal_errors

    # -- gateway -------------------------------------------------------------------------

    @property
    def connected(self) -> bool:
        return self.gateway.connected

    @property
    def identify_count(self) -> int:
        """IDENTIFYs so far: a restarted bot increments it (wait for it to pass a mark)."""
        return self.gateway.identify_count

    @property
    def resume_count(self) -> int:
        return self.gateway.resume_count

    @property
    def gateway_received(self) -> list[Json]:
        return self.gateway.received

    async def wait_ready(self, timeout: float = 15) -> None:  # noqa: ASYNC109
        """A client has identified (or resumed) on a connection that is still open."""
        await self.wait_for(lambda: self.gateway.ready, timeout)

    async def take_gateway_down(self) -> None:
        """An outage: open connections drop (resumably, code 4000) and new ones are refused."""
        self.gateway.refusing = True
        await self.gateway.close_all(code=4000)

    def bring_gateway_back(self) -> None:
        self.gateway.refusing = False

    async def request_reconnect(self) -> None:
        """Send op 7 RECONNECT, which makes discord.py reconnect and RESUME."""
        await self.gateway.send_op(7)

    async def wait_commands(self, timeout: float = 15) -> list[Json]:  # noqa: ASYNC109
        await self.wait_for(lambda: self.world.command_syncs > 0, timeout)
        return self.world.commands

    async def wait_for(self, predicate: Callable[[], bool], timeout: float = 15) -> None:  # noqa: ASYNC109
        await self.world.wait_for(predicate, timeout)

    # -- REST control --------------------------------------------------------------------

    def fail_next(
        self,
        method: str,
        path_regex: str,
        *,
        status: int,
        body: Json | None = None,
        count: int = 1,
        retry_after: float | None = None,
    ) -> None:
        """Answer the next ``count`` matching requests with ``status`` and nothing else.

        ``path_regex`` is searched in the raw path below api_base ("/channels/123/messages")
        and in the template ("/channels/{id}/messages"); method "*" matches any.
        """
        self.router.fail_next(
            method, path_regex, status=status, body=body, count=count, retry_after=retry_after
        )

    def hold_next_message_create(self, channel_id: int | None = None) -> HeldMessageCreate:
        """Store the next POST /channels/{id}/messages but withhold its HTTP answer.

        ``await held.wait()`` returns the stored FakeMessage as soon as it exists (in history
        and announced by MESSAGE_CREATE) while the bot is still awaiting the answer; a test can
        then kill the bot. ``held.release()`` (or stop()) lets the 200 answer go.
        """
        hold = HeldMessageCreate(channel_id)
        self.world.holds.append(hold)
        return hold

    # -- user actions --------------------------------------------------------------------

    async def _dispatch_interaction(self, inter: FakeInteraction) -> FakeInteraction:
        if not self.gateway.ready:
            del self.world.interactions[inter.id]
            del self.world.interactions_by_token[inter.token]
            raise RuntimeError("no bot is connected to the fake gateway (await wait_ready())")
        await self.gateway.dispatch("INTERACTION_CREATE", inter.payload)
        inter.dispatched_at = time.monotonic()
        return inter

    async def slash_command(
        self,
        name: str,
        options: dict[str, object] | None = None,
        *,
        user_id: int,
        channel_id: int | None = None,
        override: bool = False,
    ) -> FakeInteraction:
        """Run "/name" (or "/group sub") as ``user_id``; returns once it is dispatched.

        Like Discord, a member without a command's ``default_member_permissions``
        cannot run it (``PermissionError``), unless the server's admins opened it
        to them in the Integrations settings: ``override``.
        """
        top, *path = name.split()
        command = self.world.find_command(top)
        if command is None:
            synced = [c["name"] for c in self.world.commands]
            raise LookupError(f"/{top} is not a synced command (synced: {synced})")
        if not override and not self.world.may_use(command, user_id):
            raise PermissionError(f"/{top} is hidden from this member (default permissions)")
        data = command_data(self.world, command, path, dict(options or {}))
        channel = channel_id or self.world.channel_id
        return await self._dispatch_interaction(
            new_interaction(self.world, 2, user_id, channel, data, None)
        )

    def _live_message(self, message_id: int) -> FakeMessage:
        message = self.world.messages_by_id.get(message_id)
        if message is None or message.deleted:
            raise LookupError(f"message {message_id} does not exist (or was deleted)")
        return message

    async def click_button(
        self, message_id: int, custom_id: str, *, user_id: int
    ) -> FakeInteraction:
        return await self._component(message_id, custom_id, user_id, values=None)

    async def select(
        self, message_id: int, custom_id: str, values: list[str], *, user_id: int
    ) -> FakeInteraction:
        """Pick ``values`` in a select menu of the message."""
        return await self._component(message_id, custom_id, user_id, values=values)

    async def _component(
        self, message_id: int, custom_id: str, user_id: int, values: list[str] | None
    ) -> FakeInteraction:
        message = self._live_message(message_id)
        component = find_component(message.components, custom_id)
        if component is None:
            raise LookupError(f"message {message_id} has no component {custom_id!r}")
        if component.get("disabled"):
            raise ValueError(f"component {custom_id!r} is disabled; a user cannot use it")
        data: Json = {"custom_id": custom_id, "component_type": component["type"]}
        if values is not None:
            data["values"] = values
        inter = new_interaction(self.world, 3, user_id, message.channel_id, data, message)
        return await self._dispatch_interaction(inter)

    def _modal_opener(self, custom_id: str) -> FakeInteraction | None:
        for inter in reversed(self.world.interactions.values()):
            response = inter.response or {}
            if response.get("type") == 9 and response["data"].get("custom_id") == custom_id:
                return inter
        return None

    async def submit_modal(
        self,
        custom_id: str,
        values: dict[str, str],
        *,
        user_id: int,
        channel_id: int | None = None,
        message_id: int | None = None,
    ) -> FakeInteraction:
        """Submit a modal. When the bot showed it, the submission mirrors its layout."""
        opener = self._modal_opener(custom_id)
        layout = opener.response["data"].get("components") if opener and opener.response else None
        data = {"custom_id": custom_id, "components": modal_components(layout, values)}
        message = None
        if message_id is not None:
            message = self._live_message(message_id)
        elif opener is not None and "message" in opener.payload:
            message = self.world.messages_by_id.get(int(opener.payload["message"]["id"]))
        channel = channel_id or (opener.channel_id if opener else self.world.channel_id)
        inter = new_interaction(self.world, 5, user_id, channel, data, message)
        return await self._dispatch_interaction(inter)

    async def add_reaction(self, message_id: int, emoji: str, *, user_id: int) -> None:
        """A member reacts: MESSAGE_REACTION_ADD (needs the reactions intent, as on Discord)."""
        message = self._live_message(message_id)
        message.user_reactions.append((user_id, emoji))
        event = reaction_event(self.world, message, user_id, emoji)
        await self.gateway.dispatch(
            "MESSAGE_REACTION_ADD", event, reaction_intent(self.world, message)
        )

    async def member_says(
        self, user_id: int, content: str, *, channel_id: int | None = None
    ) -> FakeMessage:
        """A member posts ``content`` (mention the bot with ``<@{bot_user_id}>``): MESSAGE_CREATE.

        As on Discord, a bot without the MESSAGE_CONTENT intent gets the text only when
        the message mentions it (or is a direct message).
        """
        message = FakeMessage(
            id=self.world.new_id(),
            channel_id=channel_id or self.world.channel_id,
            author_id=user_id,
            content=content,
        )
        self.world.add_message(message)
        await announce_create(self.world, self.gateway, message)
        return message

    async def delete_message(self, message_id: int) -> None:
        """A moderator deletes a message in the client: gone, and MESSAGE_DELETE is sent."""
        await delete_message(self.world, self.gateway, self._live_message(message_id))

    def __repr__(self) -> str:
        return f"<FakeDiscord {self.api_base or 'not started'} connected={self.connected}>"
