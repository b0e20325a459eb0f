"""Every language's catalog holds every message, with the same placeholders."""

from __future__ import annotations

import string
from pathlib import Path
from typing import Any

import pytest
from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir, extract_from_file
from babel.messages.pofile import read_po
from discord import app_commands
from pydantic import SecretStr

from bot.app import EXTENSIONS, MusicBot
from bot.config import DiscordSettings, Settings
from bot.i18n import ENGLISH, catalog_path, languages, t, tn
from bot.jobs.store import JobStore
from bot.providers.registry import build_providers


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


ROOT = Path(__file__).resolve().parent.parent
# How the code names a message: the argument positions of its msgid (and plural).
KEYWORDS = {"t": (2,), "tn": (2, 3), "N_": None, "InputError": None}


def messages_in_code(*paths: str) -> set[tuple[str | None, str]]:
    """Every literal message the code under ``paths`` (packages or modules) looks up or
    marks, as catalog keys."""
    found = set()
    for path in paths:
        if path.endswith(".py"):
            scanned = (
                (msgid, context)
                for _, msgid, _, context in extract_from_file("python", ROOT / path, KEYWORDS)
            )
        else:
            scanned = (
                (msgid, context)
                for _, _, msgid, _, context in extract_from_dir(
                    ROOT / path, method_map=[("**.py", "python")], keywords=KEYWORDS
                )
            )
        found.update((context, _singular(msgid)) for msgid, context in scanned)
    return found


def test_every_message_in_the_code_is_in_the_catalog(capsys: pytest.CaptureFixture[str]) -> None:
    english = _read(catalog_path(ENGLISH))
    assert messages_in_code("bot", "cogs") - _keys(english) == set()
    # Babel skips (and reports) a message written as an f-string: no catalog can hold it.
    assert [line for line in capsys.readouterr().err.splitlines() if "f-string" in line] == []


def test_the_code_scan_sees_lookups_marks_and_refusals(tmp_path: Path) -> None:
    (tmp_path / "pkg").mkdir()
    (tmp_path / "pkg" / "m.py").write_text(
        'a = t(locale, "One")\nb = tn(locale, "{n} song", "{n} songs", 2)\n'
        'c = N_("Marked")\nraise InputError("Too long: {n}", n=3)\nd = t(locale, name)\n'
    )
    global ROOT
    saved, ROOT = ROOT, tmp_path
    try:
        assert messages_in_code("pkg") == {
            (None, "One"),
            (None, "{n} song"),
            (None, "Marked"),
            (None, "Too long: {n}"),
        }
    finally:
        ROOT = saved


async def command_texts(tmp_path: Path) -> set[tuple[str | None, str]]:
    """Every name and description of the slash commands the bot registers with the
    sandbox (which offers every operation), as the translator is asked for them."""
    found: set[tuple[str | None, str]] = set()

    def walk(command: app_commands.Command[Any, ..., Any] | app_commands.Group) -> None:
        found.update({("command name", command.name), (None, command.description)})
        if isinstance(command, app_commands.Group):
            for sub in command.commands:
                walk(sub)
            return
        for option in command.parameters:
            found.update({("option name", option.name), (None, option.description)})
            found.update(("choice name", choice.name) for choice in option.choices)

    settings = Settings(discord=DiscordSettings(token=SecretStr("not used")))
    store = await JobStore.open(tmp_path / "bot.sqlite3")
    bot = MusicBot(settings, store, build_providers(settings.providers, settings.media))
    try:
        for extension in EXTENSIONS:
            await bot.load_extension(extension)
        for command in bot.tree.get_commands():
            assert not isinstance(command, app_commands.ContextMenu)  # the bot has none
            walk(command)
    finally:
        await store.close()
    return found


async def test_every_message_in_the_catalog_is_used(tmp_path: Path) -> None:
    english = _keys(_read(catalog_path(ENGLISH)))
    assert english - messages_in_code("bot", "cogs") - await command_texts(tmp_path) == set()


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
