"""Paces the progress edits that only move a place in line, per Discord channel.

Discord allows about five message edits per five seconds in a channel and
answers more with 429s. When a hundred jobs in one channel move up at once,
their edits wait their turn here, and only each message's latest state is
sent: an edit still pending when a newer one comes is dropped. A message is
also edited at most once every ``message_gap`` seconds. Edits that must not
be dropped (the final word, or a stage change while the channel has room) are
sent by their callers when their ``turn`` comes, so that they count against the
channel's budget; a stage change in a busy channel is ``offer``ed like a place.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from bot.log_json import unbound

log = logging.getLogger(__name__)

Send = Callable[[], Awaitable[None]]  # counted in the budget whether or not it edits

# Discord's five per five seconds: every edit, paced or not, is counted before it is sent,
# and holds its place in the window from when its answer came back (``landed``): Discord
# counts it when it arrives, which a slow network may put seconds after it was sent.
PER_CHANNEL = 5
# Five seconds, and a margin for the clocks' and the answer's travel.
WINDOW = 5.5


@dataclass
class Edit:
    """One edit's place in its channel's budget: counted from ``at``."""

    at: float


class EditPacer:
    def __init__(
        self,
        *,
        message_gap: float,
        per_channel: int = PER_CHANNEL,
        window: float = WINDOW,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        self._gap = message_gap
        self._per_channel = per_channel
        self._window = window
        self._clock = clock
        self._sleep = sleep
        self._pending: dict[int, dict[str, Send]] = {}  # channel -> message key -> latest edit
        self._edited: dict[str, float] = {}  # message key -> when it was last edited
        self._recent: dict[int, list[Edit]] = {}  # channel -> its edits in the last window
        self._workers: dict[int, asyncio.Task[None]] = {}

    def offer(self, channel: int, key: str, send: Send) -> None:
        """Send ``send`` when the channel and the message allow; it replaces a pending one."""
        self._pending.setdefault(channel, {})[key] = send
        if channel not in self._workers:
            # Shared by every job in the channel: it names none of them in the log.
            self._workers[channel] = asyncio.create_task(self._drain(channel), context=unbound())

    def has_room(self, channel: int) -> bool:
        """Whether an edit in ``channel`` now would neither exceed its budget nor jump its queue."""
        recent = self._recent_in(channel, self._clock())
        return len(recent) < self._per_channel and not self._pending.get(channel)

    def drop(self, key: str) -> None:
        """Forget the pending edit of ``key``: a newer state was sent another way."""
        for pending in self._pending.values():
            pending.pop(key, None)

    def forget(self, key: str) -> None:
        """The message is final: nothing of it is kept or sent any more."""
        self.drop(key)
        self._edited.pop(key, None)

    async def turn(self, channel: int, key: str) -> Edit:
        """Wait until an edit of ``key`` fits ``channel``'s budget, and count it; the
        caller sends it, then says it ``landed``.

        For edits that must be sent (a final word): they wait for the budget,
        never for the queue of paced edits, and are never dropped.
        """
        while True:
            now = self._clock()
            recent = self._recent_in(channel, now)
            if len(recent) < self._per_channel:
                return self.note(channel, key)
            await self._sleep(self._free_at(recent) - now)

    def landed(self, edit: Edit) -> None:
        """Discord answered ``edit`` (or refused it): it counts from now."""
        edit.at = max(edit.at, self._clock())

    def posted(self, key: str) -> None:
        """``key``'s message was just posted: its first edit waits its gap. Posts are not
        edits, so the channel's edit budget is untouched."""
        self._edited[key] = self._clock()

    def note(self, channel: int, key: str) -> Edit:
        """Count an edit of ``key`` in ``channel`` about to be sent."""
        now = self._clock()
        self._edited[key] = now
        edit = Edit(now)
        self._recent_in(channel, now).append(edit)
        return edit

    async def stop(self) -> None:
        workers = list(self._workers.values())
        for worker in workers:
            worker.cancel()
        await asyncio.gather(*workers, return_exceptions=True)

    def _delay(self, channel: int, key: str) -> float:
        """Seconds until ``key`` may be edited in ``channel``."""
        now = self._clock()
        recent = self._recent_in(channel, now)
        channel_free = self._free_at(recent) if len(recent) >= self._per_channel else now
        message_free = self._edited.get(key, -float("inf")) + self._gap
        return max(channel_free, message_free) - now

    def _recent_in(self, channel: int, now: float) -> list[Edit]:
        """The channel's edits of the last window, older ones forgotten."""
        recent = [e for e in self._recent.get(channel, []) if e.at > now - self._window]
        self._recent[channel] = recent
        return recent

    def _free_at(self, recent: list[Edit]) -> float:
        """When the first of a full window's edits leaves it (a slow one may land last)."""
        return min(e.at for e in recent) + self._window

    async def _drain(self, channel: int) -> None:
        pending = self._pending[channel]
        try:
            while pending:
                # The message that waited longest since its last edit goes first.
                key = min(pending, key=lambda k: self._edited.get(k, -float("inf")))
                delay = self._delay(channel, key)
                if delay > 0:
                    await self._sleep(delay)
                    continue  # a newer state, or another message, may be due by now
                send = pending.pop(key)
                # Counted before it is sent, so that a final word's ``turn`` meanwhile
                # sees it (an edit with nothing left to show is counted all the same).
                edit = self.note(channel, key)
                try:
                    await send()
                except Exception:
                    log.exception("a paced progress edit failed")
                finally:
                    self.landed(edit)
        finally:
            del self._workers[channel]
