"""Each server's /settings over config.toml: merge order, the cache, and restarts."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest_asyncio
from pydantic import SecretStr

from bot.config import (
    ActionSettings,
    BudgetSettings,
    DiscordSettings,
    JobSettings,
    QuotaSettings,
    Settings,
)
from bot.jobs.guild_rules import GuildRulesBook, RoleQuota, member_quota
from bot.jobs.store import JobStore

GUILD, OTHER = 10, 20


@pytest_asyncio.fixture
async def store(tmp_path: Path) -> AsyncIterator[JobStore]:
    opened = await JobStore.open(tmp_path / "db.sqlite3")
    yield opened
    await opened.close()


def config() -> Settings:
    return Settings(
        discord=DiscordSettings(token=SecretStr("x")),
        jobs=JobSettings(default_model="v4.5"),
        actions=ActionSettings(remix_by="requester"),
        quotas=QuotaSettings(member_per_day=2, member_per_week=5),
        budget=BudgetSettings(monthly_usd=30),
    )


async def test_a_server_value_overrides_config_and_only_for_that_server(store: JobStore) -> None:
    book = GuildRulesBook(store, config())
    fresh = await book.of(GUILD)
    assert (fresh.remix_by, fresh.default_model, fresh.monthly_usd) == ("requester", "v4.5", 30)
    assert fresh.song_channels == frozenset()
    assert fresh.audit_channel is None
    assert book.sources(GUILD)["remix_by"] == "config.toml"

    await book.set(GUILD, "remix_by", "everyone")
    await book.set(GUILD, "song_channels", [5, 6])
    await book.set(GUILD, "role_quotas", {7: RoleQuota(10, 0)})
    rules = await book.of(GUILD)  # at once: no restart, no re-read needed
    assert rules.remix_by == "everyone"
    assert rules.song_channels == frozenset({5, 6})
    assert rules.role_quotas == {7: RoleQuota(10, 0)}
    assert book.sources(GUILD)["remix_by"] == "server"
    assert (await book.of(OTHER)).remix_by == "requester"

    await book.reset(GUILD, "remix_by")
    assert (await book.of(GUILD)).remix_by == "requester"
    assert book.sources(GUILD)["remix_by"] == "config.toml"


async def test_settings_survive_reopening_the_database(tmp_path: Path) -> None:
    store = await JobStore.open(tmp_path / "db.sqlite3")
    book = GuildRulesBook(store, config())
    await book.set(GUILD, "monthly_usd", 12.5)
    await book.set(GUILD, "audit_channel", 99)
    await book.set(GUILD, "role_quotas", {7: RoleQuota(10, 40)})
    await store.close()

    store = await JobStore.open(tmp_path / "db.sqlite3")
    try:
        rules = await GuildRulesBook(store, config()).of(GUILD)
    finally:
        await store.close()
    assert rules.monthly_usd == 12.5
    assert rules.audit_channel == 99
    assert rules.role_quotas == {7: RoleQuota(10, 40)}


async def test_a_member_gets_the_most_generous_quota_of_their_roles(store: JobStore) -> None:
    book = GuildRulesBook(store, config())
    await book.set(GUILD, "role_quotas", {7: RoleQuota(10, 20), 8: RoleQuota(4, 0)})
    rules = await book.of(GUILD)
    fallback = config().quotas
    assert member_quota(rules, [1], fallback) == RoleQuota(2, 5)  # no quota role: config
    assert member_quota(rules, [7], fallback) == RoleQuota(10, 20)
    assert member_quota(rules, [7, 8], fallback) == RoleQuota(10, 0)  # 0: no weekly limit
