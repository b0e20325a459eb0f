"""A consistent copy of the jobs database, safe while the bot runs.

The copy goes through SQLite's online backup API, which reads the database as
one snapshot, WAL included. It is made in one step on purpose: the bot keeps
the database in WAL mode, where a reader never blocks a writer, so one step
costs the running bot nothing; a copy made in several steps starts again from
the first page whenever the bot commits in between, and a bot polling jobs
commits every few seconds, so it might never finish.

The copy is written next to its final name, checked with ``PRAGMA
integrity_check``, switched to a single-file journal (no ``-wal`` to keep
alongside) and only then given its name: a file under that name is a good copy.

The store makes one before it upgrades the database; ``suno-bot backup``
(``bot.ops.backup``) makes one on demand.
"""

from __future__ import annotations

import contextlib
import sqlite3
import time
from pathlib import Path

BACKUP_FOLDER = "backups"  # next to the database


class BackupError(Exception):
    """The copy could not be made; the message says why and what to do."""


def default_target(database: Path, label: str = "bot", at: float | None = None) -> Path:
    """``<database folder>/backups/<label>-YYYYmmdd-HHMMSS.sqlite3`` (local time)."""
    stamp = time.strftime("%Y%m%d-%H%M%S", time.localtime(at))
    return database.parent / BACKUP_FOLDER / f"{label}-{stamp}.sqlite3"


def backup(database: Path, target: Path | None = None) -> Path:
    """Copy ``database`` to ``target`` (a file, or a folder to put it in); return the file.

    ``target`` None: ``default_target``. Raises ``BackupError``.
    """
    if not database.is_file():
        raise BackupError(f"There is no database at {database}: nothing to back up.")
    if target is None:
        target = default_target(database)
    elif target.is_dir():
        target = target / default_target(database).name
    if target.exists():
        raise BackupError(f"{target} exists already; name another file.")
    partial = target.with_name(target.name + ".partial")
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        _copy(database, partial)
        partial.replace(target)
    except (OSError, sqlite3.Error) as exc:
        with contextlib.suppress(OSError):
            partial.unlink()
        raise BackupError(f"Cannot write the backup {target}: {_why(exc)}.") from exc
    return target


def _copy(database: Path, copy: Path) -> None:
    # mode=rw: never create an empty database where the admin named a wrong path.
    source = sqlite3.connect(database.resolve().as_uri() + "?mode=rw", uri=True)
    try:
        with contextlib.closing(sqlite3.connect(copy)) as destination:
            source.backup(destination)
            verdict = destination.execute("PRAGMA integrity_check").fetchall()
            if verdict != [("ok",)]:
                problems = "; ".join(str(row[0]) for row in verdict[:3])
                raise sqlite3.DatabaseError(f"the copy fails its integrity check ({problems})")
            destination.execute("PRAGMA journal_mode=DELETE")
    finally:
        source.close()


def _why(error: OSError | sqlite3.Error) -> str:
    if isinstance(error, OSError):
        return f"{(error.strerror or str(error)).lower()} ({error.filename or 'the folder'})"
    if getattr(error, "sqlite_errorcode", 0) & 0xFF == sqlite3.SQLITE_CANTOPEN:
        return "the file cannot be created (may this user write to that folder?)"
    return str(error)
