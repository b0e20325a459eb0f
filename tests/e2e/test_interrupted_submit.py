"""A bot killed while a submit is on the wire pays for one task, not two, where it can.

The vendor makes (and charges) the task but its answer never arrives: the bot
dies waiting. After a restart the task is found again (Kunavo's idempotency
key, or the task id in the vendor's callback on the job's own path); only
where neither exists is the job submitted again, once, and marked as a
possible duplicate.
"""

from __future__ import annotations

import asyncio
import sqlite3
import time
from collections.abc import Sized
from pathlib import Path

from tests.e2e.botproc import BotProcess, kie_provider, vendor_provider
from tests.e2e.conftest import Launcher
from tests.e2e.helpers import generate, progress_messages, result_messages, status_text
from tests.e2e.test_callbacks import callbacks_section, free_port
from tests.fakes.apixo import ApixoEmulator
from tests.fakes.discord import FakeDiscord
from tests.fakes.kie import GENERATE, KieEmulator
from tests.fakes.kunavo import JOBS, KunavoEmulator


async def _crash_during_submit(
    bots: Launcher, fake: FakeDiscord, member: int, bot: BotProcess, submits: Sized
) -> None:
    """Ask for a song, kill the bot once the vendor has made the task, start it again."""
    await generate(fake, member, prompt="a song whose submit answer was lost")
    await fake.wait_for(lambda: len(submits) == 1, timeout=10)
    await bot.kill()
    await bots.restart(bot)


async def _delivered_once(fake: FakeDiscord) -> None:
    await fake.wait_for(lambda: len(result_messages(fake)) == 1, timeout=30)
    await asyncio.sleep(1)  # time for a wrongly duplicated delivery to show up
    assert len(result_messages(fake)) == 1


def _possible_duplicate(database: Path) -> bool:
    with sqlite3.connect(database) as db:
        [(flag,)] = db.execute("SELECT possible_duplicate FROM jobs").fetchall()
    return bool(flag)


async def test_kie_task_is_adopted_from_its_callback(
    bots: Launcher, discord_fake: FakeDiscord, member: int, tmp_path: Path
) -> None:
    # The vendor's clock stands still until the bot is back, so no callback
    # is lost to the dead process; then the song finishes and calls back.
    frozen_at, frozen = time.time(), [True]
    kie = KieEmulator(
        generation_seconds=2, clock=lambda: frozen_at if frozen[0] else time.time() + 60
    )
    await kie.start()
    try:
        bot = await bots.start(
            extra=callbacks_section(free_port()), providers=kie_provider(kie.base_url)
        )
        kie.hold_answers(path_prefix=GENERATE)
        await _crash_during_submit(bots, discord_fake, member, bot, kie.submits)
        frozen[0] = False
        await _delivered_once(discord_fake)
        assert len(kie.submits) == 1
        assert len(kie.task_ids()) == 1
        assert not _possible_duplicate(tmp_path / "bot.sqlite3")
        assert "adopted" in bot.log
    finally:
        await kie.stop()


async def test_kunavo_resubmits_with_the_same_idempotency_key(
    bots: Launcher, discord_fake: FakeDiscord, member: int, tmp_path: Path
) -> None:
    kunavo = KunavoEmulator(generation_seconds=1.5)
    await kunavo.start()
    try:
        bot = await bots.start(providers=vendor_provider("kunavo", kunavo.base_url))
        kunavo.hold_answers(path_prefix=JOBS)
        await _crash_during_submit(bots, discord_fake, member, bot, kunavo.submits)
        await _delivered_once(discord_fake)
        assert len(kunavo.submits) == 1  # tasks made
        assert kunavo.idempotency_replays == 1
        assert len(set(kunavo.idempotency_keys)) == 1
        assert not _possible_duplicate(tmp_path / "bot.sqlite3")
    finally:
        await kunavo.stop()


async def test_without_callbacks_the_job_is_resubmitted_once_and_marked(
    bots: Launcher, discord_fake: FakeDiscord, member: int, tmp_path: Path
) -> None:
    apixo = ApixoEmulator(generation_seconds=1.5)
    await apixo.start()
    try:
        bot = await bots.start(providers=vendor_provider("apixo", apixo.base_url))
        apixo.hold_answers(path_prefix="/api/v1/generateTask")
        await _crash_during_submit(bots, discord_fake, member, bot, apixo.submits)
        await _delivered_once(discord_fake)
        assert len(apixo.submits) == 2
        assert _possible_duplicate(tmp_path / "bot.sqlite3")
        assert "WARNING" in bot.log
        assert "may have made a second paid task" in bot.log
    finally:
        await apixo.stop()


async def test_a_submit_cut_off_twice_is_not_sent_a_third_time(
    bots: Launcher, discord_fake: FakeDiscord, member: int
) -> None:
    apixo = ApixoEmulator(generation_seconds=1.5)
    await apixo.start()
    try:
        bot = await bots.start(providers=vendor_provider("apixo", apixo.base_url))
        apixo.hold_answers(count=2, path_prefix="/api/v1/generateTask")
        await _crash_during_submit(bots, discord_fake, member, bot, apixo.submits)
        await discord_fake.wait_for(lambda: len(apixo.submits) == 2, timeout=10)
        await bot.kill()
        await bots.restart(bot)
        [progress] = progress_messages(discord_fake)
        await discord_fake.wait_for(lambda: "Failed" in status_text(progress), timeout=20)
        assert len(apixo.submits) == 2
        assert result_messages(discord_fake) == []
        assert "cut off twice" in bot.log
    finally:
        await apixo.stop()


async def test_a_submit_whose_answer_is_lost_adopts_its_task_from_the_callback(
    bots: Launcher, discord_fake: FakeDiscord, kie: KieEmulator, member: int, tmp_path: Path
) -> None:
    # No crash this time: the vendor makes the task, its answer never comes, the
    # bot's read times out. The task's callback still names it: the song is saved.
    bot = await bots.start(
        extra=callbacks_section(free_port()),
        providers=kie_provider(kie.base_url, timeout_seconds=1),
    )
    kie.hold_answers(path_prefix=GENERATE)
    await generate(discord_fake, member, prompt="a song whose submit answer was lost")
    await _delivered_once(discord_fake)
    assert len(kie.submits) == 1
    assert len(kie.task_ids()) == 1
    assert not _possible_duplicate(tmp_path / "bot.sqlite3")
    assert "adopted" in bot.log
