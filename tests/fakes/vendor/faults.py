"""Scripted faults: queues of one-shot (or n-shot) misbehaviours, and spoiled bodies."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Generic, TypeVar

from aiohttp import web

T = TypeVar("T")
# A dialect's error answer, built fresh for each use: a Response can be sent only once.
Answer = Callable[[], web.Response]
# Spoiled-answer kinds every dialect knows; each adds its own (no_data, no_id, ...).
COMMON_MALFORMED = frozenset({"not_json", "truncated", "disconnect"})


@dataclass
class _Entry(Generic[T]):
    payload: T
    remaining: int
    path_prefix: str


class FaultQueue(Generic[T]):
    """Faults in the order scripted; each is used ``count`` times, then dropped."""

    def __init__(self) -> None:
        self._entries: list[_Entry[T]] = []

    def add(self, payload: T, *, count: int, path_prefix: str = "") -> None:
        self._entries.append(_Entry(payload, count, path_prefix))

    def take(self, path: str = "") -> T | None:
        """Consume one use of the first fault whose prefix matches ``path``."""
        for entry in self._entries:
            if path.startswith(entry.path_prefix):
                entry.remaining -= 1
                if entry.remaining <= 0:
                    self._entries.remove(entry)
                return entry.payload
        return None


@dataclass(frozen=True)
class HttpFault:
    """A request refused before the handler runs, as an overloaded gateway would."""

    status: int
    retry_after: float | str | None
    html: bool


def gateway_page(status: int, headers: dict[str, str]) -> web.Response:
    """The HTML error page a proxy in front of the vendor answers with."""
    page = f"<html><body><h1>{status}</h1>nginx</body></html>"
    return web.Response(status=status, text=page, content_type="text/html", headers=headers)


async def spoil(request: web.Request, kind: str, raw: bytes, status: int) -> web.StreamResponse:
    """A common spoiled answer (see ``COMMON_MALFORMED``) in place of ``raw``."""
    if kind == "not_json":
        return web.Response(
            status=status, text="<html>upstream error</html>", content_type="text/html"
        )
    if kind == "truncated":
        return web.Response(
            status=status, body=raw[: len(raw) // 2], content_type="application/json"
        )
    # disconnect: promise the whole body, send half, hang up.
    cut = web.StreamResponse(status=status, headers={"Content-Type": "application/json"})
    cut.content_length = len(raw)
    await cut.prepare(request)
    await cut.write(raw[: len(raw) // 2])
    if request.transport is not None:
        request.transport.close()
    return cut
