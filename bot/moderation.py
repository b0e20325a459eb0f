"""Blocked words and names: a request is checked against them before anything is stored.

Members dodge a plain comparison with case, accents, full-width letters,
zero-width characters, spacing ("T a y l o r") and a few digit-for-letter
swaps; ``normalise`` folds all of those away. A term matches whole words only,
so a blocked "ass" never refuses "class".
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from importlib import resources
from typing import Literal

from bot.errors import InputError
from bot.i18n import N_
from bot.providers.base import GenerateRequest

Kind = Literal["word", "artist"]
KINDS: tuple[Kind, ...] = ("word", "artist")
# The default lists, one term a line, shipped in the package (bot/data).
_DEFAULT_FILES: dict[Kind, str] = {"word": "blocked_terms.txt", "artist": "artists.txt"}
# Digits and signs members put for letters. Matched as a second reading of the
# text only, so a plain "80s" still reads as "80s".
_LEET = str.maketrans("013457@$", "oieastas")
# What a field is called in a refusal (and the audit log), in the order they are checked.
_FIELDS = {
    "prompt": "prompt",
    "style": "style",
    "title": "title",
    "lyrics": "lyrics",
    "negative_tags": "negative style tags",
}
# The member's refusal per field: whole sentences, as translations need (a field's
# gender changes the words around it).
REFUSALS: dict[str, str] = {
    "prompt": N_("The prompt contains a word or name this server does not allow."),
    "style": N_("The style contains a word or name this server does not allow."),
    "title": N_("The title contains a word or name this server does not allow."),
    "lyrics": N_("The lyrics contains a word or name this server does not allow."),
    "negative style tags": N_(
        "The negative style tags contains a word or name this server does not allow."
    ),
}


def normalise(text: str) -> str:
    """``text`` as lowercase words without accents, separated by single spaces."""
    folded = unicodedata.normalize("NFKC", text).casefold()
    kept = []
    for char in unicodedata.normalize("NFKD", folded):
        category = unicodedata.category(char)
        if category == "Cf" or category.startswith("M"):
            continue  # zero-width and other format characters; accents and other marks
        kept.append(char if char.isalnum() else " ")
    return " ".join("".join(kept).split())


def _joined_letters(words: list[str]) -> list[str]:
    """``words`` with each run of single letters ("t a y l o r") joined into one word."""
    joined: list[str] = []
    run = ""
    for word in [*words, ""]:
        if len(word) == 1:
            run += word
            continue
        if run:
            joined.append(run)
            run = ""
        if word:
            joined.append(word)
    return joined


def _readings(text: str) -> list[str]:
    """The ways ``text`` may be read, each padded with spaces for whole-word matching."""
    readings = []
    for variant in {text, text.translate(_LEET)}:
        words = normalise(variant).split()
        readings += [f" {' '.join(words)} ", f" {' '.join(_joined_letters(words))} "]
    return readings


@dataclass(frozen=True)
class Blocklist:
    """Normalised terms; each also matches written as one word ("taylorswift")."""

    terms: frozenset[str]

    @classmethod
    def of(cls, terms: Iterable[str]) -> Blocklist:
        return cls(frozenset(filter(None, (normalise(t) for t in terms))))

    def find(self, text: str) -> str | None:
        """The first blocked term (normalised) that ``text`` contains as whole words."""
        if not text or not self.terms:
            return None
        readings = _readings(text)
        for term in sorted(self.terms):
            wanted = (f" {term} ", f" {term.replace(' ', '')} ")
            if any(w in reading for w in wanted for reading in readings):
                return term
        return None


class Blocked(InputError):
    """A request names a blocked term. The member is told only the field;
    ``term`` is for the moderators' audit log."""

    def __init__(self, field: str, term: str) -> None:
        super().__init__(REFUSALS[field])
        self.field = field
        self.term = term


def check_request(request: GenerateRequest, blocklist: Blocklist) -> None:
    """Raise ``Blocked`` naming the first field of ``request`` with a blocked term."""
    for attribute, field in _FIELDS.items():
        term = blocklist.find(getattr(request, attribute))
        if term is not None:
            raise Blocked(field, term)


def default_terms() -> list[tuple[str, Kind]]:
    """The shipped default lists, normalised; lines starting with # are comments."""
    data = resources.files("bot") / "data"
    terms: list[tuple[str, Kind]] = []
    for kind, name in _DEFAULT_FILES.items():
        for line in (data / name).read_text(encoding="utf-8").splitlines():
            term = normalise(line) if not line.lstrip().startswith("#") else ""
            if term:
                terms.append((term, kind))
    return terms
