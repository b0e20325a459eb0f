"""The submitting mark: stored to survive a power cut, and added to older databases."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from bot.jobs.migrations import MIGRATIONS
from bot.jobs.store import JobStore
from tests.test_store import make_job

# The last migration released before the submitting mark existed.
_BEFORE_MARK = 3


async def test_an_older_database_upgrades_and_keeps_its_jobs(tmp_path: Path) -> None:
    path = tmp_path / "jobs.sqlite3"
    with sqlite3.connect(path) as db:
        for number, script in enumerate(MIGRATIONS[:_BEFORE_MARK], start=1):
            db.executescript(f"{script}; PRAGMA user_version = {number};")
        db.execute(
            "INSERT INTO jobs (id, guild_id, channel_id, user_id, provider, request, state,"
            " created_at, deadline_at) VALUES ('old', 1, 2, 7, 'kie', ?, 'queued', 100, 200)",
            (make_job().request.model_dump_json(),),
        )
    store = await JobStore.open(path)
    assert await store.schema_version() == len(MIGRATIONS)
    old = await store.get("old")
    assert old is not None
    assert (old.submit_started_at, old.submit_callback, old.possible_duplicate) == (
        None,
        False,
        False,
    )
    old.submit_started_at, old.submit_callback, old.possible_duplicate = 150.0, True, True
    await store.update(old, "submit_started_at", "submit_callback", "possible_duplicate")
    await store.close()
    reopened = await JobStore.open(path)
    assert await reopened.get("old") == old
    await reopened.close()


async def test_the_mark_is_committed_with_synchronous_full(tmp_path: Path) -> None:
    """WAL with synchronous=NORMAL may lose the last commits to a power cut; FULL does not."""
    store = await JobStore.open(tmp_path / "jobs.sqlite3")
    job = make_job()
    await store.add(job)
    statements: list[str] = []
    await store._db.set_trace_callback(statements.append)  # what SQLite runs
    job.polls = 1
    await store.update(job, "polls")
    job.submit_started_at = 150.0
    await store.update(job, "submit_started_at", durable=True)
    job.polls = 2
    await store.update(job, "polls")
    await store._db.set_trace_callback(None)
    await store.close()
    words = [" ".join(s.split()[:3]) for s in statements]
    write = ["BEGIN", "UPDATE jobs SET", "COMMIT"]
    assert words == [
        *write,
        "PRAGMA synchronous=FULL",
        *write,
        "PRAGMA synchronous=NORMAL",
        *write,
    ], statements
