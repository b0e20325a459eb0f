"""Settings: defaults that run the sandbox, and one clear message for each mistake."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from bot.config import KieSettings, SandboxSettings, load_settings
from bot.errors import ConfigError

REPO = Path(__file__).resolve().parents[1]
ENV = {"DISCORD_TOKEN": "t0ken"}
TWO_SANDBOXES = '[[providers]]\nname = "a"\nkind = "sandbox"\n' * 2


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "config.toml"
    path.write_text(text)
    return path


def test_no_file_runs_the_sandbox_on_sqlite(tmp_path: Path) -> None:
    settings = load_settings(tmp_path / "missing.toml", ENV)
    [provider] = settings.providers
    assert isinstance(provider, SandboxSettings)
    assert settings.storage.database == Path("data/bot.sqlite3")
    assert settings.discord.token.get_secret_value() == "t0ken"


def test_example_config_is_valid() -> None:
    settings = load_settings(REPO / "config.example.toml", ENV)
    assert [p.kind for p in settings.providers] == ["sandbox"]


def test_vendor_key_comes_from_the_named_variable(tmp_path: Path) -> None:
    path = write(tmp_path, '[[providers]]\nname = "k"\nkind = "kie"\napi_key_env = "MY_KIE"\n')
    settings = load_settings(path, {**ENV, "MY_KIE": "secret-key"})
    [provider] = settings.providers
    assert isinstance(provider, KieSettings)
    assert provider.api_key.get_secret_value() == "secret-key"
    assert "secret-key" not in repr(settings)


@pytest.mark.parametrize(
    ("text", "env", "key", "words"),
    [
        ("", {}, "DISCORD_TOKEN", "missing"),
        ('[[providers]]\nname = "k"\nkind = "kie"\n', ENV, "KIE_API_KEY", "missing"),
        ("[jobs]\ndeadline_minutes = -1\n", ENV, "jobs.deadline_minutes", "greater than 0"),
        ("[jobs]\ndefault_model = 'v9'\n", ENV, "jobs", "unknown model"),
        ("[jobs]\ndeadlin_minutes = 3\n", ENV, "jobs.deadlin_minutes", "not permitted"),
        ('[[providers]]\nname = "x"\nkind = "nope"\n', ENV, "providers.0", "kind"),
        ("[discord\n", ENV, "config.toml", "not valid TOML"),
        ('[discord]\ntoken = "abc"\n', ENV, "discord.token", "DISCORD_TOKEN"),
        (TWO_SANDBOXES, ENV, "providers", "used twice"),
    ],
)
def test_each_mistake_names_its_key(
    tmp_path: Path, text: str, env: dict[str, str], key: str, words: str
) -> None:
    with pytest.raises(ConfigError) as caught:
        load_settings(write(tmp_path, text), env)
    assert caught.value.key.startswith(key) or key in caught.value.key
    assert words in caught.value.problem or words in caught.value.key


def test_python_m_bot_stops_with_one_line_and_no_traceback(tmp_path: Path) -> None:
    write(tmp_path, "[jobs]\nmax_active_per_member = 0\n")
    env = {"PATH": "/usr/bin:/bin", "PYTHONPATH": str(REPO), "DISCORD_TOKEN": "secret-tok"}
    done = subprocess.run(
        [sys.executable, "-m", "bot"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 2
    [line] = done.stderr.strip().splitlines()
    assert line.startswith("Configuration error: jobs.max_active_per_member: ")
    assert "greater than or equal to 1" in line
    assert "Traceback" not in done.stderr
    assert "secret-tok" not in done.stderr + done.stdout
