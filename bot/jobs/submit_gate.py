"""Which waiting jobs go to their vendor now: the head of the fair line, as the pace allows.

The scheduler calls ``admit`` when jobs waiting for a submit are due. Per
provider it reads ``JobStore.line`` (round-robin across members), lets go as
many of its head as the provider's pace has room for, and sets every other
waiting job's next check to when a slot can free up (or its ``max_wait``,
when its step fails it): so a long line costs one query per freed slot, not a
loop over its rows; a new job's step only posts its progress message until its
turn comes. With ``overflow_after`` set, a new job whose wait would be
longer moves to the next provider that can make it.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Collection, Sequence

from bot.jobs.models import Job
from bot.jobs.pacing import Pacing, ProviderPace
from bot.jobs.space import SpaceWaitingStore
from bot.jobs.steps import next_provider
from bot.jobs.store import JobStore
from bot.providers.base import Provider

log = logging.getLogger(__name__)


class SubmitGate:
    def __init__(
        self,
        jobs: JobStore,
        store: SpaceWaitingStore,
        providers: Sequence[Provider],
        pacing: Pacing,
        *,
        max_wait: float,
        clock: Callable[[], float],
    ) -> None:
        self._jobs = jobs
        self._store = store
        self._ordered = list(providers)
        self._pacing = pacing
        self._max_wait = max_wait
        self._clock = clock

    async def admit(
        self, providers: Collection[str], busy: Collection[str], free: int
    ) -> list[Job]:
        """Up to ``free`` jobs to step now from the lines of ``providers``; defer the rest."""
        chosen: list[Job] = []
        for name in providers:
            chosen += await self._admit_from(name, busy, free - len(chosen))
        return chosen

    async def _admit_from(self, name: str, busy: Collection[str], free: int) -> list[Job]:
        pace = self._pacing.of(name)
        now = self._clock()
        line = [job for job in await self._jobs.line(name) if job.id not in busy]
        # Waited too long: their step fails them with a message saying so.
        expired = [job for job in line if job.created_at + self._max_wait <= now][: max(free, 0)]
        line = [job for job in line if job.created_at + self._max_wait > now]
        in_flight = await self._jobs.in_flight(name)
        room = min(pace.room(in_flight), max(free - len(expired), 0))
        going, rest = line[:room], line[room:]
        for job in going:
            pace.reserve(job.id)
        try:
            rest = await self._overflow(pace, name, rest, len(going))
            if rest:
                until = pace.free_at(in_flight)
                await self._jobs.defer([job.id for job in rest], until, self._max_wait)
        except BaseException:
            # A write failed (a full disk): none of them goes, so no slot stays taken.
            for job in going:
                pace.release(job.id)
            raise
        # New ones post their progress message now (a step that only shows it).
        unshown = [job for job in rest if job.progress_message_id is None]
        return expired + going + unshown[: max(free - len(expired) - len(going), 0)]

    async def _overflow(
        self, pace: ProviderPace, name: str, rest: list[Job], ahead: int
    ) -> list[Job]:
        """Move the jobs waiting longer than the entry's overflow wait; returns those that stay."""
        if pace.overflow_after is None or not rest:
            return rest
        current = next((p for p in self._ordered if p.name == name), None)
        staying = []
        for position, job in enumerate(rest, start=ahead):
            fallback = None if current is None else next_provider(self._ordered, job, current)
            if fallback is None or pace.wait_estimate(position) <= pace.overflow_after:
                staying.append(job)
                continue
            log.info("job %s: %s's line is too long; moving to %s", job.id, name, fallback.name)
            job.provider, job.next_check_at = fallback.name, self._clock()
            await self._store.update(job, "provider", "next_check_at")
        return staying
