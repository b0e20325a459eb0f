"""One step of one job: submit, one status check, or delivery; the scheduler runs them.

Each step is written to the store before the next one starts, so any crash
resumes where it stopped: a job with a vendor task id is never submitted
again, one whose submit a crash cut off finds its task again where it can
(``_submit_again``), and a job whose result may have been posted is looked up,
not re-posted. A step ends by saying when the job next needs a look; waiting
is the scheduler's business, never a step's (but for Discord retries, bounded).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence

from bot.errors import AnswerLost, MalformedResponse, ProviderError, TransientProviderError
from bot.jobs.costs import COST_FIELDS, charge, refund
from bot.jobs.delivering import Delivery
from bot.jobs.models import Job
from bot.jobs.pacing import Pacing
from bot.jobs.space import SpaceWaitingStore
from bot.providers.base import FailureReason, Provider, TaskState
from bot.telemetry import counters

log = logging.getLogger(__name__)

# Status queries per task stay under the strictest vendor limit (kie.ai: about 3
# a second per task): the poll policy spaces a job's polls by seconds, and this
# floor holds even when callbacks wake a job again and again, or an admin sets
# a very short poll interval. A job's steps never overlap, so this is per task.
MIN_POLL_GAP = 0.34


class JobSteps:
    def __init__(
        self,
        store: SpaceWaitingStore,
        providers: Sequence[Provider],
        delivery: Delivery,
        *,
        callback_url: Callable[[Job], str | None],
        callback_stall: float | None,
        adopt_wait: float | None,
        clock: Callable[[], float],
        pacing: Pacing,
        max_wait: float,
    ) -> None:
        """See ``JobRunner`` for what the arguments mean; ``max_wait``: seconds in line at most."""
        self._store = store
        self._ordered = list(providers)
        self._providers = {p.name: p for p in providers}
        self._delivery = delivery
        self._callback_url = callback_url
        self._callback_stall = callback_stall
        self._adopt_wait = adopt_wait
        self._clock = clock
        self._pacing = pacing
        self._max_wait = max_wait

    async def run(self, job: Job) -> float | None:
        """Take ``job`` one step on; return when it next needs a look, None once it is closed."""
        provider = self._providers.get(job.provider)
        if provider is None:
            await self._fail(job, FailureReason.PROVIDER_ERROR, "unconfigured", job.provider)
            await self._delivery.announce_failure(job)
            return None
        if job.state is TaskState.SUCCEEDED:
            await self._delivery.deliver(job, provider)
            return None
        if job.state.terminal:
            await self._delivery.announce_failure(job)
            return None
        if job.adopt_until is not None:
            return await self._check_adoption(job, provider)
        if self._waited_too_long(job):
            minutes = f"{self._max_wait / 60:.0f}"
            await self._fail(job, FailureReason.LINE_TIMEOUT, "max_wait", f"{minutes} min in line")
            return self._clock()  # its failure shown is the next step
        if in_line(job) and not self._pacing.of(provider.name).holds(job.id):
            # Not its turn yet: its progress message shows it waiting.
            await self._delivery.show(job)
            return self._turn_due(job, provider)
        if job.vendor_task_id is None:
            await self._delivery.show(job)
            provider = await self._submit(job, provider)
        elif job.last_poll_at is not None and self._clock() < job.last_poll_at + MIN_POLL_GAP:
            return job.last_poll_at + MIN_POLL_GAP  # woken again at once (callbacks): not yet
        else:
            await self._poll(job, provider)
        return await self._next_check(job, provider)

    def _waited_too_long(self, job: Job) -> bool:
        waiting = job.vendor_task_id is None and job.submit_started_at is None
        return waiting and self._clock() >= job.created_at + self._max_wait

    def _turn_due(self, job: Job, provider: Provider) -> float:
        """When a job waiting in line next needs a look: its provider's next slot, or max_wait."""
        return min(self._pacing.of(provider.name).free_at(), job.created_at + self._max_wait)

    async def _next_check(self, job: Job, provider: Provider) -> float:
        if job.state.terminal:
            return self._clock()  # its delivery, or its failure shown, is the next step
        if job.adopt_until is not None:
            return job.adopt_until
        if job.vendor_task_id is None:
            # Back in line at its place (a 429): due when the provider takes submits again.
            return self._turn_due(job, provider)
        await self._delivery.show(job)
        return min(self._poll_due(job, provider), job.deadline_at)

    async def _submit(self, job: Job, provider: Provider) -> Provider:
        """Submit a job that has no task yet; returns the provider the job now runs at."""
        if job.submit_started_at is not None and not await self._submit_again(job, provider):
            return provider
        return await self._submit_now(job, provider)

    async def _submit_now(self, job: Job, provider: Provider) -> Provider:
        """Submit to ``provider``, or to the next one offering the model when it surely failed."""
        while True:
            callback = self._callback_for(job, provider)
            job.submit_started_at, job.submit_callback = self._clock(), callback is not None
            # On disk for good before the vendor may charge: a restart then knows
            # a task may exist, and where the vendor will name it.
            await self._store.update(job, "submit_started_at", "submit_callback", durable=True)
            try:
                try:
                    task_id = await provider.submit(job.request, job.id, callback)
                finally:
                    self._pacing.of(provider.name).sent(job.id)
            except AnswerLost as exc:
                counters.submit_failed(provider.name, exc.reason)
                # The task may exist, and its callback name it: wait for that before
                # giving the song up. Never resubmitted here: that could pay twice.
                if not await self._await_adoption(job, provider, exc):
                    await self._fail(job, exc.reason, exc.code, exc.detail)
                return provider
            except ProviderError as exc:
                counters.submit_failed(provider.name, exc.reason)
                if _rate_limited(exc):
                    await self._back_in_line(job, provider, exc)
                    return provider
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
                if not self._pacing.of(provider.name).room(0):
                    await self._requeue(job)  # the next provider has no slot now: its line
                    return provider
                self._pacing.of(provider.name).reserve(job.id)
                continue
            job.vendor_task_id = task_id
            job.submitted_at = self._clock()
            job.state = TaskState.QUEUED
            # The deadline counts from the vendor's accepting it, not from the wait in line.
            job.deadline_at += job.submitted_at - job.created_at
            charge(job, provider.price)  # billed from now: stored with the task id
            counters.submitted(provider.name, job.submitted_at - job.created_at)
            await self._store.update(
                job, "vendor_task_id", "submitted_at", "state", "deadline_at", *COST_FIELDS
            )
            await self._delivery.charged(job)
            log.info("job %s submitted to %s as %s", job.id, provider.name, task_id)
            return provider

    async def _back_in_line(self, job: Job, provider: Provider, exc: ProviderError) -> None:
        """The vendor refused for its rate: pause it for everyone; the job keeps its place."""
        retry_after = exc.retry_after if isinstance(exc, TransientProviderError) else None
        until = self._pacing.of(provider.name).pause(retry_after)
        log.warning(
            "job %s: %s is rate limited; no submit to it for %.0fs, the job waits in line",
            job.id, provider.name, until - self._clock(),
        )  # fmt: skip
        await self._requeue(job)

    async def _requeue(self, job: Job) -> None:
        """Back in line at its place (created_at): its vendor surely made no task."""
        job.submit_started_at, job.submit_callback = None, False
        await self._store.update(job, "submit_started_at", "submit_callback")

    async def _submit_again(self, job: Job, provider: Provider) -> bool:
        """A previous process died with this job's submit on the wire; its task may exist.

        True when the job is to be submitted (again) now; False when it waits
        for a callback to name its task.
        """
        if provider.idempotent_submit:
            log.info("job %s: submit cut off by a restart; sent again to %s", job.id, provider.name)
            return True
        if await self._await_adoption(job, provider):
            return False
        return await self._risk_a_second_task(job, provider)

    async def _risk_a_second_task(self, job: Job, provider: Provider) -> bool:
        """No callback named the cut-off submit's task: submit once more, never twice."""
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

    async def _await_adoption(
        self, job: Job, provider: Provider, lost: AnswerLost | None = None
    ) -> bool:
        """Start a bounded wait for the callback naming the task of a submit left unanswered.

        False when no callback can come. ``lost``: the submit's lost answer,
        the job's verdict if no callback comes.
        """
        heard = job.submit_callback and self._callback_for(job, provider) is not None
        if not heard or self._adopt_wait is None:
            return False
        log.info("job %s: waiting for %s to call back with its task", job.id, provider.name)
        job.adopt_until = min(self._clock() + self._adopt_wait, job.deadline_at)
        job.failure_code, job.failure_detail = (lost.code, lost.detail) if lost else ("", "")
        await self._store.update(job, "adopt_until", "failure_code", "failure_detail")
        return True

    async def _check_adoption(self, job: Job, provider: Provider) -> float:
        """A job waiting for its task's callback: adopted, still waiting, or given up."""
        assert job.adopt_until is not None
        if job.vendor_task_id is None and self._clock() < job.adopt_until:
            return job.adopt_until  # woken for something else: wait on
        lost = (job.failure_code, job.failure_detail)
        job.adopt_until, job.failure_code, job.failure_detail = None, "", ""
        if job.vendor_task_id is not None:
            charge(job, provider.price)  # the adopted task is billed like any accepted one
        fields = ("adopt_until", "failure_code", "failure_detail", *COST_FIELDS)
        await self._store.update(job, *fields)
        if job.vendor_task_id is not None:
            await self._delivery.charged(job)
            log.info("job %s: adopted %s task %s", job.id, provider.name, job.vendor_task_id)
            return self._clock()  # the callback said the task changed: look now, not after a stall
        if lost[0]:
            await self._fail(job, FailureReason.PROVIDER_ERROR, *lost)
        elif await self._risk_a_second_task(job, provider):
            provider = await self._submit_now(job, provider)
        return await self._next_check(job, provider)

    def _callback_for(self, job: Job, provider: Provider) -> str | None:
        """The callback URL ``provider`` will pass on for ``job``, if any."""
        url = self._callback_url(job)
        return url if url is not None and provider.accepts_callbacks(url) else None

    def _next_provider(self, job: Job, current: Provider) -> Provider | None:
        return next_provider(self._ordered, job, current)

    def _waits_on_callbacks(self, job: Job, provider: Provider) -> bool:
        return (
            self._callback_stall is not None
            and self._callback_for(job, provider) is not None
            and not job.callbacks_stalled
        )

    def _poll_due(self, job: Job, provider: Provider) -> float:
        """When the next status check is due: after a callback stall, or the vendor's cadence."""
        since = job.last_poll_at or job.submitted_at or job.created_at
        if self._waits_on_callbacks(job, provider):
            assert self._callback_stall is not None
            return since + self._callback_stall
        return since + provider.poll_policy.delay(job.polls)

    async def _poll(self, job: Job, provider: Provider) -> None:
        assert job.vendor_task_id is not None
        due = min(self._poll_due(job, provider), job.deadline_at)
        if self._waits_on_callbacks(job, provider) and self._clock() >= due:
            # Not woken by a callback before the stall was up.
            log.info("job %s: no callback for a while; polling instead", job.id)
            job.callbacks_stalled = True
            await self._store.update(job, "callbacks_stalled")
        counters.polled(provider.name)
        try:
            status = await provider.status(job.vendor_task_id, job.request.operation)
        except (TransientProviderError, MalformedResponse) as exc:
            counters.vendor_error(provider.name, exc.reason)
            # One bad look is not a verdict: keep polling until the deadline.
            log.warning("job %s: status check failed for now: %s", job.id, exc)
        except ProviderError as exc:
            counters.vendor_error(provider.name, exc.reason)
            await self._fail(job, exc.reason, exc.code, exc.detail)
            return
        else:
            job.state = status.state
            if status.tracks:
                job.tracks = status.tracks
            if status.files:
                job.files = status.files
            if status.state is TaskState.FAILED:
                counters.vendor_error(provider.name, status.failure or FailureReason.UNKNOWN)
                await self._fail(
                    job, status.failure or FailureReason.UNKNOWN, status.code, status.detail
                )
                return
        job.polls += 1
        job.last_poll_at = self._clock()
        if job.state is TaskState.SUCCEEDED:
            job.finished_at = job.last_poll_at
            counters.completed(
                provider.name, job.finished_at - (job.submitted_at or job.created_at)
            )
        await self._store.update(
            job, "state", "polls", "last_poll_at", "finished_at", "tracks", "files"
        )
        if not job.state.terminal and self._clock() >= job.deadline_at:
            await self._fail(
                job, FailureReason.TIMEOUT, "deadline", "no result before the deadline"
            )

    async def _fail(self, job: Job, reason: FailureReason, code: str, detail: str) -> None:
        job.state = TaskState.FAILED
        job.failure, job.failure_code, job.failure_detail = reason, code, detail
        job.finished_at = self._clock()
        refund(job)
        await self._store.update(
            job, "state", "failure", "failure_code", "failure_detail", "finished_at", *COST_FIELDS
        )
        # The raw vendor words go to the admin log only, never to the member.
        log.warning("job %s failed: %s (vendor code %r: %s)", job.id, reason, code, detail)


def in_line(job: Job) -> bool:
    """Whether ``job`` waits for a submit (what ``JobStore.line`` lists)."""
    return (
        job.vendor_task_id is None
        and job.submit_started_at is None
        and job.adopt_until is None
        and not job.state.terminal
    )


def next_provider(ordered: Sequence[Provider], job: Job, current: Provider) -> Provider | None:
    """The provider after ``current`` in ``ordered`` that can take ``job``, if it may move."""
    # A follow-up names a track only its own vendor knows: it never moves.
    if job.request.operation.follows_up:
        return None
    later = ordered[ordered.index(current) + 1 :]
    return next((p for p in later if p.can(job.request)), None)


def _rate_limited(error: ProviderError) -> bool:
    """A vendor's 429 (after the HTTP layer's retries): it surely made no task."""
    return isinstance(error, TransientProviderError) and error.reason is FailureReason.RATE_LIMITED


def _no_task_made(error: ProviderError) -> bool:
    """True when the vendor surely created no task, so another vendor may take the job.

    Retries spent on 429/5xx/refused connections, or a refusal for credits or
    rate: the vendor answered "no". A lost answer to a submit is not in this
    set, since the task may exist, and a job never runs at two vendors.
    """
    if isinstance(error, TransientProviderError):
        return True
    return error.reason in (FailureReason.INSUFFICIENT_CREDITS, FailureReason.RATE_LIMITED)
