"""The settings of a ``kind = "kie"`` entry of ``[[providers]]``."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from bot.providers.settings import HttpProviderSettings


class KieSettings(HttpProviderSettings):
    kind: Literal["kie"]
    base_url: str = "https://api.kie.ai"
    api_key_env: str = "KIE_API_KEY"
    # kie.ai: 20 new tasks per 10 s per account (the excess is refused); 100+ at once.
    submit_rate: str = "20/10s"
    max_in_flight: int | None = Field(100, ge=1)
    # kie.ai requires a callback URL on every create call. Until the webhook
    # receiver exists this is a harmless placeholder the vendor cannot reach.
    callback_url: str = "https://example.invalid/suno-callback"
