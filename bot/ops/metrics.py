"""The bot's Prometheus metrics, in a registry of its own (``REGISTRY``), served at /metrics.

The code that does the work calls one function here per event (``submitted``,
``polled``...). Labels stay few: provider names, failure reasons, states and
status classes, never a job, member or server id. What the database already
holds (jobs by state, the line, money spent) is not counted here but read
from it at each scrape (``JobCensusCollector``), so it is right after a restart.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from types import SimpleNamespace

import aiohttp
from prometheus_client import CollectorRegistry, Counter, Histogram, disable_created_metrics
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

from bot.errors import FailureReason
from bot.jobs.models import Stage
from bot.jobs.store import CensusRow
from bot.ops import provider_status

# A "_created" timestamp beside each counter doubles the output and tells an admin nothing.
disable_created_metrics()  # type: ignore[no-untyped-call]  # untyped upstream
REGISTRY = CollectorRegistry()
_PREFIX = "suno_bot_"
_CREDITS_DOC = "Vendor credits jobs cost (refunds deducted)."
# Seconds: a submit is quick but may wait in line; a song takes minutes.
_SUBMIT_BUCKETS = (0.5, 1, 2, 5, 10, 30, 60, 120, 300, 600, 1800)
_COMPLETION_BUCKETS = (15, 30, 60, 90, 120, 180, 240, 300, 450, 600, 900, 1200, 1800)

_SUBMIT_SECONDS = Histogram(
    _PREFIX + "submit_seconds",
    "From a member's request to the vendor accepting its task (waiting in line included).",
    ["provider"],
    buckets=_SUBMIT_BUCKETS,
    registry=REGISTRY,
)
_COMPLETION_SECONDS = Histogram(
    _PREFIX + "completion_seconds",
    "From the vendor accepting a task to its result being ready.",
    ["provider"],
    buckets=_COMPLETION_BUCKETS,
    registry=REGISTRY,
)
_VENDOR_ERRORS = Counter(
    _PREFIX + "vendor_errors",
    "Vendor calls that failed, and tasks the vendor failed, by reason.",
    ["provider", "reason"],
    registry=REGISTRY,
)
_POLLS = Counter(
    _PREFIX + "polls", "Status checks of vendor tasks.", ["provider"], registry=REGISTRY
)
_CALLBACKS = Counter(
    _PREFIX + "callbacks",
    "Vendor callbacks received, accepted (2xx) or refused.",
    ["outcome"],
    registry=REGISTRY,
)
_DISCORD_REQUESTS = Counter(
    _PREFIX + "discord_requests",
    "Requests to Discord (REST calls, and Gateway connections: 1xx) by method and answer:"
    " 2xx, 4xx, 429, 5xx, or error (no answer).",
    ["method", "status"],
    registry=REGISTRY,
)
_DELIVERIES = Counter(
    _PREFIX + "deliveries",
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


class JobCensusCollector(Collector):
    """Jobs by state, jobs waiting per provider and money spent, as the database says.

    ``collect`` cannot wait for the database, so the scrape handler reads the
    census first and hands it over (``use``) just before rendering.
    """

    def __init__(self, providers: Sequence[str]) -> None:
        self._providers = list(providers)  # shown at 0 before any job, as every state is
        self._rows: list[CensusRow] = []

    def use(self, rows: Iterable[CensusRow]) -> None:
        self._rows = list(rows)

    def collect(self) -> Iterator[Metric]:
        by_state = dict.fromkeys((stage.value for stage in Stage), 0)  # 0s, for alerts to see
        waiting = dict.fromkeys(self._providers, 0)
        usd = dict.fromkeys(self._providers, 0.0)
        credits = dict.fromkeys(self._providers, 0.0)
        for row in self._rows:
            by_state[row.state] = by_state.get(row.state, 0) + row.jobs
            if row.in_line:
                waiting[row.provider] = waiting.get(row.provider, 0) + row.jobs
            usd[row.provider] = usd.get(row.provider, 0.0) + row.usd
            credits[row.provider] = credits.get(row.provider, 0.0) + row.credits
        yield _gauge("jobs", "Jobs in the database by state.", "state", by_state)
        yield _gauge("jobs_waiting", "Jobs waiting in line for a submit.", "provider", waiting)
        yield _gauge("spent_usd", "US dollars jobs cost (refunds deducted).", "provider", usd)
        yield _gauge("spent_credits", _CREDITS_DOC, "provider", credits)

    def describe(self) -> Iterator[Metric]:
        return iter(())  # the families depend on the data: nothing to check at registration


def _gauge(name: str, doc: str, label: str, values: dict[str, int] | dict[str, float]) -> Metric:
    family = GaugeMetricFamily(_PREFIX + name, doc, labels=[label])
    for key, value in sorted(values.items()):
        family.add_metric([key], value)
    return family
