"""The callback receiver over real HTTP: only a genuine callback on a job's own path wakes it."""

from __future__ import annotations

import asyncio
import itertools
import json
import logging
import sqlite3
import time
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
import pytest_asyncio

from bot.telemetry.counters import REGISTRY
from tests.fakes.kunavo import KunavoEmulator
from tests.full_disk import fill_up, free_up
from tests.webhook_harness import (
    KUNAVO_SECRET,
    Harness,
    kie_body,
    raw_post,
    request_head,
    running_receiver,
    signed,
)


def counted_callbacks(outcome: str) -> float:
    """The /metrics counter of callbacks answered so far (in this process)."""
    return REGISTRY.get_sample_value("suno_bot_callbacks_total", {"outcome": outcome}) or 0.0


@pytest_asyncio.fixture
async def harness(tmp_path: Path) -> AsyncIterator[Harness]:
    async with running_receiver(tmp_path, max_body_kb=4) as running:
        yield running


@pytest_asyncio.fixture
async def client() -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient() as opened:
        yield opened


async def test_genuine_signed_callback_wakes_the_job(
    harness: Harness, client: httpx.AsyncClient
) -> None:
    accepted = counted_callbacks("accepted")
    answer = await client.post(harness.url, content=kie_body(), headers=signed())
    assert answer.status_code == 200
    assert harness.woken == ["job1"]
    assert counted_callbacks("accepted") == accepted + 1


async def test_forgeries_change_nothing(harness: Harness, client: httpx.AsyncClient) -> None:
    base = harness.url.rsplit("/", 2)[0]
    attempts = [
        (harness.url, kie_body(), signed(secret="guessed")),  # forged signature
        (harness.url, kie_body(), signed(age=301)),  # stale
        (harness.url, kie_body(), signed(age=-301)),  # from the future
        (harness.url, kie_body(), {}),  # unsigned where signing is configured
        (harness.url, kie_body("other-task"), signed("other-task")),  # another task
        (harness.url, b"{not json", signed()),  # malformed
        (f"{base}/job1/wrong-token", kie_body(), signed()),  # wrong token
        (f"{base}/nojob/{harness.job.callback_token}", kie_body(), signed()),  # unknown job
        (harness.url, b"x" * 5000, signed()),  # over max_body_kb
    ]
    statuses, refused = [], counted_callbacks("refused")
    for url, body, headers in attempts:
        answer = await client.post(url, content=body, headers=headers)
        statuses.append(answer.status_code)
    assert statuses == [401, 401, 401, 401, 400, 401, 404, 404, 413]
    assert counted_callbacks("refused") == refused + len(attempts)
    assert harness.woken == []
    assert await harness.store.get("job1") == harness.job


async def test_callback_for_a_closed_job_is_acknowledged_but_ignored(
    harness: Harness, client: httpx.AsyncClient
) -> None:
    harness.job.closed_at = time.time()
    await harness.store.update(harness.job, "closed_at")
    answer = await client.post(harness.url, content=kie_body(), headers=signed())
    assert answer.status_code == 200
    assert harness.woken == []


async def test_receiver_answers_get_with_405(harness: Harness, client: httpx.AsyncClient) -> None:
    answer = await client.get(harness.url)
    assert answer.status_code == 405


def kunavo_event(event_id: str = "evt_1") -> bytes:
    event = {
        "id": event_id,
        "type": "music.completed",
        "created_at": int(time.time()),
        "data": {"id": "msc_1", "object": "music", "status": "completed"},
    }
    return json.dumps(event).encode()


async def test_replayed_event_is_acknowledged_and_changes_nothing(
    tmp_path: Path, client: httpx.AsyncClient
) -> None:
    """Kunavo signs events with ids: a vendor retrying after a lost answer gets 200 again,
    but the event is acted on once."""
    emulator = KunavoEmulator(webhook_secret=KUNAVO_SECRET)
    body = kunavo_event()
    async with running_receiver(tmp_path, "kunavo", "msc_1") as harness:
        statuses = [
            (
                await client.post(
                    harness.url, content=body, headers=emulator.sign(body, int(time.time()))
                )
            ).status_code
            for _ in range(2)
        ]
        assert statuses == [200, 200]
        assert harness.woken == ["job1"]
        assert await harness.store.get("job1") == harness.job


async def test_callback_on_a_full_disk_asks_the_vendor_to_retry(
    tmp_path: Path, client: httpx.AsyncClient
) -> None:
    """With no room to remember the event, the vendor gets a 503 (it retries), not a 500."""
    emulator = KunavoEmulator(webhook_secret=KUNAVO_SECRET)
    body = kunavo_event()
    async with running_receiver(tmp_path, "kunavo", "msc_1", max_pages=40) as harness:
        database = tmp_path / "jobs.sqlite3"
        await asyncio.to_thread(fill_up, database, 40)
        # And the last free bytes of the events table's own page.
        await asyncio.to_thread(_fill_events_page, database)
        headers = emulator.sign(body, int(time.time()))
        refused = await client.post(harness.url, content=body, headers=headers)
        assert (refused.status_code, harness.woken) == (503, [])
        await asyncio.to_thread(free_up, database)
        retried = await client.post(harness.url, content=body, headers=headers)
        assert (retried.status_code, harness.woken) == (200, ["job1"])


def _fill_events_page(database: Path) -> None:
    with sqlite3.connect(database, isolation_level=None) as db:
        db.execute("PRAGMA max_page_count=40")
        for n in itertools.count():
            try:
                db.execute("INSERT INTO callback_events VALUES (?, 'x', 0)", (f"filler-{n}",))
            except sqlite3.OperationalError as exc:
                if exc.sqlite_errorcode != sqlite3.SQLITE_FULL:
                    raise
                break
    db.close()


MALFORMED_TIMESTAMPS = {
    "superscript two": "²".encode(),
    "5,000 digits": b"9" * 5000,
    "empty": b"",
    "negative": b"-1700000000",
    "arabic-indic digits": "١٧٠٠٠٠٠٠٠٠".encode(),
    "fraction": b"1700000000.5",
}


@pytest.mark.parametrize("kind", ["kie", "kunavo"])
@pytest.mark.parametrize("timestamp", MALFORMED_TIMESTAMPS.values(), ids=MALFORMED_TIMESTAMPS)
async def test_malformed_timestamp_gets_400_without_a_traceback(
    tmp_path: Path, kind: str, timestamp: bytes, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    if kind == "kie":
        body = kie_body()
        headers = [("X-Webhook-Timestamp", timestamp), ("X-Webhook-Signature", b"c2lnbmF0dXJl")]
        task = "task-abc"
    else:
        body = kunavo_event()
        headers = [
            ("X-Kunavo-Webhook-Timestamp", timestamp),
            ("X-Kunavo-Webhook-Signature", b"sha256=" + b"0" * 64),
        ]
        task = "msc_1"
    headers += [("Content-Length", str(len(body)).encode())]
    async with running_receiver(tmp_path, kind, task) as harness:
        status, answer = await raw_post(harness.port, request_head(harness.path, headers), [body])
        assert (status, harness.woken) == (400, [])
        assert await harness.store.get("job1") == harness.job
    assert len(answer) < 100
    assert b"Traceback" not in answer
    assert "Traceback" not in caplog.text
    assert not [r for r in caplog.records if r.exc_info or r.levelno >= logging.ERROR]
