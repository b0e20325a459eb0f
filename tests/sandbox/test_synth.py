"""The sandbox's synth and cover renderer: real files, no network."""

from __future__ import annotations

import io
import wave
from array import array
from collections.abc import Sequence

import miniaudio
import pytest
from PIL import Image

from bot.providers.sandbox.artwork import render_cover
from bot.providers.sandbox.synth import Segment, render_medley, render_wav, wav_size
from tests.sandbox.helpers import render_melody


def _peak(pcm: array[int]) -> int:
    return max(map(abs, pcm))


# --- render_melody --------------------------------------------------------------------


def test_melody_is_a_decodable_mp3_of_the_requested_length() -> None:
    data = render_melody(b"seed", 12.0)

    info = miniaudio.mp3_get_info(data)
    assert info.sample_rate == 44100
    assert info.nchannels == 2
    # The encoder adds about 50 ms of priming and padding.
    assert info.duration == pytest.approx(12.0, abs=0.2)
    decoded = miniaudio.decode(data)
    assert _peak(decoded.samples) > 8000  # audible, not silence
    assert _peak(decoded.samples) < 32767  # and never clipped


def test_melody_honours_bitrate_and_sample_rate() -> None:
    data = render_melody(b"seed", 6.0, bitrate_kbps=64, sample_rate=22050)

    info = miniaudio.mp3_get_info(data)
    assert info.sample_rate == 22050
    # Constant bitrate: 64 kbps for six seconds is 48,000 bytes, give or take a frame.
    assert len(data) == pytest.approx(6.0 * 64_000 / 8, rel=0.05)


def test_same_seed_same_bytes_and_different_seeds_sound_different() -> None:
    first = render_melody(b"alpha", 4.0)
    assert render_melody(b"alpha", 4.0) == first

    a = miniaudio.decode(first).samples
    b = miniaudio.decode(render_melody(b"beta", 4.0)).samples
    differing = sum(1 for x, y in zip(a, b, strict=False) if abs(x - y) > 1000)
    assert differing > len(a) // 4  # a different tune, not a rounding difference


def test_very_short_and_invalid_lengths() -> None:
    assert miniaudio.mp3_get_info(render_melody(b"tiny", 0.2)).duration < 0.5
    with pytest.raises(ValueError, match="positive"):
        render_melody(b"seed", 0)


# --- render_medley and render_wav ------------------------------------------------------------


def _mean_abs(samples: Sequence[int]) -> float:
    return sum(map(abs, samples)) / len(samples)


def test_a_medley_plays_its_segments_one_after_another() -> None:
    first = miniaudio.decode(render_melody(b"one", 2.0)).samples
    both = miniaudio.decode(render_medley([Segment(b"one", 2.0), Segment(b"two", 1.5)]))

    assert both.duration == pytest.approx(3.5, abs=0.2)
    head = int(1.5 * 44100) * 2  # the first segment, before its fade
    assert _mean_abs([a - b for a, b in zip(first[:head], both.samples[:head], strict=True)]) < 100


def test_voices_split_the_mix_into_lead_and_backing() -> None:
    segments = [Segment(b"split", 3.0)]
    mix, lead, backing = (
        miniaudio.decode(render_medley(segments, voices=v)).samples
        for v in ("all", "lead", "backing")
    )

    assert _peak(lead) > 8000
    assert _peak(backing) > 8000
    assert _mean_abs([a - b for a, b in zip(lead, backing, strict=True)]) > 1000
    rest = [m - a - b for m, a, b in zip(mix, lead, backing, strict=True)]
    assert _mean_abs(rest) < 0.05 * _mean_abs(mix)


def test_a_wav_is_the_same_music_uncompressed() -> None:
    segments = [Segment(b"wav", 1.0), Segment(b"wav 2", 0.5)]

    data = render_wav(segments)

    assert len(data) == wav_size(segments)
    with wave.open(io.BytesIO(data)) as wav:
        assert (wav.getnchannels(), wav.getsampwidth(), wav.getframerate()) == (2, 2, 44100)
        assert wav.getnframes() == 1.5 * 44100
        pcm = array("h", wav.readframes(wav.getnframes()))
    assert 8000 < _peak(pcm) < 32767
    assert render_wav(segments) == data
    assert render_wav([Segment(b"other", 1.5)]) != data
    assert wav_size([Segment(b"x", 2.0)], sample_rate=22050) == 44 + 4 * 44100


@pytest.mark.parametrize("segments", [[], [Segment(b"a", 1.0), Segment(b"b", 0)]])
def test_a_medley_needs_segments_of_positive_length(segments: list[Segment]) -> None:
    with pytest.raises(ValueError, match="positive"):
        render_medley(segments)
    with pytest.raises(ValueError, match="positive"):
        render_wav(segments)


# --- render_cover -----------------------------------------------------------------------


def test_cover_is_a_small_png_of_the_requested_size() -> None:
    data = render_cover(b"seed", "Midnight Drive")

    assert len(data) < 200_000
    with Image.open(io.BytesIO(data)) as image:
        assert image.format == "PNG"
        assert image.size == (512, 512)
        image.verify()


def test_cover_is_deterministic_and_follows_the_seed() -> None:
    assert render_cover(b"a", "Title") == render_cover(b"a", "Title")
    assert render_cover(b"a", "Title") != render_cover(b"b", "Title")
    assert render_cover(b"a", "Title") != render_cover(b"a", "Other title")


@pytest.mark.parametrize(
    "title",
    ["", "x" * 300, "a very long title " * 20, "Ünïcødé ♪ 日本語", "supercalifragilistic" * 5],
)
def test_cover_copes_with_awkward_titles(title: str) -> None:
    data = render_cover(b"seed", title, size=256)

    with Image.open(io.BytesIO(data)) as image:
        assert image.size == (256, 256)
