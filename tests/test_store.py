"""The job store on a real SQLite file."""

from __future__ import annotations

import asyncio
import sqlite3
from pathlib import Path

import aiosqlite
import pytest

from bot.discord.ui.results import lineage
from bot.jobs.migrations import MIGRATIONS
from bot.jobs.models import Job, PostedNames, Stage, TrackNames
from bot.jobs.store import JobStore
from bot.providers.base import (
    FailureReason,
    GenerateRequest,
    Operation,
    OutputFile,
    TaskState,
    Track,
)


def make_job(job_id: str = "j1", user_id: int = 7) -> Job:
    return Job(
        id=job_id,
        guild_id=1,
        channel_id=2,
        user_id=user_id,
        provider="kie",
        request=GenerateRequest(prompt="p", model="v5", style="s", title="t"),
        created_at=100.0,
        deadline_at=200.0,
    )


async def test_round_trip_and_stages(tmp_path: Path) -> None:
    store = await JobStore.open(tmp_path / "db" / "jobs.sqlite3")
    job = make_job()
    await store.add(job)
    assert job.stage is Stage.WAITING
    job.vendor_task_id, job.state = "task-1", TaskState.RUNNING
    job.tracks = [
        Track(vendor_task_id="task-1", vendor_track_id=f"a{n}", title=f"T{n}") for n in (1, 2)
    ]
    await store.update(job, "vendor_task_id", "state", "tracks")
    await store.close()

    reopened = await JobStore.open(tmp_path / "db" / "jobs.sqlite3")
    loaded = await reopened.get("j1")
    assert loaded is not None
    assert loaded == job
    assert loaded.stage is Stage.RUNNING
    assert [t.vendor_track_id for t in loaded.tracks] == ["a1", "a2"]
    assert await reopened.schema_version() == len(MIGRATIONS)
    await reopened.close()


async def test_unfinished_and_counts(tmp_path: Path) -> None:
    store = await JobStore.open(tmp_path / "jobs.sqlite3")
    for n in range(3):
        await store.add(make_job(f"j{n}"))
    done = make_job("j9")
    done.state, done.failure, done.closed_at = TaskState.FAILED, FailureReason.TIMEOUT, 150.0
    await store.add(done)
    other_member, other_server = make_job("j5", user_id=8), make_job("j6")
    other_server.guild_id = 3
    await store.add(other_member)
    await store.add(other_server)
    assert [j.id for j in await store.unfinished()] == ["j0", "j1", "j2", "j5", "j6"]
    assert [j.id for j in await store.unfinished_of(1, 7)] == ["j0", "j1", "j2"]
    assert await store.count_open_for_user(7) == 4
    assert await store.count_open_for_user(9) == 0
    await store.close()


async def test_wal_and_idempotent_migrations(tmp_path: Path) -> None:
    path = tmp_path / "jobs.sqlite3"
    await (await JobStore.open(path)).close()
    await (await JobStore.open(path)).close()
    async with aiosqlite.connect(path) as db, db.execute("PRAGMA journal_mode") as cur:
        assert (await cur.fetchone()) == ("wal",)


async def test_update_refuses_unknown_columns(tmp_path: Path) -> None:
    store = await JobStore.open(tmp_path / "jobs.sqlite3")
    job = make_job()
    await store.add(job)
    with pytest.raises(ValueError, match="not a mutable"):
        await store.update(job, "user_id")
    await store.close()


async def test_concurrent_updates_on_one_connection(tmp_path: Path) -> None:
    """Many jobs write at once (as the runner does); each write stays whole."""
    store = await JobStore.open(tmp_path / "jobs.sqlite3")
    jobs = [make_job(f"j{n}") for n in range(40)]
    await asyncio.gather(*(store.add(job) for job in jobs))

    async def advance(job: Job) -> None:
        for polls in range(1, 4):
            job.polls = polls
            job.tracks = [Track(vendor_task_id="t", vendor_track_id=f"{job.id}-{polls}")]
            await store.update(job, "polls", "tracks")
            await store.unfinished()

    await asyncio.gather(*(advance(job) for job in jobs))
    loaded = {j.id: j for j in await store.unfinished()}
    assert all(loaded[j.id].polls == 3 for j in jobs)
    assert all(loaded[j.id].tracks[0].vendor_track_id == f"{j.id}-3" for j in jobs)
    await store.close()


async def test_lineage_files_and_lookups_by_message(tmp_path: Path) -> None:
    store = await JobStore.open(tmp_path / "jobs.sqlite3")
    parent = make_job("p1")
    parent.result_message_id = 500
    await store.add(parent)
    child = make_job("c1").model_copy(
        update={
            "request": GenerateRequest(model="v5", operation=Operation.WAV),
            "parent_job_id": "p1",
            "parent_track": 2,
            "parent_link": "https://discord.com/channels/1/2/500",
            "created_at": 150.0,
        }
    )
    await store.add(child)
    child.files = [OutputFile(label="WAV", url="https://cdn.example/a.wav", suffix=".wav")]
    child.deleted_at = 160.0
    await store.update(child, "files", "deleted_at")
    await store.add_repost(900, 30, "p1")
    await store.add_repost(950, 31, "p1")
    await store.close()

    store = await JobStore.open(tmp_path / "jobs.sqlite3")
    loaded = await store.get("c1")
    assert loaded is not None
    assert loaded.files == child.files
    assert (loaded.parent_job_id, loaded.parent_track, loaded.deleted_at) == ("p1", 2, 160.0)
    assert lineage(loaded) == "WAV of track 2 of [this song](https://discord.com/channels/1/2/500)"
    assert await store.reposts("p1") == [(31, 950), (30, 900)]
    assert await store.reposts("c1") == []
    for message_id in (500, 900, 950):
        found = await store.by_message(message_id)
        assert found is not None
        assert found.id == "p1"
    assert await store.by_message(1) is None
    assert [j.id for j in await store.recent(1, 7, 10)] == ["c1", "p1"]
    assert [j.id for j in await store.recent(1, 7, 1)] == ["c1"]
    assert await store.recent(99, 7, 10) == []
    await store.close()


async def test_a_results_attachment_names_are_stored_with_its_message(tmp_path: Path) -> None:
    path = tmp_path / "jobs.sqlite3"
    store = await JobStore.open(path)
    job = make_job()
    await store.add(job)
    assert (await store.get(job.id)).attachments is None  # type: ignore[union-attr]
    job.result_message_id = 500
    job.attachments = PostedNames(
        tracks=[TrackNames(audio="T1-1.mp3", cover="cover-1.jpg"), TrackNames()],
        files=["Vocals-1.wav", None],
    )
    await store.update(job, "result_message_id", "attachments")
    await store.close()

    reopened = await JobStore.open(path)
    loaded = await reopened.get(job.id)
    await reopened.close()
    assert loaded is not None
    assert loaded.attachments == job.attachments
    assert loaded == job


async def test_a_result_posted_before_names_were_stored_has_none(tmp_path: Path) -> None:
    path = tmp_path / "jobs.sqlite3"
    # The schema of a bot from before migration 12, and a song it posted.
    with sqlite3.connect(path) as db:
        for number, script in enumerate(MIGRATIONS[:11], start=1):
            db.executescript(f"{script}; PRAGMA user_version = {number};")
        db.execute(
            "INSERT INTO jobs (id, guild_id, channel_id, user_id, provider, request, state,"
            " result_message_id, created_at, deadline_at)"
            " VALUES ('old', 1, 2, 7, 'kie', ?, 'succeeded', 500, 100, 200)",
            (make_job().request.model_dump_json(),),
        )
    db.close()
    store = await JobStore.open(path)
    old = await store.get("old")
    await store.close()
    assert old is not None
    assert (old.result_message_id, old.attachments) == (500, None)
