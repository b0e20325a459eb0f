"""STAND-IN for the /settings engineer's bot/guild_rules.py (issue 10 item 1).

The integrator keeps theirs and deletes this one. It has the agreed public API
and returns the config defaults; ``audit_channel`` comes from the environment
variable SUNO_BOT_TEST_AUDIT_CHANNEL, which only the moderation tests set.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from typing import Literal

from bot.config import Settings


@dataclass(frozen=True)
class RoleQuota:
    member_per_day: int = 0
    member_per_week: int = 0


@dataclass(frozen=True)
class GuildRules:
    song_channels: frozenset[int] = frozenset()
    generate_roles: frozenset[int] = frozenset()
    costly_roles: frozenset[int] = frozenset()
    role_quotas: dict[int, RoleQuota] = field(default_factory=dict)
    monthly_usd: float = 0.0
    remix_by: Literal["everyone", "requester"] = "everyone"
    default_model: str = ""
    audit_channel: int | None = None


class GuildRulesBook:
    def __init__(self, settings: Settings) -> None:
        self._settings = settings

    async def of(self, guild_id: int) -> GuildRules:
        audit = os.environ.get("SUNO_BOT_TEST_AUDIT_CHANNEL")
        return GuildRules(
            monthly_usd=self._settings.budget.monthly_usd,
            default_model=self._settings.jobs.default_model,
            audit_channel=int(audit) if audit else None,
        )
