"""The settings of a ``kind = "kunavo"`` entry of ``[[providers]]``."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from bot.providers.settings import HttpProviderSettings


class KunavoSettings(HttpProviderSettings):
    kind: Literal["kunavo"]
    base_url: str = "https://api.kunavo.com"
    api_key_env: str = "KUNAVO_API_KEY"
    # Kunavo publishes no limits: a careful guess.
    submit_rate: str = "10/10s"
    max_in_flight: int | None = Field(50, ge=1)
    webhook_secret_env: str = "KUNAVO_WEBHOOK_SECRET"  # noqa: S105 - a variable's name
