"""Lyrics the sandbox writes from a theme, and the word timings of the songs it made."""

from __future__ import annotations

import pytest

from bot.discord.ui.lyrics import timed_lines
from bot.errors import ProviderError
from bot.providers.base import FailureReason, Operation, TrackRef
from bot.providers.sandbox import SandboxProvider
from tests.sandbox.helpers import FakeClock, finished, ref, request, settings

LYRICS = "[Verse]\nRain on the roof tonight\n\n[Chorus]\nStay inside, stay\n"


# --- write_lyrics ---------------------------------------------------------------------------


async def test_two_drafts_are_written_from_the_themes_words(provider: SandboxProvider) -> None:
    drafts = await provider.write_lyrics("a lighthouse keeper's lonely winter")

    assert len(drafts) == 2
    assert drafts[0].text != drafts[1].text
    assert drafts[0].title == "A Lighthouse Keeper's Lonely Winter"
    assert drafts[1].title
    for draft in drafts:
        lines = draft.text.splitlines()
        assert lines.index("[Verse]") < lines.index("[Chorus]")
        sung = " ".join(line for line in lines if not line.startswith("["))
        assert "lighthouse" in sung
        assert "winter" in sung


async def test_drafts_are_deterministic_and_follow_the_theme(provider: SandboxProvider) -> None:
    first = await provider.write_lyrics("summer road trip")

    assert await SandboxProvider(settings()).write_lyrics("summer road trip") == first
    assert await provider.write_lyrics("autumn rain") != first


async def test_a_one_word_theme_still_fills_every_line(provider: SandboxProvider) -> None:
    drafts = await provider.write_lyrics("  Coffee!  ")

    assert drafts[0].title == "Coffee"
    for draft in drafts:
        assert all(line.strip() for line in draft.text.splitlines())
        assert "coffee" in draft.text


@pytest.mark.parametrize("theme", ["", "   ", "?!? ..."])
async def test_a_theme_without_words_is_invalid_input(
    provider: SandboxProvider, theme: str
) -> None:
    with pytest.raises(ProviderError) as caught:
        await provider.write_lyrics(theme)

    assert caught.value.reason is FailureReason.INVALID_INPUT


def test_both_lyrics_operations_are_offered(provider: SandboxProvider) -> None:
    assert {Operation.WRITE_LYRICS, Operation.TIMED_LYRICS} <= provider.operations


# --- timed_lyrics ---------------------------------------------------------------------------


async def test_the_members_words_are_spread_over_the_track(
    provider: SandboxProvider, clock: FakeClock
) -> None:
    req = request(custom=True, lyrics=LYRICS, style="folk", title="Roof")
    _, status = await finished(provider, clock, req)

    words = await provider.timed_lyrics(ref(status.tracks[1]))

    assert [w.word for w in words] == [
        "Rain ",
        "on ",
        "the ",
        "roof ",
        "tonight\n",
        "Stay ",
        "inside, ",
        "stay\n",
    ]
    slot = 2.0 / 8  # the track's two seconds, shared evenly
    assert [(w.start, w.end) for w in words] == [(i * slot, (i + 1) * slot) for i in range(8)]
    assert timed_lines(words) == "`[0:00]` Rain on the roof tonight\n`[0:01]` Stay inside, stay"


async def test_an_extension_is_timed_over_its_whole_length(
    provider: SandboxProvider, clock: FakeClock
) -> None:
    _, song = await finished(provider, clock, request())
    extend = request(operation=Operation.EXTEND, source=ref(song.tracks[0]), lyrics="more words")
    _, extended = await finished(provider, clock, extend)

    track = ref(extended.tracks[0]).model_copy(update={"duration": None})
    words = await provider.timed_lyrics(track)

    assert [w.word for w in words] == ["more ", "words\n"]
    assert words[-1].end == 4.0  # source and extension, found from the id alone


async def test_a_fresh_instance_times_the_lyrics_it_would_show(clock: FakeClock) -> None:
    provider = SandboxProvider(settings(), clock=clock)
    task_id, _ = await finished(provider, clock, request(custom=True, lyrics=LYRICS, style="x"))

    fresh = SandboxProvider(settings(), clock=clock)
    track = (await fresh.status(task_id)).tracks[0]
    words = await fresh.timed_lyrics(ref(track))

    sung = [line for line in track.lyrics.splitlines() if line and not line.startswith("[")]
    assert "".join(w.word for w in words).splitlines() == sung
    assert words == await fresh.timed_lyrics(ref(track))  # and always the same


async def test_an_instrumental_has_no_timed_words(
    provider: SandboxProvider, clock: FakeClock
) -> None:
    _, status = await finished(provider, clock, request(instrumental=True))

    assert await provider.timed_lyrics(ref(status.tracks[0])) == []


@pytest.mark.parametrize(
    "track",
    [
        TrackRef(task_id="kie-1", track_id="kie-1-a"),
        TrackRef(task_id="sbx-1-abcdef012345", track_id="sbx-1-abcdef012345-7"),
        TrackRef(
            task_id="sbx-1-abcdef012345-w-abcdef012345.1.20",
            track_id="sbx-1-abcdef012345-w-abcdef012345.1.20-1",
        ),
    ],
)
async def test_timing_a_track_the_sandbox_did_not_sing_is_refused(
    provider: SandboxProvider, track: TrackRef
) -> None:
    with pytest.raises(ProviderError) as caught:
        await provider.timed_lyrics(track)

    assert caught.value.reason is FailureReason.INVALID_INPUT
