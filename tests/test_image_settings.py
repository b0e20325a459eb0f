"""What the Docker image sets through the environment: BOT_DATABASE."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.config import load_settings
from bot.errors import ConfigError

ENV = {"DISCORD_TOKEN": "t0ken", "BOT_DATABASE": "/data/bot.sqlite3"}


def test_without_a_config_file_the_database_is_bot_database(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)  # no ./config.toml
    assert load_settings(environ=ENV).storage.database == Path("/data/bot.sqlite3")


def test_a_storage_table_without_database_takes_bot_database(tmp_path: Path) -> None:
    config = tmp_path / "config.toml"
    config.write_text("[storage]\ntest_max_pages = 100\n")
    settings = load_settings(config, environ=ENV)
    assert settings.storage.database == Path("/data/bot.sqlite3")
    assert settings.storage.test_max_pages == 100


def test_a_database_in_the_config_file_wins(tmp_path: Path) -> None:
    config = tmp_path / "config.toml"
    config.write_text('[storage]\ndatabase = "elsewhere.sqlite3"\n')
    assert load_settings(config, environ=ENV).storage.database == Path("elsewhere.sqlite3")


def test_an_empty_bot_database_keeps_the_default(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    settings = load_settings(environ={**ENV, "BOT_DATABASE": " "})
    assert settings.storage.database == Path("data/bot.sqlite3")


def test_a_storage_value_that_is_not_a_table_is_still_reported(tmp_path: Path) -> None:
    config = tmp_path / "config.toml"
    config.write_text('storage = "db.sqlite3"\n')
    with pytest.raises(ConfigError) as caught:
        load_settings(config, environ=ENV)
    assert "storage" in caught.value.problem
