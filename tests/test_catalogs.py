"""Every language's catalog holds every message, with the same placeholders."""

from __future__ import annotations

import string
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog
from babel.messages.pofile import read_po

from bot.i18n import ENGLISH, catalog_path, languages, t, tn


def _read(path: Path) -> Catalog:
    with path.open("rb") as po:
        return read_po(po)


def _keys(catalog: Catalog) -> set[tuple[str | None, str]]:
    return {(m.context, _singular(m.id)) for m in catalog if m.id}


def _singular(msgid: object) -> str:
    return msgid[0] if isinstance(msgid, tuple) else str(msgid)


def _fields(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name is not None}


def missing_keys(one: Catalog, other: Catalog) -> set[tuple[str | None, str]]:
    """The messages ``other`` has that ``one`` lacks."""
    return _keys(other) - _keys(one)


def placeholder_mismatches(catalog: Catalog) -> list[str]:
    """The msgids whose translation names other ``{fields}`` than the English does."""
    wrong = []
    for message in catalog:
        if not message.id:
            continue
        ids = message.id if isinstance(message.id, tuple) else (message.id,)
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        expected = _fields(ids[-1]) | _fields(ids[0])
        for text in strings:
            if text and _fields(text) != expected:
                wrong.append(_singular(message.id))
    return wrong


@pytest.mark.parametrize("lang", [lang for lang in languages() if lang != ENGLISH])
def test_catalogs_hold_the_same_messages(lang: str) -> None:
    english = _read(catalog_path(ENGLISH))
    other = _read(catalog_path(lang))
    assert missing_keys(other, english) == set()
    assert missing_keys(english, other) == set()


@pytest.mark.parametrize("lang", languages())
def test_translations_keep_the_placeholders(lang: str) -> None:
    assert placeholder_mismatches(_read(catalog_path(lang))) == []


@pytest.mark.parametrize("lang", [lang for lang in languages() if lang != ENGLISH])
def test_every_message_is_translated(lang: str) -> None:
    untranslated = [
        _singular(m.id)
        for m in _read(catalog_path(lang))
        if m.id and not all(m.string if isinstance(m.string, tuple) else (m.string,))
    ]
    assert untranslated == []


def test_the_checks_catch_a_missing_message_and_a_wrong_placeholder() -> None:
    english, spanish = Catalog(locale="en"), Catalog(locale="es")
    english.add("Songs are made in {channel}.")
    english.add("Status")
    spanish.add("Songs are made in {channel}.", "Las canciones se hacen en {canal}.")
    assert missing_keys(spanish, english) == {(None, "Status")}
    assert placeholder_mismatches(spanish) == ["Songs are made in {channel}."]


def test_lookups_fall_back_to_english() -> None:
    assert t("es-ES", "Status") == "Estado"
    assert t("es-419", "Status") == "Estado"
    assert t("fr", "Status") == "Status"
    assert t(None, "Status") == "Status"
    assert t("es-ES", "not in any catalog {x}", x=1) == "not in any catalog 1"
    assert tn("en-US", "{n} song", "{n} songs", 2) == "2 songs"
