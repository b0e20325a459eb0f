"""``storage.retention_days``: finished jobs' details are purged once a day (and at start).

What goes and what stays is ``JobStore.purge_details``'s to say.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable

from bot.jobs.quotas import DAY
from bot.jobs.store import JobStore

log = logging.getLogger(__name__)


async def purge_old(store: JobStore, days: int, clock: Callable[[], float] = time.time) -> int:
    """Purge the details of jobs closed more than ``days`` ago; return how many."""
    now = clock()
    purged = await store.purge_details(now - days * DAY, now)
    if purged:
        log.info(
            "retention: purged the details of %d job(s) closed over %d day(s) ago", purged, days
        )
    return purged


async def keep_purging(store: JobStore, days: int, clock: Callable[[], float] = time.time) -> None:
    """Run ``purge_old`` now and every day after, until cancelled."""
    while True:
        try:
            await purge_old(store, days, clock)
        except Exception:
            # A full disk or a locked database: tomorrow's run tries again.
            log.exception("retention: the purge failed; it runs again in a day")
        await asyncio.sleep(DAY)
