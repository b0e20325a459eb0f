"""Which providers refused their last submit for a reason that outlasts the job.

A vendor that answers 5xx past its retries, cannot be reached, or says the
account has no credits left will most likely refuse the next job too: failover
moves songs on, and /healthz reports it. The next accepted submit clears it.
A 429 is not kept here: the provider's pace (``bot.jobs.pacing``) pauses it.
In memory: after a restart every provider is given a fresh chance.
"""

from __future__ import annotations

from bot.errors import FailureReason

# The member's request has nothing to do with these: the vendor is unwell or unpaid.
_OUTLASTING = frozenset({FailureReason.PROVIDER_ERROR, FailureReason.INSUFFICIENT_CREDITS})

_refused: dict[str, FailureReason] = {}


def accepted(provider: str) -> None:
    _refused.pop(provider, None)


def refused(provider: str, reason: FailureReason) -> None:
    if reason in _OUTLASTING:
        _refused[provider] = reason


def refusal(provider: str) -> FailureReason | None:
    """Why ``provider`` refused its last submit, when that will likely happen again."""
    return _refused.get(provider)
