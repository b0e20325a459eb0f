"""``log_format = "json"``: one JSON object a line, for log shippers.

Each line carries ``time`` (UTC, ISO 8601), ``level``, ``logger`` and
``message``, ``exception`` when there is one, and what the line is about where
the bot knows it: ``job_id``, ``guild_id``, ``member_id``, ``provider``. Those
come from a context variable that the code running a job's step or answering
an interaction sets once (``bind``), so no log call passes them along; asyncio
gives every task its own copy, so one job's fields never reach another's lines.

The line is built from the record as the handler's filters left it: the
``Redactor`` (bot.logs) has already taken the secrets out of the message and
the traceback.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping
from contextvars import Context, ContextVar, copy_context
from datetime import UTC, datetime
from types import MappingProxyType

_NONE: Mapping[str, object] = MappingProxyType({})
_FIELDS: ContextVar[Mapping[str, object]] = ContextVar("log_fields", default=_NONE)


def bind(**fields: object) -> None:
    """Add ``fields`` (None ones skipped) to every line logged from here on in this task."""
    known = {name: value for name, value in fields.items() if value is not None}
    _FIELDS.set({**_FIELDS.get(), **known})


def unbound() -> Context:
    """A context for a task shared by many jobs and members (the scheduler, a channel's
    edit queue): a copy of this one without its log fields, which are not the task's."""
    context = copy_context()
    context.run(_FIELDS.set, _NONE)
    return context


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, object] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            **_FIELDS.get(),
        }
        if record.exc_info and not record.exc_text:
            record.exc_text = self.formatException(record.exc_info)
        if record.exc_text:
            line["exception"] = record.exc_text
        if record.stack_info:
            line["stack"] = self.formatStack(record.stack_info)
        return json.dumps(line, ensure_ascii=False, default=str)


def use_json(root: logging.Logger) -> None:
    """Make every handler of ``root`` write JSON lines."""
    for handler in root.handlers:
        handler.setFormatter(JsonFormatter())
