"""``python -m bot doctor`` as an admin runs it: a child process, its output and exit code."""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path

from tests.e2e.botproc import KIE_KEY, TOKEN, BotProcess
from tests.e2e.conftest import Launcher
from tests.fakes.discord import FakeDiscord


async def doctor(bot: BotProcess, **env: str) -> tuple[int, str]:
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot",
        "doctor",
        cwd=bot.workdir,
        env={**bot.env, **env},
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )
    out, _ = await asyncio.wait_for(proc.communicate(), 60)
    text = out.decode()
    assert TOKEN not in text
    assert KIE_KEY not in text
    return await proc.wait(), text


async def test_doctor_exits_0_on_a_good_setup_and_1_on_a_rejected_token(
    bots: Launcher, discord_fake: FakeDiscord, tmp_path: Path
) -> None:
    bot = BotProcess(tmp_path, bots.config())  # never started: doctor runs beside it

    code, out = await doctor(bot)
    assert code == 0, out
    assert "0 FAIL, 0 WARN" in out, out
    assert discord_fake.identify_count == 0  # the doctor never connects to the Gateway

    code, out = await doctor(bot, DISCORD_TOKEN="a-rejected-token")
    assert code == 1, out
    assert "FAIL  Discord token" in out, out
    assert "a-rejected-token" not in out
    assert discord_fake.unknown_routes == []
