"""One error path: an unexpected error gives the member a short id, and the log line has it."""

from __future__ import annotations

import logging
import re
from types import SimpleNamespace
from typing import Any

import discord
import pytest
from discord import app_commands

from bot.discord.buttons import ButtonHandlers, SongButton
from bot.discord.tree import BotTree, answer_errors
from bot.discord.ui.actions import Action
from bot.errors import InputError
from cogs.songs import SongsCog
from tests.factories import shown_job

ERROR_ID = re.compile(r"\(error ([0-9a-f]{8})\)")


class _Response:
    def __init__(self, sent: list[str]) -> None:
        self.sent = sent

    def is_done(self) -> bool:
        return False

    async def send_message(self, message: str, *, ephemeral: bool) -> None:
        assert ephemeral
        self.sent.append(message)


def _interaction(
    sent: list[str], locale: discord.Locale = discord.Locale.american_english, **extra: Any
) -> Any:
    return SimpleNamespace(
        id=1,
        guild_id=10,
        user=SimpleNamespace(id=20),
        locale=locale,
        command=SimpleNamespace(name="song"),
        response=_Response(sent),
        **extra,
    )


def _logged_id(caplog: pytest.LogCaptureFixture, what: str) -> str:
    [record] = [r for r in caplog.records if r.getMessage().startswith(what)]
    assert record.levelno == logging.ERROR
    assert record.exc_info is not None
    match = ERROR_ID.search(record.getMessage())
    assert match is not None
    return match[1]


def _told_id(text: str) -> str:
    match = ERROR_ID.search(text)
    assert match is not None, text
    return match[1]


async def test_a_command_that_fails_unexpectedly_gives_the_id_the_log_carries(
    caplog: pytest.LogCaptureFixture,
) -> None:
    tree = BotTree(discord.Client(intents=discord.Intents.none()))
    sent: list[str] = []
    command: Any = SimpleNamespace(name="song")
    error = app_commands.CommandInvokeError(command, RuntimeError("boom"))
    with caplog.at_level(logging.ERROR, logger="bot.discord.tree"):
        await tree.on_error(_interaction(sent), error)
    [told] = sent
    assert told.startswith("Something went wrong on my side")
    assert _told_id(told) == _logged_id(caplog, "command /song failed")


async def test_a_button_that_fails_unexpectedly_gives_the_id_the_log_carries(
    caplog: pytest.LogCaptureFixture,
) -> None:
    class Broken:
        async def clicked(self, *args: Any) -> None:
            raise KeyError("boom")

        async def turn_page(self, *args: Any) -> None:
            raise AssertionError("not clicked")

    sent: list[str] = []
    client = SimpleNamespace(button_handlers=ButtonHandlers(songs=Broken()))
    interaction = _interaction(sent, discord.Locale.spain_spanish, client=client)
    item = SongButton(Action.REMIX, "0123456789abcdef")
    with caplog.at_level(logging.ERROR, logger="bot.discord.tree"):
        await item.callback(interaction)
    [told] = sent
    assert told.startswith("Algo salió mal por mi parte")  # in the member's language
    assert _told_id(told) == _logged_id(caplog, "song:remix:0123456789abcdef failed")


async def test_each_unexpected_error_gets_its_own_id(caplog: pytest.LogCaptureFixture) -> None:
    async def fail() -> None:
        raise RuntimeError("boom")

    sent: list[str] = []
    for _ in range(2):
        await answer_errors(_interaction(sent), fail(), "form")
    assert len({_told_id(text) for text in sent}) == 2


async def test_an_expected_refusal_has_no_id() -> None:
    async def refuse() -> None:
        raise InputError("I no longer know this song.")

    sent: list[str] = []
    await answer_errors(_interaction(sent), refuse(), "form")
    assert sent == ["I no longer know this song."]


async def test_a_reaction_that_fails_unexpectedly_gives_the_id_the_log_carries(
    caplog: pytest.LogCaptureFixture,
) -> None:
    job = shown_job(result_message_id=5)

    async def by_message(message_id: int) -> Any:
        return job

    told: list[str] = []

    async def send(text: str | None, **kwargs: Any) -> None:
        told.append(text or "")

    bot: Any = SimpleNamespace(jobs=SimpleNamespace(song_for_message=by_message))
    cog = SongsCog(bot)

    async def broken(*args: Any) -> None:
        raise ZeroDivisionError

    cog._reacted = broken  # type: ignore[method-assign]
    guild = SimpleNamespace(preferred_locale=discord.Locale.american_english)
    member = SimpleNamespace(id=20, bot=False, guild=guild, send=send)
    payload: Any = SimpleNamespace(
        emoji="🔁", member=member, guild_id=10, channel_id=7, message_id=5
    )
    with caplog.at_level(logging.ERROR, logger="bot.discord.tree"):
        await cog.on_raw_reaction_add(payload)
    [dm] = told
    assert _told_id(dm) == _logged_id(caplog, "reaction 🔁 on job 0123456789abcdef failed")
