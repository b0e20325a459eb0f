"""The receiver's transport: bodies read whole however they arrive, and clients that send
half a request cut off, so they can never hold the receiver (or the process's sockets).

Raw sockets send exactly the bytes a slow network or a hostile client would.
"""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path

import httpx
import psutil
import pytest

from bot.callbacks.receiver import CallbackReceiver
from bot.config import CallbackSettings
from bot.jobs.store import JobStore
from tests.webhook_harness import (
    chunked,
    closed_by_server,
    kie_body,
    open_raw,
    raw_post,
    read_answer,
    request_head,
    running_receiver,
    send_in_pieces,
    signed,
)

# Bounds for the waits below: generous, so a busy machine never fails a test; the
# receiver's own timeouts in these tests are a fraction of them.
WAIT = 15.0


def genuine_head(path: str, *, length: int | None = None) -> bytes:
    """Headers of a genuine signed kie callback, with a Content-Length or chunked."""
    framing = (
        {"Transfer-Encoding": "chunked"} if length is None else {"Content-Length": str(length)}
    )
    return request_head(path, {**signed(), "Content-Type": "application/json", **framing})


# -- bodies in pieces ------------------------------------------------------------------------


async def test_body_in_several_writes_is_read_whole(tmp_path: Path) -> None:
    body = kie_body()
    async with running_receiver(tmp_path) as harness:
        head = genuine_head(harness.path, length=len(body))
        pieces = [body[i : i + 16] for i in range(0, len(body), 16)]
        status, _ = await raw_post(harness.port, head, pieces)
        assert (status, harness.woken) == (200, ["job1"])


async def test_chunked_body_is_read_whole(tmp_path: Path) -> None:
    async with running_receiver(tmp_path) as harness:
        status, _ = await raw_post(
            harness.port, genuine_head(harness.path), chunked(kie_body(), 16)
        )
        assert (status, harness.woken) == (200, ["job1"])


async def test_chunked_body_over_the_cap_is_refused_with_413(tmp_path: Path) -> None:
    # Valid JSON beyond 1 KiB: only its size may refuse it.
    body = kie_body()[:-1] + b', "pad": "' + b"x" * 2048 + b'"}'
    async with running_receiver(tmp_path, max_body_kb=1) as harness:
        status, _ = await raw_post(harness.port, genuine_head(harness.path), chunked(body, 256))
        assert (status, harness.woken) == (413, [])


# -- half-open clients -------------------------------------------------------------------------


async def test_half_sent_headers_are_cut_off_and_genuine_callbacks_still_pass(
    tmp_path: Path,
) -> None:
    async with running_receiver(tmp_path, header_timeout_seconds=0.5) as harness:
        hanging = []
        for _ in range(20):
            reader, writer = await open_raw(harness.port)
            writer.write(genuine_head(harness.path, length=100)[:40])  # headers never end
            hanging.append((reader, writer))
        async with httpx.AsyncClient() as client:
            answer = await client.post(harness.url, content=kie_body(), headers=signed())
        assert (answer.status_code, harness.woken) == (200, ["job1"])
        async with asyncio.timeout(WAIT):
            closed = await asyncio.gather(*(closed_by_server(r) for r, _ in hanging))
        assert closed == [b""] * 20  # closed without an answer
        for _, writer in hanging:
            writer.close()


async def test_half_sent_body_is_cut_off(tmp_path: Path) -> None:
    body = kie_body()
    async with running_receiver(tmp_path, body_timeout_seconds=0.5) as harness:
        reader, writer = await open_raw(harness.port)
        await send_in_pieces(writer, [genuine_head(harness.path, length=len(body)), body[:10]])
        async with asyncio.timeout(WAIT):
            status, _ = await read_answer(reader)
            rest = await closed_by_server(reader)
        assert (status, rest, harness.woken) == (408, b"", [])
        writer.close()


async def test_clients_that_hang_up_or_garble_the_body_leave_no_traceback(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    body = kie_body()
    async with running_receiver(tmp_path, body_timeout_seconds=0.5) as harness:
        _, writer = await open_raw(harness.port)
        await send_in_pieces(writer, [genuine_head(harness.path, length=len(body)), body[:10]])
        writer.close()  # gone mid-body
        # Broken chunk framing: aiohttp's C parser waits for more (408 at the body
        # timeout), its pure-Python one reports the error (400).
        status, _ = await raw_post(harness.port, genuine_head(harness.path), [b"zz\r\nabc\r\n"])
        assert status in (400, 408)
        status, _ = await raw_post(harness.port, genuine_head(harness.path), chunked(body, 16))
        assert (status, harness.woken) == (200, ["job1"])
    assert "Traceback" not in caplog.text
    assert not [r for r in caplog.records if r.exc_info or r.levelno >= logging.ERROR]


async def test_connections_beyond_the_limit_are_closed_at_once(tmp_path: Path) -> None:
    body = kie_body()
    # A header timeout far longer than the waits: only the limit can close anything here.
    async with running_receiver(tmp_path, max_connections=3, header_timeout_seconds=300) as harness:
        head = genuine_head(harness.path, length=len(body))
        held = []
        for _ in range(3):
            reader, writer = await open_raw(harness.port)
            writer.write(head[:40])
            held.append((reader, writer))
        extra_reader, extra_writer = await open_raw(harness.port)
        extra_writer.write(head[:40])
        async with asyncio.timeout(WAIT):
            assert await closed_by_server(extra_reader) == b""
        # The three within the limit were held open all along: they finish and are answered.
        for reader, writer in held:
            await send_in_pieces(writer, [head[40:], body])
            async with asyncio.timeout(WAIT):
                status, _ = await read_answer(reader)
            assert status == 200
            writer.close()
        extra_writer.close()
        assert harness.woken == ["job1"] * 3


# -- where it listens ---------------------------------------------------------------------------


async def test_receiver_listens_on_loopback_by_default(tmp_path: Path) -> None:
    """Only a reverse proxy on the same host reaches it, unless the admin says otherwise."""
    store = await JobStore.open(tmp_path / "jobs.sqlite3")
    receiver = CallbackReceiver(
        CallbackSettings(enabled=True, listen_port=0, public_url="https://bot.example.com"),
        store,
        {},
        lambda job_id: None,
    )
    await receiver.start()
    try:
        listening = [
            c.laddr
            for c in psutil.Process().net_connections(kind="tcp")
            if c.status == psutil.CONN_LISTEN and c.laddr.port == receiver.port
        ]
        assert [address.ip for address in listening] == ["127.0.0.1"]
    finally:
        await receiver.stop()
        await store.close()
