"""Costs and the monthly budget on a real SQLite file: what a job cost, refunds, the stop."""

from __future__ import annotations

import itertools
from pathlib import Path

import pytest

from bot.config import BudgetSettings, JobSettings
from bot.errors import InputError
from bot.jobs.costs import BudgetWatch, charge, month_start, refund
from bot.jobs.models import Job
from bot.jobs.service import JobService
from bot.jobs.store import JobStore
from bot.providers.apixo import ApixoSettings
from bot.providers.base import FailureReason, GenerateRequest, Operation, Price, TaskState
from bot.providers.evolink import EvolinkSettings
from bot.providers.kie import KieSettings
from bot.providers.sandbox import SandboxProvider, SandboxSettings
from tests.sandbox.helpers import settings as sandbox_settings
from tests.test_admission import Clock, RecordingRunner

# 2023-11-14 22:13:20 UTC: the month began on 2023-11-01.
NOW = 1_700_000_000.0
NOVEMBER = 1_698_796_800.0
_ids = itertools.count()


def paid_job(guild_id: int = 1, user_id: int = 7, cost: float | None = 0.5) -> Job:
    job = Job(
        id=f"j{next(_ids)}",
        guild_id=guild_id,
        channel_id=2,
        user_id=user_id,
        provider="kie",
        request=GenerateRequest(prompt="p", model="v5"),
        created_at=NOW - 60,
        deadline_at=NOW + 600,
    )
    job.vendor_task_id, job.submitted_at, job.cost_usd = "t", NOW - 30, cost
    return job


def test_prices_are_configuration_with_the_vendors_public_prices_as_defaults() -> None:
    key = {"api_key_env": "K"}
    assert ApixoSettings(kind="apixo", name="a", **key).price() == Price(usd=0.12)
    assert EvolinkSettings(kind="evolink", name="e", **key).price() == Price(usd=0.111, credits=8)
    # kie.ai publishes no price: unknown, not zero.
    assert KieSettings(kind="kie", name="k").price() == Price()
    assert SandboxSettings(kind="sandbox", name="s").price().usd_for(Operation.SONG) == 0
    custom = KieSettings(
        kind="kie", name="k", price_per_task_usd=0.1, operation_prices_usd={"wav": 0.02}
    ).price()
    assert custom.usd_for(Operation.SONG) == 0.1
    assert custom.usd_for(Operation.WAV) == 0.02


def test_a_job_costs_its_price_twice_when_a_crash_may_have_made_a_second_task() -> None:
    job = paid_job(cost=None)
    charge(job, Price(usd=0.12, credits=12))
    assert (job.cost_usd, job.cost_credits) == (0.12, 12)
    job.possible_duplicate = True
    charge(job, Price(usd=0.12, credits=12))
    assert (job.cost_usd, job.cost_credits) == (0.24, 24)
    unknown = paid_job(cost=None)
    charge(unknown, Price())
    assert (unknown.cost_usd, unknown.cost_credits) == (None, None)


def test_a_failed_task_is_refunded_but_one_given_up_at_the_deadline_is_not() -> None:
    failed = paid_job()
    failed.state, failed.failure = TaskState.FAILED, FailureReason.PROVIDER_ERROR
    refund(failed)
    assert failed.cost_usd == 0
    late = paid_job()
    late.state, late.failure = TaskState.FAILED, FailureReason.TIMEOUT
    refund(late)
    assert late.cost_usd == 0.5


def test_the_month_starts_at_midnight_utc_on_the_first() -> None:
    assert month_start(NOW) == NOVEMBER


async def test_spending_counts_this_months_costs_of_the_server_only(tmp_path: Path) -> None:
    store = await JobStore.open(tmp_path / "jobs.sqlite3")
    old = paid_job(cost=5.0)
    old.submitted_at = NOVEMBER - 1
    for job in (paid_job(), paid_job(user_id=8, cost=0.25), paid_job(guild_id=2), old):
        await store.add(job)
    assert await store.spent(1, NOVEMBER) == pytest.approx(0.75)
    by_member = await store.spending_by_member(1, NOVEMBER)
    assert by_member == [(7, pytest.approx(0.5), 1), (8, pytest.approx(0.25), 1)]
    assert await store.spending_by_day(1, NOVEMBER) == [("2023-11-14", pytest.approx(0.75))]
    await store.close()


def make_service(store: JobStore, monthly_usd: float, free: bool = False) -> JobService:
    provider = SandboxProvider(sandbox_settings())
    if not free:
        provider.price = Price(usd=0.5)
    return JobService(
        store,
        RecordingRunner(),  # type: ignore[arg-type]
        [provider],
        JobSettings(max_active_per_member=10),
        budget=BudgetSettings(monthly_usd=monthly_usd),
        clock=Clock(),
    )


async def test_a_spent_budget_refuses_paid_jobs_but_not_free_ones(tmp_path: Path) -> None:
    store = await JobStore.open(tmp_path / "jobs.sqlite3")
    for _ in range(2):
        await store.add(paid_job())
    request = GenerateRequest(prompt="one more", model="v5")
    where = {"guild_id": 1, "channel_id": 2, "user_id": 9, "upload_limit": None}
    with pytest.raises(InputError, match=r"spent its monthly budget of \$1\.00"):
        await make_service(store, 1.0).create(request, **where)
    assert len(await store.unfinished()) == 2  # nothing stored
    # Another server, a bigger budget, or a free provider: accepted.
    await make_service(store, 1.0).create(request, **{**where, "guild_id": 2})
    await make_service(store, 1.5).create(request, **where)
    await make_service(store, 1.0, free=True).create(request, **where)
    await store.close()


async def test_moderators_are_warned_once_a_month_at_80_percent(tmp_path: Path) -> None:
    path = tmp_path / "jobs.sqlite3"
    store = await JobStore.open(path)
    watch = BudgetWatch(store, BudgetSettings(monthly_usd=1.0), clock=lambda: NOW)
    first = paid_job()
    await store.add(first)
    assert await watch.warning(first) is None  # 50%
    second = paid_job(cost=0.3)
    await store.add(second)
    text = await watch.warning(second)
    assert text is not None
    assert "$0.80 of its $1.00 monthly budget (80%" in text
    assert await watch.warning(second) is None
    await store.close()
    # Once, even across a restart.
    store = await JobStore.open(path)
    watch = BudgetWatch(store, BudgetSettings(monthly_usd=1.0), clock=lambda: NOW)
    assert await watch.warning(second) is None
    await store.close()


async def test_songs_waiting_in_line_count_against_the_budget_at_their_price(
    tmp_path: Path,
) -> None:
    # A busy server queues faster than vendors accept: what waits is spent already.
    store = await JobStore.open(tmp_path / "jobs.sqlite3")
    service = make_service(store, 1.0)
    request = GenerateRequest(prompt="a song", model="v5")
    where = {"guild_id": 1, "channel_id": 2, "user_id": 9, "upload_limit": None}
    for _ in range(2):
        await service.create(request, **where)  # $0.50 each, neither submitted yet
    with pytest.raises(InputError, match=r"\$1\.00 spent or waiting in line"):
        await service.create(request, **where)
    await store.close()
