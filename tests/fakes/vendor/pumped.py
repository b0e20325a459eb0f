"""Callbacks sent by one background pump that looks at every task each tick.

kie and Evolink decide per task which callbacks are due; a test on a fake clock
cannot wait for a tick, so ``flush_callbacks`` delivers what is due at once.
"""

from __future__ import annotations

import abc
import asyncio
from collections.abc import Awaitable, Callable
from typing import ClassVar

from tests.fakes.vendor.base import VendorEmulator


class PumpedEmulator(VendorEmulator):
    """A vendor whose callbacks go out from a pump flushing every ``CALLBACK_TICK``."""

    CALLBACK_TICK: ClassVar[float]  # seconds between real-time flushes

    def __init__(
        self, *, api_key: str, generation_seconds: float, clock: Callable[[], float]
    ) -> None:
        super().__init__(api_key=api_key, generation_seconds=generation_seconds, clock=clock)
        self._callback_pump: asyncio.Task[None] | None = None
        # One flush at a time: when flush_callbacks returns, what was due has been delivered,
        # even if the background pump had started sending it.
        self._callback_lock = asyncio.Lock()

    async def flush_callbacks(self) -> None:
        """Send every callback that is due by ``clock`` now, and wait for the deliveries."""
        async with self._callback_lock:
            if self._runner is None:
                return  # stopped: the session is gone and nothing may be sent any more
            await asyncio.gather(*self._due_callbacks())

    def _start_callback_pump(self) -> None:
        if self._callback_pump is None or self._callback_pump.done():
            self._callback_pump = self._spawn(self._pump_callbacks())

    async def _pump_callbacks(self) -> None:
        """Real-time delivery: flush every tick while any task still has a callback to come."""
        while self._callbacks_open():
            await self.flush_callbacks()
            await asyncio.sleep(self.CALLBACK_TICK)

    @abc.abstractmethod
    def _due_callbacks(self) -> list[Awaitable[None]]:
        """Mark what is due now as sent and return its deliveries."""

    @abc.abstractmethod
    def _callbacks_open(self) -> bool:
        """Whether any task still has a callback to come."""
