"""The fake's world: one guild, its channels and members, and every message and interaction."""

from __future__ import annotations

import asyncio
import inspect
import mimetypes
import time
from collections import deque
from collections.abc import Callable

from .models import (
    FakeAttachment,
    FakeChannel,
    FakeInteraction,
    FakeMember,
    FakeMessage,
    FakeRole,
    FakeUser,
    HeldMessageCreate,
    Json,
    RestCall,
)
from .snowflake import SnowflakeFactory, iso, iso_now, snowflake_datetime

MIB = 1024 * 1024
# Permissions.all() of discord.py 2.7: what the bot's role (and app_permissions) carries.
ALL_PERMISSIONS = 8866461766385663
# What @everyone grants in a typical server: talk, read, upload, react, use commands, join voice.
MEMBER_PERMISSIONS = 277129580097
ADMINISTRATOR = 1 << 3
UPLOAD_LIMITS = {0: 10 * MIB, 1: 10 * MIB, 2: 50 * MIB, 3: 100 * MIB}


class World:
    """Plain state plus change notification; the HTTP and gateway layers mutate it."""

    def __init__(
        self, *, premium_tier: int, interaction_deadline: float, token_ttl: float, bot_token: str
    ) -> None:
        self.new_id = SnowflakeFactory()
        self.premium_tier = premium_tier
        self.interaction_deadline = interaction_deadline
        self.token_ttl = token_ttl
        self.bot_token = bot_token
        # Set once the server is bound: attachment URLs and GET /gateway point there.
        self.http_base = ""
        self.gateway_url = ""

        self.users: dict[int, FakeUser] = {}
        self.members: dict[int, FakeMember] = {}
        self.roles: dict[int, FakeRole] = {}
        self.channels: dict[int, FakeChannel] = {}
        self.messages: list[FakeMessage] = []
        self.messages_by_id: dict[int, FakeMessage] = {}
        self.interactions: dict[int, FakeInteraction] = {}
        self.interactions_by_token: dict[str, FakeInteraction] = {}
        self.attachments_by_id: dict[int, FakeAttachment] = {}
        self.global_commands: list[Json] = []
        self.guild_commands: dict[int, list[Json]] = {}
        self.command_syncs = 0
        self.rest_calls: list[RestCall] = []
        self.unknown_routes: list[RestCall] = []
        self.internal_errors: list[str] = []  # exceptions inside the fake itself
        self.holds: list[HeldMessageCreate] = []
        # Discord's limit on message edits per channel: (edits, per seconds); None: off.
        self.edit_limit: tuple[int, float] | None = (5, 5.0)
        self.recent_edits: dict[int, deque[float]] = {}  # channel id -> monotonic edit times
        # What interactions report the bot may do in their channel; tests lower it.
        self.app_permissions = ALL_PERMISSIONS
        # The server's language (preferred_locale) and each member's Discord client language.
        self.guild_locale = "en-US"
        self.user_locales: dict[int, str] = {}
        self._waiters: list[asyncio.Future[None]] = []

        self.application_id = self.new_id()
        self.bot_user_id = self.application_id  # like real bots: bot user id == application id
        self.users[self.bot_user_id] = FakeUser(self.bot_user_id, "FakeBot", bot=True)
        self.guild_id = self.new_id()
        self.roles[self.guild_id] = FakeRole(self.guild_id, "@everyone", MEMBER_PERMISSIONS)
        bot_role = FakeRole(self.new_id(), "FakeBot", ALL_PERMISSIONS, position=1, managed=True)
        self.roles[bot_role.id] = bot_role
        self.members[self.bot_user_id] = FakeMember(self.bot_user_id, [bot_role.id], iso_now())
        self.owner_id = self._add_user("owner")
        self.channel_id = self.add_channel("general")

    # -- change notification -------------------------------------------------------------

    def edit_allowed(self, channel_id: int) -> float:
        """Record an edit in ``channel_id``; 0 if within the limit, else seconds until it is."""
        now = time.monotonic()
        recent = self.recent_edits.setdefault(channel_id, deque())
        if self.edit_limit is None:
            return 0.0
        count, window = self.edit_limit
        while recent and recent[0] <= now - window:
            recent.popleft()
        if len(recent) >= count:
            return recent[0] + window - now
        recent.append(now)
        return 0.0

    def changed(self) -> None:
        waiters, self._waiters = self._waiters, []
        for waiter in waiters:
            if not waiter.done():
                waiter.set_result(None)

    async def wait_for(self, predicate: Callable[[], bool], timeout: float) -> None:  # noqa: ASYNC109
        deadline = time.monotonic() + timeout
        while not predicate():
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise TimeoutError(self._describe_timeout(predicate, timeout))
            waiter = asyncio.get_running_loop().create_future()
            self._waiters.append(waiter)
            # The poll cap catches predicates that depend on things outside the fake.
            await asyncio.wait([waiter], timeout=min(remaining, 0.25))

    def _describe_timeout(self, predicate: Callable[[], bool], timeout: float) -> str:
        try:
            what = inspect.getsource(predicate).strip()
        except (OSError, TypeError):
            what = repr(predicate)
        recent = [f"{c.method} {c.raw_path} -> {c.status}" for c in self.rest_calls[-8:]]
        unknown = [f"{c.method} {c.raw_path}" for c in self.unknown_routes]
        return (
            f"condition not met within {timeout}s: {what}\n"
            f"  last REST calls: {recent}\n  unknown routes: {unknown}\n"
            f"  live messages: {sum(not m.deleted for m in self.messages)}"
        )

    # -- guild contents ------------------------------------------------------------------

    def _add_user(self, name: str, role_ids: list[int] | None = None) -> int:
        user_id = self.new_id()
        self.users[user_id] = FakeUser(user_id, name)
        self.members[user_id] = FakeMember(user_id, role_ids or [], iso_now())
        return user_id

    def add_role(self, name: str, permissions: int = 0) -> int:
        role = FakeRole(self.new_id(), name, permissions, position=1)
        self.roles[role.id] = role
        return role.id

    def add_member(
        self, name: str, permissions: int | None = None, role_ids: list[int] | None = None
    ) -> int:
        role_ids = list(role_ids or [])
        if permissions is not None:
            # A role of its own makes the member's guild permissions exactly `permissions`
            # on top of @everyone, as a server admin would configure it.
            role = FakeRole(self.new_id(), f"{name}-role", permissions, position=1)
            self.roles[role.id] = role
            role_ids.append(role.id)
        user_id = self._add_user(name, role_ids)
        self.changed()
        return user_id

    def add_channel(self, name: str, channel_type: int = 0, bot_denied: int = 0) -> int:
        channel_id = self.new_id()
        position = sum(1 for c in self.channels.values() if c.guild_id is not None)
        self.channels[channel_id] = FakeChannel(
            channel_id,
            name,
            channel_type,
            guild_id=self.guild_id,
            position=position,
            bot_denied=bot_denied,
        )
        return channel_id

    def dm_channel(self, user_id: int) -> FakeChannel:
        for channel in self.channels.values():
            if channel.type == 1 and channel.recipient_id == user_id:
                return channel
        channel = FakeChannel(self.new_id(), "", 1, recipient_id=user_id)
        self.channels[channel.id] = channel
        return channel

    def member_permissions(self, user_id: int) -> int:
        member = self.members[user_id]
        if user_id == self.owner_id:
            return ALL_PERMISSIONS
        value = self.roles[self.guild_id].permissions
        for role_id in member.role_ids:
            value |= self.roles[role_id].permissions
        return ALL_PERMISSIONS if value & ADMINISTRATOR else value

    def may_use(self, command: Json, user_id: int) -> bool:
        """Whether Discord offers ``command`` to the member: its default permissions
        ("0": administrators only) are all theirs."""
        raw = command.get("default_member_permissions")
        if raw is None:
            return True
        have, needed = self.member_permissions(user_id), int(raw)
        return have == ALL_PERMISSIONS if needed == 0 else have & needed == needed

    def upload_limit(self, channel_id: int | None = None) -> int:
        channel = self.channels.get(channel_id) if channel_id is not None else None
        if channel is not None and channel.guild_id is None:
            return UPLOAD_LIMITS[0]
        return UPLOAD_LIMITS.get(self.premium_tier, UPLOAD_LIMITS[3])

    # -- messages ------------------------------------------------------------------------

    def store_attachment(self, channel_id: int, attachment: FakeAttachment) -> FakeAttachment:
        attachment.id = self.new_id()
        # Discord derives the content type from the name, not from the multipart header
        # (discord.py labels every file application/octet-stream).
        guessed, _ = mimetypes.guess_type(attachment.filename)
        if guessed:
            attachment.content_type = guessed
        attachment.url = (
            f"{self.http_base}/attachments/{channel_id}/{attachment.id}/{attachment.filename}"
        )
        self.attachments_by_id[attachment.id] = attachment
        return attachment

    def add_message(self, message: FakeMessage) -> FakeMessage:
        message.timestamp = iso(snowflake_datetime(message.id))
        channel = self.channels.get(message.channel_id)
        message.guild_id = channel.guild_id if channel is not None else self.guild_id
        self.messages.append(message)
        self.messages_by_id[message.id] = message
        self.changed()
        return message

    def live_message(self, channel_id: int, message_id: int) -> FakeMessage | None:
        message = self.messages_by_id.get(message_id)
        if message is None or message.deleted or message.channel_id != channel_id:
            return None
        return message

    def channel_messages(self, channel_id: int) -> list[FakeMessage]:
        return [m for m in self.messages if m.channel_id == channel_id and not m.deleted]

    @property
    def commands(self) -> list[Json]:
        """What members of the server are offered: its own commands, then the global
        ones (Discord lists a name twice when both hold it)."""
        return [*self.guild_commands.get(self.guild_id, []), *self.global_commands]

    def find_command(self, name: str) -> Json | None:
        for command in self.commands:
            if command["name"] == name and command.get("type", 1) == 1:
                return command
        return None

    def record(self, call: RestCall) -> None:
        self.rest_calls.append(call)
        self.changed()
