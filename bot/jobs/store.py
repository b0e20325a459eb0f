"""The SQLite store: the only module that speaks SQL.

Every change is committed before the caller moves on, so a crash at any point
leaves a row the runner can resume from. WAL keeps readers (commands counting
a member's jobs) from waiting on the runner's writes.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import sqlite3
from collections.abc import AsyncIterator, Callable, Collection, Iterable
from pathlib import Path
from typing import Any, NamedTuple

import aiosqlite

from bot.errors import StorageError, StorageFull
from bot.jobs.backup import BackupError, backup, default_target
from bot.jobs.estimates import Run
from bot.jobs.migrations import MIGRATIONS
from bot.jobs.models import Job
from bot.jobs.quotas import DAY, WEEK, Usage, Used
from bot.providers.base import GenerateRequest, Operation, TaskState, Track

log = logging.getLogger(__name__)

# One column per Job field; tracks live in their own table.
_JOB_COLUMNS = [name for name in Job.model_fields if name != "tracks"]
# Columns a job may change after it is created.
_MUTABLE = frozenset(_JOB_COLUMNS) - {"id", "guild_id", "channel_id", "user_id", "request"}
# Waiting in line for a submit (``steps.in_line`` says the same of a Job): no
# task, no submit begun, not finished. A job waiting for its task's callback has
# begun its submit.
_IN_LINE = (
    "vendor_task_id IS NULL AND submit_started_at IS NULL"
    " AND state NOT IN ('failed', 'succeeded', 'cancelled')"
)
# Jobs that use quota: all but failed ones and ones cancelled before a submit
# left for a vendor (a vendor may charge for a task cancelled after that).
_COUNTED = "state != 'failed' AND (state != 'cancelled' OR submit_started_at IS NOT NULL)"

# A job's state as members see it (``Job.stage``, but for the streaming nuance).
_STAGE = (
    "CASE WHEN state IN ('failed', 'cancelled') THEN state"
    " WHEN state = 'succeeded' THEN CASE WHEN result_message_id IS NOT NULL THEN 'done'"
    " WHEN closed_at IS NULL THEN 'delivering' ELSE 'undelivered' END"
    " WHEN vendor_task_id IS NULL THEN 'waiting' ELSE state END"
)


class CensusRow(NamedTuple):
    """Jobs of one state at one provider, and what they cost (for bot.ops.metrics)."""

    state: str
    provider: str
    in_line: bool
    jobs: int
    usd: float
    credits: float


# ``purge_details``: a request without the member's words, but the title /history shows.
_PURGED_REQUEST = (
    "request = json_set(request, '$.title', CASE WHEN json_extract(request, '$.title') != ''"
    " THEN json_extract(request, '$.title') ELSE substr(json_extract(request, '$.prompt'), 1, 40)"
    " END,"
    " '$.prompt', '', '$.lyrics', '', '$.style', '', '$.negative_tags', '', '$.upload_url', '')"
)
# ... and made files without their (expiring) vendor URLs, labels kept.
_PURGED_FILES = (
    "files = (SELECT json_group_array(json_set(value, '$.url', '')) FROM json_each(files))"
)


class JobCancelled(Exception):
    """A member cancelled the job while a step held an older copy of it: nothing was written."""


class JobStore:
    """Jobs on one connection. Every public method holds ``_lock`` for its whole
    transaction: interleaving two on one connection (a commit while another
    coroutine reads) breaks sqlite3 statements.
    """

    def __init__(self, db: aiosqlite.Connection) -> None:
        self._db = db
        self._lock = asyncio.Lock()

    @classmethod
    async def open(cls, path: Path, *, max_pages: int = 0) -> JobStore:
        """Open (creating it if needed) and migrate the database at ``path``.

        Raises ``StorageError`` naming the path and the problem, with no connection
        left open: aiosqlite's worker thread would keep the process alive after it.
        ``max_pages`` > 0 caps the database's size (tests fill it as a full disk).
        """
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            # Tried here first: when aiosqlite cannot connect, its worker thread
            # outlives the event loop and prints a traceback as the process exits.
            sqlite3.connect(path).close()
            db = await aiosqlite.connect(path)
        except (OSError, sqlite3.Error) as exc:
            raise _cannot_open(path, exc) from exc
        try:
            db.row_factory = aiosqlite.Row
            await db.execute("PRAGMA journal_mode=WAL")
            await db.execute("PRAGMA synchronous=NORMAL")
            await db.execute("PRAGMA foreign_keys=ON")
            await db.execute("PRAGMA busy_timeout=5000")
            # Deleted and replaced text is overwritten in the file, not left in free
            # pages: a purge (storage.retention_days) really removes it. Debian's
            # SQLite does so by default; other builds do not.
            await db.execute("PRAGMA secure_delete=ON")
            if max_pages:
                await db.execute(f"PRAGMA max_page_count={int(max_pages)}")
            store = cls(db)
            await store._migrate(path)
        except sqlite3.Error as exc:
            await db.close()
            raise _cannot_open(path, exc) from exc
        except BackupError as exc:
            await db.close()
            raise StorageError(
                f"The database {path} needs an upgrade, and a backup comes first: {exc}"
            ) from exc
        return store

    @contextlib.asynccontextmanager
    async def _writing(
        self, *, durable: bool = False, immediate: bool = False
    ) -> AsyncIterator[None]:
        """One write transaction under the lock, committed at the end.

        When the disk is full it is undone (an open transaction would hold SQLite's
        write lock) and ``StorageFull`` raised: nothing of it was stored.

        ``durable`` commits with ``synchronous=FULL``. In WAL mode NORMAL syncs
        only at checkpoints, so a power cut may undo the last commits; FULL syncs
        the WAL at each commit. Measured on a virtio SSD: 0.02 ms per commit with
        NORMAL, 0.3 ms with FULL (an fsync; on an SD card or a disk,
        milliseconds). The runner commits at every poll of every job while
        holding the one lock, so only the commit that guards a paid vendor call
        pays for FULL; it also makes every earlier commit durable, as they sit
        before it in the WAL.

        ``immediate`` takes SQLite's write lock before the first read, so what the
        transaction reads cannot change (in this process or another) before it commits.
        """
        async with self._lock:
            if durable:
                await self._db.execute("PRAGMA synchronous=FULL")
            try:
                if immediate:
                    await self._db.execute("BEGIN IMMEDIATE")
                yield
                await self._db.commit()
            except sqlite3.OperationalError as exc:
                if exc.sqlite_errorcode & 0xFF != sqlite3.SQLITE_FULL:
                    raise
                await self._db.rollback()
                raise StorageFull(f"the database is full: {exc}") from exc
            finally:
                # Anything else that broke off the transaction: undo it, or the
                # connection would keep SQLite's write lock.
                if self._db.in_transaction:
                    await self._db.rollback()
                if durable:
                    await self._db.execute("PRAGMA synchronous=NORMAL")

    async def close(self) -> None:
        await self._db.close()

    async def _migrate(self, path: Path) -> None:
        done = await self.schema_version()
        if 0 < done < len(MIGRATIONS):
            # An older bot's data (a new, empty database has nothing to lose): a
            # copy first, so that a failed or regretted upgrade can be undone.
            target = default_target(path, f"bot-before-v{len(MIGRATIONS)}")
            await asyncio.to_thread(backup, path, target)
            log.info(
                "database schema v%d is older than v%d: backed up to %s before upgrading",
                done,
                len(MIGRATIONS),
                target,
            )
        for number, script in enumerate(MIGRATIONS[done:], start=done + 1):
            # executescript commits first, so each migration and its version bump land together.
            await self._db.executescript(
                f"BEGIN; {script}; PRAGMA user_version = {number}; COMMIT;"
            )

    async def schema_version(self) -> int:
        async with self._db.execute("PRAGMA user_version") as cur:
            row = await cur.fetchone()
        return int(row[0]) if row else 0

    async def add(self, job: Job) -> None:
        async with self._writing():
            await self._insert(job)

    async def _insert(self, job: Job) -> None:
        values = _to_row(job)
        placeholders = ", ".join("?" for _ in _JOB_COLUMNS)
        await self._db.execute(
            f"INSERT INTO jobs ({', '.join(_JOB_COLUMNS)}) VALUES ({placeholders})",  # noqa: S608
            [values[c] for c in _JOB_COLUMNS],
        )

    async def add_if_allowed(
        self,
        job: Job,
        judge: Callable[[Usage], str | None],
        *,
        with_history: bool = True,
        spent_since: float | None = None,
    ) -> str | None:
        """Store ``job`` unless ``judge`` refuses it; returns the refusal, or None.

        ``judge`` sees the member's open jobs and (with ``with_history``) the
        counted jobs of the member and of the server, read in the same write
        transaction as the insert: two requests at the same instant, even from
        two processes, are judged one after the other. ``spent_since``: also read
        what the server's jobs charged since then (for its budget).
        """
        async with self._writing(immediate=True):
            member, server = (
                (await self._counted(job, WEEK, True), await self._counted(job, DAY, False))
                if with_history
                else ([], [])
            )
            spent, waiting = (
                (await self._spent(job.guild_id, spent_since), await self._waiting(job.guild_id))
                if spent_since is not None
                else (0.0, [])
            )
            usage = Usage(await self._count_open(job.user_id), member, server, spent, waiting)
            refusal = judge(usage)
            if refusal is None:
                await self._insert(job)
        return refusal

    async def _counted(self, job: Job, span: float, by_member: bool) -> list[Used]:
        """Counted jobs of ``job``'s member (or whole server) in the ``span`` before it."""
        return await self._counted_since(
            job.guild_id, job.created_at - span, job.user_id if by_member else None
        )

    async def counted(self, guild_id: int, user_id: int, since: float) -> list[Used]:
        """A member's jobs in a server created after ``since`` that count against quotas."""
        async with self._lock:
            return await self._counted_since(guild_id, since, user_id)

    async def _counted_since(self, guild_id: int, since: float, user_id: int | None) -> list[Used]:
        member = "" if user_id is None else " AND user_id = ?"
        params = (guild_id, since) if user_id is None else (guild_id, since, user_id)
        async with self._db.execute(
            "SELECT created_at, json_extract(request, '$.operation') FROM jobs"  # noqa: S608
            f" WHERE guild_id = ? AND created_at > ?{member} AND {_COUNTED} ORDER BY created_at",
            params,
        ) as cur:
            return [(float(at), Operation(op)) async for at, op in cur]

    async def spent(self, guild_id: int, since: float) -> float:
        """What the server's jobs charged since ``since`` (refunded ones cost 0)."""
        async with self._lock:
            return await self._spent(guild_id, since)

    async def _spent(self, guild_id: int, since: float) -> float:
        async with self._db.execute(
            "SELECT TOTAL(cost_usd) FROM jobs WHERE guild_id = ? AND submitted_at >= ?",
            (guild_id, since),
        ) as cur:
            row = await cur.fetchone()
        return float(row[0]) if row else 0.0

    async def _waiting(self, guild_id: int) -> list[tuple[str, Operation]]:
        """(provider, operation) of the server's open jobs no vendor accepted (or charged) yet."""
        async with self._db.execute(
            "SELECT provider, json_extract(request, '$.operation') FROM jobs WHERE guild_id = ?"
            " AND closed_at IS NULL AND vendor_task_id IS NULL"
            " AND state NOT IN ('failed', 'cancelled')",
            (guild_id,),
        ) as cur:
            return [(str(provider), Operation(op)) async for provider, op in cur]

    async def spending_by_member(self, guild_id: int, since: float) -> list[tuple[int, float, int]]:
        """(member, what their jobs charged, how many reached a vendor and did not fail)."""
        return await self._rows(
            "SELECT user_id, TOTAL(cost_usd), SUM(state != 'failed') FROM jobs WHERE guild_id = ?"
            " AND submitted_at >= ? GROUP BY user_id ORDER BY 2 DESC, user_id",
            (guild_id, since),
        )

    async def spending_by_day(self, guild_id: int, since: float) -> list[tuple[str, float]]:
        """(UTC date as YYYY-MM-DD, what the server's jobs charged that day) since ``since``."""
        return await self._rows(
            "SELECT date(submitted_at, 'unixepoch') AS day, TOTAL(cost_usd) FROM jobs"
            " WHERE guild_id = ? AND submitted_at >= ? GROUP BY day ORDER BY day",
            (guild_id, since),
        )

    async def _rows(self, sql: str, params: tuple[Any, ...]) -> list[Any]:
        async with self._lock, self._db.execute(sql, params) as cur:
            return [tuple(row) for row in await cur.fetchall()]

    async def warn_once(self, guild_id: int, month: str, at: float) -> bool:
        """Record the budget warning of ``guild_id`` for ``month``; False if it was given."""
        async with self._writing():
            cursor = await self._db.execute(
                "INSERT OR IGNORE INTO budget_warnings (guild_id, month, warned_at)"
                " VALUES (?, ?, ?)",
                (guild_id, month, at),
            )
        return cursor.rowcount == 1

    async def blocked_terms(self, guild_id: int) -> list[tuple[str, str]]:
        """The server's own blocked terms and their kinds, by kind then term."""
        return await self._rows(
            "SELECT term, kind FROM blocked_terms WHERE guild_id = ? ORDER BY kind, term",
            (guild_id,),
        )

    async def block_term(self, guild_id: int, term: str, kind: str) -> bool:
        """Add ``term`` to the server's list; False if it was there already."""
        async with self._writing():
            cursor = await self._db.execute(
                "INSERT OR IGNORE INTO blocked_terms (guild_id, term, kind) VALUES (?, ?, ?)",
                (guild_id, term, kind),
            )
        return cursor.rowcount == 1

    async def unblock_term(self, guild_id: int, term: str) -> bool:
        """Take ``term`` off the server's list; False if it was not on it."""
        async with self._writing():
            cursor = await self._db.execute(
                "DELETE FROM blocked_terms WHERE guild_id = ? AND term = ?", (guild_id, term)
            )
        return cursor.rowcount == 1

    async def guild_settings(self, guild_id: int) -> dict[str, str]:
        """A server's /settings: key -> its JSON value (keys it never set are absent)."""
        rows = await self._rows(
            "SELECT key, value FROM guild_settings WHERE guild_id = ?", (guild_id,)
        )
        return dict(rows)

    async def set_guild_setting(self, guild_id: int, key: str, value: str | None) -> None:
        """Store one of a server's settings as JSON; None removes it (back to config.toml)."""
        async with self._writing():
            if value is None:
                await self._db.execute(
                    "DELETE FROM guild_settings WHERE guild_id = ? AND key = ?", (guild_id, key)
                )
            else:
                await self._db.execute(
                    "INSERT OR REPLACE INTO guild_settings (guild_id, key, value) VALUES (?, ?, ?)",
                    (guild_id, key, value),
                )

    async def purge_details(self, closed_before: float, at: float) -> int:
        """Purge the details of jobs closed before ``closed_before``; return how many.

        Gone: the member's prompt, lyrics, style, negative tags and uploaded
        audio's URL; each track's lyrics, style tags and (expiring) vendor URLs;
        the made files' URLs; the vendor's failure message; the callback token
        and the job's callback events. Kept: what /history shows (the title, the
        first 40 characters of the prompt when there is no title, as /history
        shows it), what /song re-posts from (the result message, its re-posts,
        track titles, durations, models and vendor ids), lineage and every count
        and cost (/usage, quotas, budget). One transaction: a job is never half purged.
        """
        old = "SELECT id FROM jobs WHERE closed_at < ? AND purged_at IS NULL"
        async with self._writing():
            await self._db.execute(
                "UPDATE tracks SET data = json_set(data, '$.lyrics', '', '$.tags', '',"  # noqa: S608
                " '$.audio_url', '', '$.stream_url', '', '$.image_url', '', '$.expires_at', NULL)"
                f" WHERE job_id IN ({old})",
                (closed_before,),
            )
            await self._db.execute(
                f"DELETE FROM callback_events WHERE job_id IN ({old})",  # noqa: S608
                (closed_before,),
            )
            cursor = await self._db.execute(
                f"UPDATE jobs SET {_PURGED_REQUEST}, {_PURGED_FILES}, failure_detail = '',"  # noqa: S608
                f" callback_token = NULL, purged_at = ? WHERE id IN ({old})",
                (at, closed_before),
            )
        return cursor.rowcount

    async def update(self, job: Job, *fields: str, durable: bool = False) -> None:
        """Persist the named fields of ``job`` (its in-memory copy is the source).

        ``durable``: the commit survives a power cut, not only a process crash.
        Raises ``JobCancelled`` when the row was cancelled and ``job`` is a copy
        from before: a cancel sticks, whatever a running step learnt meanwhile.
        Only the progress message's id is still taken: it is the message that
        will say "Cancelled", not a second one.
        """
        async with self._writing(durable=durable):
            unknown = set(fields) - _MUTABLE - {"tracks"}
            if unknown:
                raise ValueError(f"not a mutable job column: {sorted(unknown)}")
            stale = job.state is not TaskState.CANCELLED and set(fields) != {"progress_message_id"}
            row = _to_row(job)
            columns = [f for f in fields if f != "tracks"]
            written = False  # a write of tracks alone is checked below
            if columns:
                assignments = ", ".join(f"{c} = ?" for c in columns)
                # The guard sits in the statement itself: nothing can come between.
                guard = " AND state != 'cancelled'" if stale else ""
                cursor = await self._db.execute(
                    f"UPDATE jobs SET {assignments} WHERE id = ?{guard}",  # noqa: S608
                    [*(row[c] for c in columns), job.id],
                )
                written = cursor.rowcount == 1
            if stale and not written and await self._cancelled(job.id):
                raise JobCancelled(job.id)  # undone with the transaction
            if "tracks" in fields:
                await self._replace_tracks(job.id, job.tracks)

    async def _cancelled(self, job_id: str) -> bool:
        async with self._db.execute(
            "SELECT 1 FROM jobs WHERE id = ? AND state = 'cancelled'", (job_id,)
        ) as cur:
            return await cur.fetchone() is not None

    async def cancel(self, job_id: str, at: float) -> Job | None:
        """Cancel an open job still being made; the cancelled row, or None when it is not.

        A job already cancelled, failed, or succeeded (its delivery is under way)
        is left as it is. The scheduler looks at the job at once: its progress
        message then says so. Whether a submit had begun is read from the same
        row the cancel wrote, and ``update`` refuses any later write of a step
        that began before, so a submit and a cancel never both happen.
        """
        async with self._writing():
            cursor = await self._db.execute(
                "UPDATE jobs SET state = 'cancelled', finished_at = ?, next_check_at = ?"
                " WHERE id = ? AND closed_at IS NULL AND state IN ('queued', 'running', 'partial')",
                (at, at, job_id),
            )
        return await self.get(job_id) if cursor.rowcount == 1 else None

    async def adopt_task(self, job_id: str, task_id: str, at: float) -> bool:
        """Give an interrupted submit's job the task a vendor callback named.

        Only a job with the submitting mark, no task id yet and still open
        takes it; True when it did.
        """
        async with self._writing():
            cursor = await self._db.execute(
                "UPDATE jobs SET vendor_task_id = ?, submitted_at = ? WHERE id = ?"
                " AND vendor_task_id IS NULL AND submit_started_at IS NOT NULL"
                " AND closed_at IS NULL",
                (task_id, at, job_id),
            )
        return cursor.rowcount == 1

    async def _replace_tracks(self, job_id: str, tracks: Iterable[Track]) -> None:
        await self._db.execute("DELETE FROM tracks WHERE job_id = ?", (job_id,))
        await self._db.executemany(
            "INSERT INTO tracks (job_id, position, data) VALUES (?, ?, ?)",
            [(job_id, i, t.model_dump_json()) for i, t in enumerate(tracks)],
        )

    async def get(self, job_id: str) -> Job | None:
        return await self._one("SELECT * FROM jobs WHERE id = ?", (job_id,))

    async def _one(self, sql: str, params: tuple[Any, ...]) -> Job | None:
        async with self._lock:
            async with self._db.execute(sql, params) as cur:
                row = await cur.fetchone()
            return None if row is None else (await self._with_tracks([row]))[0]

    async def unfinished(self) -> list[Job]:
        """Jobs not yet closed (delivered, or their failure shown), oldest first."""
        async with self._lock:
            async with self._db.execute(
                "SELECT * FROM jobs WHERE closed_at IS NULL ORDER BY created_at"
            ) as cur:
                rows = await cur.fetchall()
            return await self._with_tracks(rows)

    async def unfinished_of(self, guild_id: int, user_id: int) -> list[Job]:
        """One member's unfinished jobs on one server, oldest first (``jobs_by_user``)."""
        async with self._lock:
            async with self._db.execute(
                "SELECT * FROM jobs WHERE user_id = ? AND closed_at IS NULL AND guild_id = ?"
                " ORDER BY created_at",
                (user_id, guild_id),
            ) as cur:
                rows = await cur.fetchall()
            return await self._with_tracks(rows)

    async def next_due(
        self, now: float, limit: int, skip: Collection[str] = (), *, in_line: bool | None = None
    ) -> list[Job]:
        """Open jobs due at ``now``, earliest first, but those in ``skip`` (being worked on).

        ``in_line`` True: only jobs waiting in line for a submit; False: only the others.
        """
        async with self._lock:
            async with self._db.execute(
                "SELECT * FROM jobs WHERE closed_at IS NULL AND next_check_at <= ?"  # noqa: S608
                f" AND id NOT IN ({_marks(skip)}){_kind(in_line)}"
                " ORDER BY next_check_at, created_at LIMIT ?",
                (now, *skip, limit),
            ) as cur:
                rows = await cur.fetchall()
            return await self._with_tracks(rows)

    async def earliest_check(
        self, skip: Collection[str] = (), *, in_line: bool | None = None
    ) -> float | None:
        """When the next open job not in ``skip`` (of the kind ``in_line`` says, as
        for ``next_due``) is due; None when there is none."""
        async with self._lock:
            async with self._db.execute(
                "SELECT MIN(next_check_at) FROM jobs WHERE closed_at IS NULL"  # noqa: S608
                f" AND id NOT IN ({_marks(skip)}){_kind(in_line)}",
                tuple(skip),
            ) as cur:
                row = await cur.fetchone()
            return None if row is None or row[0] is None else float(row[0])

    async def line(self, provider: str | None = None) -> list[Job]:
        """Jobs waiting for a submit, in the order the fair line takes them.

        Round-robin across members: a job's round is how many of its member's
        waiting jobs are older, and the line takes round 0 of every member (oldest
        first), then round 1, and so on; so one member's tenth song waits behind
        every other member's first. ``provider`` narrows it to one provider's line.
        A job whose submit began (or waits for its task's callback) is out of line.
        """
        where = " AND provider = ?" if provider is not None else ""
        async with self._lock:
            async with self._db.execute(
                f"SELECT * FROM jobs WHERE closed_at IS NULL AND {_IN_LINE}{where}"  # noqa: S608
                " ORDER BY ROW_NUMBER() OVER"
                " (PARTITION BY user_id ORDER BY created_at, rowid), created_at, rowid",
                () if provider is None else (provider,),
            ) as cur:
                rows = await cur.fetchall()
            return await self._with_tracks(rows)

    async def census(self) -> list[CensusRow]:
        """Every job counted by state and provider, with their costs: one scan, for metrics."""
        rows = await self._rows(
            f"SELECT {_STAGE}, provider, closed_at IS NULL AND {_IN_LINE},"  # noqa: S608
            " COUNT(*), TOTAL(cost_usd), TOTAL(cost_credits) FROM jobs GROUP BY 1, 2, 3",
            (),
        )
        return [CensusRow(s, p, bool(i), int(n), float(u), float(c)) for s, p, i, n, u, c in rows]

    async def probe_write(self, at: float) -> None:
        """Commit one small write, as a job's step would: raises what that write would meet
        (``StorageFull``, or sqlite3's error for a lock held elsewhere or a read-only file)."""
        async with self._writing(immediate=True):
            await self._db.execute(
                "INSERT INTO heartbeat (id, at) VALUES (1, ?)"
                " ON CONFLICT (id) DO UPDATE SET at = excluded.at",
                (at,),
            )

    async def recent_runs(self, provider: str, limit: int = 50) -> list[Run]:
        """The latest ``limit`` jobs submitted to ``provider``, for its measured pace.

        ``finished_at`` only for jobs that succeeded: a failure's time says nothing.
        """
        async with (
            self._lock,
            self._db.execute(
                "SELECT json_extract(request, '$.model'), submitted_at,"
                " CASE WHEN state = 'succeeded' THEN finished_at END FROM jobs"
                " WHERE provider = ? AND submitted_at IS NOT NULL"
                " ORDER BY submitted_at DESC LIMIT ?",
                (provider, limit),
            ) as cur,
        ):
            return [Run(str(model), float(at), end) async for model, at, end in cur]

    async def in_flight(self, provider: str) -> int:
        """Tasks of ``provider`` made (or maybe made, awaiting their callback) and not finished."""
        async with self._lock:
            async with self._db.execute(
                "SELECT COUNT(*) FROM jobs WHERE closed_at IS NULL AND provider = ?"
                " AND (vendor_task_id IS NOT NULL OR adopt_until IS NOT NULL)"
                " AND state NOT IN ('failed', 'succeeded', 'cancelled')",
                (provider,),
            ) as cur:
                row = await cur.fetchone()
            return int(row[0]) if row else 0

    async def defer(self, job_ids: Collection[str], until: float, max_wait: float) -> None:
        """Make the jobs ``job_ids`` due at ``until``, or when they have waited ``max_wait``."""
        async with self._writing():
            await self._db.execute(
                "UPDATE jobs SET next_check_at = MIN(?, created_at + ?)"  # noqa: S608
                f" WHERE closed_at IS NULL AND id IN ({_marks(job_ids)})",
                (until, max_wait, *job_ids),
            )

    async def check_now(self, job_ids: Collection[str], now: float) -> None:
        """Make the open jobs ``job_ids`` due at ``now`` (a callback brought news)."""
        async with self._writing():
            await self._db.execute(
                "UPDATE jobs SET next_check_at = ? WHERE closed_at IS NULL"  # noqa: S608
                f" AND id IN ({_marks(job_ids)})",
                (now, *job_ids),
            )

    async def by_message(self, message_id: int) -> Job | None:
        """The job whose result (or a re-post of it) is the message ``message_id``."""
        return await self._one(
            "SELECT * FROM jobs WHERE result_message_id = ?1 OR id ="
            " (SELECT job_id FROM reposts WHERE message_id = ?1) LIMIT 1",
            (message_id,),
        )

    async def add_repost(self, message_id: int, channel_id: int, job_id: str) -> None:
        async with self._writing():
            await self._db.execute(
                "INSERT OR IGNORE INTO reposts (message_id, channel_id, job_id) VALUES (?, ?, ?)",
                (message_id, channel_id, job_id),
            )

    async def reposts(self, job_id: str) -> list[tuple[int, int]]:
        """(channel id, message id) of every re-post of a job, newest first."""
        async with (
            self._lock,
            self._db.execute(
                # Snowflakes grow with time: the largest id is the newest post.
                "SELECT channel_id, message_id FROM reposts WHERE job_id = ?"
                " ORDER BY message_id DESC",
                (job_id,),
            ) as cur,
        ):
            rows = await cur.fetchall()
        return [(row[0], row[1]) for row in rows]

    async def recent(self, guild_id: int, user_id: int, limit: int) -> list[Job]:
        """A member's latest jobs in a guild, newest first."""
        async with self._lock:
            async with self._db.execute(
                "SELECT * FROM jobs WHERE guild_id = ? AND user_id = ?"
                " ORDER BY created_at DESC, rowid DESC LIMIT ?",
                (guild_id, user_id, limit),
            ) as cur:
                rows = await cur.fetchall()
            return await self._with_tracks(rows)

    async def remember_event(self, event_id: str, job_id: str, at: float) -> bool:
        """Record a vendor callback event; False when it was seen before (a replay)."""
        async with self._writing():
            cursor = await self._db.execute(
                "INSERT OR IGNORE INTO callback_events (event_id, job_id, received_at)"
                " VALUES (?, ?, ?)",
                (event_id, job_id, at),
            )
        return cursor.rowcount == 1

    async def count_open_for_user(self, user_id: int) -> int:
        async with self._lock:
            return await self._count_open(user_id)

    async def _count_open(self, user_id: int) -> int:
        async with self._db.execute(
            "SELECT COUNT(*) FROM jobs WHERE user_id = ? AND closed_at IS NULL", (user_id,)
        ) as cur:
            row = await cur.fetchone()
        return int(row[0]) if row else 0

    async def _with_tracks(self, rows: Iterable[aiosqlite.Row]) -> list[Job]:
        jobs = [_from_row(r) for r in rows]
        if not jobs:
            return jobs
        by_id = {j.id: j for j in jobs}
        placeholders = ", ".join("?" for _ in by_id)
        async with self._db.execute(
            f"SELECT job_id, data FROM tracks WHERE job_id IN ({placeholders})"  # noqa: S608
            " ORDER BY job_id, position",
            list(by_id),
        ) as cur:
            async for job_id, data in cur:
                by_id[job_id].tracks.append(Track.model_validate_json(data))
        return jobs


def _kind(in_line: bool | None) -> str:
    """The condition ``next_due``'s ``in_line`` adds: waiting in line, or not."""
    if in_line is None:
        return ""
    return f" AND {_IN_LINE}" if in_line else f" AND NOT ({_IN_LINE})"


def _marks(values: Collection[Any]) -> str:
    """Placeholders for ``values`` in an ``IN (...)`` list."""
    return ", ".join("?" for _ in values)


def _cannot_open(path: Path, error: OSError | sqlite3.Error) -> StorageError:
    return StorageError(f"Cannot open the database {path}: {database_problem(path, error)}.")


def database_problem(path: Path, error: OSError | sqlite3.Error) -> str:
    """What is wrong with the database at ``path``, in an admin's words."""
    if isinstance(error, OSError):
        if isinstance(error, FileExistsError | NotADirectoryError):
            return f"{error.filename} is a file, not a directory"
        return (error.strerror or str(error)).lower()
    # The primary code: "read-only because of ..." variants share their family's words.
    code = getattr(error, "sqlite_errorcode", 0) & 0xFF
    if code == sqlite3.SQLITE_CANTOPEN and path.is_dir():
        return "it is a directory; name a file in it instead"
    return _SQLITE_PROBLEMS.get(code, str(error))


_SQLITE_PROBLEMS = {
    sqlite3.SQLITE_CANTOPEN: "the file cannot be created or opened (may the bot write there?)",
    sqlite3.SQLITE_NOTADB: "the file is not a database (corrupt, or another kind of file)",
    sqlite3.SQLITE_CORRUPT: "the database file is corrupt",
    sqlite3.SQLITE_READONLY: "the database is read-only (may the bot write it and its folder?)",
    sqlite3.SQLITE_FULL: "the disk is full",
    sqlite3.SQLITE_PERM: "the bot may not open the file",
}


def _to_row(job: Job) -> dict[str, Any]:
    row = job.model_dump(mode="json", exclude={"tracks"})
    row["request"] = json.dumps(row["request"])
    row["files"] = json.dumps(row["files"])
    if row["attachments"] is not None:
        row["attachments"] = json.dumps(row["attachments"])
    row["delivery_started"] = int(job.delivery_started)
    return row


def _from_row(row: aiosqlite.Row) -> Job:
    data = dict(zip(row.keys(), tuple(row), strict=True))
    data["request"] = GenerateRequest.model_validate_json(data["request"])
    data["failure"] = data["failure"] or None
    data["files"] = json.loads(data["files"])
    if data["attachments"] is not None:
        data["attachments"] = json.loads(data["attachments"])
    return Job.model_validate(data)
