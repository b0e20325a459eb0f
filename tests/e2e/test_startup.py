"""Start-up faults end in one sentence and an exit code: no traceback, no hang.

Each test runs ``python -m bot`` as an admin does and waits for the process to
end; a process that is still running after the wait is the hang a supervisor
would never notice.
"""

from __future__ import annotations

import asyncio
import re
import sqlite3
from collections.abc import AsyncIterator, Callable
from pathlib import Path

import pytest
import pytest_asyncio

from tests.e2e.botproc import BotProcess, bot_config
from tests.fakes.discord import FakeDiscord
from tests.fakes.discord.silent import SilentDiscord

# Every fault here is known within seconds; this is only how long the test waits.
EXIT_WAIT = 45
# The start of every line the bot's logging writes (bot.run._setup_logging).
LOG_RECORD = re.compile(r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3} ")

Start = Callable[..., BotProcess]


@pytest_asyncio.fixture
async def bot_for(tmp_path: Path) -> AsyncIterator[Start]:
    """Builds a bot process (the sandbox provider) against a given Discord and database."""
    started: list[BotProcess] = []

    def build(
        server: FakeDiscord | SilentDiscord,
        *,
        guild_id: int | None = None,
        database: Path | None = None,
        discord: str = "",
    ) -> BotProcess:
        """``guild_id``: the fake's own guild unless given; ``database``: a fresh file."""
        if guild_id is None:
            assert isinstance(server, FakeDiscord), "a server with no guild needs a guild_id"
            guild_id = server.guild_id
        config = bot_config(
            api_base=server.api_base,
            gateway_url=server.gateway_url,
            guild_id=guild_id,
            database=database or tmp_path / "bot.sqlite3",
            providers="",
            discord=discord,
        )
        bot = BotProcess(tmp_path, config)
        started.append(bot)
        return bot

    yield build
    for bot in started:
        await bot.kill()


async def ends(bot: BotProcess) -> int:
    """Start the bot and return its exit code; fails if it is still running after the wait."""
    await bot.start()
    assert bot.proc is not None
    try:
        return await asyncio.wait_for(bot.proc.wait(), EXIT_WAIT)
    except TimeoutError:
        raise AssertionError(f"the bot is still running:\n{bot.log[-3000:]}") from None


def last_words(bot: BotProcess) -> str:
    """The one sentence the admin is left with, among the log records (DEBUG in tests)."""
    assert "Traceback" not in bot.log, bot.log[-3000:]
    said = [
        line
        for line in bot.log.splitlines()
        if line.strip() and not LOG_RECORD.match(line) and not line.startswith("--- start")
    ]
    assert len(said) == 1, said
    return said[0]


async def test_discord_503_at_login_is_retried_then_one_sentence(
    bot_for: Start, discord_fake: FakeDiscord, tmp_path: Path
) -> None:
    discord_fake.fail_next("GET", r"^/users/@me$", status=503, count=1000)
    bot = bot_for(discord_fake)
    assert await ends(bot) != 0
    words = last_words(bot)
    assert "Discord kept answering 503" in words, words
    logins = [c for c in discord_fake.rest_calls if c.raw_path == "/users/@me"]
    assert 3 <= len(logins) <= 6


async def test_discord_503_at_login_that_clears_is_ridden_out(
    bot_for: Start, discord_fake: FakeDiscord, tmp_path: Path
) -> None:
    discord_fake.fail_next("GET", r"^/users/@me$", status=503, count=2)
    bot = bot_for(discord_fake)
    await bot.start()
    await discord_fake.wait_commands(timeout=30)
    await discord_fake.wait_ready(timeout=30)
    await bot.stop()
    assert bot.proc is not None
    assert bot.proc.returncode == 0
    assert "Traceback" not in bot.log


async def test_discord_that_never_answers_gives_up_within_the_connect_timeout(
    bot_for: Start, tmp_path: Path
) -> None:
    silent = SilentDiscord()
    await silent.start()
    try:
        bot = bot_for(silent, guild_id=1234, discord="connect_timeout_seconds = 1")
        assert await ends(bot) != 0
        assert silent.connections >= 1
    finally:
        await silent.stop()
    words = last_words(bot)
    assert "did not answer within 1 s" in words, words


async def test_guild_the_bot_is_not_in_names_it_and_the_invite_link(
    bot_for: Start, discord_fake: FakeDiscord, tmp_path: Path
) -> None:
    stranger = 112233445566778899
    bot = bot_for(discord_fake, guild_id=stranger)
    assert await ends(bot) != 0
    words = last_words(bot)
    assert str(stranger) in words, words
    assert f"client_id={discord_fake.application_id}" in words, words
    assert "applications.commands" in words, words


def _under_a_file(tmp_path: Path) -> Path:
    (tmp_path / "notes.txt").write_text("not a directory")
    return tmp_path / "notes.txt" / "bot.sqlite3"


def _a_directory(tmp_path: Path) -> Path:
    (tmp_path / "data").mkdir()
    return tmp_path / "data"


def _garbage(tmp_path: Path) -> Path:
    path = tmp_path / "bot.sqlite3"
    path.write_bytes(b"\x00\xffnot a database at all\x13" * 400)
    return path


def _read_only(tmp_path: Path) -> Path:
    """A database SQLite itself opens read-only (file format write version 3).

    It answers every write with "attempt to write a readonly database", as a file
    without write permission does, and does so for root too (tests may run as root).
    """
    path = tmp_path / "bot.sqlite3"
    with sqlite3.connect(path) as db:
        db.execute("CREATE TABLE t (x)")
    db.close()
    data = bytearray(path.read_bytes())
    data[18] = 3  # the write version: > 2 makes the file read-only to every SQLite
    path.write_bytes(bytes(data))
    return path


@pytest.mark.parametrize(
    ("make_path", "problem"),
    [
        (_under_a_file, "not a directory"),
        (_a_directory, "directory"),
        (_garbage, "not a database"),
        (_read_only, "read-only"),
    ],
    ids=["under-a-file", "a-directory", "garbage", "read-only"],
)
async def test_database_fault_names_the_path_and_the_problem_and_exits(
    bot_for: Start,
    discord_fake: FakeDiscord,
    tmp_path: Path,
    make_path: Callable[[Path], Path],
    problem: str,
) -> None:
    database = make_path(tmp_path)
    bot = bot_for(discord_fake, database=database)
    assert await ends(bot) != 0
    words = last_words(bot)
    assert str(database) in words, words
    assert problem in words.lower(), words
    # Nothing of Discord was touched: the database is checked first.
    assert discord_fake.rest_calls == []
