"""log_format = "json": the running bot writes one object a line, each job's lines naming it."""

from __future__ import annotations

import json
from pathlib import Path

from tests.e2e.botproc import BotProcess
from tests.e2e.conftest import Launcher
from tests.e2e.helpers import generate, result_messages
from tests.fakes.discord import FakeDiscord
from tests.fakes.kie import KieEmulator


async def test_json_lines_name_the_job_member_server_and_provider(
    bots: Launcher, discord_fake: FakeDiscord, kie: KieEmulator, member: int, tmp_path: Path
) -> None:
    config = bots.config().replace(
        'log_level = "DEBUG"', 'log_level = "DEBUG"\nlog_format = "json"', 1
    )
    bot = BotProcess(tmp_path, config)
    bots.started.append(bot)  # stopped, and its log checked for secrets, by the fixture
    await bots.restart(bot)
    await generate(discord_fake, member, prompt="a song for the json log")
    await discord_fake.wait_for(lambda: len(result_messages(discord_fake)) == 1, timeout=20)
    await bot.stop()

    text = bot.log.split("\n", 1)[1]  # after BotProcess's own "--- start 1 ---"
    lines = [json.loads(line) for line in text.splitlines()]  # every line parses
    assert {"time", "level", "logger", "message"} <= lines[0].keys()
    about_jobs = [line for line in lines if "job_id" in line]
    assert about_jobs, "the job's steps logged something"
    [job_id] = {line["job_id"] for line in about_jobs}
    [result] = result_messages(discord_fake)
    assert job_id in json.dumps(result.embeds)  # the job the member got
    assert {(line["guild_id"], line["member_id"], line["provider"]) for line in about_jobs} == {
        (discord_fake.guild_id, member, "kie")
    }
