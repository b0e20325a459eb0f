"""The runner's patience with a full disk: a job's step waits for space instead of being lost."""

from __future__ import annotations

import asyncio
import logging

from bot.errors import StorageFull
from bot.jobs.estimates import Run
from bot.jobs.models import Job
from bot.jobs.store import JobStore

log = logging.getLogger(__name__)

# Retrying a refused write costs nothing; space should be noticed soon after it returns.
_MAX_DELAY = 15.0


class SpaceWaitingStore:
    """The store as the job runner uses it.

    A write the disk has no room for was undone by the store; here it is tried
    again, with backoff, until space returns. The job's in-memory state is what
    gets written, so it carries on from the very step it was at: no vendor task
    is submitted twice and no result posted twice. Reads pass through.
    """

    def __init__(self, store: JobStore, first_delay: float) -> None:
        self._store = store
        self._first_delay = first_delay

    async def update(self, job: Job, *fields: str, durable: bool = False) -> None:
        delay = self._first_delay
        while True:
            try:
                await self._store.update(job, *fields, durable=durable)
                return
            except StorageFull as exc:
                log.warning("job %s: cannot save (%s); trying again in %.0f s", job.id, exc, delay)
                await asyncio.sleep(delay)
                delay = min(delay * 2, _MAX_DELAY)

    async def get(self, job_id: str) -> Job | None:
        return await self._store.get(job_id)

    async def unfinished(self) -> list[Job]:
        return await self._store.unfinished()

    async def line(self, provider: str | None = None) -> list[Job]:
        return await self._store.line(provider)

    async def recent_runs(self, provider: str) -> list[Run]:
        return await self._store.recent_runs(provider)
