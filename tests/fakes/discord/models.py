"""Records of what the bot did to the fake world; tests assert on these."""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass, field
from typing import Any

Json = dict[str, Any]

EPHEMERAL = 1 << 6
LOADING = 1 << 7


@dataclass
class FakeUser:
    id: int
    username: str
    bot: bool = False


@dataclass
class FakeRole:
    id: int
    name: str
    permissions: int
    position: int = 0
    managed: bool = False


@dataclass
class FakeMember:
    user_id: int
    role_ids: list[int]
    joined_at: str


@dataclass
class FakeChannel:
    id: int
    name: str
    type: int = 0
    guild_id: int | None = None
    position: int = 0
    parent_id: int | None = None
    recipient_id: int | None = None  # DM channels only
    # Permissions a member overwrite denies the bot in this channel (as an admin sets it).
    bot_denied: int = 0


@dataclass
class FakeAttachment:
    filename: str
    data: bytes
    content_type: str = "application/octet-stream"
    id: int = 0
    url: str = ""
    description: str | None = None

    @property
    def size(self) -> int:
        return len(self.data)


@dataclass
class FakeMessage:
    id: int
    channel_id: int
    author_id: int
    content: str = ""
    embeds: list[Json] = field(default_factory=list)
    components: list[Json] = field(default_factory=list)
    attachments: list[FakeAttachment] = field(default_factory=list)
    flags: int = 0
    allowed_mentions: Json | None = None
    message_reference: Json | None = None
    nonce: str | int | None = None
    edits: list[Json] = field(default_factory=list)
    deleted: bool = False
    created_at: float = field(default_factory=time.monotonic)
    interaction_id: int | None = None
    reactions: list[str] = field(default_factory=list)
    # Reactions added by members through FakeDiscord.add_reaction: (user id, emoji).
    user_reactions: list[tuple[int, str]] = field(default_factory=list)
    guild_id: int | None = None
    type: int = 0
    tts: bool = False
    timestamp: str = ""
    edited_timestamp: str | None = None
    webhook_id: int | None = None
    # MESSAGE.interaction_metadata for messages created through an interaction.
    interaction_metadata: Json | None = None

    @property
    def ephemeral(self) -> bool:
        return bool(self.flags & EPHEMERAL)

    @property
    def loading(self) -> bool:
        """A deferred ("thinking") response that nothing has filled in yet."""
        return bool(self.flags & LOADING)


@dataclass
class FakeInteraction:
    id: int
    token: str
    type: int
    user_id: int
    channel_id: int
    guild_id: int | None
    payload: Json
    dispatched_at: float = field(default_factory=time.monotonic)
    response: Json | None = None
    responded_at: float | None = None
    followups: list[FakeMessage] = field(default_factory=list)
    original: FakeMessage | None = None
    # HTTP status of every callback attempt, accepted or not (late ones show up as 404).
    callback_statuses: list[int] = field(default_factory=list)
    _responded: asyncio.Event = field(default_factory=asyncio.Event, repr=False)

    @property
    def ephemeral(self) -> bool:
        if self.response is None:
            return False
        data = self.response.get("data") or {}
        return bool(int(data.get("flags") or 0) & EPHEMERAL)

    def _mark_responded(self, response: Json) -> None:
        self.response = response
        self.responded_at = time.monotonic()
        self._responded.set()

    async def wait_response(self, timeout: float = 10) -> Json:  # noqa: ASYNC109
        try:
            await asyncio.wait_for(self._responded.wait(), timeout)
        except TimeoutError:
            raise TimeoutError(
                f"interaction {self.id} (type {self.type}) got no accepted callback within "
                f"{timeout}s; callback statuses so far: {self.callback_statuses}"
            ) from None
        assert self.response is not None
        return self.response


@dataclass
class RestCall:
    method: str
    path: str  # route template, snowflakes as {id}, e.g. "/channels/{id}/messages"
    raw_path: str  # the concrete path below api_base, e.g. "/channels/123/messages"
    at: float
    status: int | None = None  # None while the answer is still pending (held)
    query: dict[str, str] = field(default_factory=dict)
    payload: Any = None  # parsed JSON body, or payload_json of a multipart body
    files: list[str] = field(default_factory=list)  # filenames uploaded with the request


class HeldMessageCreate:
    """A message create whose HTTP answer is withheld; see FakeDiscord.hold_next_message_create.

    Quacks like the asyncio.Event it stands for: ``await held.wait()`` returns once the
    message is stored (visible in history, MESSAGE_CREATE dispatched) while the bot is still
    waiting for the answer. ``release()`` lets the answer go; FakeDiscord.stop() releases too.
    """

    def __init__(self, channel_id: int | None) -> None:
        self.channel_id = channel_id
        self.stored = asyncio.Event()
        self.message: FakeMessage | None = None
        self.released = asyncio.Event()
        self.claimed = False

    def is_set(self) -> bool:
        return self.stored.is_set()

    async def wait(self, timeout: float = 15) -> FakeMessage:  # noqa: ASYNC109
        try:
            await asyncio.wait_for(self.stored.wait(), timeout)
        except TimeoutError:
            raise TimeoutError(
                f"no POST /channels/{self.channel_id or '{id}'}/messages was held within {timeout}s"
            ) from None
        assert self.message is not None
        return self.message

    def release(self) -> None:
        self.released.set()
