"""The settings of a ``kind = "sandbox"`` entry of ``[[providers]]``."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from bot.providers.settings import ProviderSettingsBase


class SandboxSettings(ProviderSettingsBase):
    kind: Literal["sandbox"]
    price_per_task_usd: float | None = Field(0, ge=0)  # made on this machine: free
    stage_seconds: float = Field(2.0, ge=0)
    track_seconds: float = Field(12.0, gt=0, le=600)
