"""``suno-bot backup`` and the backup before an upgrade, on real SQLite files."""

from __future__ import annotations

import asyncio
import logging
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from bot.errors import StorageError
from bot.jobs.backup import BackupError, backup
from bot.jobs.migrations import MIGRATIONS
from bot.jobs.store import JobStore
from bot.providers.base import Track
from tests.e2e.botproc import REPO
from tests.test_store import make_job

_JOBS_BEFORE = 300  # enough pages that the copy takes a while


def _checked(copy: Path) -> sqlite3.Connection:
    """The copy, opened read-only once it passed SQLite's integrity check."""
    db = sqlite3.connect(copy.as_uri() + "?mode=ro", uri=True)
    assert db.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
    return db


class Writer:
    """Adds jobs and keeps updating them, as a busy bot does, until stopped.

    Each update writes ``polls`` and that many tracks in one transaction, so a
    torn copy would show a job whose two disagree.
    """

    def __init__(self, store: JobStore) -> None:
        self.store = store
        self.jobs = 0
        self.stop = asyncio.Event()
        self._wrote = asyncio.Condition()

    async def run(self) -> None:
        while not self.stop.is_set():
            job = make_job(f"w{self.jobs}")
            await self.store.add(job)
            for polls in (1, 2, 3):
                job.polls = polls
                job.tracks = [
                    Track(vendor_task_id="t", vendor_track_id=f"{job.id}-{i}", lyrics="la " * 200)
                    for i in range(polls)
                ]
                await self.store.update(job, "polls", "tracks")
            async with self._wrote:
                self.jobs += 1
                self._wrote.notify_all()

    async def reached(self, jobs: int) -> None:
        async with self._wrote:
            await self._wrote.wait_for(lambda: self.jobs >= jobs)


async def test_a_backup_while_jobs_are_written_is_a_consistent_snapshot(tmp_path: Path) -> None:
    path = tmp_path / "bot.sqlite3"
    store = await JobStore.open(path)
    writer = Writer(store)
    writing = asyncio.create_task(writer.run())
    await writer.reached(_JOBS_BEFORE)
    copy = await asyncio.to_thread(backup, path, tmp_path / "copy.sqlite3")
    # The writer was never held up: it goes on while and after the copy is made.
    await writer.reached(writer.jobs + 5)
    writer.stop.set()
    await writing
    await store.close()

    assert copy == tmp_path / "copy.sqlite3"
    assert not copy.with_name("copy.sqlite3-wal").exists()  # one self-contained file
    with _checked(copy) as db:
        jobs = db.execute("SELECT COUNT(*) FROM jobs").fetchone()[0]
        torn = db.execute(
            "SELECT id, polls, (SELECT COUNT(*) FROM tracks WHERE job_id = id) FROM jobs"
            " WHERE polls != (SELECT COUNT(*) FROM tracks WHERE job_id = id)"
        ).fetchall()
        version = db.execute("PRAGMA user_version").fetchone()[0]
    assert jobs >= _JOBS_BEFORE
    assert torn == []
    assert version == len(MIGRATIONS)


async def test_the_default_place_is_a_dated_file_in_backups(tmp_path: Path) -> None:
    path = tmp_path / "bot.sqlite3"
    await (await JobStore.open(path)).close()
    first = backup(path)
    assert first.parent == tmp_path / "backups"
    assert first.name.startswith("bot-")
    assert first.suffix == ".sqlite3"
    _checked(first).close()
    # A folder: the dated name inside it. An existing file is never overwritten.
    into = backup(path, tmp_path)
    assert into.parent == tmp_path
    with pytest.raises(BackupError, match="exists already"):
        backup(path, into)


def _cli(tmp_path: Path, database: Path, *args: str) -> subprocess.CompletedProcess[str]:
    config = tmp_path / "config.toml"
    config.write_text(f'[storage]\ndatabase = "{database}"\n')
    env = {
        **os.environ,
        "DISCORD_TOKEN": "token-for-the-backup-test",
        "BOT_CONFIG": str(config),
        "PYTHONPATH": str(REPO),
    }
    return subprocess.run(  # noqa: S603
        [sys.executable, "-m", "bot", "backup", *args],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


async def test_the_command_prints_the_copy_and_explains_failures(tmp_path: Path) -> None:
    path = tmp_path / "data" / "bot.sqlite3"
    store = await JobStore.open(path)
    await store.add(make_job("kept"))
    await store.close()

    done = _cli(tmp_path, path)
    assert (done.returncode, done.stderr) == (0, "")
    copy = Path(done.stdout.strip())
    assert copy.parent == tmp_path / "data" / "backups"
    with _checked(copy) as db:
        assert db.execute("SELECT id FROM jobs").fetchall() == [("kept",)]

    missing = _cli(tmp_path, tmp_path / "nowhere.sqlite3")
    assert missing.returncode == 1
    assert "There is no database at" in missing.stderr
    assert "Traceback" not in missing.stderr
    assert not (tmp_path / "nowhere.sqlite3").exists()  # no empty database left behind

    # A file where the folder should be: the destination cannot be written.
    unwritable = _cli(tmp_path, path, "--to", str(copy / "inside.sqlite3"))
    assert unwritable.returncode == 1
    assert f"Cannot write the backup {copy / 'inside.sqlite3'}" in unwritable.stderr
    assert "Traceback" not in unwritable.stderr


def _old_database(path: Path, migrations: int) -> None:
    """A database as a bot of ``migrations`` schema versions left it, with one job."""
    with sqlite3.connect(path) as db:
        for number, script in enumerate(MIGRATIONS[:migrations], start=1):
            db.executescript(f"{script}; PRAGMA user_version = {number};")
        db.execute(
            "INSERT INTO jobs (id, guild_id, channel_id, user_id, provider, request, state,"
            " created_at, deadline_at) VALUES ('old', 1, 2, 7, 'kie', ?, 'queued', 100, 200)",
            (make_job().request.model_dump_json(),),
        )
    db.close()


async def test_an_upgrade_backs_up_the_old_database_first(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    path = tmp_path / "bot.sqlite3"
    _old_database(path, 3)
    with caplog.at_level(logging.INFO, logger="bot.jobs.store"):
        store = await JobStore.open(path)
    assert await store.schema_version() == len(MIGRATIONS)
    await store.close()

    [copy] = (tmp_path / "backups").iterdir()
    assert copy.name.startswith(f"bot-before-v{len(MIGRATIONS)}-")
    with _checked(copy) as db:
        assert db.execute("PRAGMA user_version").fetchone()[0] == 3  # as it was
        assert db.execute("SELECT id FROM jobs").fetchall() == [("old",)]
    assert str(copy) in caplog.text

    # Up to date, or new and empty: nothing to keep a copy of.
    await (await JobStore.open(path)).close()
    await (await JobStore.open(tmp_path / "new.sqlite3")).close()
    assert list((tmp_path / "backups").iterdir()) == [copy]


async def test_no_upgrade_without_its_backup(tmp_path: Path) -> None:
    path = tmp_path / "bot.sqlite3"
    _old_database(path, 3)
    (tmp_path / "backups").write_text("a file where the backups folder goes")
    with pytest.raises(StorageError, match="needs an upgrade, and a backup comes first"):
        await JobStore.open(path)
    with sqlite3.connect(path) as db:
        assert db.execute("PRAGMA user_version").fetchone()[0] == 3  # left as it was
    db.close()
