"""Pacing per provider: how many submits a vendor takes, and when the next one may go.

Each vendor limits new tasks per account (kie.ai: 20 per 10 s, the excess
answered 429 and not queued) and tasks running at once. ``ProviderPace`` keeps
a sliding window of the last submits, the submits under way, and a pause after
a 429; the scheduler asks it how many of the line's head may go now, and when
the rest should look again. All of it is in memory on purpose: after a restart
the window starts empty, and a 429 from the vendor simply pauses it again.

Status queries need no pacing here: each job polls its own task at the
vendor's cadence (``PollPolicy``, seconds apart, kie's first after 35 s),
one step at a time, so no task is ever asked faster than one query per step,
far under kie's 3 per second per task.
"""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable, Iterable, Mapping
from typing import Protocol

from bot.providers.submit_rate import SubmitRate

# With the in-flight cap reached, a slot frees when some task finishes, which
# the pace cannot foresee: the line looks again this often (one query, no spin).
IN_FLIGHT_RECHECK = 5.0
# A 429 with no Retry-After and no known window pauses the provider this long.
DEFAULT_PAUSE = 10.0
_NO_LIMIT = 1_000_000


class ProviderPace:
    """One provider's submit window, its in-flight cap and its pause after a 429."""

    def __init__(
        self,
        rate: SubmitRate | None = None,
        max_in_flight: int | None = None,
        *,
        overflow_after: float | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.rate = rate
        self.max_in_flight = max_in_flight
        self.overflow_after = overflow_after  # seconds of line before new jobs move on
        self._clock = clock
        # When recent submits were answered: the vendor had each by then, so a
        # window counted from these is never shorter than the vendor's.
        self._sent: deque[float] = deque()
        self._reserved: set[str] = set()  # jobs let go whose submit is not answered yet
        self._paused_until = 0.0

    def room(self, in_flight: int) -> int:
        """How many submits may start now, given ``in_flight`` tasks at the vendor."""
        now = self._clock()
        if now < self._paused_until:
            return 0
        self._forget(now)
        room = _NO_LIMIT
        if self.rate is not None:
            room = self.rate.limit - len(self._sent) - len(self._reserved)
        if self.max_in_flight is not None:
            room = min(room, self.max_in_flight - in_flight - len(self._reserved))
        return max(0, room)

    def free_at(self, in_flight: int = 0) -> float:
        """When a submit may next go: the earliest moment ``room`` can be above 0."""
        now = self._clock()
        self._forget(now)
        at = max(now, self._paused_until)
        used = len(self._sent) + len(self._reserved)
        if self.rate is not None and used >= self.rate.limit:
            # The stamp whose leaving the window frees a slot; while unanswered
            # submits fill it, none frees before they are answered and a period passes.
            leaving = used - self.rate.limit
            if leaving < len(self._sent):
                at = max(at, self._sent[leaving] + self.rate.period)
            else:
                at = max(at, now + self.rate.period)
        if self.max_in_flight is not None and in_flight + len(self._reserved) >= self.max_in_flight:
            at = max(at, now + IN_FLIGHT_RECHECK)
        return at

    def wait_estimate(self, position: int) -> float:
        """Seconds the job at ``position`` (0-based) in line waits, by the rate alone."""
        if self.rate is None:
            return 0.0
        return (position // self.rate.limit) * self.rate.period

    def reserve(self, job_id: str) -> None:
        """``job_id`` was let go: its submit counts from now until it is answered."""
        self._reserved.add(job_id)

    def holds(self, job_id: str) -> bool:
        """Whether ``job_id`` was let go and has not sent its submit yet."""
        return job_id in self._reserved

    def sent(self, job_id: str) -> None:
        """A submit was answered (or failed) just now: it counts in the window from now."""
        self._reserved.discard(job_id)
        self._sent.append(self._clock())

    def release(self, job_id: str) -> bool:
        """Drop a reservation whose step sent nothing; True when there was one."""
        if job_id not in self._reserved:
            return False
        self._reserved.discard(job_id)
        return True

    def pause(self, retry_after: float | None) -> float:
        """The vendor answered 429: no submit until Retry-After, or one window; returns the end."""
        wait = retry_after if retry_after is not None else self._default_pause()
        self._paused_until = max(self._paused_until, self._clock() + wait)
        return self._paused_until

    def paused_for(self) -> float:
        """Seconds left of the pause after the vendor's last 429 (0: not paused)."""
        return max(0.0, self._paused_until - self._clock())

    def _default_pause(self) -> float:
        return self.rate.period if self.rate is not None else DEFAULT_PAUSE

    def _forget(self, now: float) -> None:
        if self.rate is None:
            self._sent.clear()
            return
        while self._sent and self._sent[0] <= now - self.rate.period:
            self._sent.popleft()


class PacedEntry(Protocol):
    """What a provider entry of the config says about pacing."""

    @property
    def name(self) -> str: ...
    @property
    def rate(self) -> SubmitRate | None: ...
    @property
    def max_in_flight(self) -> int | None: ...
    @property
    def overflow_after_minutes(self) -> float | None: ...


class Pacing:
    """Every provider's pace, by provider name; a provider not named is not paced."""

    def __init__(
        self, paces: Mapping[str, ProviderPace], clock: Callable[[], float] = time.time
    ) -> None:
        self._paces = dict(paces)
        self._clock = clock

    @classmethod
    def from_entries(
        cls, entries: Iterable[PacedEntry], clock: Callable[[], float] = time.time
    ) -> Pacing:
        return cls(
            {
                e.name: ProviderPace(
                    e.rate,
                    e.max_in_flight,
                    overflow_after=(
                        None if e.overflow_after_minutes is None else e.overflow_after_minutes * 60
                    ),
                    clock=clock,
                )
                for e in entries
            },
            clock,
        )

    def of(self, provider: str) -> ProviderPace:
        if provider not in self._paces:
            self._paces[provider] = ProviderPace(clock=self._clock)
        return self._paces[provider]

    def release(self, job_id: str) -> None:
        """Drop ``job_id``'s reservation at whichever provider holds one."""
        for pace in self._paces.values():
            if pace.release(job_id):
                return
