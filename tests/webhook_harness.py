"""The bot's callback receiver on 127.0.0.1 for one kie or Kunavo job, and a raw HTTP client.

The raw client writes bytes over a socket exactly as given, so tests can send
what httpx never would: half a request, a body in slow pieces, non-ASCII headers.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import math
import time
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import SecretStr

from bot.callbacks.receiver import CallbackReceiver, callback_url_for
from bot.config import CallbackSettings
from bot.jobs.models import Job
from bot.jobs.store import JobStore
from bot.providers.base import GenerateRequest, Provider
from bot.providers.kie import KieProvider, KieSettings
from bot.providers.kunavo import KunavoProvider, KunavoSettings
from tests.fakes.kie import webhook_signature

KIE_SECRET = "kie-webhook-secret"
KUNAVO_SECRET = "kunavo-webhook-secret"
TASK = "task-abc"


@dataclass
class Harness:
    store: JobStore
    job: Job
    url: str  # the job's own callback URL on the receiver
    path: str  # the same, path only, for raw requests
    port: int
    woken: list[str]
    settings: CallbackSettings


def kie_body(task_id: str = TASK, stage: str = "complete") -> bytes:
    return json.dumps(
        {"code": 200, "msg": "ok", "data": {"callbackType": stage, "task_id": task_id, "data": []}}
    ).encode()


def signed(task_id: str = TASK, *, age: float = 0, secret: str = KIE_SECRET) -> dict[str, str]:
    """kie's signing headers for a callback about ``task_id``, made ``age`` seconds ago."""
    # Whole seconds, rounded away from now: a callback "301 s from the future" must not
    # land 300.x s ahead because the fraction of the current second was dropped.
    moment = time.time() - age
    timestamp = str(math.floor(moment) if age >= 0 else math.ceil(moment))
    return {
        "X-Webhook-Timestamp": timestamp,
        "X-Webhook-Signature": webhook_signature(secret, task_id, timestamp),
    }


def _provider(kind: str) -> Provider:
    if kind == "kie":
        secret = SecretStr(KIE_SECRET)
        return KieProvider(
            KieSettings(kind="kie", name="kie", api_key=SecretStr("k"), webhook_secret=secret)
        )
    secret = SecretStr(KUNAVO_SECRET)
    return KunavoProvider(
        KunavoSettings(kind="kunavo", name="kunavo", api_key=SecretStr("k"), webhook_secret=secret)
    )


@contextlib.asynccontextmanager
async def running_receiver(
    tmp_path: Path, kind: str = "kie", task_id: str = TASK, max_pages: int = 0, **settings: Any
) -> AsyncIterator[Harness]:
    """A receiver for one open job on ``kind`` (kie or kunavo); ``settings`` override defaults.

    ``max_pages`` caps the database's size (see tests.full_disk).
    """
    config = CallbackSettings(
        **{"enabled": True, "listen_port": 0, "public_url": "http://x", **settings}
    )
    store = await JobStore.open(tmp_path / "jobs.sqlite3", max_pages=max_pages)
    provider = _provider(kind)
    job = Job(
        id="job1",
        guild_id=1,
        channel_id=2,
        user_id=3,
        provider=kind,
        request=GenerateRequest(prompt="p", model="v5"),
        vendor_task_id=task_id,
        callback_token="tok-" + "x" * 28,
        created_at=time.time(),
        deadline_at=time.time() + 600,
    )
    await store.add(job)
    woken: list[str] = []
    receiver = CallbackReceiver(config, store, {kind: provider}, woken.append)
    await receiver.start()
    assert receiver.port is not None
    path = (callback_url_for(config, job) or "").removeprefix("http://x")
    url = f"http://127.0.0.1:{receiver.port}{path}"
    try:
        yield Harness(store, job, url, path, receiver.port, woken, config)
    finally:
        await receiver.stop()
        await provider.aclose()
        await store.close()


# -- raw HTTP ---------------------------------------------------------------------------------


def request_head(path: str, headers: dict[str, str] | Sequence[tuple[str, bytes]]) -> bytes:
    """A POST's request line and headers, ending in the blank line; values sent as given."""
    items = headers.items() if isinstance(headers, dict) else headers
    lines = [f"POST {path} HTTP/1.1".encode(), b"Host: 127.0.0.1"]
    for name, value in items:
        raw = value.encode() if isinstance(value, str) else value
        lines.append(name.encode() + b": " + raw)
    return b"\r\n".join(lines) + b"\r\n\r\n"


def chunked(body: bytes, size: int) -> list[bytes]:
    """``body`` as chunked transfer-encoding, one chunk of ``size`` bytes per piece."""
    pieces = [body[i : i + size] for i in range(0, len(body), size)]
    return [b"%x\r\n%s\r\n" % (len(p), p) for p in pieces] + [b"0\r\n\r\n"]


async def open_raw(port: int) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
    return await asyncio.open_connection("127.0.0.1", port)


async def send_in_pieces(
    writer: asyncio.StreamWriter, pieces: Sequence[bytes], gap: float = 0.005
) -> None:
    """Each piece its own TCP write, ``gap`` seconds apart."""
    for index, piece in enumerate(pieces):
        if index:
            await asyncio.sleep(gap)
        writer.write(piece)
        await writer.drain()


async def read_answer(reader: asyncio.StreamReader) -> tuple[int, bytes]:
    """The status and body of one answer (framed by its Content-Length)."""
    head = await reader.readuntil(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    fields = dict(line.lower().split(": ", 1) for line in lines[1:] if ": " in line)
    body = await reader.readexactly(int(fields.get("content-length", "0")))
    return int(lines[0].split(" ", 2)[1]), body


async def closed_by_server(reader: asyncio.StreamReader) -> bytes:
    """Everything the server sent before it closed the connection (a reset counts as closed)."""
    try:
        return await reader.read()
    except ConnectionResetError:
        return b""


async def raw_post(port: int, head: bytes, pieces: Sequence[bytes] = ()) -> tuple[int, bytes]:
    """One request and its answer, after which the receiver must close the connection."""
    reader, writer = await open_raw(port)
    try:
        await send_in_pieces(writer, [head, *pieces])
        answer = await read_answer(reader)
        assert await closed_by_server(reader) == b"", "a second answer on one connection"
        return answer
    finally:
        writer.close()
