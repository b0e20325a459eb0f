"""STAND-IN for the /settings engineer's bot/guild_rules.py (issue 10): the integrator replaces it.

Same public API; every server gets config.toml's rules, nothing is stored.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from bot.config import Settings


@dataclass(frozen=True)
class RoleQuota:
    member_per_day: int  # 0: none
    member_per_week: int  # 0: none


@dataclass(frozen=True)
class GuildRules:
    """One server's rules: its /settings over config.toml."""

    song_channels: frozenset[int]  # empty: any channel the bot can post in
    generate_roles: frozenset[int]  # empty: everyone may generate
    costly_roles: frozenset[int]  # empty: everyone may use extend/cover/WAV/stems/video
    role_quotas: dict[int, RoleQuota]  # role id -> its quotas
    monthly_usd: float  # 0: no budget
    remix_by: Literal["everyone", "requester"]
    default_model: str
    audit_channel: int | None


class GuildRulesBook:
    """Each server's rules; on MusicBot as ``bot.rules``."""

    def __init__(self, settings: Settings) -> None:
        self._settings = settings

    async def of(self, guild_id: int) -> GuildRules:
        settings = self._settings
        return GuildRules(
            song_channels=frozenset(),
            generate_roles=frozenset(),
            costly_roles=frozenset(),
            role_quotas={},
            monthly_usd=settings.budget.monthly_usd,
            remix_by=settings.actions.remix_by,
            default_model=settings.jobs.default_model,
            audit_channel=None,
        )
