"""``suno-bot`` (and ``python -m bot``): run the bot, or one of the admin's tools."""

from __future__ import annotations

import argparse
from collections.abc import Callable

from bot import run
from bot.ops import backup, doctor

Command = Callable[[argparse.Namespace], int]  # a subcommand: its parsed arguments -> exit code


def main(argv: list[str] | None = None) -> int:
    """Parse the command line and run what it names (``run`` when it names nothing)."""
    parser = argparse.ArgumentParser(
        prog="suno-bot", description="A Discord bot that makes music with hosted Suno APIs."
    )
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    commands.add_parser("run", help="run the bot until stopped (the default)").set_defaults(
        handler=_run
    )
    commands.add_parser("doctor", help="check the setup and print what to fix").set_defaults(
        handler=doctor.main
    )
    backup.add_command(commands)
    args = parser.parse_args(argv)
    handler: Command = getattr(args, "handler", _run)
    return handler(args)


def _run(args: argparse.Namespace) -> int:
    return run.main()
