"""Vendor HTTP: send one request, retrying only when a retry cannot duplicate work.

Dialect-free on purpose: every adapter (kie, APIXO, Evolink, Kunavo) sends
through ``VendorHttp`` and interprets the returned ``httpx.Response`` itself.
A vendor that reports errors inside HTTP 200 bodies gets a ``classify`` hook,
so those answers are retried exactly like HTTP 429/5xx.

Nothing here logs or raises headers, query strings or full URLs: the API key
travels in a header and some vendors put tokens in query strings.
"""

from __future__ import annotations

import asyncio
import email.utils
import logging
import math
import random
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import httpx

from bot.errors import AnswerLost, ProviderError, TransientProviderError
from bot.providers.base import FailureReason
from bot.providers.settings import HttpProviderSettings

log = logging.getLogger(__name__)

RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})
# Only methods that are safe to repeat after the vendor may have acted on them.
IDEMPOTENT_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
# These fail before a single byte of the request reached the vendor, so even a
# task-creating POST can be retried without risking a duplicate task.
_NOT_SENT: tuple[type[httpx.TransportError], ...] = (
    httpx.ConnectError,
    httpx.ConnectTimeout,
    httpx.PoolTimeout,
)


@dataclass(frozen=True)
class Transient:
    """Why an answer deserves another attempt, in the bot's terms plus the raw code."""

    reason: FailureReason
    code: str
    detail: str = ""


Classifier = Callable[[httpx.Response], Transient | None]
Sleep = Callable[[float], Awaitable[None]]


def default_classify(response: httpx.Response) -> Transient | None:
    """HTTP 429 and 5xx gateway/overload answers are worth retrying; nothing else is."""
    status = response.status_code
    if status not in RETRY_STATUSES:
        return None
    reason = FailureReason.RATE_LIMITED if status == 429 else FailureReason.PROVIDER_ERROR
    return Transient(reason, str(status), response.reason_phrase)


@dataclass(frozen=True)
class RetryPolicy:
    retries: int = 4  # retries after the first attempt
    base_seconds: float = 1.0  # first back-off; doubles per retry
    max_delay: float = 60.0  # a vendor asking for longer is not waited for

    @classmethod
    def from_settings(cls, settings: HttpProviderSettings) -> RetryPolicy:
        return cls(retries=settings.retries, base_seconds=settings.retry_base_seconds)

    def backoff(self, attempt: int) -> float:
        """Seconds before retry ``attempt + 1``: doubling, jittered, capped."""
        delay = self.base_seconds * 2.0**attempt
        # Jitter keeps jobs that failed together from retrying in lock-step.
        # Not security-relevant, hence the plain PRNG.
        delay *= random.uniform(1.0, 1.25)  # noqa: S311
        return min(delay, self.max_delay)


def parse_retry_after(value: str | None, *, now: datetime | None = None) -> float | None:
    """``Retry-After`` as seconds from now: delta-seconds or an HTTP date; None if unreadable."""
    if not value:
        return None
    value = value.strip()
    try:
        seconds = float(value)
    except ValueError:
        try:
            when = email.utils.parsedate_to_datetime(value)
        except (TypeError, ValueError, IndexError):
            return None
        if when.tzinfo is None:
            when = when.replace(tzinfo=UTC)
        seconds = (when - (now or datetime.now(UTC))).total_seconds()
    if not math.isfinite(seconds):
        return None
    return max(0.0, seconds)


class VendorHttp:
    """Sends requests on an ``httpx.AsyncClient`` (which holds base URL and auth)."""

    def __init__(
        self,
        client: httpx.AsyncClient,
        policy: RetryPolicy,
        *,
        classify: Classifier = default_classify,
        sleep: Sleep = asyncio.sleep,
    ) -> None:
        self.client = client
        self.policy = policy
        self._classify = classify
        self._sleep = sleep

    async def request(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, str] | None = None,
        json: Any = None,
        headers: Mapping[str, str] | None = None,
        idempotent: bool | None = None,
    ) -> httpx.Response:
        """Send ``method path`` and return the first answer ``classify`` does not call transient.

        ``idempotent`` defaults to the method's HTTP semantics; pass True for a
        POST the vendor de-duplicates (e.g. with an Idempotency-Key).

        Raises ``TransientProviderError`` when the retries are spent, or at
        once when the vendor asks to wait longer than the policy allows, and
        ``ProviderError`` when a non-idempotent request lost its answer after
        it was sent (the vendor may have acted on it, so it is not repeated),
        or when any attempt of a retried POST did (its task may exist).
        """
        method = method.upper()
        if idempotent is None:
            idempotent = method in IDEMPOTENT_METHODS
        where = httpx.URL(path).path  # for logs: never the query or host
        # A non-safe method (a submit) whose answer was lost after sending may
        # have made a task; even when retries are allowed (an Idempotency-Key),
        # giving up must then not say "nothing was made" (TransientProviderError),
        # or the runner would move the job to another vendor and run it twice.
        lost_after_send: str | None = None
        attempt = 0
        while True:
            retry_after: float | None = None
            try:
                response = await self.client.request(
                    method, path, params=params, json=json, headers=headers
                )
            except _NOT_SENT as exc:
                failure = Transient(
                    FailureReason.PROVIDER_ERROR, type(exc).__name__, "could not reach the vendor"
                )
            except httpx.TransportError as exc:
                if not idempotent:
                    log.warning(
                        "%s %s: %s after sending; not retried, the vendor may have acted on it",
                        method,
                        where,
                        type(exc).__name__,
                    )
                    # `from None`: httpx exceptions carry the request, which we keep out of logs.
                    raise AnswerLost(
                        type(exc).__name__,
                        "no answer after the request was sent; not retried because the vendor "
                        "may have acted on it",
                    ) from None
                failure = Transient(
                    FailureReason.PROVIDER_ERROR, type(exc).__name__, "no answer from the vendor"
                )
                if method not in IDEMPOTENT_METHODS:
                    lost_after_send = type(exc).__name__
            except httpx.HTTPError as exc:
                raise ProviderError(
                    FailureReason.PROVIDER_ERROR, type(exc).__name__, "the request failed"
                ) from None
            else:
                maybe = self._classify(response)
                if maybe is None:
                    return response
                failure = maybe
                retry_after = parse_retry_after(response.headers.get("Retry-After"))

            delay = self._delay(attempt, retry_after)
            if delay is None or attempt >= self.policy.retries:
                log.warning(
                    "%s %s: %s; giving up after %d attempt(s)%s",
                    method,
                    where,
                    failure.code,
                    attempt + 1,
                    f" (vendor asked to wait {retry_after:.0f}s)" if delay is None else "",
                )
                if lost_after_send is not None:
                    raise AnswerLost(
                        lost_after_send,
                        "an earlier attempt lost its answer after it was sent; the vendor may "
                        "have acted on it",
                    )
                raise TransientProviderError(
                    failure.reason, failure.code, failure.detail, retry_after
                )
            attempt += 1
            log.info(
                "%s %s: %s; retry %d/%d in %.2fs",
                method,
                where,
                failure.code,
                attempt,
                self.policy.retries,
                delay,
            )
            await self._sleep(delay)

    def _delay(self, attempt: int, retry_after: float | None) -> float | None:
        """Seconds to wait before the next attempt; None when the vendor wants too long."""
        if retry_after is None:
            return self.policy.backoff(attempt)
        if retry_after > self.policy.max_delay:
            return None
        return retry_after
