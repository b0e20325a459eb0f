"""The MP3 shrinker and reader: real files (made by the sandbox's synth), no network."""

from __future__ import annotations

from pathlib import Path

import miniaudio
import pytest

from bot.media.audio import fit_mp3, mp3_duration
from tests.sandbox.helpers import render_melody

LONG_SECONDS = 120.0


@pytest.fixture(scope="module")
def long_song(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A two-minute 320 kbps song (about 4.8 MB), rendered once for the module."""
    path = tmp_path_factory.mktemp("audio") / "long.mp3"
    path.write_bytes(render_melody(b"long song", LONG_SECONDS, bitrate_kbps=320))
    return path


# --- mp3_duration -----------------------------------------------------------------------


def test_mp3_duration(tmp_path: Path) -> None:
    song = tmp_path / "song.mp3"
    song.write_bytes(render_melody(b"seed", 5.0))
    junk = tmp_path / "junk.mp3"
    junk.write_bytes(b"this is not an mp3" * 100)

    assert mp3_duration(song) == pytest.approx(5.0, abs=0.2)
    assert mp3_duration(junk) is None
    assert mp3_duration(tmp_path / "missing.mp3") is None


# --- fit_mp3 ----------------------------------------------------------------------------


def test_fit_shrinks_a_long_song_below_the_cap(long_song: Path, tmp_path: Path) -> None:
    cap = long_song.stat().st_size // 3  # about 1.6 MB: room for 96 kbps stereo
    dest = tmp_path / "fit.mp3"

    assert fit_mp3(long_song, dest, cap)

    assert 0.85 * cap < dest.stat().st_size <= cap  # uses the budget, not far below it
    info = miniaudio.mp3_get_file_info(str(dest))
    assert info.nchannels == 2
    assert info.duration == pytest.approx(LONG_SECONDS, abs=0.5)
    assert list(tmp_path.iterdir()) == [dest]  # no partial file left behind


def test_fit_goes_mono_and_lower_rate_on_a_tight_budget(long_song: Path, tmp_path: Path) -> None:
    cap = 600_000  # 40 kbps for two minutes
    dest = tmp_path / "fit.mp3"

    assert fit_mp3(long_song, dest, cap)

    assert dest.stat().st_size <= cap
    info = miniaudio.mp3_get_file_info(str(dest))
    assert (info.nchannels, info.sample_rate) == (1, 22050)
    assert info.duration == pytest.approx(LONG_SECONDS, abs=0.5)


def test_fit_gives_up_without_writing_when_even_32_kbps_is_too_big(
    long_song: Path, tmp_path: Path
) -> None:
    dest = tmp_path / "fit.mp3"

    assert not fit_mp3(long_song, dest, 100_000)  # would need 6.5 kbps

    assert list(tmp_path.iterdir()) == []


def test_fit_copies_a_file_that_already_fits(tmp_path: Path) -> None:
    src = tmp_path / "small.mp3"
    src.write_bytes(render_melody(b"seed", 2.0))
    dest = tmp_path / "fit.mp3"

    assert fit_mp3(src, dest, 10_000_000)

    assert dest.read_bytes() == src.read_bytes()


def test_fit_refuses_an_unreadable_file(tmp_path: Path) -> None:
    src = tmp_path / "junk.mp3"
    src.write_bytes(b"not audio" * 10_000)
    dest = tmp_path / "fit.mp3"

    assert not fit_mp3(src, dest, 1000)

    assert not dest.exists()
