"""Each provider's settings: one entry of ``[[providers]]`` in ``config.toml``.

``bot.config`` composes them into ``Settings``; the adapters read them. Nothing
here knows of the configuration file or of Discord.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, SecretStr, field_validator

from bot.jobs.pacing import SubmitRate
from bot.providers.base import FailureReason, Operation, PollPolicy, Price
from bot.providers.catalog import MODELS


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


class SandboxSettings(ProviderSettingsBase):
    kind: Literal["sandbox"]
    price_per_task_usd: float | None = Field(0, ge=0)  # made on this machine: free
    stage_seconds: float = Field(2.0, ge=0)
    track_seconds: float = Field(12.0, gt=0, le=600)


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


class KunavoSettings(HttpProviderSettings):
    kind: Literal["kunavo"]
    base_url: str = "https://api.kunavo.com"
    api_key_env: str = "KUNAVO_API_KEY"
    # Kunavo publishes no limits: a careful guess.
    submit_rate: str = "10/10s"
    max_in_flight: int | None = Field(50, ge=1)
    webhook_secret_env: str = "KUNAVO_WEBHOOK_SECRET"  # noqa: S105 - a variable's name
