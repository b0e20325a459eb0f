"""Runs the bot exactly as an admin does, ``python -m bot``, in a child process."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
TOKEN = "fake-token.e2e-secret-value"
KIE_KEY = "kie-test-key"
# The keys each vendor emulator expects by default, and Kunavo's signing secret.
VENDOR_ENV = {
    "KIE_API_KEY": KIE_KEY,
    "APIXO_API_KEY": "apixo-test-key",
    "EVOLINK_API_KEY": "evolink-test-key",
    "KUNAVO_API_KEY": "kunavo-test-key",
    "KUNAVO_WEBHOOK_SECRET": "kunavo-webhook-secret",
}
# FOR TESTS ONLY: the emulators serve media on 127.0.0.1, which the bot otherwise refuses.
TEST_MEDIA = "allow_private_addresses = true"


class BotProcess:
    def __init__(self, workdir: Path, config: str, env: dict[str, str] | None = None) -> None:
        self.workdir = workdir
        self.config_path = workdir / "config.toml"
        self.config_path.write_text(config)
        self.log_path = workdir / "bot.log"
        self.env = {
            **os.environ,
            "DISCORD_TOKEN": TOKEN,
            **VENDOR_ENV,
            "BOT_CONFIG": str(self.config_path),
            "PYTHONPATH": str(REPO),
            "PYTHONUNBUFFERED": "1",
            **(env or {}),
        }
        self.proc: asyncio.subprocess.Process | None = None
        self.starts = 0

    async def start(self) -> None:
        self.starts += 1
        log = self.log_path.open("ab")
        log.write(f"--- start {self.starts} ---\n".encode())
        log.flush()
        self.proc = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "bot",
            cwd=self.workdir,
            env=self.env,
            stdout=log,
            stderr=log,
        )
        log.close()

    async def kill(self) -> None:
        """SIGKILL: no clean-up runs, as in a crash or a power cut."""
        await self._end(signal.SIGKILL)

    async def stop(self) -> None:
        await self._end(signal.SIGTERM)

    async def _end(self, sig: signal.Signals) -> None:
        if self.proc is None or self.proc.returncode is not None:
            return
        self.proc.send_signal(sig)
        try:
            await asyncio.wait_for(self.proc.wait(), 10)
        except TimeoutError:
            self.proc.kill()
            await self.proc.wait()

    @property
    def log(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""


def bot_config(
    *,
    api_base: str,
    gateway_url: str,
    guild_id: int,
    database: Path,
    providers: str,
    jobs: str = "",
    media: str = TEST_MEDIA,
    extra: str = "",
    discord: str = "",
    storage: str = "",
) -> str:
    return f"""
log_level = "DEBUG"
[discord]
api_base = "{api_base}"
gateway_url = "{gateway_url}"
guild_ids = [{guild_id}]
{discord}
[storage]
database = "{database}"
{storage}
[jobs]
delivery_retry_minutes = 0.5
{jobs}
[media]
{media}
{extra}
{providers}
"""


def kie_provider(base_url: str, **overrides: object) -> str:
    return vendor_provider("kie", base_url, **overrides)


def vendor_provider(kind: str, base_url: str, *, name: str = "", **overrides: object) -> str:
    """A provider entry with test-speed polling and retries."""
    settings: dict[str, object] = {
        "poll_first_seconds": 0.3,
        "poll_interval_seconds": 0.3,
        "poll_backoff": 1.0,
        "retry_base_seconds": 0.05,
        **overrides,
    }
    lines = "\n".join(f"{k} = {_toml(v)}" for k, v in settings.items())
    header = f'name = "{name or kind}"\nkind = "{kind}"\nbase_url = "{base_url}"'
    return f"[[providers]]\n{header}\n{lines}\n"


def _toml(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return f'"{value}"'
    return str(value)
