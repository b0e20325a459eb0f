"""One row of ``suno-bot doctor``: what was checked, how it went, and the fix; and the table."""

from __future__ import annotations

import enum
import textwrap
from collections.abc import Sequence
from dataclasses import dataclass

# Every request the doctor makes gives up after this long: a dead host must not hang it.
TIMEOUT_SECONDS = 5.0


class Status(enum.StrEnum):
    OK = "OK"
    WARN = "WARN"  # works, but worth a look; does not fail the run
    FAIL = "FAIL"  # the bot cannot work (or not fully) until it is fixed


@dataclass(frozen=True)
class Check:
    status: Status
    what: str  # the thing checked, e.g. "database" or "server 123: #songs"
    result: str  # what was found
    fix: str = ""  # what to do about it; empty when there is nothing to do

    @classmethod
    def ok(cls, what: str, result: str) -> Check:
        return cls(Status.OK, what, result)

    @classmethod
    def warn(cls, what: str, result: str, fix: str = "") -> Check:
        return cls(Status.WARN, what, result, fix)

    @classmethod
    def fail(cls, what: str, result: str, fix: str) -> Check:
        return cls(Status.FAIL, what, result, fix)


_WHAT_WIDTH = 26  # "server " and a snowflake
_LINE_WIDTH = 100  # long words (an invite link) are never cut: they must paste whole


def table(checks: Sequence[Check]) -> str:
    """The rows as text: status, what, the result, and under it the fix."""
    lines: list[str] = []
    indent = " " * (6 + _WHAT_WIDTH + 1)
    for check in checks:
        head = f"{check.status.value:<5} {check.what:<{_WHAT_WIDTH}} "
        lines += _wrap(check.result, head, indent) or [head.rstrip()]
        if check.fix:
            lines += _wrap(f"fix: {check.fix}", indent, indent)
    counts = {status: sum(c.status is status for c in checks) for status in Status}
    lines.append("")
    lines.append(", ".join(f"{counts[s]} {s.value}" for s in (Status.FAIL, Status.WARN, Status.OK)))
    return "\n".join(lines)


def _wrap(text: str, first: str, rest: str) -> list[str]:
    return textwrap.wrap(
        text,
        _LINE_WIDTH,
        initial_indent=first,
        subsequent_indent=rest,
        break_long_words=False,
        break_on_hyphens=False,
    )


def failed(checks: Sequence[Check]) -> bool:
    return any(check.status is Status.FAIL for check in checks)
