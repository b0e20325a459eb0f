"""The layers point one way: nothing under bot/providers or bot/media imports the config,
Discord or the job service; the foundation imports none of the layers above it; the
job service imports nothing of the admin's tools; the cogs never touch the store.

The provider and media packages sit below the job service, the configuration
(``bot.config`` composes their settings) and everything that speaks Discord; the
store's pre-upgrade backup lives beside it (``bot.jobs.backup``), below the
command line. The cogs talk to the job service (``bot.jobs``) and the server rules
(``bot.rules``), which own the store. Read from each module's imports and, for the
cogs, their attribute uses.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
BELOW = sorted((ROOT / "bot" / "providers").rglob("*.py")) + sorted(
    (ROOT / "bot" / "media").rglob("*.py")
)
COGS = sorted((ROOT / "cogs").glob("*.py"))
# Modules the providers must never import, nor anything below them.
FORBIDDEN = (
    "bot.config",
    "bot.jobs",
    "discord",
    "cogs",
    "bot.delivery",
    "bot.ui",
    "bot.uploads",
    "bot.tree",
)
JOBS = sorted((ROOT / "bot" / "jobs").rglob("*.py"))
# The admin's tools sit above the job service: the counters it increments are in the
# foundation (bot.telemetry), the pre-upgrade backup beside the store (bot.jobs.backup).
FORBIDDEN_IN_JOBS = ("bot.ops",)
# What every layer may use, so it uses none of them.
FOUNDATION = sorted((ROOT / "bot" / "telemetry").rglob("*.py")) + [
    ROOT / "bot" / f"{name}.py" for name in ("errors", "i18n", "log_json", "config_errors")
]
FORBIDDEN_IN_FOUNDATION = (
    "bot.jobs",
    "bot.ops",
    "bot.discord",
    "bot.providers",
    "bot.callbacks",
    "discord",
    "cogs",
)
# The other modules at the root of bot/ (config, logs, moderation...) may use the
# settings and types the provider and media packages own (config composes them), but
# nothing of the job service or above; the entry points wire everything.
ENTRY_POINTS = ("app", "run", "cli", "__main__", "__init__")
ROOT_MODULES = sorted(path for path in (ROOT / "bot").glob("*.py") if path.stem not in ENTRY_POINTS)
FORBIDDEN_AT_ROOT = ("bot.jobs", "bot.ops", "bot.discord", "bot.callbacks", "discord", "cogs")


def imported(path: Path) -> set[str]:
    """Every module ``path`` imports, at its top or inside a function."""
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
            names.update(f"{node.module}.{alias.name}" for alias in node.names)
    return names


def forbidden(name: str, modules: tuple[str, ...] = FORBIDDEN) -> bool:
    return any(name == bad or name.startswith(bad + ".") for bad in modules)


def test_the_modules_are_found() -> None:
    assert len(BELOW) > 30
    assert len(JOBS) > 10
    assert len(FOUNDATION) > 5
    assert all(path.is_file() for path in FOUNDATION)


@pytest.mark.parametrize("path", BELOW, ids=lambda p: str(p.relative_to(ROOT)))
def test_no_provider_or_media_module_imports_config_or_discord(path: Path) -> None:
    bad = sorted(name for name in imported(path) if forbidden(name))
    assert not bad, f"{path.relative_to(ROOT)} imports {', '.join(bad)}"


def store_uses(path: Path) -> list[str]:
    """Where ``path`` reaches for the store: a ``.store`` attribute or an import of its module."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Attribute) and node.attr == "store":
            found.append(f"line {node.lineno}: .store")
    store = "bot.jobs.store"
    found += [
        f"imports {name}"
        for name in sorted(imported(path))
        if name == store or name.startswith(store + ".")
    ]
    return found


def test_the_cogs_are_found() -> None:
    assert len(COGS) > 10


@pytest.mark.parametrize("path", COGS, ids=lambda p: str(p.relative_to(ROOT)))
def test_no_cog_touches_the_store(path: Path) -> None:
    uses = store_uses(path)
    assert not uses, f"{path.relative_to(ROOT)} touches the store: {'; '.join(uses)}"


@pytest.mark.parametrize("path", JOBS, ids=lambda p: str(p.relative_to(ROOT)))
def test_no_job_module_imports_the_admin_s_tools(path: Path) -> None:
    bad = sorted(name for name in imported(path) if forbidden(name, FORBIDDEN_IN_JOBS))
    assert not bad, f"{path.relative_to(ROOT)} imports {', '.join(bad)}"


@pytest.mark.parametrize("path", FOUNDATION, ids=lambda p: str(p.relative_to(ROOT)))
def test_no_foundation_module_imports_a_layer_above(path: Path) -> None:
    bad = sorted(name for name in imported(path) if forbidden(name, FORBIDDEN_IN_FOUNDATION))
    assert not bad, f"{path.relative_to(ROOT)} imports {', '.join(bad)}"


@pytest.mark.parametrize("path", ROOT_MODULES, ids=lambda p: str(p.relative_to(ROOT)))
def test_no_module_at_the_root_imports_the_job_service_or_above(path: Path) -> None:
    bad = sorted(name for name in imported(path) if forbidden(name, FORBIDDEN_AT_ROOT))
    assert not bad, f"{path.relative_to(ROOT)} imports {', '.join(bad)}"
