"""``suno-bot backup``: a consistent copy of the jobs database, safe while the bot runs.

The copy itself is ``bot.jobs.backup``'s (SQLite's online backup API, checked
before it takes its name); this is the command line around it.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from bot.config import load_settings
from bot.errors import ConfigError
from bot.jobs.backup import BACKUP_FOLDER, BackupError, backup


def add_command(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """``backup [--to PATH]`` on the command line."""
    parser = commands.add_parser("backup", help="copy the database safely, even while the bot runs")
    parser.add_argument(
        "--to",
        type=Path,
        metavar="PATH",
        help=f"the file (or folder) to write; default: {BACKUP_FOLDER}/ next to the database",
    )
    parser.set_defaults(handler=main)


def main(args: argparse.Namespace) -> int:
    try:
        database = load_settings().storage.database
    except ConfigError as exc:
        print(f"Configuration error: {exc.key}: {exc.problem}", file=sys.stderr)
        return 2
    try:
        written = backup(database, args.to)
    except BackupError as exc:
        print(exc, file=sys.stderr)
        return 1
    print(written)
    return 0
