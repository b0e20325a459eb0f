"""What jobs cost, and each server's monthly budget.

A job is charged its provider's configured price (``Price``) when the vendor
accepts its task, in the same row update as the task id, so a crash cannot
record one without the other. A submit that may have made a second paid task
(``possible_duplicate``) is charged twice. A task that failed at the vendor is
refunded (kie.ai's code 531 says so; other vendors usually refund failed tasks),
so its cost goes back to 0; one the bot gave up on at its deadline may still be
made, and billed, at the vendor, so it keeps its cost. Months are calendar
months in UTC.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from bot.config import BudgetSettings
from bot.errors import InputError
from bot.i18n import t
from bot.jobs.models import Job
from bot.providers.base import FailureReason, Price

if TYPE_CHECKING:
    from bot.jobs.store import JobStore

log = logging.getLogger(__name__)

# The fields ``charge`` and ``refund`` set, to store with the change that caused them.
COST_FIELDS = ("cost_usd", "cost_credits")
# Moderators are warned once a month when spending reaches this share of the budget.
WARN_SHARE = 0.8


def charge(job: Job, price: Price) -> None:
    """Set what ``job`` costs now that its vendor accepted it (twice if it may be a duplicate)."""
    times = 2 if job.possible_duplicate else 1
    usd, credits = price.usd_for(job.request.operation), price.credits_for(job.request.operation)
    job.cost_usd = None if usd is None else usd * times
    job.cost_credits = None if credits is None else credits * times


def refund(job: Job) -> None:
    """A failed job's task was refunded, unless the bot stopped waiting for it at its deadline."""
    if job.failure is FailureReason.TIMEOUT:
        return
    job.cost_usd = 0.0 if job.cost_usd is not None else None
    job.cost_credits = 0.0 if job.cost_credits is not None else None


def month_start(now: float) -> float:
    """Midnight UTC on the first of ``now``'s month, in epoch seconds."""
    day = datetime.fromtimestamp(now, UTC)
    return day.replace(day=1, hour=0, minute=0, second=0, microsecond=0).timestamp()


def next_month_start(now: float) -> float:
    first = datetime.fromtimestamp(month_start(now), UTC)
    year, month = divmod(first.month, 12)  # December rolls over to January
    return first.replace(year=first.year + year, month=month + 1).timestamp()


def usd(amount: float) -> str:
    return f"${amount:,.2f}"


def budget_refusal(spent: float, budget: float, now: float) -> InputError | None:
    """Why a new paid job may not start under ``budget`` (0: none), or None when it may."""
    if not budget or spent < budget:
        return None
    when = f"<t:{math.ceil(next_month_start(now))}:R>"
    return InputError(
        "This server has spent its monthly budget of {budget} on songs "
        "({spent} spent or waiting in line). New songs are possible again "
        "{when}, or when a moderator raises the budget.",
        budget=usd(budget),
        spent=usd(spent),
        when=when,
    )


class BudgetWatch:
    """When a server's moderators get the 80% warning: once a month, even across restarts."""

    def __init__(
        self,
        store: JobStore,
        budget: BudgetSettings,
        *,
        clock: Callable[[], float],
        budget_of: Callable[[int], Awaitable[float]] | None = None,
    ) -> None:
        """``budget_of``: a server's own budget (its /settings), else config's applies."""
        self._store = store
        self._budget = budget.monthly_usd
        self._budget_of = budget_of
        self._clock = clock
        self.channel_id = budget.warn_channel_id  # 0: the channel of the job that crossed it

    async def warning(self, job: Job, locale: object = None) -> str | None:
        """The warning to post now that ``job`` was charged, or None (below 80%, or given).

        It is public: ``locale`` is the server's language.
        """
        budget = await self._budget_of(job.guild_id) if self._budget_of else self._budget
        if not budget or not job.cost_usd:
            return None
        now = self._clock()
        spent = await self._store.spent(job.guild_id, month_start(now))
        if spent < WARN_SHARE * budget:
            return None
        month = datetime.fromtimestamp(now, UTC).strftime("%Y-%m")
        if not await self._store.warn_once(job.guild_id, month, now):
            return None
        log.info("guild %s reached %.0f%% of its monthly budget", job.guild_id, WARN_SHARE * 100)
        share, threshold = f"{spent / budget:.0%}", f"{WARN_SHARE:.0%}"
        return t(
            locale,
            "**Budget:** this server has spent {spent} of its {budget} "
            "monthly budget ({share}, past {threshold}). "
            "When it is spent, new songs are refused until next month. "
            "Members with Manage Server can see who spent what with /usage.",
            spent=usd(spent),
            budget=usd(budget),
            share=share,
            threshold=threshold,
        )
