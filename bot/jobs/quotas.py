"""Admission of a new job: the cap on a member's songs in progress, and the quotas.

Pure arithmetic over what the store read in the same write transaction as the
insert (see ``JobStore.add_if_allowed``); nothing here touches the database or
Discord. Windows roll: a day is the last 24 hours and a week the last 7 days,
in epoch seconds (UTC), so no quota resets at some time zone's midnight and a
refusal can say exactly when the oldest counted job leaves the window.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace

from bot.config import QuotaSettings
from bot.errors import InputError
from bot.i18n import N_, t, tn
from bot.jobs.costs import budget_refusal
from bot.providers.base import Operation

DAY = 24 * 3600.0
WEEK = 7 * DAY

# A job that counts against quotas: when it was created, and its operation.
Used = tuple[float, Operation]


@dataclass(frozen=True)
class Usage:
    """What a new job is judged against, all read in one transaction."""

    open_jobs: int  # the member's jobs not yet closed, waiting ones included
    member: Sequence[Used]  # the member's counted jobs in this server in the last WEEK
    server: Sequence[Used]  # the server's counted jobs in the last DAY
    # Read when the server has a budget: what its jobs charged this month, and
    # (provider, operation) of its jobs waiting for a vendor, to be charged soon.
    spent: float = 0.0
    waiting: Sequence[tuple[str, Operation]] = ()


class QuotaRefusal(InputError):
    """A refusal that counts songs: its ``songs`` fields (plain numbers) are said as
    "1 song", "2 songs" in the member's language, with the catalog's plural forms."""

    def __init__(self, msgid: str, /, songs: dict[str, int], **fields: object) -> None:
        super().__init__(msgid, **fields, **_counted(None, songs))
        self.fields = fields
        self.songs = songs

    def text(self, locale: object) -> str:
        return t(locale, self.msgid, **self.fields, **_counted(locale, self.songs))


def _counted(locale: object, songs: dict[str, int]) -> dict[str, str]:
    return {name: tn(locale, "{n} song", "{n} songs", n) for name, n in songs.items()}


@dataclass(frozen=True)
class _Window:
    amount: int  # 0: no limit
    span: float
    of_server: bool
    # The refusals, with {quota} and {weight} counts of songs and {when} a timestamp:
    # when a job weighs more than the whole quota, when the quota is used, and the same
    # for a job that counts as more than one song.
    never: str
    used: str
    used_weighed: str


_MEMBER_DAY = _Window(
    0,
    DAY,
    False,
    N_("This counts as {weight}, more than your daily quota of {quota}."),
    N_(
        "You have used your daily quota of {quota} on this server. "
        "Your next song is possible {when}."
    ),
    N_(
        "You have used your daily quota of {quota} on this server. "
        "Your next song is possible {when} (this counts as {weight})."
    ),
)
_MEMBER_WEEK = _Window(
    0,
    WEEK,
    False,
    N_("This counts as {weight}, more than your weekly quota of {quota}."),
    N_(
        "You have used your weekly quota of {quota} on this server. "
        "Your next song is possible {when}."
    ),
    N_(
        "You have used your weekly quota of {quota} on this server. "
        "Your next song is possible {when} (this counts as {weight})."
    ),
)
_SERVER_DAY = _Window(
    0,
    DAY,
    True,
    N_("This counts as {weight}, more than this server's daily quota of {quota}."),
    N_("This server has used its daily quota of {quota}. The next song is possible {when}."),
    N_(
        "This server has used its daily quota of {quota}. "
        "The next song is possible {when} (this counts as {weight})."
    ),
)


def free_at(
    used: Sequence[tuple[float, int]], *, limit: int, weight: int, span: float, now: float
) -> float | None:
    """When a job of ``weight`` fits under ``limit`` in the rolling ``span`` before it.

    ``used`` is (created_at, weight) of the counted jobs, oldest first. None: it
    fits now; ``math.inf``: it never fits (it weighs more than the limit). Else the
    moment enough of the oldest jobs have left the window, as they leave at
    ``created_at + span``.
    """
    current = [(at, w) for at, w in used if at > now - span]
    total = sum(w for _, w in current)
    if weight == 0 or total + weight <= limit:
        return None
    if weight > limit:
        return math.inf
    for at, w in current:
        total -= w
        if total + weight <= limit:
            return at + span
    raise AssertionError("unreachable: an empty window fits any weight up to the limit")


class Admission:
    """Decides, from a ``Usage``, whether a member may start one more job."""

    def __init__(
        self,
        max_active: int,
        quotas: QuotaSettings,
        monthly_usd: float = 0,
        price: Callable[[str, Operation], float | None] = lambda provider, operation: None,
    ) -> None:
        """``monthly_usd``: the server's budget (0: none); ``price``: a provider's, in USD."""
        self.max_active = max_active
        self._quotas = quotas
        self.monthly_usd = monthly_usd
        self._price = price
        self._weights = {
            Operation.WAV: quotas.wav_weight,
            Operation.STEMS: quotas.stems_weight,
            Operation.VIDEO: quotas.video_weight,
        }
        self._windows = [
            replace(_MEMBER_DAY, amount=quotas.member_per_day),
            replace(_MEMBER_WEEK, amount=quotas.member_per_week),
            replace(_SERVER_DAY, amount=quotas.server_per_day),
        ]

    def under(self, per_day: int, per_week: int, monthly_usd: float) -> Admission:
        """The same judge with a member's own quotas and their server's budget (/settings)."""
        quotas = self._quotas.model_copy(
            update={"member_per_day": per_day, "member_per_week": per_week}
        )
        return Admission(self.max_active, quotas, monthly_usd, self._price)

    @property
    def counts_usage(self) -> bool:
        """Whether any quota is set (if not, the store need not read past jobs)."""
        return any(w.amount for w in self._windows)

    def weight(self, operation: Operation) -> int:
        """What one job of ``operation`` counts as; a song, extension or cover is 1."""
        return self._weights.get(operation, 1)

    def refusal(
        self, usage: Usage, operation: Operation, now: float, *, paid: bool = False
    ) -> str | None:
        """Why the job may not start, in English (the admin's words), or None when it may."""
        refused = self.refused(usage, operation, now, paid=paid)
        return None if refused is None else refused.user_message

    def refused(
        self, usage: Usage, operation: Operation, now: float, *, paid: bool = False
    ) -> InputError | None:
        """Why the job may not start (an ``InputError`` for the member), or None when it may.

        ``paid``: the job may cost money, so the server's budget applies to it.
        """
        if usage.open_jobs >= self.max_active:
            return QuotaRefusal(
                N_("You already have {songs} in progress. Wait for one to finish first."),
                songs={"songs": self.max_active},
            )
        over = budget_refusal(self._committed(usage), self.monthly_usd, now) if paid else None
        if over is not None:
            return over
        weight = self.weight(operation)
        worst: tuple[float, _Window] | None = None
        for window in self._windows:
            if not window.amount:
                continue
            used = usage.server if window.of_server else usage.member
            weighed = [(at, self.weight(op)) for at, op in used]
            at = free_at(weighed, limit=window.amount, weight=weight, span=window.span, now=now)
            if at is not None and (worst is None or at > worst[0]):
                worst = (at, window)
        return None if worst is None else _refusal_text(*worst, weight)

    def _committed(self, usage: Usage) -> float:
        """Spent this month, plus what the jobs waiting in line will cost when submitted."""
        return usage.spent + sum(self._price(*job) or 0.0 for job in usage.waiting)


def _refusal_text(at: float, window: _Window, weight: int) -> InputError:
    songs = {"quota": window.amount, "weight": weight}
    if at == math.inf:
        return QuotaRefusal(window.never, songs=songs)
    # Rounded up: at that second the song really is possible.
    when = f"<t:{math.ceil(at)}:R>"
    msgid = window.used if weight == 1 else window.used_weighed
    return QuotaRefusal(msgid, songs=songs, when=when)
