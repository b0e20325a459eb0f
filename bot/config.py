"""Typed settings: ``config.toml`` for everything, the environment for secrets.

``load_settings`` either returns complete, valid settings or raises one
``ConfigError`` that says, in the admin's words, which key of which table is
wrong and how (see ``bot.config_errors``); ``python -m bot`` prints that line
and exits non-zero.
"""

from __future__ import annotations

import os
import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Annotated, Any, Literal, get_args

from pydantic import (
    AliasChoices,
    BaseModel,
    ConfigDict,
    Field,
    SecretStr,
    ValidationError,
    field_validator,
    model_validator,
)

from bot.config_errors import Schema, explain, provider_label
from bot.errors import ConfigError
from bot.media.settings import MediaSettings
from bot.providers.catalog import MODELS
from bot.providers.registry import ProviderSettings as AnyProviderSettings
from bot.providers.registry import vendor_models
from bot.providers.sandbox import SandboxSettings
from bot.providers.settings import HttpProviderSettings, ProviderSettingsBase

DEFAULT_CONFIG_PATH = Path("config.toml")


class _Section(BaseModel):
    # A misspelt key is an error, not a silently ignored line.
    model_config = ConfigDict(extra="forbid", frozen=True)


class DiscordSettings(_Section):
    token: SecretStr = Field(exclude=True)
    # Both endpoints are overridable: a REST rate-limit proxy needs api_base,
    # and the tests point both at a loopback fake Discord.
    api_base: str = "https://discord.com/api/v10"
    gateway_url: str = ""  # empty: discord.py's own default
    # Guilds to sync slash commands to at once; empty syncs them globally.
    guild_ids: list[int] = []
    sync_commands: bool = True
    # How long each request to Discord may take while the bot starts (login, command
    # sync, reaching the Gateway) before it gives up with a message instead of hanging.
    connect_timeout_seconds: float = Field(30, gt=0)


class StorageSettings(_Section):
    database: Path = Path("data/bot.sqlite3")
    # For tests only: caps the database at this many pages (SQLite's max_page_count) so
    # a test can fill it as a full disk would. 0, the default, sets no cap.
    test_max_pages: int = Field(0, ge=0)
    # Finished jobs' details (prompts, lyrics, styles, vendor URLs) are purged this many
    # days after they closed (JobStore.purge_details); 0 keeps everything.
    retention_days: int = Field(0, ge=0)


class JobSettings(_Section):
    # Used when a member picks no model; if no provider offers it, the first offered model is.
    default_model: str = "v5"
    # Counted from when the vendor accepted the job (a wait in line is not counted).
    deadline_minutes: float = Field(20, gt=0)
    max_active_per_member: int = Field(3, ge=1)
    # How long a failed Discord delivery is retried before the job gives up on it.
    delivery_retry_minutes: float = Field(30, gt=0)
    max_media_mb: int = Field(200, ge=1)
    # A progress message whose place in line moved is edited at most this often.
    progress_edit_seconds: float = Field(5, ge=0)
    # A song that waited this long in line (its provider too busy) fails, saying so.
    max_wait_minutes: float = Field(30, gt=0)

    @field_validator("default_model")
    @classmethod
    def _known_default(cls, model: str) -> str:
        if model not in MODELS:
            raise ValueError(f"unknown model {model!r}; known: {', '.join(MODELS)}")
        return model


class QuotaSettings(_Section):
    """How many songs a member, or the whole server, may ask for; 0 means no limit.

    Windows roll: a day is the last 24 hours and a week the last 7 days, counted
    from each job's creation time (stored in UTC epoch seconds), so no member's
    quota resets at a midnight of some other time zone. Failed jobs, and jobs
    cancelled before they reached a vendor, do not count.
    """

    member_per_day: int = Field(0, ge=0)
    member_per_week: int = Field(0, ge=0)
    server_per_day: int = Field(0, ge=0)
    # What one job counts as: a song, an extension and a cover count 1 each.
    wav_weight: int = Field(1, ge=0)
    stems_weight: int = Field(1, ge=0)
    video_weight: int = Field(1, ge=0)


class BudgetSettings(_Section):
    """A monthly spending limit per server, in US dollars; 0 (the default) sets none.

    A month is a calendar month in UTC. Once a server's jobs this month cost the
    budget, new paid jobs are refused; at 80% its moderators are warned once.
    Only jobs at providers with a known price (``price_per_task_usd``) count.
    """

    monthly_usd: float = Field(0, ge=0)
    # Where the 80% warning goes; 0: the channel of the song that reached it.
    warn_channel_id: int = Field(0, ge=0)


class ActionSettings(_Section):
    """Who may act on finished songs, and what an uploaded song may be."""

    # "everyone": any member may remix any song; "requester": only the member
    # who asked for it and members with Manage Messages (who may always extend
    # and delete).
    remix_by: Literal["everyone", "requester"] = "everyone"
    # What an uploaded song may be (/cover, /extend-upload, /add-vocals, /add-instrumental);
    # the names these had when /cover was the only upload are still read.
    upload_max_mb: float = Field(
        20, gt=0, validation_alias=AliasChoices("upload_max_mb", "cover_max_mb")
    )
    upload_max_minutes: float = Field(
        8, gt=0, validation_alias=AliasChoices("upload_max_minutes", "cover_max_minutes")
    )
    history_size: int = Field(10, ge=1, le=25)


class CallbackSettings(_Section):
    """The receiver for vendor callbacks: off unless the bot is reachable from the internet."""

    enabled: bool = False
    # Loopback: a reverse proxy with HTTPS on the same host forwards to it.
    listen_host: str = "127.0.0.1"
    listen_port: int = Field(8080, ge=0, le=65535)
    # The address vendors reach the receiver at, e.g. https://bot.example.com (behind a proxy).
    public_url: str = ""
    max_body_kb: int = Field(256, ge=1, le=10_240)
    # A client that has not sent its headers, or its body, within these is cut
    # off; beyond max_connections open at once, new ones are closed at once.
    header_timeout_seconds: float = Field(10, gt=0, le=300)
    body_timeout_seconds: float = Field(10, gt=0, le=300)
    max_connections: int = Field(64, ge=1, le=10_000)
    # With no callback for this long, the job falls back to polling.
    stall_minutes: float = Field(5, gt=0)
    # After a crash cut a submit off before its answer, how long to wait for the
    # vendor's callback naming the task before submitting again (paying twice).
    adopt_wait_minutes: float = Field(5, ge=0)

    @field_validator("public_url")
    @classmethod
    def _absolute(cls, url: str) -> str:
        if url and not url.startswith(("https://", "http://")):
            raise ValueError("must start with https:// (or http:// for a local test)")
        return url.rstrip("/")

    @model_validator(mode="after")
    def _needs_url(self) -> CallbackSettings:
        if self.enabled and not self.public_url:
            raise ValueError("public_url is required when callbacks are enabled")
        return self


class HealthSettings(_Section):
    """The health and metrics endpoint (/healthz, /metrics) for supervisors and Prometheus."""

    enabled: bool = False
    # Loopback: only this machine asks. In a container, 0.0.0.0 (BOT_HEALTH_PORT sets it).
    listen_host: str = "127.0.0.1"
    listen_port: int = Field(8081, ge=0, le=65535)


# The providers' own settings classes, one per kind (the registry lists them).
ProviderSettings = Annotated[AnyProviderSettings, Field(discriminator="kind")]
_KINDS: dict[str, type[ProviderSettingsBase]] = {
    get_args(cls.model_fields["kind"].annotation)[0]: cls for cls in get_args(AnyProviderSettings)
}
_VENDOR_KINDS: dict[str, type[HttpProviderSettings]] = {
    kind: cls for kind, cls in _KINDS.items() if issubclass(cls, HttpProviderSettings)
}


def _sandbox_only() -> list[ProviderSettings]:
    return [SandboxSettings(kind="sandbox", name="sandbox")]


class Settings(_Section):
    discord: DiscordSettings
    storage: StorageSettings = StorageSettings()
    jobs: JobSettings = JobSettings()
    quotas: QuotaSettings = QuotaSettings()
    budget: BudgetSettings = BudgetSettings()
    actions: ActionSettings = ActionSettings()
    media: MediaSettings = MediaSettings()
    callbacks: CallbackSettings = CallbackSettings()
    health: HealthSettings = HealthSettings()
    providers: list[ProviderSettings] = Field(default_factory=_sandbox_only, min_length=1)
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"
    log_format: Literal["human", "json"] = "human"  # json: one object a line (bot.log_json)

    @field_validator("providers")
    @classmethod
    def _unique_names(cls, providers: list[ProviderSettings]) -> list[ProviderSettings]:
        names = [p.name for p in providers]
        for name in names:
            if names.count(name) > 1:
                raise ValueError(f"provider name {name!r} is used twice")
        return providers


_SCHEMA = Schema(Settings, _KINDS)


def load_settings(path: Path | None = None, environ: Mapping[str, str] | None = None) -> Settings:
    """Read ``path`` (``BOT_CONFIG``, else ``./config.toml``, the only file that may be absent)."""
    env = os.environ if environ is None else environ
    named = path or (Path(env["BOT_CONFIG"]) if env.get("BOT_CONFIG") else None)
    path = named or DEFAULT_CONFIG_PATH
    raw = _read_toml(path, must_exist=named is not None)

    token = env.get("DISCORD_TOKEN", "").strip()
    if not token:
        raise ConfigError("DISCORD_TOKEN", "missing: set it in the environment")
    raw.setdefault("discord", {})
    if not isinstance(raw["discord"], dict):
        raise ConfigError(str(path), "[discord] must be a table")
    if "token" in raw["discord"]:
        raise ConfigError(
            str(path), "`token` in [discord]: do not put the token in a file; use DISCORD_TOKEN"
        )
    raw["discord"]["token"] = token
    _default_database(raw, env)
    _health_from_env(raw, env)

    entries = raw.get("providers", [])
    for i, entry in enumerate(entries if isinstance(entries, list) else []):
        if isinstance(entry, dict) and entry.get("kind") != "sandbox":
            _inject_key(entry, provider_label(i, entry.get("name")), path, env)

    try:
        settings = Settings.model_validate(raw)
    except ValidationError as exc:
        raise ConfigError(str(path), explain(exc.errors()[0], raw, _SCHEMA)) from None
    _check_offers(settings, path)
    return settings


def _health_from_env(raw: dict[str, Any], env: Mapping[str, str]) -> None:
    """``BOT_HEALTH_PORT`` (the image sets it) turns the endpoint on for every interface,
    unless the config has a ``[health]`` table of its own, which wins."""
    port = env.get("BOT_HEALTH_PORT", "").strip()
    if not port or "health" in raw:
        return
    if not port.isdigit() or int(port) > 65535:
        raise ConfigError("BOT_HEALTH_PORT", f"{port!r} is not a port number (0-65535)")
    raw["health"] = {"enabled": True, "listen_host": "0.0.0.0", "listen_port": int(port)}  # noqa: S104


def _default_database(raw: dict[str, Any], env: Mapping[str, str]) -> None:
    """``BOT_DATABASE`` is the database path when the file sets no ``[storage] database``.

    The image sets it to /data/bot.sqlite3, so the database lands on the volume with
    or without a config file; a path in the file still wins.
    """
    database = env.get("BOT_DATABASE", "").strip()
    if not database:
        return
    storage = raw.setdefault("storage", {})
    if isinstance(storage, dict):  # anything else: validation says what is wrong
        storage.setdefault("database", database)


def _check_offers(settings: Settings, path: Path) -> None:
    """An entry whose ``models`` keeps none of its vendor's models could never run a job."""
    for i, entry in enumerate(settings.providers):
        if not set(vendor_models(entry)).intersection(entry.models or MODELS):
            offered = ", ".join(vendor_models(entry))
            raise ConfigError(
                str(path),
                f"{provider_label(i, entry.name)} offers no model: `models` lists "
                f"{', '.join(entry.models)}, and {entry.kind} offers {offered}",
            )


def _read_toml(path: Path, *, must_exist: bool) -> dict[str, Any]:
    if not path.exists():
        if must_exist:
            raise ConfigError(str(path), "does not exist (check BOT_CONFIG)")
        # No ./config.toml is fine: the defaults run the sandbox provider on an SQLite file.
        return {}
    try:
        with path.open("rb") as fh:
            return tomllib.load(fh)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(str(path), f"not valid TOML ({exc})") from None
    except OSError as exc:
        raise ConfigError(str(path), f"cannot be read ({exc.strerror})") from None


def _inject_key(entry: dict[str, Any], label: str, path: Path, env: Mapping[str, str]) -> None:
    if "api_key" in entry:
        raise ConfigError(
            str(path), f"`api_key` in {label}: do not put keys in a file; use api_key_env"
        )
    if "webhook_secret" in entry:
        raise ConfigError(
            str(path), f"`webhook_secret` in {label}: do not put secrets in a file; use the env"
        )
    cls = _VENDOR_KINDS.get(str(entry.get("kind")))
    if cls is None:
        return  # validation reports the unknown kind
    var = entry.get("api_key_env", cls.model_fields["api_key_env"].default)
    if not isinstance(var, str) or not var:
        return  # validation reports the missing or bad api_key_env
    key = env.get(var, "").strip()
    if not key:
        raise ConfigError(var, f"missing: set it in the environment (the key for {label})")
    entry["api_key"] = key
    secret_var = entry.get("webhook_secret_env", cls.model_fields["webhook_secret_env"].default)
    if isinstance(secret_var, str) and env.get(secret_var, "").strip():
        entry["webhook_secret"] = env[secret_var].strip()
