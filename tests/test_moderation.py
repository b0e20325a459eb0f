"""The blocked-terms check: spellings that dodge a plain comparison, whole words, each field."""

from __future__ import annotations

import pytest

from bot.moderation import Blocked, Blocklist, check_request, default_terms, normalise
from bot.providers.base import GenerateRequest

SWIFT = Blocklist.of(["Taylor Swift"])


@pytest.mark.parametrize(
    "text",
    [
        "taylor swift",
        "T a y l o r  S w i f t",
        "TAYLOR SWİFT",
        "tay\u200blor swift",
        "Tàylor Swïft",
        "Ｔａｙｌｏｒ　Ｓｗｉｆｔ",  # full-width forms
        "taylor...swift!!",
        "taylor-swift",
        "taylorswift",
        "t4yl0r 5w1ft",
        "a song like Taylor\u00adSwift's early work",
    ],
)
def test_every_spelling_of_a_blocked_name_is_found(text: str) -> None:
    assert SWIFT.find(text) == "taylor swift"


@pytest.mark.parametrize(
    "text", ["taylor made swift beats", "a swift tailor", "taylors wift", "taylor", ""]
)
def test_other_words_pass(text: str) -> None:
    assert SWIFT.find(text) is None


def test_a_word_inside_another_word_is_not_found() -> None:
    blocked = Blocklist.of(["ass"])
    assert blocked.find("a classic bass line for the class") is None
    assert blocked.find("kick ASS drums") == "ass"
    assert blocked.find("a s s") == "ass"


def test_normalise_folds_case_accents_format_characters_and_punctuation() -> None:
    assert normalise("  Ça  va\u200d,  BIEN?! ") == "ca va bien"
    assert normalise("ß") == "ss"


def test_empty_terms_are_ignored() -> None:
    assert Blocklist.of(["", " ... "]).find("anything at all") is None


@pytest.mark.parametrize(
    ("fields", "named"),
    [
        ({"prompt": "a ballad like taylor swift"}, "prompt"),
        ({"prompt": "pop", "style": "Taylor Swift pop"}, "style"),
        ({"prompt": "pop", "title": "Taylor Swift Forever"}, "title"),
        ({"custom": True, "lyrics": "oh taylor swift", "style": "pop"}, "lyrics"),
        ({"prompt": "pop", "negative_tags": "taylor swift"}, "negative style tags"),
    ],
)
def test_each_field_is_checked_and_named(fields: dict[str, object], named: str) -> None:
    request = GenerateRequest(model="V4_5", **fields)  # type: ignore[arg-type]
    with pytest.raises(Blocked) as caught:
        check_request(request, SWIFT)
    assert caught.value.user_message == (
        f"The {named} contains a word or name this server does not allow."
    )
    assert caught.value.field == named
    assert caught.value.term == "taylor swift"
    assert "taylor" not in caught.value.user_message.lower()


def test_a_clean_request_passes() -> None:
    check_request(GenerateRequest(model="V4_5", prompt="a swift tailor's song"), SWIFT)


def test_the_default_lists_ship_with_the_package() -> None:
    terms = default_terms()
    kinds = {kind for _, kind in terms}
    assert kinds == {"word", "artist"}
    assert all(term == normalise(term) and term for term, _ in terms)
