"""What an install relies on: declared, bounded, locked dependencies, and a quiet start."""

from __future__ import annotations

import ast
import re
import subprocess
import sys
import tomllib
from importlib.metadata import packages_distributions
from pathlib import Path

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

REPO = Path(__file__).resolve().parents[1]
FIRST_PARTY = {"bot", "cogs"}
PYPROJECT = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]
DEPENDENCIES = [Requirement(spec) for spec in PYPROJECT["dependencies"]]
# One "name==version" entry of requirements.lock, with the markers and hashes after it.
LOCKED = re.compile(r"^([A-Za-z0-9._-]+)==(\S+)((?:\s*;[^\\\n]*)?(?:\s*\\\n\s*--hash=\S+)*)", re.M)


def imported_packages() -> dict[str, str]:
    """Each third-party top-level module that bot/ and cogs/ import -> a file importing it."""
    found: dict[str, str] = {}
    for path in sorted([*REPO.glob("bot/**/*.py"), *REPO.glob("cogs/**/*.py")]):
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names = [node.module]
            else:
                continue
            for name in names:
                top = name.split(".")[0]
                if top not in sys.stdlib_module_names and top not in FIRST_PARTY:
                    found.setdefault(top, str(path.relative_to(REPO)))
    return found


def test_every_imported_package_is_declared() -> None:
    # A package that only arrives through another one's dependencies can vanish with
    # that one's next release; pyproject.toml must name whatever the code imports.
    declared = {canonicalize_name(req.name) for req in DEPENDENCIES}
    providers = packages_distributions()
    missing = []
    for module, where in imported_packages().items():
        dists = {canonicalize_name(d) for d in providers.get(module, [])}
        if not dists & declared:
            missing.append(f"{module} (imported in {where}; from {sorted(dists) or 'nowhere'})")
    assert missing == [], f"declare in pyproject.toml [project] dependencies: {missing}"


def test_every_dependency_has_an_upper_bound() -> None:
    unbounded = [
        str(req)
        for req in DEPENDENCIES
        if not any(spec.operator in ("<", "<=", "==", "~=") for spec in req.specifier)
    ]
    assert unbounded == []


def test_the_lock_pins_every_dependency_within_its_bounds_with_hashes() -> None:
    # The image installs requirements.lock alone: a dependency added to pyproject.toml
    # without regenerating the lock would be missing from the image.
    text = (REPO / "requirements.lock").read_text()
    entries = {canonicalize_name(m[1]): (m[2], m[3]) for m in LOCKED.finditer(text)}
    assert len(entries) == text.count("==")
    assert [name for name, (_, tail) in entries.items() if "--hash=sha256:" not in tail] == []
    stale = [
        f"{req} (locked: {entries.get(canonicalize_name(req.name), ('none',))[0]})"
        for req in DEPENDENCIES
        if canonicalize_name(req.name) not in entries
        or not req.specifier.contains(entries[canonicalize_name(req.name)][0])
    ]
    assert stale == [], "regenerate requirements.lock (the command is at its top)"


def test_the_license_file_is_the_declared_one() -> None:
    assert PYPROJECT["license"] == "MIT"
    text = (REPO / "LICENSE").read_text()
    assert text.startswith("MIT License\n")
    assert "the suno-discord-bot contributors" in text


def test_the_command_line_starts_without_warnings() -> None:
    # -W error: any warning raised while importing the bot and discord.py fails it.
    done = subprocess.run(
        [sys.executable, "-W", "error", "-m", "bot", "--help"],
        cwd=REPO,
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    assert done.stderr == ""
    assert "run" in done.stdout
