"""A vendor callback names the task of a submit that a crash cut off before its answer."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest_asyncio

from tests.webhook_harness import TASK, Harness, kie_body, running_receiver, signed


@pytest_asyncio.fixture
async def harness(tmp_path: Path) -> AsyncIterator[Harness]:
    async with running_receiver(tmp_path) as running:
        yield running


@pytest_asyncio.fixture
async def client() -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient() as opened:
        yield opened


async def _interrupted(harness: Harness, **changes: object) -> None:
    """Make the harness job one whose submit was sent but never answered."""
    job = harness.job
    job.vendor_task_id, job.submit_started_at, job.submit_callback = None, time.time(), True
    for name, value in changes.items():
        setattr(job, name, value)
    await harness.store.update(
        job, "vendor_task_id", "submit_started_at", "submit_callback", *changes
    )


async def _stored_task(harness: Harness) -> str | None:
    stored = await harness.store.get("job1")
    assert stored is not None
    return stored.vendor_task_id


async def test_callback_gives_an_interrupted_submit_its_task(
    harness: Harness, client: httpx.AsyncClient
) -> None:
    await _interrupted(harness)
    answer = await client.post(harness.url, content=kie_body(), headers=signed())
    assert answer.status_code == 200
    assert harness.woken == ["job1"]
    stored = await harness.store.get("job1")
    assert stored is not None
    assert stored.vendor_task_id == TASK
    assert stored.submitted_at is not None


async def test_only_an_open_job_with_the_submitting_mark_adopts(
    harness: Harness, client: httpx.AsyncClient
) -> None:
    # Not yet submitted: nothing the vendor says names this job's task.
    await _interrupted(harness, submit_started_at=None)
    await client.post(harness.url, content=kie_body(), headers=signed())
    assert await _stored_task(harness) is None
    # Closed (its failure was shown): a late callback changes nothing.
    await _interrupted(harness, closed_at=time.time())
    await client.post(harness.url, content=kie_body(), headers=signed())
    assert await _stored_task(harness) is None


async def test_a_forged_callback_adopts_nothing(
    harness: Harness, client: httpx.AsyncClient
) -> None:
    await _interrupted(harness)
    answer = await client.post(
        harness.url, content=kie_body("other-task"), headers=signed(secret="guessed")
    )
    assert answer.status_code == 401
    assert await _stored_task(harness) is None
