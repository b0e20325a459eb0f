"""/healthz and /metrics scraped over HTTP from the running bot, as Docker and Prometheus do."""

from __future__ import annotations

import asyncio
import json
import re
import sqlite3
from collections.abc import Awaitable, Callable
from pathlib import Path

import aiohttp
from prometheus_client.parser import text_string_to_metric_families

from tests.e2e.botproc import BotProcess, kie_provider
from tests.e2e.conftest import Launcher
from tests.e2e.helpers import generate, wait_results
from tests.fakes.discord import FakeDiscord
from tests.fakes.kie import KieEmulator

HEALTH = "[health]\nenabled = true\nlisten_port = 0\n"
_LISTENING = re.compile(r"health endpoint listening on port (\d+)")


class Scraper:
    def __init__(self, port: int) -> None:
        self.base = f"http://127.0.0.1:{port}"

    async def healthz(self) -> tuple[int, dict[str, object]]:
        async with aiohttp.ClientSession() as session, session.get(self.base + "/healthz") as r:
            return r.status, json.loads(await r.text())

    async def metrics(self) -> dict[tuple[str, frozenset[tuple[str, str]]], float]:
        async with aiohttp.ClientSession() as session, session.get(self.base + "/metrics") as r:
            assert r.status == 200
            text = await r.text()
        return {
            (s.name, frozenset(s.labels.items())): s.value
            for family in text_string_to_metric_families(text)
            for s in family.samples
        }


def sample(
    scraped: dict[tuple[str, frozenset[tuple[str, str]]], float], name: str, **labels: str
) -> float:
    return scraped.get((name, frozenset(labels.items())), 0.0)


async def scraper_of(fake: FakeDiscord, bot: BotProcess) -> Scraper:
    await fake.wait_for(lambda: _LISTENING.search(bot.log) is not None)
    return Scraper(int(_LISTENING.findall(bot.log)[-1]))


async def until(check: Callable[[], Awaitable[bool]], timeout: float = 30) -> None:  # noqa: ASYNC109
    """Ask again and again, as a supervisor does: the bot's state lives in another process."""
    async with asyncio.timeout(timeout):
        while not await check():  # noqa: ASYNC110 - no event crosses the process boundary
            await asyncio.sleep(0.2)


async def healthy(scraper: Scraper) -> bool:
    return (await scraper.healthz())[0] == 200


async def test_metrics_count_a_finished_job_a_vendor_error_and_discord_429s(
    bots: Launcher, discord_fake: FakeDiscord, kie: KieEmulator, member: int
) -> None:
    bot = await bots.start(extra=HEALTH, providers=kie_provider(kie.base_url, credits_per_task=12))
    scraper = await scraper_of(discord_fake, bot)
    await until(lambda: healthy(scraper))  # once READY has come through the Gateway

    # The only provider says the account is out of credits: no provider takes work.
    kie.fail_submit(402, "no credits left")
    await generate(discord_fake, member, prompt="a song nobody can pay for")
    await discord_fake.wait_for(lambda: "failed: insufficient_credits" in bot.log)
    status, body = await scraper.healthz()
    assert status == 503
    assert body["providers"] == {"kie": "refused its last submit: insufficient_credits"}

    # The next song goes through, though Discord rate-limits its first post once.
    discord_fake.fail_next("POST", r"/channels/\d+/messages", status=429, retry_after=0.1)
    await generate(discord_fake, member, prompt="a song paid for")
    await wait_results(discord_fake, 1)

    async def delivered() -> bool:
        return sample(await scraper.metrics(), "suno_bot_deliveries_total", outcome="posted") == 1

    await until(delivered)
    scraped = await scraper.metrics()
    assert sample(scraped, "suno_bot_jobs", state="done") == 1
    assert sample(scraped, "suno_bot_jobs", state="failed") == 1
    assert sample(scraped, "suno_bot_jobs_waiting", provider="kie") == 0
    assert sample(scraped, "suno_bot_submit_seconds_count", provider="kie") == 1
    assert sample(scraped, "suno_bot_completion_seconds_count", provider="kie") == 1
    assert sample(scraped, "suno_bot_polls_total", provider="kie") >= 1
    errors = sample(
        scraped, "suno_bot_vendor_errors_total", provider="kie", reason="insufficient_credits"
    )
    assert errors == 1
    assert sample(scraped, "suno_bot_spent_credits", provider="kie") == 12
    assert sample(scraped, "suno_bot_discord_requests_total", method="POST", status="429") == 1
    assert sample(scraped, "suno_bot_discord_requests_total", method="POST", status="2xx") >= 2
    status, body = await scraper.healthz()
    assert (status, body["providers"]) == (200, {"kie": "ok"}), body


async def test_healthz_fails_while_the_database_is_locked_or_the_gateway_is_down(
    bots: Launcher, discord_fake: FakeDiscord, tmp_path: Path
) -> None:
    bot = await bots.start(extra=HEALTH)
    scraper = await scraper_of(discord_fake, bot)
    await until(lambda: healthy(scraper))

    # Another process (a second bot on the same volume, say) holds the write lock.
    other = sqlite3.connect(tmp_path / "bot.sqlite3", isolation_level=None)
    try:
        other.execute("BEGIN IMMEDIATE")
        status, body = await scraper.healthz()
    finally:
        other.close()
    assert status == 503
    assert body["database"] == "cannot be written: database is locked"
    assert body["discord"] == "ok"
    status, body = await scraper.healthz()
    assert (status, body["database"]) == (200, "ok")

    await discord_fake.take_gateway_down()

    async def unhealthy() -> bool:
        return not await healthy(scraper)

    await until(unhealthy)
    status, body = await scraper.healthz()
    assert (status, body["discord"]) == (503, "disconnected from the Gateway (reconnecting)")
    discord_fake.bring_gateway_back()
    await until(lambda: healthy(scraper))
