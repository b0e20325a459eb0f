"""What /metrics reads from the database at each scrape, beside the counters.

The counters the work increments live in the foundation (``bot.telemetry.counters``,
whose ``REGISTRY`` /metrics serves). What the database already holds (jobs by
state, the line, money spent) is not counted but read from it at each scrape
(``JobCensusCollector``), so it is right after a restart.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence

from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

from bot.jobs.models import Stage
from bot.jobs.store import CensusRow
from bot.telemetry.counters import PREFIX

_CREDITS_DOC = "Vendor credits jobs cost (refunds deducted)."


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
    family = GaugeMetricFamily(PREFIX + name, doc, labels=[label])
    for key, value in sorted(values.items()):
        family.add_metric([key], value)
    return family
