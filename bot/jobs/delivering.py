"""What members see of a job: its progress message, its result, or its failure.

Only the final word is retried (``_until_done``, bounded in time); progress is
best effort.
"""

from __future__ import annotations

import asyncio
import functools
import logging
import tempfile
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import TypeVar

from bot.config import JobSettings
from bot.jobs.edit_pacer import EditPacer
from bot.jobs.estimates import LinePlace
from bot.jobs.fetching import MediaFetcher
from bot.jobs.line_board import LineBoard
from bot.jobs.models import Job, Stage
from bot.jobs.notifier import DeliveryError, Notifier, Posted
from bot.jobs.space import SpaceWaitingStore
from bot.providers.base import Provider
from bot.telemetry import counters

log = logging.getLogger(__name__)

_T = TypeVar("_T")
_MAX_PARALLEL_DELIVERIES = 4
# Stages after which the progress message never changes: always sent at once.
_FINAL = frozenset({Stage.DONE, Stage.FAILED, Stage.UNDELIVERED, Stage.CANCELLED})


class Delivery:
    def __init__(
        self,
        store: SpaceWaitingStore,
        notifier: Notifier,
        settings: JobSettings,
        fetcher: MediaFetcher,
        *,
        clock: Callable[[], float],
        retry_delay: float,
    ) -> None:
        self._store = store
        self._notifier = notifier
        self._settings = settings
        self._fetcher = fetcher
        self._clock = clock
        self._retry_delay = retry_delay
        # The stage each open job's progress message shows, as far as this
        # process knows: after a restart each is shown once more.
        self._shown: dict[str, Stage] = {}
        # Uploads to Discord are bounded. Downloads are not: each has its own
        # deadline, and a slow vendor host must not hold up other songs' uploads.
        self._delivery_slots = asyncio.Semaphore(_MAX_PARALLEL_DELIVERIES)
        # Places in line: a move edits the waiting jobs' messages, paced per channel.
        self._board = LineBoard(store, self._place_moved)
        self._pacer = EditPacer(message_gap=settings.progress_edit_seconds)
        # One edit of a job's message at a time: a paced place never lands after a newer stage.
        self._editing: dict[str, asyncio.Lock] = {}
        self._placed: dict[str, LinePlace | None] = {}  # the place each message shows

    async def show(self, job: Job, *, again: bool = False) -> None:
        """Post or edit the progress message when the visible stage changed (or ``again``).

        Progress is best effort: a failed edit is logged and the next stage
        change tries again.
        """
        if job.stage is Stage.WAITING and self._board.place(job) is None:
            await self._board.refresh(job.provider, but=job.id)  # a new job's place
        # Under the lock: a move of the line may have just shown this very stage.
        async with self._editing_lock(job.id):
            if again or self._shown.get(job.id) is not job.stage:
                if self._may_wait(job):
                    # A busy channel: shown in turn, and only the latest stage by then.
                    self._pacer.offer(
                        job.channel_id, job.id, functools.partial(self._show_latest, job.id)
                    )
                else:
                    try:
                        await self._sync_progress(job)
                    except DeliveryError as exc:
                        log.warning("job %s: progress message not updated: %s", job.id, exc)
            self._shown[job.id] = job.stage

    def _may_wait(self, job: Job) -> bool:
        """Whether this edit may wait for room in its channel: not a first post or a final word."""
        posted = job.progress_message_id is not None
        return posted and job.stage not in _FINAL and not self._pacer.has_room(job.channel_id)

    async def _show_latest(self, job_id: str) -> None:
        """A paced stage edit: show the job as stored now, unless its final word took over."""
        async with self._editing_lock(job_id):
            job = await self._store.get(job_id)
            if job is None or job.closed_at is not None or job.stage in _FINAL:
                return
            try:
                await self._send_progress(job)
            except DeliveryError as exc:
                log.warning("job %s: progress message not updated: %s", job.id, exc)

    def line_moved(self, provider: str) -> None:
        """A job joined or left ``provider``'s line: the places behind it change."""
        self._board.moved(provider)

    async def stop(self) -> None:
        await self._board.stop()
        await self._pacer.stop()

    async def _place_moved(self, job: Job) -> None:
        if job.progress_message_id is None:
            # No step ran yet: posting is not paced (Discord limits edits, not posts, here).
            await self._show_place(job.id, unposted=True)
        else:
            self._pace_place(job)

    def _pace_place(self, job: Job) -> None:
        self._pacer.offer(job.channel_id, job.id, functools.partial(self._show_place, job.id))

    async def _show_place(self, job_id: str, *, unposted: bool = False) -> None:
        """Show a waiting job's current place, unless it left the line since.

        ``unposted``: the job had no message; if it has one by now, the edit is paced.
        """
        async with self._editing_lock(job_id):
            job = await self._store.get(job_id)
            if job is None or job.closed_at is not None or job.stage is not Stage.WAITING:
                return
            place = self._board.place(job)
            if place is None:
                return  # its submit began: the step shows what comes next
            if self._shown.get(job_id) is Stage.WAITING and self._placed.get(job_id) == place:
                return  # already shows it (its own step posted it meanwhile)
            if unposted and job.progress_message_id is not None:
                self._pace_place(job)
                return
            try:
                await self._send_progress(job)
            except DeliveryError as exc:
                log.warning("job %s: place in line not updated: %s", job.id, exc)
            self._shown[job.id] = job.stage

    def _editing_lock(self, job_id: str) -> asyncio.Lock:
        return self._editing.setdefault(job_id, asyncio.Lock())

    async def _record_progress(self, job: Job) -> None:
        async with self._editing_lock(job.id):
            await self._sync_progress(job)

    async def _sync_progress(self, job: Job) -> None:
        """Show ``job`` as it is now (its lock held): a newer state than any paced edit."""
        if job.progress_message_id is None:
            # A move of the line may have posted it while this step ran.
            stored = await self._store.get(job.id)
            job.progress_message_id = stored.progress_message_id if stored else None
        self._pacer.drop(job.id)
        if job.progress_message_id is None:
            await self._send_progress(job)  # a post: not in the channel's edit budget
            self._pacer.posted(job.id)  # the message's first paced edit waits its gap
        else:
            edit = await self._pacer.turn(job.channel_id, job.id)  # within the edit budget
            try:
                await self._send_progress(job)
            finally:
                self._pacer.landed(edit)

    async def _send_progress(self, job: Job) -> None:
        place = self._board.place(job) if job.stage is Stage.WAITING else None
        message_id = await self._notifier.show_progress(job, place)
        self._placed[job.id] = place
        if message_id != job.progress_message_id:
            job.progress_message_id = message_id
            await self._store.update(job, "progress_message_id")

    async def charged(self, job: Job) -> None:
        """A vendor accepted ``job``, its cost stored: the notifier may warn of the budget."""
        await self._notifier.charged(job)

    async def announce_failure(self, job: Job) -> None:
        await self._until_done(job, lambda: self._record_progress(job))
        await self._close(job)

    async def deliver(self, job: Job, provider: Provider) -> None:
        if job.result_message_id is None:
            await self.show(job, again=True)
            posted = await self._post_result(job, provider)
            if posted is not None:
                # With its message, which attachment is which: /song re-posts by these names.
                job.result_message_id, job.attachments = posted.message_id, posted.names
                await self._store.update(job, "result_message_id", "attachments")
        if job.result_message_id is None:
            # Set before the last progress edit, so that it says "could not be posted"
            # instead of staying on "Uploading"; stored just after it, by _close.
            job.closed_at = self._clock()
        if await self._deleted(job):
            # A member deleted the song as it arrived, progress message and all:
            # a "Done" now would post that message again.
            log.info("job %s: deleted during delivery; no final progress", job.id)
        else:
            self._shown[job.id] = Stage.DELIVERING
            await self.show(job)
        await self._close(job)
        counters.delivered(job.result_message_id is not None)
        if job.result_message_id is None:
            await self._notifier.undelivered(job)  # after closing: /history now says so

    async def _deleted(self, job: Job) -> bool:
        """Whether a member deleted the job's result (the cogs write that, not the runner)."""
        stored = await self._store.get(job.id)
        return stored is None or stored.deleted_at is not None

    async def _post_result(self, job: Job, provider: Provider) -> Posted | None:
        with tempfile.TemporaryDirectory(prefix=f"job-{job.id}-") as tmp:
            workdir = Path(tmp)
            post: Callable[[], Awaitable[Posted]]
            if job.request.operation.makes_tracks:
                tracks = await self._fetcher.tracks(job, provider, workdir)
                post = functools.partial(self._notifier.deliver, job, tracks, workdir)
            else:
                files = await self._fetcher.files(job, provider, workdir)
                post = functools.partial(self._notifier.deliver_files, job, files, workdir)
            async with self._delivery_slots:
                if not job.delivery_started:
                    job.delivery_started = True
                    await self._store.update(job, "delivery_started")
                return await self._until_done(job, post)

    async def _until_done(self, job: Job, attempt: Callable[[], Awaitable[_T]]) -> _T | None:
        """Retry a Discord step until it works, cannot work, or its time is up."""
        give_up_at = self._clock() + self._settings.delivery_retry_minutes * 60
        delay = self._retry_delay
        while True:
            try:
                return await attempt()
            except DeliveryError as exc:
                if not exc.retryable or self._clock() + delay > give_up_at:
                    log.error("job %s: could not reach the member on Discord: %s", job.id, exc)
                    return None
                log.warning(
                    "job %s: Discord step failed, retrying in %.0fs: %s", job.id, delay, exc
                )
                await asyncio.sleep(delay)
                delay = min(delay * 2, 60)

    async def _close(self, job: Job) -> None:
        job.closed_at = self._clock()
        await self._store.update(job, "closed_at")
        self._shown.pop(job.id, None)
        self._pacer.forget(job.id)
        self._editing.pop(job.id, None)
        self._placed.pop(job.id, None)
