"""A full disk while the bot runs: new songs are refused privately, running ones wait, none is lost.

The disk is a real SQLite file with a size cap (``storage.test_max_pages``, SQLite's
max_page_count): once it is reached SQLite answers SQLITE_FULL, exactly as when the
disk has no room. The test fills the free pages with a table of its own, as other
files fill a disk, and drops it to give the space back.
"""

from __future__ import annotations

import asyncio
import sqlite3
from pathlib import Path

from bot.errors import StorageError
from tests.e2e.conftest import Launcher
from tests.e2e.helpers import (
    generate,
    private_text,
    progress_messages,
    result_messages,
    status_text,
)
from tests.fakes.discord import FakeDiscord
from tests.fakes.kie import KieEmulator
from tests.full_disk import fill_up, free_up

PAGES = 120
SAVE_REFUSED = StorageError.user_message
# What the log says of a job that hit the full disk: it waits (bot.jobs.space), or its
# task ends until the next restart (bot.jobs.runner, for any unexpected error).
WAITING = "cannot save"
STOPPED = "stopped unexpectedly"


def stored_jobs(database: Path) -> int:
    with sqlite3.connect(database) as db:
        count = int(db.execute("SELECT COUNT(*) FROM jobs").fetchone()[0])
    db.close()
    return count


async def test_full_disk_refuses_new_songs_and_resumes_running_ones_when_space_returns(
    bots: Launcher,
    discord_fake: FakeDiscord,
    kie: KieEmulator,
    member: int,
    tmp_path: Path,
) -> None:
    database = tmp_path / "bot.sqlite3"
    kie.generation_seconds = 3
    bot = await bots.start(storage=f"test_max_pages = {PAGES}", jobs="max_active_per_member = 30")
    await asyncio.to_thread(fill_up, database, PAGES)

    # Members keep asking; the pages the bot's tables still had room in fill up,
    # and the next request gets the private message instead of a job.
    accepted = 0
    for n in range(30):
        interaction = await generate(discord_fake, member, prompt=f"song {n} for a full disk")
        if stored_jobs(database) == accepted:
            break
        accepted += 1
    else:
        raise AssertionError("the full database never refused a song")
    assert private_text(interaction) == SAVE_REFUSED
    assert accepted >= 1
    # Running jobs reach a step they cannot save (a slow machine's first one may be
    # the submit itself): they wait there, not give up.
    await discord_fake.wait_for(lambda: STOPPED in bot.log or WAITING in bot.log, timeout=30)
    assert STOPPED not in bot.log

    await asyncio.to_thread(free_up, database)
    await discord_fake.wait_for(lambda: len(result_messages(discord_fake)) == accepted, 60)
    for progress in progress_messages(discord_fake):
        await discord_fake.wait_for(lambda p=progress: "Done" in status_text(p), timeout=30)
    await asyncio.sleep(1)  # time for a wrongly repeated delivery to show
    assert len(result_messages(discord_fake)) == accepted
    assert len(kie.submits) == accepted

    # With space back, a new song is accepted and made.
    interaction = await generate(discord_fake, member, prompt="a song after the disk cleared")
    assert private_text(interaction) != SAVE_REFUSED
    await discord_fake.wait_for(lambda: len(result_messages(discord_fake)) == accepted + 1, 30)
