"""The Gateway: HELLO, heartbeats, IDENTIFY/READY/GUILD_CREATE, RESUME and dispatches."""

from __future__ import annotations

import asyncio
import json
import logging
import secrets
from collections import deque
from dataclasses import dataclass, field

from aiohttp import WSMsgType, web

from .models import Json
from .payloads import guild_payload, member_payload, ready_payload
from .world import World

HEARTBEAT_INTERVAL_MS = 41250
GUILDS_INTENT = 1 << 0
MESSAGE_CONTENT_INTENT = 1 << 15
MEMBER_LIST_INTENTS = (1 << 1) | (1 << 8)  # GUILD_MEMBERS, GUILD_PRESENCES
# Clean closes end the session; any other close (crash, kill, 4000) leaves it resumable.
_SESSION_ENDING_CLOSES = (1000, 1001)

log = logging.getLogger(__name__)


@dataclass(eq=False)  # identity semantics: connections live in a set
class Connection:
    ws: web.WebSocketResponse
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)

    async def send(self, frame: Json) -> None:
        if self.ws.closed:
            return
        async with self.lock:
            try:
                await self.ws.send_str(json.dumps(frame))
            except ConnectionError:
                log.debug("gateway client went away while sending %s", frame.get("t"))


@dataclass
class Session:
    id: str
    intents: int
    seq: int = 0
    # Sent dispatches, replayed on RESUME from the client's last seen sequence number.
    sent: deque[Json] = field(default_factory=lambda: deque(maxlen=1000))
    conn: Connection | None = None

    @property
    def live(self) -> bool:
        return self.conn is not None and not self.conn.ws.closed

    async def dispatch(self, event: str, data: Json) -> None:
        self.seq += 1
        frame = {"op": 0, "t": event, "s": self.seq, "d": data}
        self.sent.append(frame)
        if self.conn is not None:
            await self.conn.send(frame)


class GatewayServer:
    def __init__(self, world: World) -> None:
        self.world = world
        self.sessions: dict[str, Session] = {}
        self.connections: set[Connection] = set()
        self.received: list[Json] = []  # every frame a client sent, for assertions
        self.identify_count = 0
        self.resume_count = 0
        # Down, as during a Discord outage: connections are refused before the handshake.
        self.refusing = False

    @property
    def connected(self) -> bool:
        return any(not c.ws.closed for c in self.connections)

    @property
    def ready(self) -> bool:
        return any(s.live for s in self.sessions.values())

    async def dispatch(
        self,
        event: str,
        data: Json,
        intent: int | None = None,
        *,
        without_content: Json | None = None,
    ) -> None:
        """Send to every session with ``intent``; ``without_content`` goes to those that
        lack the privileged MESSAGE_CONTENT intent, when the message's text is hidden."""
        for session in list(self.sessions.values()):
            if intent is None or session.intents & intent:
                hide = without_content is not None and not session.intents & MESSAGE_CONTENT_INTENT
                await session.dispatch(event, without_content if hide else data)
        self.world.changed()

    async def send_op(self, op: int, data: object = None) -> None:
        """Send a non-dispatch opcode (e.g. 7 RECONNECT) to every live session."""
        for session in self.sessions.values():
            if session.conn is not None:
                await session.conn.send({"op": op, "d": data, "s": None, "t": None})

    async def close_all(self, code: int = 1001) -> None:
        for conn in list(self.connections):
            await conn.ws.close(code=code)

    async def handle(self, request: web.Request) -> web.StreamResponse:
        if self.refusing:
            return web.Response(status=503, text="gateway unavailable")
        ws = web.WebSocketResponse(max_msg_size=0)
        await ws.prepare(request)
        conn = Connection(ws)
        self.connections.add(conn)
        self.world.changed()
        hello = {"heartbeat_interval": HEARTBEAT_INTERVAL_MS, "_trace": ["fake-gateway"]}
        await conn.send({"op": 10, "d": hello, "s": None, "t": None})
        session: Session | None = None
        try:
            async for msg in ws:
                if msg.type != WSMsgType.TEXT:
                    continue
                frame = json.loads(msg.data)
                self.received.append(frame)
                session = await self._on_frame(conn, frame, session)
        finally:
            self.connections.discard(conn)
            if session is not None and session.conn is conn:
                session.conn = None
                if ws.close_code in _SESSION_ENDING_CLOSES:
                    self.sessions.pop(session.id, None)
            self.world.changed()
        return ws

    async def _on_frame(
        self, conn: Connection, frame: Json, session: Session | None
    ) -> Session | None:
        op, data = frame.get("op"), frame.get("d")
        if op == 1:
            await conn.send({"op": 11, "d": None, "s": None, "t": None})
        elif op == 2:
            return await self._identify(conn, data or {})
        elif op == 6:
            return await self._resume(conn, data or {})
        elif op == 8 and session is not None:
            await self._send_members(session, data or {})
        # op 3 (presence) and op 4 (voice state) are recorded in `received` and otherwise ignored.
        return session

    async def _identify(self, conn: Connection, data: Json) -> Session | None:
        if data.get("token") != self.world.bot_token:
            await conn.ws.close(code=4004, message=b"Authentication failed.")
            return None
        session = Session(secrets.token_hex(16), int(data.get("intents") or 0), conn=conn)
        self.sessions[session.id] = session
        await session.dispatch(
            "READY", ready_payload(self.world, session.id, self.world.gateway_url)
        )
        if session.intents & GUILDS_INTENT:
            all_members = bool(session.intents & MEMBER_LIST_INTENTS)
            guild = guild_payload(self.world, full=True, all_members=all_members)
            await session.dispatch("GUILD_CREATE", guild)
        self.identify_count += 1
        self.world.changed()
        return session

    async def _resume(self, conn: Connection, data: Json) -> Session | None:
        session = self.sessions.get(str(data.get("session_id")))
        if session is None or data.get("token") != self.world.bot_token:
            await conn.send({"op": 9, "d": False, "s": None, "t": None})
            return None
        if session.conn is not None and session.conn is not conn:
            await session.conn.ws.close(code=4000)
        session.conn = conn
        last_seen = int(data.get("seq") or 0)
        for frame in list(session.sent):
            if frame["s"] > last_seen:
                await conn.send(frame)
        await session.dispatch("RESUMED", {"_trace": ["fake-gateway"]})
        self.resume_count += 1
        self.world.changed()
        return session

    async def _send_members(self, session: Session, data: Json) -> None:
        members = [member_payload(self.world, m) for m in self.world.members.values()]
        chunk = {
            "guild_id": str(self.world.guild_id),
            "members": members,
            "chunk_index": 0,
            "chunk_count": 1,
            "not_found": [],
            "nonce": data.get("nonce"),
        }
        await session.dispatch("GUILD_MEMBERS_CHUNK", chunk)
