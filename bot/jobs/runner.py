"""Drives every open job from submit to delivery with one scheduler loop over the jobs table.

RoboDanny's timer pattern: each open job's row says when it next needs a look
(``next_check_at``); one loop sleeps until the earliest, woken early by new
jobs and vendor callbacks, and runs each due job's next step (``JobSteps``) as
a task of its own, a bounded number at once. A step ends by storing the job's
next check, so a restart carries on from the rows alone.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Callable, Sequence

from bot.config import JobSettings
from bot.errors import StorageFull
from bot.jobs.delivering import Delivery
from bot.jobs.fetching import MediaFetcher
from bot.jobs.models import Job
from bot.jobs.notifier import Notifier
from bot.jobs.pacing import Pacing
from bot.jobs.space import SpaceWaitingStore
from bot.jobs.steps import JobSteps
from bot.jobs.store import JobCancelled, JobStore
from bot.jobs.submit_gate import SubmitGate
from bot.log_json import bind, unbound
from bot.media.settings import MediaSettings
from bot.providers.base import Provider

log = logging.getLogger(__name__)

# Steps running at once. A step is short but for a delivery (downloads, Discord
# retries), so this is generous: waiting jobs cost nothing, only working ones count.
_MAX_PARALLEL_STEPS = 32
# Submits of jobs let out of the line have slots of their own: deliveries waiting
# for Discord (a busy channel's edit budget) must not hold up the vendor's pace.
_MAX_PARALLEL_SUBMITS = 32


class JobRunner:
    def __init__(
        self,
        store: JobStore,
        providers: Sequence[Provider],
        notifier: Notifier,
        settings: JobSettings,
        *,
        callback_url: Callable[[Job], str | None] = lambda job: None,
        callback_stall: float | None = None,
        adopt_wait: float | None = None,
        clock: Callable[[], float] = time.time,
        retry_delay: float = 2.0,
        media: MediaSettings | None = None,
        pacing: Pacing | None = None,
    ) -> None:
        """``providers`` in priority order: a submit that fails for sure moves down the list.

        With ``callback_url`` giving URLs, a job waits for vendor callbacks and
        polls only after ``callback_stall`` seconds without one; then, as if
        callbacks had never been on, it follows the vendor's polling cadence.
        A job whose submit a crash cut off waits up to ``adopt_wait`` seconds
        for a callback naming its task before it is submitted again.
        ``pacing`` says how fast each provider takes submits (None: unpaced);
        jobs waiting for a submit go in the fair line's order as it allows.
        """
        self._jobs = store
        self._pacing = pacing or Pacing({}, clock)
        # A full disk pauses a job at the step it could not save, never loses it.
        self._store = SpaceWaitingStore(store, retry_delay)
        fetcher = MediaFetcher(
            max_bytes=settings.max_media_mb * 1024 * 1024,
            deadline=(media or MediaSettings()).download_timeout_seconds,
            retry_delay=retry_delay,
        )
        delivery = Delivery(
            self._store, notifier, settings, fetcher, clock=clock, retry_delay=retry_delay
        )
        self._delivery = delivery
        self.notifier = notifier  # the service's re-posts go through it too
        self._steps = JobSteps(
            self._store,
            providers,
            delivery,
            callback_url=callback_url,
            callback_stall=callback_stall,
            adopt_wait=adopt_wait,
            clock=clock,
            pacing=self._pacing,
            max_wait=settings.max_wait_minutes * 60,
        )
        self._gate = SubmitGate(
            store,
            self._store,
            providers,
            self._pacing,
            max_wait=settings.max_wait_minutes * 60,
            clock=clock,
        )
        self._clock = clock
        self._retry_delay = retry_delay
        self._loop: asyncio.Task[None] | None = None
        self._news = asyncio.Event()  # set by new jobs, callbacks and finished steps
        self._woken: set[str] = set()  # jobs a callback woke, not yet made due on their row
        self._working: dict[str, asyncio.Task[None]] = {}  # job id -> its running step
        self._submitting: set[str] = set()  # those of them let out of the line
        # Jobs whose step hit a bug: left alone until the next start-up retries them.
        self._broken: set[str] = set()

    @property
    def active(self) -> int:
        """Steps running right now."""
        return len(self._working)

    def start(self, job: Job) -> None:
        """Look at ``job`` (already stored, due at its ``next_check_at``) soon."""
        self._ensure_loop()
        self._news.set()
        self._delivery.line_moved(job.provider)

    async def resume_all(self) -> int:
        """Pick up every job a previous process left open; return how many."""
        open_jobs = len(await self._store.unfinished())
        if open_jobs:
            log.info("resumed %d unfinished job(s)", open_jobs)
        self._ensure_loop()
        self._news.set()
        return open_jobs

    def wake(self, job_id: str) -> None:
        """Look at a job now (a vendor callback said something changed)."""
        self._woken.add(job_id)
        self._news.set()

    async def stop(self) -> None:
        tasks = [*self._working.values(), *([self._loop] if self._loop else [])]
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        self._loop = None
        await self._delivery.stop()

    def _ensure_loop(self) -> None:
        if self._loop is None or self._loop.done():
            self._loop = asyncio.create_task(self._run(), name="job-scheduler", context=unbound())

    async def _run(self) -> None:
        while True:
            # Cleared first: news that comes while the loop works is not lost.
            self._news.clear()
            try:
                await self._dispatch()
                pause: float | None = await self._until_next()
            except StorageFull as exc:
                log.warning("the scheduler cannot save (%s); trying again soon", exc)
                pause = self._retry_delay
            except Exception:
                log.exception("the scheduler failed to read the jobs; trying again soon")
                pause = self._retry_delay
            if pause is None or pause > 0:
                # asyncio.timeout, unlike wait_for, makes no task of its own.
                with contextlib.suppress(TimeoutError):
                    async with asyncio.timeout(pause):
                        await self._news.wait()

    async def _dispatch(self) -> None:
        """Start the step of every due job, as many as there are free slots."""
        woken = self._woken - self._working.keys()
        if woken:
            await self._jobs.check_now(woken, self._clock())
            self._woken -= woken
        others_free, line_free = self._free()
        now, busy = self._clock(), self._busy()
        due: list[Job] = []
        if others_free > 0:
            due = await self._jobs.next_due(now, others_free, busy, in_line=False)
        if line_free > 0:
            # Jobs waiting for a submit go in line order, as their provider's pace allows.
            waiting = await self._jobs.next_due(now, line_free, busy, in_line=True)
            if waiting:
                admitted = await self._gate.admit(
                    {job.provider for job in waiting}, self._busy(), line_free
                )
                self._submitting.update(job.id for job in admitted)
                due += admitted
        for job in due:
            self._working[job.id] = asyncio.create_task(self._step(job), name=f"step-{job.id}")

    def _free(self) -> tuple[int, int]:
        """Free slots for steps of jobs out of line, and for submits of jobs in line."""
        submitting = len(self._submitting)
        return _MAX_PARALLEL_STEPS - (len(self._working) - submitting), (
            _MAX_PARALLEL_SUBMITS - submitting
        )

    async def _until_next(self) -> float | None:
        """Seconds until the loop has something to do (None: nothing until news)."""
        others_free, line_free = self._free()
        if others_free <= 0 and line_free <= 0:
            return None  # a finished step brings news
        # Only the kind of job there is a slot for: a due job of the other kind would spin.
        kind = None if others_free > 0 and line_free > 0 else line_free > 0
        earliest = await self._jobs.earliest_check(self._busy(), in_line=kind)
        return None if earliest is None else earliest - self._clock()

    def _busy(self) -> set[str]:
        return self._working.keys() | self._broken

    async def _step(self, job: Job) -> None:
        # This task's log lines name the job (log_format = "json").
        bind(job_id=job.id, guild_id=job.guild_id, member_id=job.user_id, provider=job.provider)
        line = job.provider if job.vendor_task_id is None else None  # the line it may leave
        try:
            due = await self._steps.run(job)
            if line is not None:
                self._delivery.line_moved(line)
            if due is not None:
                if job.id in self._woken:
                    # A callback came during the step: it may bring news the step missed.
                    self._woken.discard(job.id)
                    due = self._clock()
                job.next_check_at = due
                await self._store.update(job, "next_check_at")
        except asyncio.CancelledError:
            raise
        except JobCancelled:
            # A member cancelled it during the step; the cancel made it due, and
            # its next step shows that from the stored row.
            log.info("job %s: cancelled during a step; the step's news is dropped", job.id)
        except Exception:
            # A bug, not a vendor or Discord failure: the row stays open and the
            # next start-up retries it.
            log.exception("job %s stopped unexpectedly; it will be resumed on restart", job.id)
            self._broken.add(job.id)
        finally:
            self._pacing.release(job.id)  # a slot let go but never used to submit
            self._working.pop(job.id, None)
            self._submitting.discard(job.id)
            self._news.set()
