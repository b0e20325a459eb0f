"""What the bot writes to its log: no secret or member's prompt, no needless alarm."""

from __future__ import annotations

from urllib.parse import urlparse

import pytest

from tests.e2e.botproc import KIE_KEY, TOKEN, kie_provider
from tests.e2e.conftest import Launcher
from tests.e2e.helpers import bot_messages, generate, result_messages
from tests.e2e.test_callbacks import callbacks_section, free_port
from tests.fakes.discord import FakeDiscord
from tests.fakes.kie import KieEmulator

WEBHOOK_SECRET = "kie-webhook-secret-for-the-log-test"
PROMPT = "a ballad about the lighthouse keeper Zebediah Quillfeather"


async def test_debug_log_holds_no_secret_token_or_prompt(
    bots: Launcher,
    discord_fake: FakeDiscord,
    kie: KieEmulator,
    member: int,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    kie.webhook_secret = WEBHOOK_SECRET
    monkeypatch.setenv("KIE_WEBHOOK_SECRET", WEBHOOK_SECRET)  # the bot's environment
    port = free_port()
    provider = kie_provider(kie.base_url, webhook_secret_env="KIE_WEBHOOK_SECRET")
    bot = await bots.start(extra=callbacks_section(port), providers=provider)
    interaction = await generate(discord_fake, member, prompt=PROMPT)
    await discord_fake.wait_for(lambda: len(result_messages(discord_fake)) == 1, timeout=20)
    assert kie.callbacks_sent, "the vendor called back (the callback path was used)"
    await bot.stop()

    callback_token = urlparse(str(kie.submits[0]["callBackUrl"])).path.rsplit("/", 1)[-1]
    log = bot.log
    assert "DEBUG" in log  # the log really is at DEBUG
    leaks = {
        "bot token": TOKEN,
        "vendor key": KIE_KEY,
        "webhook secret": WEBHOOK_SECRET,
        "interaction token": interaction.token,
        "callback token": callback_token,
        "prompt": "Quillfeather",
    }
    assert {what for what, secret in leaks.items() if secret in log} == set()


async def test_start_up_raises_no_voice_alarm(bots: Launcher) -> None:
    bot = await bots.start()
    await bot.stop()
    assert "voice will NOT be supported" not in bot.log
    # Only that warning is silenced: discord.client's other lines still reach the log.
    assert "discord.client: logging in using static token" in bot.log


async def test_mentioning_the_bot_with_a_word_points_to_help(
    bots: Launcher, discord_fake: FakeDiscord, member: int
) -> None:
    bot = await bots.start()
    await discord_fake.wait_ready()
    await discord_fake.member_says(member, "hello everyone, who wants a song?")
    asked = await discord_fake.member_says(member, f"<@{discord_fake.bot_user_id}> help")
    await discord_fake.wait_for(lambda: bool(bot_messages(discord_fake)), timeout=10)
    [reply] = bot_messages(discord_fake)
    assert reply.message_reference is not None
    assert reply.message_reference["message_id"] == str(asked.id)
    assert "/help" in reply.content
    assert "/generate" not in reply.content  # one short pointer, not a list
    # The reply pings no one, not even the member it answers.
    assert reply.allowed_mentions is not None
    assert reply.allowed_mentions.get("parse") == []
    assert not reply.allowed_mentions.get("replied_user")
    await bot.stop()
    assert "CommandNotFound" not in bot.log
    assert " ERROR " not in bot.log
