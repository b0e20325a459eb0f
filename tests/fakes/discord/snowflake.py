"""Discord snowflakes: time-based ids, so ``discord.utils.snowflake_time`` and id ordering work."""

from __future__ import annotations

import datetime
import time

DISCORD_EPOCH_MS = 1_420_070_400_000


class SnowflakeFactory:
    """Hands out strictly increasing snowflakes.

    Real snowflakes only order by millisecond; the fake bumps the counter when two ids fall in
    the same millisecond so that id order is always creation order.
    """

    def __init__(self) -> None:
        self._last = 0

    def __call__(self) -> int:
        now_ms = int(time.time() * 1000) - DISCORD_EPOCH_MS
        candidate = now_ms << 22
        if candidate <= self._last:
            candidate = self._last + 1
        self._last = candidate
        return candidate


def snowflake_datetime(snowflake: int) -> datetime.datetime:
    ms = (snowflake >> 22) + DISCORD_EPOCH_MS
    return datetime.datetime.fromtimestamp(ms / 1000, tz=datetime.UTC)


def iso(moment: datetime.datetime) -> str:
    return moment.isoformat()


def iso_now() -> str:
    return iso(datetime.datetime.now(datetime.UTC))
