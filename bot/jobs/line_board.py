"""The places in line of waiting jobs, as their progress messages show them.

A place is a job's index in ``JobStore.line(provider)``, the order the
scheduler submits in; nothing here orders jobs another way. A refresh reads
one provider's whole line with one query (and its pace with one more), and
reports the jobs whose shown place changed. ``moved`` coalesces a burst of
"the line moved" into as few refreshes as it takes.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import Protocol

from bot.jobs.estimates import LinePlace, Run, pace
from bot.jobs.models import Job
from bot.log_json import unbound

log = logging.getLogger(__name__)

OnMoved = Callable[[Job], Awaitable[None]]


class LineSource(Protocol):
    """What the board reads (``JobStore``, or the runner's ``SpaceWaitingStore``)."""

    async def line(self, provider: str | None = None) -> list[Job]: ...

    async def recent_runs(self, provider: str) -> list[Run]: ...


class LineBoard:
    def __init__(self, store: LineSource, on_moved: OnMoved) -> None:
        """``on_moved(job)`` is called for each job whose place (as shown) changed."""
        self._store = store
        self._on_moved = on_moved
        self._places: dict[str, dict[str, LinePlace]] = {}  # provider -> job id -> place
        self._dirty: set[str] = set()
        self._refresher: asyncio.Task[None] | None = None

    def place(self, job: Job) -> LinePlace | None:
        """Where ``job`` was at the last refresh of its line; None if it was not in it."""
        return self._places.get(job.provider, {}).get(job.id)

    async def refresh(self, provider: str, *, but: str | None = None) -> None:
        """Read ``provider``'s line again; tell ``on_moved`` of each moved job (but ``but``)."""
        for job in await self._changes(provider):
            if job.id != but:
                await self._on_moved(job)

    async def _changes(self, provider: str) -> list[Job]:
        """Read ``provider``'s line again; return the jobs whose shown place changed."""
        line = await self._store.line(provider)
        measured = pace(await self._store.recent_runs(provider))
        before = self._places.get(provider, {})
        now: dict[str, LinePlace] = {}
        changed: list[Job] = []
        for position, job in enumerate(line, start=1):
            now[job.id] = LinePlace(position, measured.wait(position, job.request.model))
            shown = before.get(job.id)
            if shown is None or shown.text != now[job.id].text:
                changed.append(job)
        self._places[provider] = now
        return changed

    def moved(self, provider: str) -> None:
        """``provider``'s line changed (a job joined or left it): refresh it soon, once."""
        self._dirty.add(provider)
        if self._refresher is None:
            self._refresher = asyncio.create_task(
                self._refresh_dirty(), name="line-board", context=unbound()
            )

    async def stop(self) -> None:
        if self._refresher is not None:
            self._refresher.cancel()
            await asyncio.gather(self._refresher, return_exceptions=True)

    async def _refresh_dirty(self) -> None:
        try:
            while self._dirty:
                provider = self._dirty.pop()
                try:
                    await self.refresh(provider)
                except Exception:
                    # Best effort, like all progress: the next move refreshes again.
                    log.exception("could not refresh the places in %s's line", provider)
        finally:
            self._refresher = None
