"""storage.retention_days: old finished jobs lose their details, never what the bot still shows."""

from __future__ import annotations

import asyncio
import contextlib
import sqlite3
from pathlib import Path

from bot.discord.ui.results import lineage, song_title
from bot.jobs.models import Job
from bot.jobs.quotas import DAY
from bot.jobs.retention import keep_purging, purge_old
from bot.jobs.store import JobStore
from bot.providers.base import FailureReason, GenerateRequest, OutputFile, TaskState, Track
from cogs.library import _history_line

NOW = 1_000 * DAY
# The member's and vendor's words: none may be left in a purged row.
PRIVATE = ("Zebediah", "verse-of-rain", "sea-shanty-style", "no-drums", "cdn.example")


def job(job_id: str, closed_days_ago: float | None, **fields: object) -> Job:
    """A job created a day before it closed (``closed_days_ago`` None: still open)."""
    closed = None if closed_days_ago is None else NOW - closed_days_ago * DAY
    created = (closed or NOW) - DAY
    request = GenerateRequest(
        model="v5",
        # /history shows 40 characters of it: the name comes later.
        prompt="a shanty for the lighthouse keeper and his long nights: Zebediah",
        lyrics="verse-of-rain",
        style="sea-shanty-style",
        negative_tags="no-drums",
        upload_url="https://cdn.example/upload.mp3",
        custom=True,
    )
    values: dict[str, object] = {
        "id": job_id,
        "guild_id": 1,
        "channel_id": 2,
        "user_id": 7,
        "provider": "kie",
        "request": request,
        "state": TaskState.SUCCEEDED,
        "vendor_task_id": f"task-{job_id}",
        "callback_token": f"cb-token-{job_id}",
        "created_at": created,
        "deadline_at": created + 600,
        "submitted_at": created + 1,
        "cost_usd": 0.06,
        "cost_credits": 12.0,
        "finished_at": closed,
        "closed_at": closed,
        "result_message_id": 500 + len(job_id),
        "parent_job_id": "parent",
        "parent_track": 2,
        "parent_link": "https://discord.com/channels/1/2/3",
        "tracks": [
            Track(
                vendor_task_id=f"task-{job_id}",
                vendor_track_id=f"track-{n}",
                title=f"Keeper {n}",
                tags="sea-shanty-style",
                lyrics="verse-of-rain " * 500,  # on pages of its own
                audio_url=f"https://cdn.example/{n}.mp3",
                stream_url=f"https://cdn.example/{n}.stream",
                image_url=f"https://cdn.example/{n}.png",
                duration=123.0,
                model="chirp-v5",
            )
            for n in (1, 2)
        ],
        "files": [OutputFile(label="WAV", url="https://cdn.example/a.wav", suffix=".wav")],
    }
    return Job.model_validate({**values, **fields})


async def test_old_finished_jobs_lose_their_details_but_not_history_song_or_costs(
    tmp_path: Path,
) -> None:
    path = tmp_path / "bot.sqlite3"
    store = await JobStore.open(path)
    old = job("old", closed_days_ago=40)
    # No title, no tracks: /history names it by the start of its prompt.
    old_failed = job(
        "oldfail",
        closed_days_ago=31,
        state=TaskState.FAILED,
        failure=FailureReason.CONTENT_POLICY,
        failure_code="400",
        failure_detail="vendor said: Zebediah is not allowed",
        result_message_id=None,
        tracks=[],
        files=[],
        cost_usd=0.0,
    )
    recent = job("recent", closed_days_ago=29)
    # Created long ago, never closed (still delivering): not finished, so untouched.
    unfinished = job("open", closed_days_ago=None, created_at=NOW - 90 * DAY)
    jobs = [old, old_failed, recent, unfinished]
    for each in jobs:
        await store.add(each)
        await store.update(each, "tracks")
    await store.add_repost(900, 3, "old")
    await store.remember_event("event-old", "old", NOW - 41 * DAY)
    await store.remember_event("event-recent", "recent", NOW - 29 * DAY)
    history = {each.id: _history_line(each) for each in jobs}
    spent = await store.spent(1, 0)
    by_member = await store.spending_by_member(1, 0)
    counted = await store.counted(1, 7, 0)

    assert await purge_old(store, 30, clock=lambda: NOW) == 2
    assert await purge_old(store, 30, clock=lambda: NOW) == 0  # once is enough

    after = {each.id: await store.get(each.id) for each in jobs}
    # Recent and unfinished jobs: every detail still there.
    assert after["recent"] == recent
    assert after["open"] == unfinished
    # /history: each line as it was; /usage, quotas and budget: the same numbers.
    assert {i: _history_line(j) for i, j in after.items() if j is not None} == history
    assert await store.spent(1, 0) == spent
    assert await store.spending_by_member(1, 0) == by_member
    assert await store.counted(1, 7, 0) == counted

    purged = after["old"]
    assert purged is not None
    assert purged.purged_at == NOW
    # /song: the result message and its re-posts, tracks by title, length and vendor ids.
    assert await store.by_message(900) == purged
    assert await store.reposts("old") == [(3, 900)]
    assert (purged.result_message_id, song_title(purged)) == (old.result_message_id, "Keeper 1")
    kept = [(t.vendor_task_id, t.vendor_track_id, t.title, t.duration, t.model) for t in old.tracks]
    assert [
        (t.vendor_task_id, t.vendor_track_id, t.title, t.duration, t.model) for t in purged.tracks
    ] == kept
    assert [f.label for f in purged.files] == ["WAV"]
    assert (purged.request.model, purged.request.operation, purged.request.custom) == (
        "v5",
        old.request.operation,
        True,
    )
    # Lineage and costs.
    assert lineage(purged) == lineage(old)
    assert (purged.cost_usd, purged.cost_credits, purged.state) == (0.06, 12.0, TaskState.SUCCEEDED)
    failed = after["oldfail"]
    assert failed is not None
    assert (failed.failure, failed.failure_code, failed.failure_detail) == (
        FailureReason.CONTENT_POLICY,
        "400",
        "",
    )
    assert failed.request.title == old.request.prompt[:40]
    await store.close()

    # Nothing of the member's or vendor's words is left in the purged rows.
    with sqlite3.connect(path) as db:
        rows = db.execute(
            "SELECT jobs.*, tracks.data FROM jobs LEFT JOIN tracks ON tracks.job_id = jobs.id"
            " WHERE id IN ('old', 'oldfail')"
        ).fetchall()
        events = [row[0] for row in db.execute("SELECT event_id FROM callback_events")]
    text = repr(rows)
    assert [word for word in PRIVATE if word in text] == []
    assert "cb-token" not in text
    assert events == ["event-recent"]
    # Nor in the file itself (freed pages are overwritten), but for the recent job's.
    recent_words = ("cb-token-recent", "verse-of-rain")
    raw = path.read_bytes()
    assert b"cb-token-old" not in raw
    assert raw.count(b"Zebediah") == 2  # the recent and the unfinished job's prompts
    assert all(word.encode() in raw for word in recent_words)


class WatchedStore(JobStore):
    """A store that tells when a purge ran."""

    purged: asyncio.Event

    async def purge_details(self, closed_before: float, at: float) -> int:
        count = await super().purge_details(closed_before, at)
        self.purged.set()
        return count


async def test_the_daily_purge_runs_at_start(tmp_path: Path) -> None:
    store = await WatchedStore.open(tmp_path / "bot.sqlite3")
    assert isinstance(store, WatchedStore)
    store.purged = asyncio.Event()
    await store.add(job("old", closed_days_ago=40))
    task = asyncio.create_task(keep_purging(store, 30, clock=lambda: NOW))
    await store.purged.wait()
    task.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await task
    purged = await store.get("old")
    assert purged is not None
    assert purged.purged_at == NOW
    await store.close()
