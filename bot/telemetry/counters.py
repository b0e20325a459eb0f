"""The bot's Prometheus counters and histograms, in a registry of their own (``REGISTRY``).

A foundation: the job steps, delivery and the callback receiver call one
function here per event (``submitted``, ``polled``...), and the admin's
/metrics endpoint (``bot.ops.metrics``, ``bot.ops.health``) serves the registry.
So it imports nothing of the job service, the admin's tools or Discord. Labels
stay few: provider names, failure reasons, states and status classes, never a
job, member or server id. What the database holds is not counted here: the
admin's side reads it at each scrape.
"""

from __future__ import annotations

from types import SimpleNamespace

import aiohttp
from prometheus_client import CollectorRegistry, Counter, Histogram, disable_created_metrics

from bot.errors import FailureReason
from bot.telemetry import provider_status

# A "_created" timestamp beside each counter doubles the output and tells an admin nothing.
disable_created_metrics()  # type: ignore[no-untyped-call]  # untyped upstream
REGISTRY = CollectorRegistry()
PREFIX = "suno_bot_"
# Seconds: a submit is quick but may wait in line; a song takes minutes.
_SUBMIT_BUCKETS = (0.5, 1, 2, 5, 10, 30, 60, 120, 300, 600, 1800)
_COMPLETION_BUCKETS = (15, 30, 60, 90, 120, 180, 240, 300, 450, 600, 900, 1200, 1800)

_SUBMIT_SECONDS = Histogram(
    PREFIX + "submit_seconds",
    "From a member's request to the vendor accepting its task (waiting in line included).",
    ["provider"],
    buckets=_SUBMIT_BUCKETS,
    registry=REGISTRY,
)
_COMPLETION_SECONDS = Histogram(
    PREFIX + "completion_seconds",
    "From the vendor accepting a task to its result being ready.",
    ["provider"],
    buckets=_COMPLETION_BUCKETS,
    registry=REGISTRY,
)
_VENDOR_ERRORS = Counter(
    PREFIX + "vendor_errors",
    "Vendor calls that failed, and tasks the vendor failed, by reason.",
    ["provider", "reason"],
    registry=REGISTRY,
)
_POLLS = Counter(
    PREFIX + "polls", "Status checks of vendor tasks.", ["provider"], registry=REGISTRY
)
_CALLBACKS = Counter(
    PREFIX + "callbacks",
    "Vendor callbacks received, accepted (2xx) or refused.",
    ["outcome"],
    registry=REGISTRY,
)
_DISCORD_REQUESTS = Counter(
    PREFIX + "discord_requests",
    "Requests to Discord (REST calls, and Gateway connections: 1xx) by method and answer:"
    " 2xx, 4xx, 429, 5xx, or error (no answer).",
    ["method", "status"],
    registry=REGISTRY,
)
_DELIVERIES = Counter(
    PREFIX + "deliveries",
    "Finished songs posted to Discord, or given up on (undelivered).",
    ["outcome"],
    registry=REGISTRY,
)


def submitted(provider: str, seconds: float) -> None:
    """A vendor accepted a task ``seconds`` after the member asked for it."""
    _SUBMIT_SECONDS.labels(provider).observe(max(0.0, seconds))
    provider_status.accepted(provider)


def submit_failed(provider: str, reason: FailureReason) -> None:
    """A submit failed: an error, and maybe a sign the provider cannot take work now."""
    vendor_error(provider, reason)
    provider_status.refused(provider, reason)


def vendor_error(provider: str, reason: FailureReason) -> None:
    _VENDOR_ERRORS.labels(provider, reason.value).inc()


def completed(provider: str, seconds: float) -> None:
    """A vendor's task finished ``seconds`` after it was accepted."""
    _COMPLETION_SECONDS.labels(provider).observe(max(0.0, seconds))


def polled(provider: str) -> None:
    _POLLS.labels(provider).inc()


def callback_answered(status: int) -> None:
    _CALLBACKS.labels("accepted" if status < 300 else "refused").inc()


def delivered(posted: bool) -> None:
    _DELIVERIES.labels("posted" if posted else "undelivered").inc()


def status_class(status: int) -> str:
    """ "2xx", "4xx"...; a 429 is its own class, since rate limits are worth watching apart."""
    return "429" if status == 429 else f"{status // 100}xx"


def discord_trace() -> aiohttp.TraceConfig:
    """For discord.py's ``Client(http_trace=...)``: counts every request to Discord."""

    async def on_end(
        session: aiohttp.ClientSession,
        context: SimpleNamespace,
        params: aiohttp.TraceRequestEndParams,
    ) -> None:
        _DISCORD_REQUESTS.labels(params.method, status_class(params.response.status)).inc()

    async def on_error(
        session: aiohttp.ClientSession,
        context: SimpleNamespace,
        params: aiohttp.TraceRequestExceptionParams,
    ) -> None:
        _DISCORD_REQUESTS.labels(params.method, "error").inc()

    trace = aiohttp.TraceConfig()
    trace.on_request_end.append(on_end)
    trace.on_request_exception.append(on_error)
    return trace
