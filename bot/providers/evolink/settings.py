"""The settings of a ``kind = "evolink"`` entry of ``[[providers]]``."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from bot.providers.settings import HttpProviderSettings


class EvolinkSettings(HttpProviderSettings):
    kind: Literal["evolink"]
    base_url: str = "https://api.evolink.ai"
    api_key_env: str = "EVOLINK_API_KEY"
    # Published: about $0.111 a song, 8 credits.
    price_per_task_usd: float | None = Field(0.111, ge=0)
    credits_per_task: float | None = Field(8, ge=0)
    # Evolink publishes no limits: a guess as careful as kie.ai's.
    submit_rate: str = "20/10s"
    max_in_flight: int | None = Field(100, ge=1)
    # Newer Evolink docs name models "suno-v5-beta"; set this for such an account.
    beta_models: bool = False
