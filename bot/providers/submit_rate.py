"""A vendor's submit rate as the settings write it: at most N submits in any period.

The provider settings read it (``submit_rate = "20/10s"``) and ``bot.jobs.pacing``
keeps each provider's submits under it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_RATE = re.compile(r"^\s*(\d+)\s*/\s*(\d+(?:\.\d+)?)\s*(s|m|min)?\s*$")


@dataclass(frozen=True)
class SubmitRate:
    """At most ``limit`` submits in any ``period`` seconds."""

    limit: int
    period: float

    @classmethod
    def parse(cls, text: str) -> SubmitRate:
        """``"20/10s"``, ``"10000/1m"`` (seconds when no unit); ValueError when unreadable."""
        match = _RATE.match(text)
        if match is None:
            raise ValueError(f'{text!r} is not a rate like "20/10s" (submits/seconds)')
        limit, period, unit = int(match[1]), float(match[2]), match[3]
        period *= 60 if unit in ("m", "min") else 1
        if limit < 1 or period <= 0:
            raise ValueError(f"{text!r}: both the count and the period must be above 0")
        return cls(limit, period)
