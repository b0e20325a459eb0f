"""Drives every open job from submit to delivery, one asyncio task per job.

Each step is written to the store before the next one starts, so any crash
resumes where it stopped: a job with a vendor task id is never submitted
again, one whose submit a crash cut off finds its task again where it can
(``_submit_again``), and a job whose result may have been posted is looked up,
not re-posted.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
import tempfile
import time
from collections.abc import Awaitable, Callable, Sequence
from pathlib import Path
from typing import TypeVar

from bot.config import JobSettings, MediaSettings
from bot.errors import (
    AnswerLost,
    MalformedResponse,
    ProviderError,
    TransientProviderError,
)
from bot.jobs.fetching import MediaFetcher
from bot.jobs.models import Job, Stage
from bot.jobs.notifier import DeliveryError, Notifier
from bot.jobs.space import SpaceWaitingStore
from bot.jobs.store import JobStore
from bot.providers.base import FailureReason, JobState, Provider

log = logging.getLogger(__name__)

_T = TypeVar("_T")
_MAX_PARALLEL_DELIVERIES = 4


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
    ) -> None:
        """``providers`` in priority order: a submit that fails for sure moves down the list.

        With ``callback_url`` giving URLs, a job waits for vendor callbacks and
        polls only after ``callback_stall`` seconds without one; then, as if
        callbacks had never been on, it follows the vendor's polling cadence.
        A job whose submit a crash cut off waits up to ``adopt_wait`` seconds
        for a callback naming its task before it is submitted again.
        """
        # A full disk pauses a job at the step it could not save, never loses it.
        self._store = SpaceWaitingStore(store, retry_delay)
        self._ordered = list(providers)
        self._providers = {p.name: p for p in providers}
        self._callback_url = callback_url
        self._callback_stall = callback_stall
        self._adopt_wait = adopt_wait
        # Jobs whose callbacks went quiet for too long; they poll from then on.
        self._stalled: set[str] = set()
        self._notifier = notifier
        self._settings = settings
        self._clock = clock
        self._retry_delay = retry_delay
        self._fetcher = MediaFetcher(
            max_bytes=settings.max_media_mb * 1024 * 1024,
            deadline=(media or MediaSettings()).download_timeout_seconds,
            retry_delay=retry_delay,
        )
        self._tasks: dict[str, asyncio.Task[None]] = {}
        self._wakeups: dict[str, asyncio.Event] = {}
        # Uploads to Discord are bounded. Downloads are not: each has its own
        # deadline, and a slow vendor host must not hold up other songs' uploads.
        self._delivery_slots = asyncio.Semaphore(_MAX_PARALLEL_DELIVERIES)

    @property
    def active(self) -> int:
        return len(self._tasks)

    def start(self, job: Job) -> None:
        """Drive ``job`` in the background unless it is already being driven."""
        if job.id in self._tasks:
            return
        task = asyncio.create_task(self._drive(job), name=f"job-{job.id}")
        self._tasks[job.id] = task
        task.add_done_callback(lambda _: self._forget(job.id))

    async def resume_all(self) -> int:
        """Pick up every job a previous process left open; return how many."""
        jobs = await self._store.unfinished()
        for job in jobs:
            self.start(job)
        if jobs:
            log.info("resumed %d unfinished job(s)", len(jobs))
        return len(jobs)

    def wake(self, job_id: str) -> None:
        """Cut a job's wait short (a vendor callback said something changed)."""
        event = self._wakeups.get(job_id)
        if event is not None:
            event.set()

    async def stop(self) -> None:
        tasks = list(self._tasks.values())
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)

    def _forget(self, job_id: str) -> None:
        self._tasks.pop(job_id, None)
        self._wakeups.pop(job_id, None)
        self._stalled.discard(job_id)

    async def _drive(self, job: Job) -> None:
        try:
            provider = self._providers.get(job.provider)
            shown: Stage | None = None
            if provider is None:
                await self._fail(job, FailureReason.PROVIDER_ERROR, "unconfigured", job.provider)
            elif job.vendor_task_id is None and not job.state.terminal:
                shown = await self._show(job, shown)
                provider = await self._submit(job, provider)
            while provider is not None and not job.state.terminal:
                shown = await self._show(job, shown)
                await self._poll(job, provider)
            if job.state is JobState.SUCCEEDED and provider is not None:
                await self._deliver(job, provider)
            else:
                await self._announce_failure(job)
        except asyncio.CancelledError:
            raise
        except Exception:
            # A bug, not a vendor or Discord failure: the row stays open and the
            # next start-up retries it.
            log.exception("job %s stopped unexpectedly; it will be resumed on restart", job.id)

    async def _show(self, job: Job, shown: Stage | None) -> Stage:
        """Post or edit the progress message when the visible stage changed.

        Progress is best effort: a failed edit is logged and the next stage
        change tries again. Only the final word is retried (``_until_done``).
        """
        if job.stage is not shown:
            try:
                await self._record_progress(job)
            except DeliveryError as exc:
                log.warning("job %s: progress message not updated: %s", job.id, exc)
        return job.stage

    async def _record_progress(self, job: Job) -> None:
        message_id = await self._notifier.show_progress(job)
        if message_id != job.progress_message_id:
            job.progress_message_id = message_id
            await self._store.update(job, "progress_message_id")

    async def _submit(self, job: Job, provider: Provider) -> Provider:
        """Submit to ``provider``, or to the next one offering the model when it surely failed.

        Returns the provider the job now runs at.
        """
        if job.submit_started_at is not None and not await self._submit_again(job, provider):
            return provider
        while True:
            callback = self._callback_for(job, provider)
            job.submit_started_at, job.submit_callback = self._clock(), callback is not None
            # On disk for good before the vendor may charge: a restart then knows
            # a task may exist, and where the vendor will name it.
            await self._store.update(job, "submit_started_at", "submit_callback", durable=True)
            try:
                task_id = await provider.submit(job.request, job.id, callback)
            except AnswerLost as exc:
                # The task may exist, and its callback name it: wait for that before
                # giving the song up. Never resubmitted here: that could pay twice.
                if not await self._adopted(job, provider):
                    await self._fail(job, exc.reason, exc.code, exc.detail)
                return provider
            except ProviderError as exc:
                fallback = self._next_provider(job, provider) if _no_task_made(exc) else None
                if fallback is None:
                    await self._fail(job, exc.reason, exc.code, exc.detail)
                    return provider
                log.warning(
                    "job %s: %s failed before creating a task (%s); moving to %s",
                    job.id, provider.name, exc.reason, fallback.name,
                )  # fmt: skip
                # Stored before the next submit, so a restart never goes back.
                provider, job.provider = fallback, fallback.name
                await self._store.update(job, "provider")
                continue
            job.vendor_task_id = task_id
            job.submitted_at = self._clock()
            job.state = JobState.QUEUED
            await self._store.update(job, "vendor_task_id", "submitted_at", "state")
            log.info("job %s submitted to %s as %s", job.id, provider.name, task_id)
            return provider

    async def _submit_again(self, job: Job, provider: Provider) -> bool:
        """A previous process died with this job's submit on the wire; its task may exist.

        True when the job is to be submitted (again); False when it adopted
        the task or failed.
        """
        if provider.idempotent_submit:
            log.info("job %s: submit cut off by a restart; sent again to %s", job.id, provider.name)
            return True
        if await self._adopted(job, provider):
            return False
        if job.possible_duplicate:
            # Already sent once without knowing: a third paid task is not risked.
            await self._fail(
                job, FailureReason.PROVIDER_ERROR, "interrupted", "submit cut off twice by a crash"
            )
            return False
        job.possible_duplicate = True
        await self._store.update(job, "possible_duplicate")
        log.warning(
            "job %s: submit to %s was cut off by a restart and no callback named its task; "
            "submitting again, which may have made a second paid task",
            job.id, provider.name,
        )  # fmt: skip
        return True

    async def _adopted(self, job: Job, provider: Provider) -> bool:
        """Wait a bounded time for the callback naming the task of a submit left unanswered."""
        heard = job.submit_callback and self._callback_for(job, provider) is not None
        if not heard or self._adopt_wait is None:
            return False
        log.info("job %s: waiting for %s to call back with its task", job.id, provider.name)
        give_up_at = min(self._clock() + self._adopt_wait, job.deadline_at)
        while True:
            stored = await self._store.get(job.id)
            if stored is not None and stored.vendor_task_id is not None:
                job.vendor_task_id, job.submitted_at = stored.vendor_task_id, stored.submitted_at
                log.info("job %s: adopted %s task %s", job.id, provider.name, job.vendor_task_id)
                # The callback said the task changed: look at it now, not after a stall.
                self._wakeups.setdefault(job.id, asyncio.Event()).set()
                return True
            if not await self._sleep(job.id, give_up_at - self._clock()):
                return False

    def _callback_for(self, job: Job, provider: Provider) -> str | None:
        """The callback URL ``provider`` will pass on for ``job``, if any."""
        url = self._callback_url(job)
        return url if url is not None and provider.accepts_callbacks(url) else None

    def _next_provider(self, job: Job, current: Provider) -> Provider | None:
        # A follow-up names a track only its own vendor knows: it never moves.
        if job.request.operation.follows_up:
            return None
        later = self._ordered[self._ordered.index(current) + 1 :]
        return next((p for p in later if p.can(job.request)), None)

    async def _poll(self, job: Job, provider: Provider) -> None:
        assert job.vendor_task_id is not None
        await self._wait_for_news(job, provider)
        try:
            status = await provider.status(job.vendor_task_id, job.request.operation)
        except (TransientProviderError, MalformedResponse) as exc:
            # One bad look is not a verdict: keep polling until the deadline.
            log.warning("job %s: status check failed for now: %s", job.id, exc)
        except ProviderError as exc:
            await self._fail(job, exc.reason, exc.code, exc.detail)
            return
        else:
            job.state = status.state
            if status.tracks:
                job.tracks = status.tracks
            if status.files:
                job.files = status.files
            if status.state is JobState.FAILED:
                await self._fail(
                    job, status.failure or FailureReason.UNKNOWN, status.code, status.detail
                )
                return
        job.polls += 1
        job.last_poll_at = self._clock()
        if job.state is JobState.SUCCEEDED:
            job.finished_at = job.last_poll_at
        await self._store.update(
            job, "state", "polls", "last_poll_at", "finished_at", "tracks", "files"
        )
        if not job.state.terminal and self._clock() >= job.deadline_at:
            await self._fail(
                job, FailureReason.TIMEOUT, "deadline", "no result before the deadline"
            )

    async def _wait_for_news(self, job: Job, provider: Provider) -> None:
        """Wait for a callback's wake-up, or until the next poll is due."""
        since = job.last_poll_at or job.submitted_at or job.created_at
        waiting_on_callbacks = (
            self._callback_stall is not None
            and self._callback_for(job, provider) is not None
            and job.id not in self._stalled
        )
        if waiting_on_callbacks:
            assert self._callback_stall is not None
            due = since + self._callback_stall
        else:
            due = since + provider.poll_policy.delay(job.polls)
        woken = await self._sleep(job.id, min(due, job.deadline_at) - self._clock())
        if waiting_on_callbacks and not woken:
            log.info("job %s: no callback for a while; polling instead", job.id)
            self._stalled.add(job.id)

    async def _sleep(self, job_id: str, seconds: float) -> bool:
        """Sleep up to ``seconds``; True when ``wake`` cut it short."""
        if seconds <= 0:
            return False
        event = self._wakeups.setdefault(job_id, asyncio.Event())
        woken = False
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(event.wait(), seconds)
            woken = True
        event.clear()
        return woken

    async def _fail(self, job: Job, reason: FailureReason, code: str, detail: str) -> None:
        job.state = JobState.FAILED
        job.failure, job.failure_code, job.failure_detail = reason, code, detail
        job.finished_at = self._clock()
        await self._store.update(
            job, "state", "failure", "failure_code", "failure_detail", "finished_at"
        )
        # The raw vendor words go to the admin log only, never to the member.
        log.warning("job %s failed: %s (vendor code %r: %s)", job.id, reason, code, detail)

    async def _announce_failure(self, job: Job) -> None:
        await self._until_done(job, lambda: self._record_progress(job))
        await self._close(job)

    async def _deliver(self, job: Job, provider: Provider) -> None:
        if job.result_message_id is None:
            await self._show(job, None)
            job.result_message_id = await self._post_result(job, provider)
            if job.result_message_id is not None:
                await self._store.update(job, "result_message_id")
        if job.result_message_id is None:
            # Set before the last progress edit, so that it says "could not be posted"
            # instead of staying on "Uploading"; stored just after it, by _close.
            job.closed_at = self._clock()
        if await self._deleted(job):
            # A member deleted the song as it arrived, progress message and all:
            # a "Done" now would post that message again.
            log.info("job %s: deleted during delivery; no final progress", job.id)
        else:
            await self._show(job, Stage.DELIVERING)
        await self._close(job)
        if job.result_message_id is None:
            await self._notifier.undelivered(job)  # after closing: /history now says so

    async def _deleted(self, job: Job) -> bool:
        """Whether a member deleted the job's result (the cogs write that, not the runner)."""
        stored = await self._store.get(job.id)
        return stored is None or stored.deleted_at is not None

    async def _post_result(self, job: Job, provider: Provider) -> int | None:
        with tempfile.TemporaryDirectory(prefix=f"job-{job.id}-") as tmp:
            workdir = Path(tmp)
            post: Callable[[], Awaitable[int]]
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


def _no_task_made(error: ProviderError) -> bool:
    """True when the vendor surely created no task, so another vendor may take the job.

    Retries spent on 429/5xx/refused connections, or a refusal for credits or
    rate: the vendor answered "no". A lost answer to a submit is not in this
    set, since the task may exist, and a job never runs at two vendors.
    """
    if isinstance(error, TransientProviderError):
        return True
    return error.reason in (FailureReason.INSUFFICIENT_CREDITS, FailureReason.RATE_LIMITED)
