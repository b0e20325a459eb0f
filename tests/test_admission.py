"""Admission of new jobs on a real SQLite file: the per-member cap and the quotas.

The check and the insert share one write transaction, so requests that arrive
at the same instant (on one connection, or on two as two processes would)
cannot both pass it.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import sqlite3
from collections.abc import AsyncIterator
from pathlib import Path

import pytest_asyncio

from bot.config import JobSettings, QuotaSettings
from bot.errors import InputError
from bot.jobs.models import Job
from bot.jobs.service import JobService
from bot.jobs.store import JobStore
from bot.providers.base import GenerateRequest, Operation, TaskState
from bot.providers.sandbox import SandboxProvider
from tests.sandbox.helpers import settings as sandbox_settings
from tests.test_store import make_job

DB = "jobs.sqlite3"


class RecordingRunner:
    """Stands in for the runner: admission ends when a job is handed to it."""

    def __init__(self) -> None:
        self.started: list[Job] = []

    def start(self, job: Job) -> None:
        self.started.append(job)


class Clock:
    def __init__(self) -> None:
        self.now = 1_700_000_000.0

    def __call__(self) -> float:
        return self.now


def make_service(
    store: JobStore,
    runner: RecordingRunner,
    quotas: QuotaSettings | None = None,
    clock: Clock | None = None,
    **jobs: object,
) -> JobService:
    provider = SandboxProvider(sandbox_settings())
    return JobService(
        store,
        runner,  # type: ignore[arg-type]
        [provider],
        JobSettings(**jobs),  # type: ignore[arg-type]
        quotas=quotas,
        clock=clock or Clock(),
    )


@pytest_asyncio.fixture
async def stores(tmp_path: Path) -> AsyncIterator[list[JobStore]]:
    """Two connections to one database file, as two processes would have."""
    opened = [await JobStore.open(tmp_path / DB) for _ in range(2)]
    yield opened
    for store in opened:
        await store.close()


async def create(service: JobService, user_id: int = 7, guild_id: int = 1) -> Job | InputError:
    request = GenerateRequest(prompt="a song", model="v5")
    try:
        return await service.create(
            request, guild_id=guild_id, channel_id=2, user_id=user_id, upload_limit=None
        )
    except InputError as exc:
        return exc


async def test_requests_at_the_same_instant_never_pass_the_cap_together(
    stores: list[JobStore],
) -> None:
    store = stores[0]
    runner = RecordingRunner()
    service = make_service(store, runner, max_active_per_member=3)
    outcomes = await asyncio.gather(*(create(service) for _ in range(20)))
    assert sum(isinstance(o, Job) for o in outcomes) == 3
    assert await store.count_open_for_user(7) == 3
    assert len(runner.started) == 3
    refused = [o for o in outcomes if isinstance(o, InputError)]
    assert all("3 songs in progress" in e.user_message for e in refused)


async def test_two_connections_to_one_file_never_pass_the_cap_together(
    stores: list[JobStore],
) -> None:
    runner = RecordingRunner()
    services = [make_service(s, runner, max_active_per_member=3) for s in stores]
    calls = [create(s) for s in itertools.islice(itertools.cycle(services), 30)]
    outcomes = await asyncio.gather(*calls)
    assert sum(isinstance(o, Job) for o in outcomes) == 3
    assert await stores[0].count_open_for_user(7) == 3


async def test_a_daily_quota_holds_across_two_connections(stores: list[JobStore]) -> None:
    runner = RecordingRunner()
    quotas = QuotaSettings(member_per_day=4)
    services = [make_service(s, runner, quotas, max_active_per_member=50) for s in stores]
    calls = [create(s) for s in itertools.islice(itertools.cycle(services), 20)]
    outcomes = await asyncio.gather(*calls)
    assert sum(isinstance(o, Job) for o in outcomes) == 4
    refused = [o.user_message for o in outcomes if isinstance(o, InputError)]
    assert all("daily quota of 4 songs" in text for text in refused)
    assert len(await stores[1].recent(1, 7, 25)) == 4  # nothing stored on refusal


async def test_what_counts_against_a_quota(stores: list[JobStore], tmp_path: Path) -> None:
    store, runner, clock = stores[0], RecordingRunner(), Clock()
    quotas = QuotaSettings(member_per_day=2, member_per_week=3, server_per_day=4)
    service = make_service(store, runner, quotas, clock, max_active_per_member=50)
    first = await create(service)
    assert isinstance(first, Job)
    # A failed job gives its quota back.
    first.state = TaskState.FAILED
    await store.update(first, "state")
    clock.now += 60
    second, third = await create(service), await create(service)
    assert isinstance(second, Job)
    assert isinstance(third, Job)
    refused = await create(service)
    assert isinstance(refused, InputError)
    assert "daily quota of 2 songs on this server" in refused.user_message
    assert f"<t:{int(second.created_at + 86_400)}:R>" in refused.user_message
    # Cancelled before any submit: given back; after a submit began: it counts.
    _mark_cancelled(tmp_path / DB, second.id, submitted=False)
    assert isinstance(await create(service), Job)
    assert isinstance(await create(service), InputError)
    # Another member, and another server, have quotas of their own.
    assert isinstance(await create(service, user_id=8), Job)
    assert isinstance(await create(service, guild_id=2), Job)
    # A day later the daily quota is free again, and the weekly one of 3 binds.
    clock.now += 86_400
    assert isinstance(await create(service), Job)
    weekly = await create(service)
    assert isinstance(weekly, InputError)
    assert "weekly quota of 3 songs" in weekly.user_message


async def test_cancelled_after_a_submit_began_still_counts(
    stores: list[JobStore], tmp_path: Path
) -> None:
    store, runner = stores[0], RecordingRunner()
    service = make_service(store, runner, QuotaSettings(member_per_day=1))
    job = await create(service)
    assert isinstance(job, Job)
    _mark_cancelled(tmp_path / DB, job.id, submitted=True)
    assert isinstance(await create(service), InputError)
    _mark_cancelled(tmp_path / DB, job.id, submitted=False)
    assert isinstance(await create(service), Job)


async def test_the_server_quota_counts_every_member(stores: list[JobStore]) -> None:
    runner = RecordingRunner()
    service = make_service(stores[0], runner, QuotaSettings(server_per_day=3, wav_weight=2))
    assert isinstance(await create(service, user_id=1), Job)
    # A WAV of a song (its row as a follow-up leaves it) weighs 2 here.
    wav = make_job("wav-1", user_id=2)
    wav.request = GenerateRequest(prompt="", model="v5", operation=Operation.WAV)
    wav.created_at = Clock().now - 60
    await stores[0].add(wav)
    refused = await create(service, user_id=3)
    assert isinstance(refused, InputError)
    assert "This server has used its daily quota of 3 songs" in refused.user_message


def _mark_cancelled(db: Path, job_id: str, *, submitted: bool) -> None:
    """The row a cancel leaves, written from outside: cancelling is another item's work."""
    with contextlib.closing(sqlite3.connect(db)) as conn, conn:
        conn.execute(
            "UPDATE jobs SET state = 'cancelled', submit_started_at = ? WHERE id = ?",
            (1.0 if submitted else None, job_id),
        )
