"""``suno-bot doctor`` against the fakes: every row OK on a good setup, and each kind of
failure its FAIL row (with the fix) and exit code 1, with no secret in the output.

The doctor runs in a thread (it has its own event loop) while the fakes serve on
this one; it reads its settings from the environment as the command does.
"""

from __future__ import annotations

import asyncio
import re
import sqlite3
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import pytest_asyncio

from bot import cli
from bot.jobs.migrations import MIGRATIONS
from bot.jobs.store import JobStore
from tests.e2e.botproc import TOKEN, VENDOR_ENV, bot_config, vendor_provider
from tests.e2e.helpers import bot_not_admin
from tests.fakes.discord import FakeDiscord
from tests.fakes.evolink import EvolinkEmulator
from tests.fakes.kie import KieEmulator

ATTACH_FILES = 1 << 15
SECRETS = (TOKEN, *VENDOR_ENV.values())


@dataclass
class Setup:
    fake: FakeDiscord
    kie: KieEmulator
    evolink: EvolinkEmulator
    tmp: Path
    monkeypatch: pytest.MonkeyPatch
    capsys: pytest.CaptureFixture[str]

    def write(self, *, guild_id: int | None = None, extra: str = "", database: Path | None = None):
        providers = vendor_provider("kie", self.kie.base_url) + vendor_provider(
            "evolink", self.evolink.base_url
        )
        config = bot_config(
            api_base=self.fake.api_base,
            gateway_url=self.fake.gateway_url,
            guild_id=guild_id or self.fake.guild_id,
            database=database or self.tmp / "bot.sqlite3",
            providers=providers,
            extra=extra,
        )
        path = self.tmp / "config.toml"
        path.write_text(config)
        self.monkeypatch.setenv("BOT_CONFIG", str(path))

    async def doctor(self) -> tuple[int, str]:
        code = await asyncio.to_thread(cli.main, ["doctor"])
        out = self.capsys.readouterr().out
        for secret in SECRETS:
            assert secret not in out
        return code, out


@pytest_asyncio.fixture
async def setup(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> AsyncIterator[Setup]:
    monkeypatch.setenv("DISCORD_TOKEN", TOKEN)
    for name, value in VENDOR_ENV.items():
        monkeypatch.setenv(name, value)
    async with FakeDiscord(bot_token=TOKEN) as fake:
        kie, evolink = KieEmulator(), EvolinkEmulator()
        await kie.start()
        await evolink.start()
        try:
            done = Setup(fake, kie, evolink, tmp_path, monkeypatch, capsys)
            done.write()
            yield done
        finally:
            await kie.stop()
            await evolink.stop()
        assert fake.internal_errors == []
        assert fake.unknown_routes == []


def row(out: str, status: str, what: str) -> str:
    """The row (and its fix lines) for ``what`` with ``status``; fails when there is none."""
    found = re.search(rf"^{status} +{re.escape(what)} .*(\n {{20,}}.*)*", out, re.MULTILINE)
    assert found, f"no {status} row for {what!r} in:\n{out}"
    return " ".join(found.group(0).split())


async def test_a_good_setup_is_all_ok(setup: Setup) -> None:
    setup.kie.credits = 321
    await (await JobStore.open(setup.tmp / "bot.sqlite3")).close()
    setup.write(extra='[callbacks]\nenabled = true\npublic_url = "https://1.1.1.1"')
    code, out = await setup.doctor()
    assert code == 0, out
    assert "0 FAIL, 0 WARN" in out
    assert f"schema {len(MIGRATIONS)}/{len(MIGRATIONS)} (current)" in row(out, "OK", "database")
    assert "balance 321 credits" in row(out, "OK", "provider kie")
    assert "accepted the key in EVOLINK_API_KEY" in row(out, "OK", "provider evolink")
    app = row(out, "OK", "application")
    assert f"client_id={setup.fake.application_id}" in app
    assert "permissions=117760" in app
    assert "all 1 text channel(s)" in row(out, "OK", f"server {setup.fake.guild_id}")
    assert "https://1.1.1.1" in row(out, "OK", "callbacks")


async def test_a_config_error_is_a_row_not_a_traceback(setup: Setup) -> None:
    setup.monkeypatch.delenv("KIE_API_KEY")
    code, out = await setup.doctor()
    assert code == 1
    assert "KIE_API_KEY: missing" in row(out, "FAIL", "config")
    assert "Traceback" not in out


async def test_a_read_only_database_fails(setup: Setup) -> None:
    database = setup.tmp / "bot.sqlite3"
    with sqlite3.connect(database) as db:
        db.execute("CREATE TABLE t (x)")
    db.close()
    data = bytearray(database.read_bytes())
    data[18] = 3  # the file format's write version: > 2 makes it read-only to every SQLite
    database.write_bytes(bytes(data))
    code, out = await setup.doctor()
    assert code == 1
    assert "read-only" in row(out, "FAIL", "database")


async def test_a_rejected_discord_token_fails_naming_the_variable(setup: Setup) -> None:
    setup.monkeypatch.setenv("DISCORD_TOKEN", "not-the-token")
    code, out = await setup.doctor()
    assert code == 1
    failure = row(out, "FAIL", "Discord token")
    assert "Discord rejected DISCORD_TOKEN" in failure
    assert "Reset Token" in failure
    assert "not-the-token" not in out


async def test_a_server_the_bot_is_not_in_fails_with_its_invite_link(setup: Setup) -> None:
    stranger = 112233445566778899
    setup.write(guild_id=stranger)
    code, out = await setup.doctor()
    assert code == 1
    failure = row(out, "FAIL", f"server {stranger}")
    assert f"guild_id={stranger}" in failure
    assert "not in it" in failure


async def test_a_permission_missing_in_a_song_channel_fails_naming_it(setup: Setup) -> None:
    fake = setup.fake
    songs = fake.add_channel("songs", bot_denied=ATTACH_FILES)
    bot_not_admin(fake)
    with sqlite3.connect(setup.tmp / "bot.sqlite3") as db:
        db.execute("CREATE TABLE guild_settings (guild_id, key, value)")
        db.execute(
            "INSERT INTO guild_settings VALUES (?, 'song_channels', ?)",
            (fake.guild_id, f"[{songs}]"),
        )
    db.close()
    code, out = await setup.doctor()
    assert code == 1
    failure = row(out, "FAIL", "#songs")
    assert "the bot lacks Attach Files" in failure
    assert "Send Messages" not in failure


async def test_a_rejected_vendor_key_fails_naming_its_variable(setup: Setup) -> None:
    setup.monkeypatch.setenv("EVOLINK_API_KEY", "a-wrong-key")
    code, out = await setup.doctor()
    assert code == 1
    failure = row(out, "FAIL", "provider evolink")
    assert "rejected the key in EVOLINK_API_KEY" in failure
    assert "a-wrong-key" not in out
    row(out, "OK", "provider kie")


@pytest.mark.parametrize(
    ("url", "problem"),
    [
        ("https://localhost:8080", "names a local host"),
        ("https://192.168.1.20", "is a private address"),
        ("http://1.1.1.1", "is not https"),
    ],
)
async def test_a_callback_url_vendors_cannot_reach_fails(
    setup: Setup, url: str, problem: str
) -> None:
    setup.write(extra=f'[callbacks]\nenabled = true\npublic_url = "{url}"')
    code, out = await setup.doctor()
    assert code == 1
    assert problem in row(out, "FAIL", "callbacks")
