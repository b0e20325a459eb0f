"""The doctor's database checks: it opens, takes writes, its schema, its size, the free disk.

Plain ``sqlite3`` and no migration: the bot runs pending migrations when it
starts (after a backup); the doctor only counts them.
"""

from __future__ import annotations

import contextlib
import json
import shutil
import sqlite3
from pathlib import Path

from bot.config import StorageSettings
from bot.jobs.migrations import MIGRATIONS
from bot.jobs.store import database_problem  # the store's own words for a fault
from bot.ops.checks import TIMEOUT_SECONDS, Check

# Below this much free space the database (and the downloads on the same disk) may run out.
LOW_DISK_BYTES = 500 * 1024 * 1024


def check_database(settings: StorageSettings) -> list[Check]:
    path = settings.database
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        db = sqlite3.connect(path, timeout=TIMEOUT_SECONDS)
    except (OSError, sqlite3.Error) as exc:
        return [_fault(path, exc)]
    try:
        version = int(db.execute("PRAGMA user_version").fetchone()[0])
        _try_a_write(db)
    except sqlite3.Error as exc:
        return [_fault(path, exc)]
    finally:
        db.close()
    return [_schema(path, version), _disk(path)]


def _fault(path: Path, error: OSError | sqlite3.Error) -> Check:
    return Check.fail(
        "database",
        f"cannot use {path}: {database_problem(path, error)}",
        "make [storage] database name a file the bot's user may create and write,"
        " in a folder it may write (SQLite adds files next to it)",
    )


def _try_a_write(db: sqlite3.Connection) -> None:
    """A write that is undone: it proves the file (and its folder, for WAL) take writes."""
    db.execute("BEGIN IMMEDIATE")
    try:
        db.execute("CREATE TABLE doctor_probe (x)")
    finally:
        db.rollback()


def _schema(path: Path, version: int) -> Check:
    known = len(MIGRATIONS)
    size = _size(path)
    if version > known:
        return Check.fail(
            "database",
            f"{path} has schema {version}, newer than this bot's {known}",
            "run the bot version that wrote it (upgrade this one), or restore a backup",
        )
    if version == 0:
        return Check.ok("database", f"{path}: new; the bot creates its tables at start")
    pending = known - version
    state = "current" if not pending else f"{pending} migration(s) run at the next start"
    return Check.ok("database", f"{path}: writable, schema {version}/{known} ({state}), {size}")


def _size(path: Path) -> str:
    total = 0
    for part in (path, path.with_name(path.name + "-wal")):
        with contextlib.suppress(OSError):
            total += part.stat().st_size
    return f"{_human(total)} on disk"


def _disk(path: Path) -> Check:
    free = shutil.disk_usage(path.parent).free
    result = f"{_human(free)} free in {path.parent}"
    if free < LOW_DISK_BYTES:
        return Check.warn(
            "disk space", result, "free some space: with a full disk no new song can be saved"
        )
    return Check.ok("disk space", result)


def _human(size: float) -> str:
    unit = "bytes"
    for bigger in ("KiB", "MiB", "GiB"):
        if size < 1024:
            break
        size, unit = size / 1024, bigger
    return f"{size:.0f} {unit}" if unit == "bytes" else f"{size:.1f} {unit}"


def song_channels(path: Path, guild_id: int) -> frozenset[int]:
    """The song channels a server set with /settings; empty when none (or unreadable)."""
    try:
        db = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
    except sqlite3.Error:
        return frozenset()
    try:
        row = db.execute(
            "SELECT value FROM guild_settings WHERE guild_id = ? AND key = 'song_channels'",
            (guild_id,),
        ).fetchone()
    except sqlite3.Error:
        return frozenset()  # no such table yet: nothing was set
    finally:
        db.close()
    try:
        return frozenset(int(i) for i in json.loads(row[0])) if row else frozenset()
    except (ValueError, TypeError):
        return frozenset()  # unreadable: taken as none set
