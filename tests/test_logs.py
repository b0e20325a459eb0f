"""The log redactor: what any logger writes, at any level, loses secrets and URL tokens."""

from __future__ import annotations

import io
import logging
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.config import load_settings
from bot.logs import Redactor, known_secrets

BOT_TOKEN = "MTA-bot-token.secret"
INTERACTION_TOKEN = "aW50ZXJhY3Rpb246MTIzNDU2Nzg5"


@pytest.fixture
def logged() -> Iterator[io.StringIO]:
    """Everything the "t" logger writes, through a handler that carries the Redactor."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.addFilter(Redactor([BOT_TOKEN, "kie-key-123", "ab"]))
    logger = logging.getLogger("t")
    logger.addHandler(handler)
    logger.setLevel(logging.DEBUG)
    yield stream
    logger.removeHandler(handler)


def test_rate_limit_warning_loses_the_interaction_token(logged: io.StringIO) -> None:
    # discord.http's own format for a 429, with an interaction follow-up URL.
    url = f"https://discord.com/api/v10/webhooks/1234/{INTERACTION_TOKEN}/messages/@original"
    logging.getLogger("t").warning(
        "We are being rate limited. %s %s responded with 429. Retrying in %.2f seconds.",
        "PATCH",
        url,
        1.5,
    )
    text = logged.getvalue()
    assert INTERACTION_TOKEN not in text
    assert "/webhooks/1234/<redacted>/messages/@original responded with 429" in text


def test_interaction_callback_and_bot_callback_paths_lose_their_tokens(
    logged: io.StringIO,
) -> None:
    log = logging.getLogger("t")
    log.debug("POST /api/v10/interactions/99/%s/callback", INTERACTION_TOKEN)
    log.info("callback at https://bot.example/callbacks/job42/cAlLbAcKtOkEn?x=1 refused")
    text = logged.getvalue()
    assert INTERACTION_TOKEN not in text
    assert "cAlLbAcKtOkEn" not in text
    assert "/interactions/99/<redacted>/callback" in text
    assert "/callbacks/job42/<redacted>?x=1" in text


def test_known_secrets_leave_messages_and_tracebacks(logged: io.StringIO) -> None:
    try:
        raise RuntimeError(f"login refused for {BOT_TOKEN}")
    except RuntimeError:
        logging.getLogger("t").exception("key %s did not work", "kie-key-123")
    text = logged.getvalue()
    assert "RuntimeError: login refused for <redacted>" in text
    assert "key <redacted> did not work" in text
    assert BOT_TOKEN not in text
    assert "kie-key-123" not in text


def test_very_short_secrets_do_not_mangle_the_log(logged: io.StringIO) -> None:
    logging.getLogger("t").info("about tabs")
    assert "about tabs" in logged.getvalue()


def test_known_secrets_are_the_token_keys_and_webhook_secrets(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    path.write_text(
        '[[providers]]\nname = "sb"\nkind = "sandbox"\n'
        '[[providers]]\nname = "ku"\nkind = "kunavo"\npriority = 1\n'
    )
    env = {"DISCORD_TOKEN": "tok", "KUNAVO_API_KEY": "ku-key", "KUNAVO_WEBHOOK_SECRET": "wh"}
    assert sorted(known_secrets(load_settings(path, env))) == ["ku-key", "tok", "wh"]
