"""The settings of a ``kind = "apixo"`` entry of ``[[providers]]``."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from bot.providers.settings import HttpProviderSettings


class ApixoSettings(HttpProviderSettings):
    kind: Literal["apixo"]
    base_url: str = "https://api.apixo.ai"
    api_key_env: str = "APIXO_API_KEY"
    price_per_task_usd: float | None = Field(0.12, ge=0)  # published: about $0.12 a task
    # APIXO: 10,000 requests per minute, 1,000 tasks at once.
    submit_rate: str = "10000/60s"
    max_in_flight: int | None = Field(1000, ge=1)
    # APIXO's routing field: "auto" lets the vendor choose between its cheaper
    # "value" route and the "official" one.
    routing: Literal["auto", "value", "official"] = "auto"
