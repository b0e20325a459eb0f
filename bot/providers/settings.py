"""What the settings of every ``[[providers]]`` entry share, and of every HTTP vendor's.

Each vendor's package holds its own settings class (``bot.providers.kie.settings``...);
``bot.config`` composes them into ``Settings``. Nothing here knows of the
configuration file or of Discord.
"""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, SecretStr, field_validator

from bot.providers.base import FailureReason, Operation, PollPolicy, Price
from bot.providers.catalog import MODELS
from bot.providers.submit_rate import SubmitRate


class ProviderSettingsBase(BaseModel):
    # A misspelt key is an error, not a silently ignored line.
    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str = Field(min_length=1, max_length=40)
    priority: int = 0  # lower goes first
    # Catalog keys this entry offers; empty offers every model the vendor knows.
    models: list[str] = []
    poll_first_seconds: float | None = Field(None, gt=0)
    poll_interval_seconds: float | None = Field(None, gt=0)
    poll_backoff: float | None = Field(None, ge=1)
    poll_max_interval_seconds: float | None = Field(None, gt=0)
    # What one task costs (None: unknown), and per-operation overrides, e.g. {wav = 0.02}.
    price_per_task_usd: float | None = Field(None, ge=0)
    credits_per_task: float | None = Field(None, ge=0)
    operation_prices_usd: dict[Operation, Annotated[float, Field(ge=0)]] = {}
    operation_credits: dict[Operation, Annotated[float, Field(ge=0)]] = {}
    # Pacing: at most this many new tasks per period ("20/10s"; "" for no limit) and
    # tasks running at once (None: no cap); each vendor's default is its documented limit.
    submit_rate: str = ""
    max_in_flight: int | None = Field(None, ge=1)
    # Off by default: a new song whose wait in this entry's line would be longer
    # goes to the next provider that can make it.
    overflow_after_minutes: float | None = Field(None, gt=0)

    @field_validator("submit_rate")
    @classmethod
    def _readable_rate(cls, rate: str) -> str:
        if rate:
            SubmitRate.parse(rate)
        return rate

    @property
    def rate(self) -> SubmitRate | None:
        return SubmitRate.parse(self.submit_rate) if self.submit_rate else None

    @field_validator("models")
    @classmethod
    def _known_models(cls, models: list[str]) -> list[str]:
        unknown = [m for m in models if m not in MODELS]
        if unknown:
            raise ValueError(f"unknown model {unknown[0]!r}; known: {', '.join(MODELS)}")
        return models

    def poll_policy(self, default: PollPolicy) -> PollPolicy:
        """The vendor's advised cadence with this entry's overrides applied."""
        return PollPolicy(
            first_delay=self.poll_first_seconds or default.first_delay,
            interval=self.poll_interval_seconds or default.interval,
            backoff=self.poll_backoff or default.backoff,
            max_interval=self.poll_max_interval_seconds or default.max_interval,
        )

    def price(self) -> Price:
        return Price(
            usd=self.price_per_task_usd,
            credits=self.credits_per_task,
            usd_by_operation=self.operation_prices_usd,
            credits_by_operation=self.operation_credits,
        )


class HttpProviderSettings(ProviderSettingsBase):
    base_url: str
    # Name of the environment variable that holds the key; the key itself never sits in a file.
    api_key_env: str
    api_key: SecretStr = Field(SecretStr(""), exclude=True)
    timeout_seconds: float = Field(30, gt=0)
    retries: int = Field(4, ge=0, le=10)
    retry_base_seconds: float = Field(1.0, gt=0)  # first back-off; doubles per retry
    # Vendor code -> reason, merged over the dialect's own table (for resellers).
    error_reasons: dict[str, FailureReason] = {}
    # Variable holding the secret that signs this vendor's callbacks (empty: unsigned).
    webhook_secret_env: str = ""
    webhook_secret: SecretStr = Field(SecretStr(""), exclude=True)
