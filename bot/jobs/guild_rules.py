"""Each server's rules: what its admins set with /settings, over config.toml's defaults.

The server's values live in the database (``JobStore.guild_settings``), one JSON
value per key, so they survive restarts; the book keeps them in memory and
updates its copy in the same call that writes a change, so the next command
already sees it. A key a server never set (or reset) falls back to config.toml.
The server's own blocklist (/blocklist) is read and written through the book too,
straight to the database: the job service reads it at every request.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterable
from dataclasses import dataclass, replace
from typing import Any, Literal

from bot.config import QuotaSettings, Settings
from bot.jobs.store import JobStore

# Every key /settings can set, in the order /settings show lists them.
KEYS = (
    "song_channels",
    "generate_roles",
    "costly_roles",
    "role_quotas",
    "monthly_usd",
    "remix_by",
    "default_model",
    "audit_channel",
)
Source = Literal["server", "config.toml"]


@dataclass(frozen=True)
class RoleQuota:
    """How many songs a member with a role may ask for; 0: no limit."""

    member_per_day: int
    member_per_week: int


@dataclass(frozen=True)
class GuildRules:
    """One server's rules: its /settings over config.toml."""

    song_channels: frozenset[int]  # empty: any channel the bot can post in
    generate_roles: frozenset[int]  # empty: everyone may generate
    costly_roles: frozenset[int]  # empty: everyone may use extend/cover/WAV/stems/video
    role_quotas: dict[int, RoleQuota]  # role id -> its member_per_day / member_per_week (0: none)
    monthly_usd: float  # 0: no budget
    remix_by: Literal["everyone", "requester"]
    default_model: str
    audit_channel: int | None


def member_quota(rules: GuildRules, role_ids: Iterable[int], fallback: QuotaSettings) -> RoleQuota:
    """A member's daily and weekly quota: the most generous of their roles' (0 beats any
    number, as it sets no limit); without a quota role, config.toml's ``[quotas]``."""
    quotas = [rules.role_quotas[r] for r in role_ids if r in rules.role_quotas]
    if not quotas:
        return RoleQuota(fallback.member_per_day, fallback.member_per_week)
    return RoleQuota(
        _generous(q.member_per_day for q in quotas), _generous(q.member_per_week for q in quotas)
    )


def _generous(limits: Iterable[int]) -> int:
    amounts = list(limits)
    return 0 if 0 in amounts else max(amounts)


class GuildRulesBook:
    """Every server's rules, read once from the database and kept up to date in memory."""

    def __init__(self, store: JobStore, settings: Settings) -> None:
        self._store = store
        self._defaults = GuildRules(
            song_channels=frozenset(),
            generate_roles=frozenset(),
            costly_roles=frozenset(),
            role_quotas={},
            monthly_usd=settings.budget.monthly_usd,
            remix_by=settings.actions.remix_by,
            default_model=settings.jobs.default_model,
            audit_channel=None,
        )
        self._values: dict[int, dict[str, Any]] = {}  # guild id -> its set keys, decoded
        # One load or change at a time, so a slow load cannot overwrite a newer change.
        self._lock = asyncio.Lock()

    async def of(self, guild_id: int) -> GuildRules:
        values = await self._load(guild_id)
        return replace(self._defaults, **values)

    def sources(self, guild_id: int) -> dict[str, Source]:
        """Where each value of a loaded server comes from."""
        values = self._values.get(guild_id, {})
        return {key: "server" if key in values else "config.toml" for key in KEYS}

    async def set(self, guild_id: int, key: str, value: Any) -> GuildRules:
        """Store a checked ``value`` for ``key`` (as ``GuildRules`` holds it); effective at once."""
        await self._change(guild_id, key, value)
        return await self.of(guild_id)

    async def reset(self, guild_id: int, key: str) -> GuildRules:
        """Forget the server's value of ``key``: config.toml's applies again."""
        await self._change(guild_id, key, None)
        return await self.of(guild_id)

    async def blocked_terms(self, guild_id: int) -> list[tuple[str, str]]:
        """The server's own blocked terms and their kinds (not the default list), by kind then
        term."""
        return await self._store.blocked_terms(guild_id)

    async def block(self, guild_id: int, term: str, kind: str) -> bool:
        """Add the normalised ``term`` to the server's blocklist; False if it was there already."""
        return await self._store.block_term(guild_id, term, kind)

    async def unblock(self, guild_id: int, term: str) -> bool:
        """Take the normalised ``term`` off the server's blocklist; False if it was not on it."""
        return await self._store.unblock_term(guild_id, term)

    async def _load(self, guild_id: int) -> dict[str, Any]:
        async with self._lock:
            if guild_id not in self._values:
                stored = await self._store.guild_settings(guild_id)
                self._values[guild_id] = {
                    key: _decode(key, json.loads(raw)) for key, raw in stored.items() if key in KEYS
                }
            return self._values[guild_id]

    async def _change(self, guild_id: int, key: str, value: Any) -> None:
        if key not in KEYS:
            raise KeyError(key)
        await self._load(guild_id)
        async with self._lock:
            raw = None if value is None else json.dumps(_encode(value))
            await self._store.set_guild_setting(guild_id, key, raw)
            if value is None:
                self._values[guild_id].pop(key, None)
            else:
                self._values[guild_id][key] = _decode(key, _encode(value))


def _encode(value: Any) -> Any:
    """A ``GuildRules`` value as JSON data (sets as sorted lists, role quotas as pairs)."""
    if isinstance(value, set | frozenset | list | tuple):
        return sorted(value)
    if isinstance(value, dict):
        return {str(role): [q.member_per_day, q.member_per_week] for role, q in value.items()}
    return value


def _decode(key: str, data: Any) -> Any:
    if key in ("song_channels", "generate_roles", "costly_roles"):
        return frozenset(int(i) for i in data)
    if key == "role_quotas":
        return {int(role): RoleQuota(int(day), int(week)) for role, (day, week) in data.items()}
    return data
