"""Settings: defaults that run the sandbox, and one clear message for each mistake."""

from __future__ import annotations

import logging
import subprocess
import sys
from pathlib import Path

import pytest

from bot.config import QuotaSettings, load_settings
from bot.errors import ConfigError
from bot.jobs.quotas import Admission
from bot.providers.kie import KieSettings
from bot.providers.registry import build_providers
from bot.providers.sandbox import SandboxSettings

REPO = Path(__file__).resolve().parents[1]
ENV = {"DISCORD_TOKEN": "t0ken"}
TWO_SANDBOXES = '[[providers]]\nname = "a"\nkind = "sandbox"\n' * 2


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "config.toml"
    path.write_text(text)
    return path


def test_no_file_runs_the_sandbox_on_sqlite(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Only the default ./config.toml may be absent.
    monkeypatch.chdir(tmp_path)
    settings = load_settings(environ=ENV)
    [provider] = settings.providers
    assert isinstance(provider, SandboxSettings)
    assert settings.storage.database == Path("data/bot.sqlite3")
    assert settings.discord.token.get_secret_value() == "t0ken"


def test_example_config_is_valid() -> None:
    settings = load_settings(REPO / "config.example.toml", ENV)
    assert [p.kind for p in settings.providers] == ["sandbox"]
    # The example leaves quotas off, as a file without [quotas] does.
    assert settings.quotas == QuotaSettings()
    assert not Admission(3, settings.quotas).counts_usage


def test_quotas_are_read_and_checked(tmp_path: Path) -> None:
    path = write(tmp_path, "[quotas]\nmember_per_day = 2\nvideo_weight = 3\n")
    quotas = load_settings(path, ENV).quotas
    assert (quotas.member_per_day, quotas.member_per_week, quotas.video_weight) == (2, 0, 3)
    with pytest.raises(ConfigError) as caught:
        load_settings(write(tmp_path, "[quotas]\nmember_per_dya = 2\n"), ENV)
    assert "member_per_dya" in caught.value.problem


def test_the_upload_limits_old_cover_names_still_work(tmp_path: Path) -> None:
    path = write(tmp_path, "[actions]\ncover_max_mb = 5\ncover_max_minutes = 3\n")
    actions = load_settings(path, ENV).actions
    assert (actions.upload_max_mb, actions.upload_max_minutes) == (5, 3)
    path = write(tmp_path, "[actions]\nupload_max_mb = 6\nupload_max_minutes = 2\n")
    actions = load_settings(path, ENV).actions
    assert (actions.upload_max_mb, actions.upload_max_minutes) == (6, 2)
    # A mistake names the key as the admin wrote it; both names at once is one too many.
    for text, problem in (
        ("cover_max_mb = 0\n", "`cover_max_mb` in [actions] must be more than 0 (it is 0)"),
        (
            "upload_max_mb = 6\ncover_max_mb = 5\n",
            "unknown key `cover_max_mb` in [actions] (did you mean `upload_max_mb`?)",
        ),
    ):
        with pytest.raises(ConfigError) as caught:
            load_settings(write(tmp_path, "[actions]\n" + text), ENV)
        assert caught.value.problem == problem


def test_vendor_key_comes_from_the_named_variable(tmp_path: Path) -> None:
    path = write(tmp_path, '[[providers]]\nname = "k"\nkind = "kie"\napi_key_env = "MY_KIE"\n')
    settings = load_settings(path, {**ENV, "MY_KIE": "secret-key"})
    [provider] = settings.providers
    assert isinstance(provider, KieSettings)
    assert provider.api_key.get_secret_value() == "secret-key"
    assert "secret-key" not in repr(settings)


def test_bot_config_naming_a_missing_file_is_an_error(tmp_path: Path) -> None:
    missing = tmp_path / "confg.toml"
    with pytest.raises(ConfigError) as caught:
        load_settings(environ={**ENV, "BOT_CONFIG": str(missing)})
    assert caught.value.key == str(missing)
    assert "does not exist" in caught.value.problem
    assert "BOT_CONFIG" in caught.value.problem


@pytest.mark.parametrize(
    ("entry", "offers"),
    [
        ('name = "apixo"\nkind = "apixo"\nmodels = ["v3.5"]', "apixo"),  # APIXO has no V3.5
        ('name = "ku"\nkind = "kunavo"\nmodels = ["v4", "v4.5"]', "kunavo"),  # Kunavo: V5 only
    ],
)
def test_provider_offering_no_model_stops_start_up(tmp_path: Path, entry: str, offers: str) -> None:
    text = f'[[providers]]\nname = "sb"\nkind = "sandbox"\n[[providers]]\n{entry}\n'
    env = {**ENV, "APIXO_API_KEY": "a", "KUNAVO_API_KEY": "k"}
    with pytest.raises(ConfigError) as caught:
        load_settings(write(tmp_path, text), env)
    problem = caught.value.problem
    assert problem.startswith("[[providers]] #2 (")
    assert "offers no model" in problem
    assert offers in problem


def test_models_a_vendor_lacks_are_fine_while_one_is_left(tmp_path: Path) -> None:
    text = '[[providers]]\nname = "apixo"\nkind = "apixo"\nmodels = ["v3.5", "v5"]\n'
    settings = load_settings(write(tmp_path, text), {**ENV, "APIXO_API_KEY": "a"})
    assert settings.providers[0].models == ["v3.5", "v5"]


KIE_SECOND = (
    '[[providers]]\nname = "sb"\nkind = "sandbox"\n[[providers]]\nname = "kie"\nkind = "kie"\n'
)


@pytest.mark.parametrize(
    ("text", "sentence"),
    [
        (
            "[jobs]\ndeadline_minuts = 3\n",
            "unknown key `deadline_minuts` in [jobs] (did you mean `deadline_minutes`?)",
        ),
        ("[jobz]\n", "unknown section or key `jobz` (did you mean `jobs`?)"),
        ("[jobs]\nfoo = 1\n", "unknown key `foo` in [jobs]"),
        (
            KIE_SECOND + "retires = 3\n",
            'unknown key `retires` in [[providers]] #2 ("kie") (did you mean `retries`?)',
        ),
        (
            '[[providers]]\nname = "x"\nkind = "nope"\n',
            '`kind` in [[providers]] #1 ("x") must be one of sandbox, kie, apixo, evolink, kunavo'
            ' (it is "nope")',
        ),
        (
            '[[providers]]\nname = "x"\n',
            '`kind` in [[providers]] #1 ("x") is missing:'
            " one of sandbox, kie, apixo, evolink, kunavo",
        ),
        ('[[providers]]\nkind = "sandbox"\n', "`name` in [[providers]] #1 is missing"),
        (
            "[jobs]\ndeadline_minutes = -1\n",
            "`deadline_minutes` in [jobs] must be more than 0 (it is -1)",
        ),
        (
            "[jobs]\nmax_active_per_member = 0\n",
            "`max_active_per_member` in [jobs] must be at least 1 (it is 0)",
        ),
        (
            "[actions]\nhistory_size = 30\n",
            "`history_size` in [actions] must be at most 25 (it is 30)",
        ),
        (
            '[jobs]\ndeadline_minutes = "soon"\n',
            '`deadline_minutes` in [jobs] must be a number (it is "soon")',
        ),
        (
            '[callbacks]\nenabled = "maybe"\n',
            '`enabled` in [callbacks] must be true or false (it is "maybe")',
        ),
        (
            '[discord]\nguild_ids = [1, "x"]\n',
            '`guild_ids` in [discord], item 2, must be a whole number (it is "x")',
        ),
        ("jobs = 3\n", "[jobs] must be a table"),
        (
            'log_level = "debug"\n',
            '`log_level` must be one of "DEBUG", "INFO", "WARNING", "ERROR" (it is "debug")',
        ),
        ("[jobs]\ndefault_model = 'v9'\n", "`default_model` in [jobs]: unknown model 'v9'"),
        (
            "[callbacks]\nenabled = true\n",
            "[callbacks]: public_url is required when callbacks are enabled",
        ),
        (TWO_SANDBOXES, "[[providers]]: provider name 'a' is used twice"),
        ("providers = []\n", "[[providers]] must have at least 1 entry"),
    ],
)
def test_mistakes_are_told_in_the_admins_words(tmp_path: Path, text: str, sentence: str) -> None:
    path = write(tmp_path, text)
    with pytest.raises(ConfigError) as caught:
        load_settings(path, {**ENV, "KIE_API_KEY": "k"})
    assert caught.value.key == str(path)
    assert caught.value.problem.startswith(sentence), caught.value.problem


def test_missing_vendor_key_names_the_provider_entry(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as caught:
        load_settings(write(tmp_path, KIE_SECOND), ENV)
    assert caught.value.key == "KIE_API_KEY"
    assert (
        caught.value.problem
        == 'missing: set it in the environment (the key for [[providers]] #2 ("kie"))'
    )


def test_key_in_the_file_names_the_provider_entry(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as caught:
        load_settings(write(tmp_path, KIE_SECOND + 'api_key = "oops"\n'), ENV)
    assert caught.value.problem.startswith('`api_key` in [[providers]] #2 ("kie"): do not put keys')
    assert "oops" not in str(caught.value)


@pytest.mark.parametrize(
    ("text", "env", "key", "words"),
    [
        ("", {}, "DISCORD_TOKEN", "missing"),
        ('[[providers]]\nname = "k"\nkind = "kie"\n', ENV, "KIE_API_KEY", "missing"),
        ("[discord\n", ENV, "config.toml", "not valid TOML"),
        ('[discord]\ntoken = "abc"\n', ENV, "config.toml", "`token` in [discord]"),
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
    assert line.startswith("Configuration error: ")
    assert line.endswith("`max_active_per_member` in [jobs] must be at least 1 (it is 0)")
    assert "Traceback" not in done.stderr
    assert "secret-tok" not in done.stderr + done.stdout


def test_same_priority_is_warned_with_the_entry_tried_first(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    text = (
        '[[providers]]\nname = "first"\nkind = "sandbox"\npriority = 1\n'
        '[[providers]]\nname = "zero"\nkind = "sandbox"\n'
        '[[providers]]\nname = "second"\nkind = "sandbox"\npriority = 1\n'
    )
    settings = load_settings(write(tmp_path, text), ENV)
    with caplog.at_level(logging.WARNING):
        providers = build_providers(settings.providers)
    assert [p.name for p in providers] == ["zero", "first", "second"]
    [record] = caplog.records
    assert record.levelno == logging.WARNING
    assert record.getMessage() == (
        'providers "first" and "second" both have priority 1: "first" is tried first'
        " (the order of the file)"
    )


def test_distinct_priorities_need_no_warning(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    text = TWO_SANDBOXES.replace('"a"', '"b"', 1) + "priority = 1\n"
    settings = load_settings(write(tmp_path, text), ENV)
    with caplog.at_level(logging.WARNING):
        build_providers(settings.providers)
    assert caplog.records == []
