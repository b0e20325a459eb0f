"""How long a song in line will take, from how long recent songs took.

Two measures per provider, over its recent submitted jobs: the typical time
from submit to finish (per model, else over all its models), and the pace of
its submits (the typical gap between two in a row). A job with ``n - 1`` jobs
ahead waits about ``(n - 1)`` gaps for its submit, then one typical run.
"""

from __future__ import annotations

import itertools
import statistics
from collections.abc import Sequence
from dataclasses import dataclass

from bot.i18n import t

# A gap longer than this between two submits means the line was empty, not the pace.
_BUSY_GAP = 60.0


@dataclass(frozen=True)
class Run:
    """One recent submitted job: its model, when it was submitted, and when it finished."""

    model: str
    submitted_at: float
    finished_at: float | None  # None while it runs, or when it failed


@dataclass(frozen=True)
class Pace:
    """A provider's measured pace; ``wait`` turns it into an estimate for one place in line."""

    runs: dict[str, float]  # model -> typical seconds from submit to finish
    any_run: float | None  # the same over every model; None: nothing finished yet
    gap: float  # typical seconds between two submits while jobs wait

    def wait(self, position: int, model: str) -> float | None:
        """Seconds until a job at ``position`` (1-based) is done; None when nothing is known."""
        run = self.runs.get(model, self.any_run)
        return None if run is None else (position - 1) * self.gap + run


def pace(recent: Sequence[Run]) -> Pace:
    """The pace measured over ``recent`` runs of one provider (any order)."""
    durations: dict[str, list[float]] = {}
    for run in recent:
        if run.finished_at is not None:
            durations.setdefault(run.model, []).append(run.finished_at - run.submitted_at)
    every = [d for ds in durations.values() for d in ds]
    submits = sorted(run.submitted_at for run in recent)
    gaps = [b - a for a, b in itertools.pairwise(submits) if b - a <= _BUSY_GAP]
    return Pace(
        runs={model: statistics.median(ds) for model, ds in durations.items()},
        any_run=statistics.median(every) if every else None,
        gap=statistics.median(gaps) if gaps else 0.0,
    )


def rounded(seconds: float | None, locale: object = None) -> str:
    """An estimate as members read it: "under a minute", "about 3 min", "about 2 h"."""
    if seconds is None:
        return t(locale, "estimating…")
    if seconds < 60:
        return t(locale, "under a minute")
    minutes = round(seconds / 60)
    if minutes < 90:
        return t(locale, "about {minutes} min", minutes=minutes)
    return t(locale, "about {hours} h", hours=round(minutes / 60))


@dataclass(frozen=True)
class LinePlace:
    """A waiting job's place in its provider's line (1-based) and its estimated wait."""

    position: int
    wait: float | None

    @property
    def text(self) -> str:
        return self.in_words(None)

    def in_words(self, locale: object) -> str:
        """ "#7 in line · about 3 min", in the language of ``locale``."""
        return t(locale, "#{position} in line", position=self.position) + (
            f" · {rounded(self.wait, locale)}"
        )
