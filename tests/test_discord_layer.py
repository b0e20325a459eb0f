"""The layers point one way: nothing below the Discord side speaks Discord.

Only the Discord package (``bot/discord/``), the cogs, the application that wires
them (``bot/app.py``, ``bot/run.py``) and the admin's tools (``bot/ops/``, which
check a server's permissions) may import ``discord`` or ``bot.discord``. The jobs,
the providers, media handling, configuration and the catalogs stay plain Python.
"""

from __future__ import annotations

from tests.test_layers import ROOT, forbidden, imported

ALLOWED = ("bot/discord/", "cogs/", "bot/ops/", "bot/app.py", "bot/run.py")
DISCORD = ("discord", "bot.discord")


def _speaks_discord(module: str) -> bool:
    return forbidden(module, DISCORD)


def test_nothing_below_the_discord_side_imports_discord() -> None:
    offenders = []
    for path in sorted((ROOT / "bot").rglob("*.py")):
        relative = path.relative_to(ROOT).as_posix()
        if relative.startswith(ALLOWED):
            continue
        found = sorted(m for m in imported(path) if _speaks_discord(m))
        if found:
            offenders.append(f"{relative}: {', '.join(found)}")
    assert offenders == []


def test_the_check_sees_an_import() -> None:
    assert _speaks_discord("discord")
    assert _speaks_discord("discord.app_commands")
    assert _speaks_discord("bot.discord.delivery")
    assert not _speaks_discord("discordant")
    assert not _speaks_discord("bot.discordant")
