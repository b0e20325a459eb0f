"""Member-facing text in the member's language: gettext catalogs read from .po files.

The catalogs live in ``bot/locales/<lang>/LC_MESSAGES/bot.po``; msgids are the
English text itself, so English needs no translation and anything missing in
another language falls back to it. The .po files are compiled in memory at
start-up, so a fresh clone needs no build step.
"""

from __future__ import annotations

import gettext
import io
from functools import cache
from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

LOCALES_DIR = Path(__file__).parent / "locales"
DOMAIN = "bot"
ENGLISH = "en"


def catalog_path(lang: str) -> Path:
    return LOCALES_DIR / lang / "LC_MESSAGES" / f"{DOMAIN}.po"


def languages() -> list[str]:
    """Every language with a catalog, English included."""
    return sorted(p.parent.parent.name for p in LOCALES_DIR.glob(f"*/LC_MESSAGES/{DOMAIN}.po"))


@cache
def _english() -> gettext.NullTranslations:
    return _load(ENGLISH) or gettext.NullTranslations()


@cache
def _translations(lang: str) -> gettext.NullTranslations:
    if lang == ENGLISH:
        return _english()
    loaded = _load(lang)
    if loaded is None:
        return _english()
    loaded.add_fallback(_english())
    return loaded


def _load(lang: str) -> gettext.GNUTranslations | None:
    path = catalog_path(lang)
    if not path.is_file():
        return None
    with path.open("rb") as po:
        catalog = read_po(po, locale=lang.replace("-", "_"), domain=DOMAIN)
    compiled = io.BytesIO()
    write_mo(compiled, catalog)
    compiled.seek(0)
    return gettext.GNUTranslations(compiled)


def language(locale: object) -> str:
    """The catalog for a Discord locale ("es-ES", "es-419" -> "es"); English if none."""
    tag = str(getattr(locale, "value", locale) or ENGLISH)
    known = languages()
    for candidate in (tag.replace("-", "_"), tag.split("-")[0]):
        if candidate in known:
            return candidate
    return ENGLISH


def t(locale: object, msgid: str, /, **fields: object) -> str:
    """``msgid`` in the language of ``locale``, its ``{named}`` fields filled in."""
    text = _translations(language(locale)).gettext(msgid)
    return text.format(**fields) if fields else text


def tn(locale: object, singular: str, plural: str, n: int, /, **fields: object) -> str:
    """A message that shows a count ``n`` (also available to it as ``{n}``)."""
    text = _translations(language(locale)).ngettext(singular, plural, n)
    return text.format(n=n, **fields)


def tc(locale: object, context: str, msgid: str) -> str | None:
    """``msgid`` in ``context`` (a command or option name), or None when untranslated."""
    lang = language(locale)
    if lang == ENGLISH:
        return None
    text = _translations(lang).pgettext(context, msgid)
    return None if text == msgid else text


def N_(msgid: str) -> str:  # gettext's name for a mark
    """Mark ``msgid`` as a message kept for later: returned as is, translated where it is shown.

    The test of the catalogs finds marked texts, so a table of messages (stage
    labels, failure texts) cannot hold one the catalogs lack.
    """
    return msgid
