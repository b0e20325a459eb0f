"""/healthz and /metrics over real HTTP, with a real database and a discord.py client."""

from __future__ import annotations

import itertools
from collections.abc import AsyncIterator
from pathlib import Path

import aiohttp
import discord
import pytest
import pytest_asyncio
from prometheus_client import CollectorRegistry

from bot.config import HealthSettings, load_settings
from bot.errors import ConfigError, FailureReason, StartupError
from bot.jobs.models import Job
from bot.jobs.pacing import Pacing
from bot.jobs.store import JobStore
from bot.ops import metrics
from bot.ops.health import HealthServer
from bot.providers.base import TaskState
from bot.telemetry import counters, provider_status
from tests.factories import shown_job

_ids = itertools.count()


def job(**fields: object) -> Job:
    return shown_job(id=f"job{next(_ids)}", **fields)


@pytest_asyncio.fixture
async def server(store: JobStore) -> AsyncIterator[HealthServer]:
    pacing = Pacing({})
    health = HealthServer(
        HealthSettings(enabled=True, listen_port=0),
        discord.Client(intents=discord.Intents.none()),
        store,
        ["kie", "apixo"],
        pacing,
    )
    await health.start()
    yield health
    await health.stop()


async def get(health: HealthServer, path: str) -> tuple[int, str]:
    async with (
        aiohttp.ClientSession() as session,
        session.get(f"http://127.0.0.1:{health.port}{path}") as response,
    ):
        return response.status, await response.text()


async def test_census_counts_jobs_by_state_line_and_spending(store: JobStore) -> None:
    await store.add(job())  # waiting in line at kie
    await store.add(job(provider="apixo", vendor_task_id="t1", state=TaskState.RUNNING))
    await store.add(
        job(vendor_task_id="t2", state=TaskState.SUCCEEDED, result_message_id=9, cost_usd=0.5)
    )
    await store.add(
        job(vendor_task_id="t3", state=TaskState.SUCCEEDED, closed_at=5, cost_credits=12.0)
    )
    collector = metrics.JobCensusCollector(["kie", "apixo", "evolink"])
    collector.use(await store.census())
    registry = CollectorRegistry()
    registry.register(collector)

    def value(name: str, **labels: str) -> float | None:
        return registry.get_sample_value(f"suno_bot_{name}", labels)

    assert value("jobs", state="waiting") == 1
    assert value("jobs", state="running") == 1
    assert value("jobs", state="done") == 1
    assert value("jobs", state="undelivered") == 1
    assert value("jobs", state="cancelled") == 0  # every state is shown, for alerts to see
    assert value("jobs_waiting", provider="kie") == 1
    assert value("jobs_waiting", provider="apixo") == 0
    assert value("jobs_waiting", provider="evolink") == 0  # configured, never used: still shown
    assert value("spent_usd", provider="kie") == 0.5
    assert value("spent_credits", provider="kie") == 12


async def test_healthz_names_each_problem(server: HealthServer) -> None:
    server._pacing.of("kie").pause(30)
    provider_status.refused("apixo", FailureReason.INSUFFICIENT_CREDITS)
    try:
        status, body = await get(server, "/healthz")
    finally:
        provider_status.accepted("apixo")
    assert status == 503
    assert '"discord": "not connected to the Gateway yet"' in body
    assert '"database": "ok"' in body
    assert "rate limited: no submit for 30 s" in body
    assert "refused its last submit: insufficient_credits" in body


async def test_a_job_s_own_fault_leaves_its_provider_usable() -> None:
    provider_status.refused("kie", FailureReason.CONTENT_POLICY)
    assert provider_status.refusal("kie") is None
    provider_status.refused("kie", FailureReason.PROVIDER_ERROR)
    provider_status.accepted("kie")
    assert provider_status.refusal("kie") is None


async def test_metrics_serve_the_registry_in_prometheus_text(
    server: HealthServer, store: JobStore
) -> None:
    await store.add(job())
    counters.vendor_error("kie", FailureReason.TIMEOUT)
    status, body = await get(server, "/metrics")
    assert status == 200
    assert 'suno_bot_jobs{state="waiting"} 1.0' in body
    assert 'suno_bot_vendor_errors_total{provider="kie",reason="timeout"}' in body


async def test_a_taken_port_stops_the_start_with_the_setting_to_change(
    server: HealthServer, store: JobStore
) -> None:
    assert server.port is not None
    taken = HealthServer(
        HealthSettings(enabled=True, listen_port=server.port),
        discord.Client(intents=discord.Intents.none()),
        store,
        ["kie"],
        Pacing({}),
    )
    with pytest.raises(StartupError, match=r"\[health\] listen_port"):
        await taken.start()


def test_status_classes_keep_429_apart() -> None:
    assert [counters.status_class(s) for s in (200, 204, 404, 429, 503)] == [
        "2xx",
        "2xx",
        "4xx",
        "429",
        "5xx",
    ]


def test_bot_health_port_turns_the_endpoint_on_unless_the_config_says_otherwise(
    tmp_path: Path,
) -> None:
    env = {"DISCORD_TOKEN": "t0ken", "BOT_HEALTH_PORT": "9100"}
    plain, own = tmp_path / "plain.toml", tmp_path / "own.toml"
    plain.write_text("")
    own.write_text("[health]\nenabled = false\n")
    every_interface = "0.0.0.0"  # noqa: S104 - in a container, as the image sets it
    assert load_settings(plain, env).health == HealthSettings(
        enabled=True, listen_host=every_interface, listen_port=9100
    )
    assert load_settings(own, env).health.enabled is False
    with pytest.raises(ConfigError, match="BOT_HEALTH_PORT"):
        load_settings(plain, {**env, "BOT_HEALTH_PORT": "http"})
