"""Pure pieces of acting on songs: form ids, lyrics pages, permissions, follow-up requests."""

from __future__ import annotations

import discord
import pytest

from bot.config import ActionSettings
from bot.discord.permissions import check_allowed
from bot.discord.ui.actions import Action, reaction_hint, result_view
from bot.discord.ui.forms import ComposeOptions, joined_lyrics, seconds, split_lyrics
from bot.discord.ui.lyrics import pages, timed_lines
from bot.errors import InputError
from bot.jobs import followups
from bot.jobs.models import Job
from bot.jobs.validation import check_generate
from bot.providers.base import GenerateRequest, Operation, TimedWord, Track
from bot.providers.catalog import MODELS
from tests.factories import shown_job


def custom_ids_of(view: discord.ui.View) -> list[str]:
    return [item.custom_id for item in view.children if isinstance(item, discord.ui.Button)]


def _job(**request: object) -> Job:
    return shown_job(
        GenerateRequest(model="v5", prompt="rain", style="lofi", title="Rain", **request),
        [
            Track(vendor_task_id="t", vendor_track_id=f"a{n}", title=f"Rain {n}", duration=120)
            for n in (1, 2)
        ],
    )


def test_compose_options_travel_in_the_form_id() -> None:
    options = ComposeOptions("v4.5-plus", True, "f", 0.55, None, 1.0)
    custom_id = options.custom_id()
    assert len(custom_id) <= 100
    assert ComposeOptions.parse(custom_id) == options
    assert ComposeOptions.parse("compose:v5:1") is None
    assert ComposeOptions.parse(ComposeOptions("v5").custom_id()) == ComposeOptions("v5")


def test_the_style_boost_travels_in_the_form_id() -> None:
    boosted = ComposeOptions("v4.5-plus", True, "f", 0.55, None, 1.0, boost=True)
    custom_id = boosted.custom_id()
    assert custom_id.endswith(":b")
    assert len(custom_id) <= 100
    assert ComposeOptions.parse(custom_id) == boosted
    assert ComposeOptions.parse(ComposeOptions("v5", boost=True).custom_id()) == ComposeOptions(
        "v5", boost=True
    )


def test_a_form_sent_before_the_boost_existed_is_not_boosted() -> None:
    old = ComposeOptions.parse("compose:v4.5:0:m:0.50:-:-")
    assert old == ComposeOptions("v4.5", False, "m", 0.5, None, None)
    assert old is not None
    assert not old.boost
    assert ComposeOptions.parse("compose:v5:0:-:-:-:-:x") is None  # no other flag is read


def test_lyrics_split_at_a_line_and_join_back() -> None:
    lyrics = "\n".join(f"line {n} of the song" for n in range(300))
    first, more = split_lyrics(lyrics)
    assert len(first) <= 4000
    assert first.endswith("of the song")
    assert joined_lyrics({"lyrics": first, "lyrics_more": more}) == lyrics
    assert split_lyrics("short") == ("short", "")


@pytest.mark.parametrize(
    ("text", "value"), [("95", 95.0), ("1:35", 95.0), ("", None), (" 7.5 ", 7.5)]
)
def test_continue_at_accepts_seconds_and_minutes(text: str, value: float | None) -> None:
    assert seconds(text) == value


def test_continue_at_refuses_words() -> None:
    with pytest.raises(InputError, match="not a time"):
        seconds("soon")


def test_pages_break_between_lines() -> None:
    text = "\n".join("x" * 50 for _ in range(100))
    result = pages(text, size=500)
    assert all(len(p) <= 500 for p in result)
    assert "\n".join(result) == text


def test_timed_lines_start_each_line_at_its_first_word() -> None:
    words = [
        TimedWord(word="Hello ", start=1.0, end=1.4),
        TimedWord(word="world\n", start=1.5, end=2.0),
        TimedWord(word="again", start=65.2, end=66.0),
    ]
    assert timed_lines(words) == "`[0:01]` Hello world\n`[1:05]` again"


def test_permissions() -> None:
    job = _job()
    open_settings, strict = ActionSettings(), ActionSettings(remix_by="requester")

    def why(
        action: Action, user: int, *, manage: bool = False, s: ActionSettings = open_settings
    ) -> str | None:
        try:
            check_allowed(action, job, user, manage_messages=manage, remix_by=s.remix_by)
        except InputError as refused:
            return refused.user_message
        return None

    assert why(Action.EXTEND, 7) is None
    assert why(Action.DELETE, 8) is not None
    assert why(Action.DELETE, 8, manage=True) is None
    assert why(Action.REMIX, 8) is None
    assert why(Action.REMIX, 8, s=strict) is not None
    assert why(Action.WAV, 8, s=strict) is not None
    assert why(Action.LYRICS, 8, s=strict) is None


def test_follow_up_requests() -> None:
    job = _job()
    remix = followups.remix(job)
    assert (remix.prompt, remix.style, remix.operation) == ("rain", "lofi", Operation.SONG)
    plain = followups.extend(job, 2)
    assert plain.source is not None
    assert plain.source.track_id == "a2"
    assert (plain.custom, plain.style) == (False, "")
    moved = followups.extend(job, 1, continue_at=30)
    assert (moved.custom, moved.style, moved.title) == (True, "lofi", "Rain 1")
    with pytest.raises(InputError, match="no track 3"):
        followups.extend(job, 3)
    check_generate(moved, MODELS)
    with pytest.raises(InputError, match="between 0 and 120"):
        check_generate(followups.extend(job, 1, continue_at=500), MODELS)


def test_custom_mode_needs_style_title_and_lyrics() -> None:
    base = {"model": "v5", "custom": True, "style": "pop", "title": "T", "lyrics": "la"}
    check_generate(GenerateRequest(**base), MODELS)  # type: ignore[arg-type]
    for missing, words in (("style", "style"), ("title", "title"), ("lyrics", "lyrics")):
        with pytest.raises(InputError, match=words):
            check_generate(GenerateRequest(**{**base, missing: ""}), MODELS)  # type: ignore[arg-type]
    check_generate(GenerateRequest(**{**base, "lyrics": "", "instrumental": True}), MODELS)  # type: ignore[arg-type]


def test_buttons_follow_what_the_provider_offers() -> None:
    everything = frozenset(Operation)
    songs_only = frozenset({Operation.SONG})
    assert len(custom_ids_of(result_view("0123456789abcdef", 2, everything))) == 9
    assert custom_ids_of(result_view("0123456789abcdef", 2, songs_only)) == [
        "song:remix:0123456789abcdef",
        "song:edit:0123456789abcdef",
        "song:delete:0123456789abcdef",
        "track:lyrics:0123456789abcdef:1",
        "track:lyrics:0123456789abcdef:2",
    ]
    assert "⏩" in reaction_hint(everything)
    assert "⏩" not in reaction_hint(songs_only)
