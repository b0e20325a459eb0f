"""``python -m bot doctor`` as an admin runs it: a child process, its output and exit code."""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path

from tests.e2e.botproc import KIE_KEY, TOKEN, BotProcess, bot_config, kie_provider
from tests.fakes.discord import FakeDiscord
from tests.fakes.kie import KieEmulator


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
    discord_fake: FakeDiscord, kie: KieEmulator, tmp_path: Path
) -> None:
    config = bot_config(
        api_base=discord_fake.api_base,
        gateway_url=discord_fake.gateway_url,
        guild_id=discord_fake.guild_id,
        database=tmp_path / "bot.sqlite3",
        providers=kie_provider(kie.base_url),
    )
    bot = BotProcess(tmp_path, config)

    code, out = await doctor(bot)
    assert code == 0, out
    assert "0 FAIL, 0 WARN" in out, out
    assert discord_fake.identify_count == 0  # the doctor never connects to the Gateway

    code, out = await doctor(bot, DISCORD_TOKEN="a-rejected-token")
    assert code == 1, out
    assert "FAIL  Discord token" in out, out
    assert "a-rejected-token" not in out
    assert discord_fake.unknown_routes == []
