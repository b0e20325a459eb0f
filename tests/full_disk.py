"""A full disk, for real: a size-capped SQLite file (max_page_count) whose free pages
another connection takes, so the next write needing a page gets SQLITE_FULL exactly as
on a disk with no room left.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path


def fill_up(database: Path, pages: int) -> None:
    """Take every free page of the capped database, down to the last small row."""
    with sqlite3.connect(database, isolation_level=None) as db:
        db.execute("PRAGMA busy_timeout=5000")
        db.execute(f"PRAGMA max_page_count={pages}")
        db.execute("CREATE TABLE filler (b BLOB)")
        for size in (3000, 300, 30, 1):
            _insert_until_full(db, size)
    db.close()


def _insert_until_full(db: sqlite3.Connection, size: int) -> None:
    while True:
        try:
            db.execute("INSERT INTO filler VALUES (zeroblob(?))", (size,))
        except sqlite3.OperationalError as exc:
            if exc.sqlite_errorcode != sqlite3.SQLITE_FULL:
                raise
            return


def free_up(database: Path) -> None:
    with sqlite3.connect(database, isolation_level=None) as db:
        db.execute("PRAGMA busy_timeout=5000")
        db.execute("DROP TABLE filler")
    db.close()
