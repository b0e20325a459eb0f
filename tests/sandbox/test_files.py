"""WAV and stems of a sandbox song: real files of the source's tune, within the cap."""

from __future__ import annotations

import wave
from array import array
from pathlib import Path

import pytest

from bot.errors import MediaError
from bot.media.audio import mp3_duration
from bot.providers.base import Operation
from bot.providers.sandbox import SandboxProvider
from bot.providers.sandbox import media as sandbox_media
from tests.sandbox.helpers import (
    CAP,
    UPLOAD,
    FakeClock,
    decoded,
    download_all,
    finished,
    follow_up,
    mean_abs,
    settings,
    song_ref,
    urls,
)

# --- WAV and stems --------------------------------------------------------------------------


def alignment_error(pcm: array[int], mp3: array[int]) -> float:
    """How far ``pcm`` is from ``mp3``'s decoded samples at the best shift.

    An MP3 starts after an encoder delay of about a thousand frames, so the
    shift is searched, on a sparse set of samples to stay quick.
    """
    positions = range(20_000, 60_000, 400)
    return min(
        sum(abs(mp3[p + shift] - pcm[p]) for p in positions) / len(positions)
        for shift in range(0, 3000, 2)  # whole stereo frames
    )


async def test_a_wav_is_the_source_track_as_lossless_pcm(
    provider: SandboxProvider, clock: FakeClock, tmp_path: Path
) -> None:
    source = await song_ref(provider, clock, n=2)
    _, status = await finished(provider, clock, follow_up(Operation.WAV, source))

    assert [(f.label, f.suffix) for f in status.files] == [("WAV", ".wav")]
    assert status.files[0].url.startswith("sandbox://")
    [path] = await download_all(provider, status, tmp_path)
    with wave.open(str(path)) as wav:
        assert (wav.getnchannels(), wav.getsampwidth(), wav.getframerate()) == (2, 2, 44100)
        assert wav.getnframes() == 2 * 44100
        pcm = array("h", wav.readframes(wav.getnframes()))
    takes = []
    for n in (1, 2):
        dest = tmp_path / f"take{n}.mp3"
        await provider.download(f"sandbox://{source.task_id}/{n}.mp3", dest, CAP)
        takes.append(alignment_error(pcm, decoded(dest)))
    # Close to its own track (MP3 loses a little), nowhere near the other take.
    assert takes[1] < 800 < 3 * takes[1] < takes[0]


async def test_stems_split_the_source_into_vocals_and_instrumental(
    provider: SandboxProvider, clock: FakeClock, tmp_path: Path
) -> None:
    source = await song_ref(provider, clock)
    _, status = await finished(provider, clock, follow_up(Operation.STEMS, source))

    assert [(f.label, f.suffix) for f in status.files] == [
        ("Vocals", ".mp3"),
        ("Instrumental", ".mp3"),
    ]
    vocals_mp3, band_mp3 = await download_all(provider, status, tmp_path)
    assert mp3_duration(vocals_mp3) == pytest.approx(2.0, abs=0.2)
    assert mp3_duration(band_mp3) == pytest.approx(2.0, abs=0.2)
    full_mp3 = tmp_path / "full.mp3"
    await provider.download(f"sandbox://{source.task_id}/1.mp3", full_mp3, CAP)
    vocals, band, full = decoded(vocals_mp3), decoded(band_mp3), decoded(full_mp3)

    assert mean_abs([v - b for v, b in zip(vocals, band, strict=True)]) > 1000
    # Played together, the two stems are the song again.
    rest = [v + b - f for v, b, f in zip(vocals, band, full, strict=True)]
    assert mean_abs(rest) < 0.05 * mean_abs(full)


async def test_a_wav_over_the_cap_is_refused_before_it_is_rendered(
    clock: FakeClock, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    provider = SandboxProvider(settings(track_seconds=600.0), clock=clock)
    source = await song_ref(provider, clock)
    _, status = await finished(provider, clock, follow_up(Operation.WAV, source))

    def no_rendering(*args: object, **kwargs: object) -> bytes:
        raise AssertionError("rendered a WAV that cannot be delivered")

    monkeypatch.setattr(sandbox_media, "render_wav", no_rendering)
    dest = tmp_path / "song.wav"
    with pytest.raises(MediaError, match="cap"):
        await provider.download(status.files[0].url, dest, 20_000_000)  # 600 s is ~106 MB
    assert not dest.exists()


async def test_stems_respect_the_cap(
    provider: SandboxProvider, clock: FakeClock, tmp_path: Path
) -> None:
    source = await song_ref(provider, clock)
    _, status = await finished(provider, clock, follow_up(Operation.STEMS, source))
    dest = tmp_path / "vocals.mp3"

    with pytest.raises(MediaError, match="cap"):
        await provider.download(status.files[0].url, dest, 1000)
    assert not dest.exists()


@pytest.mark.parametrize(
    "url",
    [
        "sandbox://sbx-1-abcdef012345/track.wav",  # a song has no WAV
        "sandbox://sbx-1-abcdef012345-w-abcdef012345.1.20/1.mp3",  # a WAV task has no tracks
        "sandbox://sbx-1-abcdef012345-w-abcdef012345.1.20/vocals.mp3",
        "sandbox://sbx-1-abcdef012345-t-abcdef012345.1.20/track.wav",
        "sandbox://sbx-1-abcdef012345-t-abcdef012345.1.20/vocals.wav",
        "sandbox://sbx-1-abcdef012345-e-abcdef012345.1.20/3.mp3",
    ],
)
async def test_download_refuses_files_a_task_did_not_make(url: str, tmp_path: Path) -> None:
    with pytest.raises(MediaError):
        await SandboxProvider(settings()).download(url, tmp_path / "x", CAP)


async def test_media_of_every_operation_renders_the_same_after_a_restart(
    provider: SandboxProvider, clock: FakeClock, tmp_path: Path
) -> None:
    source = await song_ref(provider, clock)
    for operation in (Operation.EXTEND, Operation.RESTYLE, Operation.WAV, Operation.STEMS):
        req = follow_up(operation, source, upload_url=UPLOAD)
        task_id, status = await finished(provider, clock, req)
        fresh = SandboxProvider(settings(), clock=clock)
        resumed = await fresh.status(task_id, operation)

        assert urls(resumed) == urls(status)
        assert [t.duration for t in resumed.tracks] == [t.duration for t in status.tracks]
        before, after = tmp_path / f"{operation}-before", tmp_path / f"{operation}-after"
        before.mkdir()
        after.mkdir()
        old = await download_all(provider, status, before)
        new = await download_all(fresh, resumed, after)
        # Covers show the title only the first instance remembers; the audio is the same.
        assert [p.read_bytes() for p in old if p.suffix != ".png"] == [
            p.read_bytes() for p in new if p.suffix != ".png"
        ]
