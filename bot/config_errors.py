"""Turns pydantic's validation errors into one sentence in the admin's words.

pydantic says "Extra inputs are not permitted" at ``('providers', 1, 'kie',
'retires')``; the admin wrote ``retires`` in the second ``[[providers]]`` table
of config.toml and should read exactly that, with the likely fix.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel
from pydantic_core import ErrorDetails

# What each type error expects, as a TOML value.
_EXPECTED = {
    "int_parsing": "a whole number",
    "int_type": "a whole number",
    "int_from_float": "a whole number",
    "float_parsing": "a number",
    "float_type": "a number",
    "bool_parsing": "true or false",
    "bool_type": "true or false",
    "string_type": "text in quotes",
    "path_type": "a path in quotes",
    "list_type": "a list, like [1, 2]",
    "dict_type": "a table",
    "model_type": "a table",
    "model_attributes_type": "a table",
}
_BOUNDS = {
    "greater_than": ("gt", "more than"),
    "greater_than_equal": ("ge", "at least"),
    "less_than": ("lt", "less than"),
    "less_than_equal": ("le", "at most"),
}
# Injected from the environment: their values are never repeated back.
_SECRET_KEYS = frozenset({"token", "api_key", "webhook_secret"})


@dataclass(frozen=True)
class Schema:
    """The settings model and, for ``[[providers]]``, each kind's model."""

    root: type[BaseModel]
    kinds: Mapping[str, type[BaseModel]]

    def table_model(self, name: str) -> type[BaseModel] | None:
        field = self.root.model_fields.get(name)
        model = field.annotation if field is not None else None
        return model if isinstance(model, type) and issubclass(model, BaseModel) else None


@dataclass(frozen=True)
class _Place:
    table: str  # "[jobs]", '[[providers]] #2 ("kie")'; empty at the top level
    path: tuple[str | int, ...]  # the key inside the table, and list positions
    known: Sequence[str]  # the keys allowed where the path starts

    @property
    def subject(self) -> str:
        keys = [str(p) for p in self.path if isinstance(p, str)]
        items = [f"item {p + 1}" for p in self.path if isinstance(p, int)]
        if not keys:
            return ", ".join([self.table, *items])
        subject = f"`{'.'.join(keys)}`" + (f" in {self.table}" if self.table else "")
        return subject + "".join(f", {item}," for item in items)


def provider_label(index: int, name: object) -> str:
    """``[[providers]] #2 ("kie")``: counted from 1, named by the entry's ``name``."""
    label = f"[[providers]] #{index + 1}"
    return f'{label} ("{name}")' if isinstance(name, str) and name else label


def explain(error: ErrorDetails, raw: Mapping[str, Any], schema: Schema) -> str:
    """One sentence saying where the mistake is and what the key should hold."""
    place = _place(error["loc"], raw, schema)
    kind, ctx = error["type"], error.get("ctx", {})
    if kind == "extra_forbidden":
        return _unknown_key(place)
    if kind == "missing":
        return f"{place.subject} is missing"
    if kind in ("union_tag_not_found", "union_tag_invalid"):
        return _bad_kind(place, error["input"], schema)
    if kind in _BOUNDS:
        name, words = _BOUNDS[kind]
        return f"{place.subject} must be {words} {_number(ctx[name])}{_it_is(place, error)}"
    if kind in _EXPECTED:
        return f"{place.subject} must be {_EXPECTED[kind]}{_it_is(place, error)}"
    if kind in ("literal_error", "enum"):
        choices = ", ".join(f'"{c}"' for c in re.findall(r"'([^']*)'", ctx["expected"]))
        return f"{place.subject} must be one of {choices}{_it_is(place, error)}"
    if kind in ("too_short", "too_long", "string_too_short", "string_too_long"):
        return f"{place.subject} {_length(kind, ctx)}"
    return f"{place.subject}: {error['msg'].removeprefix('Value error, ')}"


def _place(loc: tuple[str | int, ...], raw: Mapping[str, Any], schema: Schema) -> _Place:
    if not loc:
        return _Place("", (), list(schema.root.model_fields))
    head, rest = str(loc[0]), loc[1:]
    if head == "providers" and rest and isinstance(rest[0], int):
        return _provider_place(rest[0], rest[1:], raw, schema)
    if head == "providers":
        return _Place("[[providers]]", rest, [])
    model = schema.table_model(head)
    if model is None:
        return _Place("", loc, list(schema.root.model_fields))
    return _Place(f"[{head}]", rest, list(model.model_fields))


def _provider_place(
    index: int, rest: tuple[str | int, ...], raw: Mapping[str, Any], schema: Schema
) -> _Place:
    entries = raw.get("providers")
    entry = entries[index] if isinstance(entries, list) else None
    kind = entry.get("kind") if isinstance(entry, dict) else None
    name = entry.get("name") if isinstance(entry, dict) else None
    if rest[:1] == (kind,):
        rest = rest[1:]  # pydantic's union tag, not a key the admin wrote
    model = schema.kinds.get(kind) if isinstance(kind, str) else None
    return _Place(provider_label(index, name), rest, list(model.model_fields) if model else [])


def _unknown_key(place: _Place) -> str:
    key = str(place.path[-1]) if place.path else ""
    where = f"unknown key `{key}` in {place.table}" if place.table else "unknown section or key"
    if not place.table:
        where += f" `{key}`"
    close = difflib.get_close_matches(key, place.known, n=1)
    return where + (f" (did you mean `{close[0]}`?)" if close else "")


def _bad_kind(place: _Place, entry: object, schema: Schema) -> str:
    kinds = ", ".join(schema.kinds)
    kind = entry.get("kind") if isinstance(entry, dict) else None
    if kind is None:
        return f"`kind` in {place.table} is missing: one of {kinds}"
    return f"`kind` in {place.table} must be one of {kinds} (it is {_shown(kind)})"


def _length(kind: str, ctx: Mapping[str, Any]) -> str:
    if kind == "string_too_short":
        n = ctx["min_length"]
        return "must not be empty" if n == 1 else f"must be at least {n} characters"
    if kind == "string_too_long":
        return f"must be at most {ctx['max_length']} characters"
    n = ctx["min_length"] if kind == "too_short" else ctx["max_length"]
    bound = "at least" if kind == "too_short" else "at most"
    return f"must have {bound} {n} {'entry' if n == 1 else 'entries'}"


def _it_is(place: _Place, error: ErrorDetails) -> str:
    if _SECRET_KEYS.intersection(str(p) for p in place.path):
        return ""
    return f" (it is {_shown(error['input'])})"


def _shown(value: object) -> str:
    """A value as it would be written in TOML, cut short."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return _number(value)
    if isinstance(value, str):
        return f'"{value[:40]}…"' if len(value) > 40 else f'"{value}"'
    return "a table" if isinstance(value, dict) else "a list" if isinstance(value, list) else "?"


def _number(value: object) -> str:
    return f"{value:g}" if isinstance(value, float) else str(value)
