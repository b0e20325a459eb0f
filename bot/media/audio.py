"""Reading and shrinking MP3s, without network or external binaries.

``fit_mp3`` re-encodes a file that is too large for a Discord upload until it
fits; ``mp3_duration`` reads a file's length. The sandbox's synth encodes its
tunes with the same ``mp3_encoder``.
"""

from __future__ import annotations

import logging
import shutil
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import lameenc
import miniaudio

log = logging.getLogger(__name__)


def mp3_encoder(
    bitrate_kbps: int, sample_rate: int, channels: int, quality: int
) -> lameenc.Encoder:
    encoder = lameenc.Encoder()
    encoder.set_bit_rate(bitrate_kbps)
    encoder.set_in_sample_rate(sample_rate)
    encoder.set_channels(channels)
    encoder.set_quality(quality)  # 2 is best and slowest, 7 fastest
    return encoder


# ---------------------------------------------------------------------------
# Reading and shrinking MP3s
# ---------------------------------------------------------------------------

# Bitrates (kbps) valid for MPEG-1 Layer III (32, 44.1 and 48 kHz).
_MPEG1_BITRATES = (32, 40, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320)
_MIN_KBPS = 32  # below this speech survives but music does not
_MONO_BELOW_KBPS = 96  # stereo under ~96 kbps spends too few bits per channel
_LOW_RATE_BELOW_KBPS = 64  # under 64 kbps mono, 44.1 kHz wastes bits on inaudible highs
_HEADROOM = 0.97  # frame headers, the LAME tag and padding add a few percent
_CHUNK_FRAMES = 64 * 1024


@dataclass(frozen=True)
class _Target:
    kbps: int
    channels: int
    sample_rate: int


def mp3_duration(path: Path) -> float | None:
    """The MP3's length in seconds, or None when it cannot be read as an MP3."""
    info = _probe(path)
    return None if info is None else float(info.duration)


def _probe(path: Path) -> miniaudio.SoundFileInfo | None:
    try:
        info = miniaudio.mp3_get_file_info(str(path))
    except (miniaudio.MiniaudioError, OSError):
        return None
    return info if info.duration > 0 else None


def fit_mp3(src: Path, dest: Path, max_bytes: int) -> bool:
    """Re-encode the MP3 at ``src`` into ``dest`` so that it is at most ``max_bytes``.

    The bitrate follows from the duration and the budget (less a few percent
    for framing), rounded down to a standard MP3 bitrate; below 96 kbps the
    audio is downmixed to mono, and below 64 kbps its sample rate is halved
    (44.1 kHz to 22.05 kHz), which sounds better than starving a full-band
    stereo stream. Decoding streams in chunks, so a ten-minute song never sits
    in memory as PCM.

    A file that already fits is copied unchanged. Returns False, writing
    nothing, when even 32 kbps mono would not fit or when ``src`` cannot be
    decoded: either way the caller's answer is the same (link the track
    instead of attaching it), so neither is an exception.

    CPU-bound and blocking (about half a second per minute of audio): call it
    with ``asyncio.to_thread`` from the event loop.
    """
    if src.stat().st_size <= max_bytes:
        if src.resolve() != dest.resolve():
            shutil.copyfile(src, dest)
        return True
    info = _probe(src)
    if info is None:
        log.warning("cannot shrink %s: not a readable MP3", src.name)
        return False
    try:
        # any() stops at the first encoding that fits; later ones are never tried.
        return any(_encode_file(src, dest, t, max_bytes) for t in _targets(info, max_bytes))
    except miniaudio.MiniaudioError as exc:
        log.warning("cannot shrink %s: %s", src.name, exc)
        return False


def _targets(info: miniaudio.SoundFileInfo, max_bytes: int) -> Iterator[_Target]:
    """Encodings to try, best first: the budget's own bitrate, then lower ones.

    The lower ones only matter when the encoder overshoots its estimate, which
    happens for clips of a few seconds where the headers weigh more.
    """
    budget_kbps = max_bytes * 8 * _HEADROOM / info.duration / 1000
    # Keep the source's rate when MPEG-1 allows it: resampling costs time and quality.
    full_rate = info.sample_rate if info.sample_rate in (32000, 44100, 48000) else 44100
    for kbps in sorted(_MPEG1_BITRATES, reverse=True):
        if _MIN_KBPS <= kbps <= budget_kbps:
            yield _target(kbps, full_rate)


def _target(kbps: int, full_rate: int) -> _Target:
    if kbps >= _MONO_BELOW_KBPS:
        return _Target(kbps, 2, full_rate)
    if kbps >= _LOW_RATE_BELOW_KBPS:
        return _Target(kbps, 1, full_rate)
    # Half of an MPEG-1 rate is an MPEG-2 rate, and every bitrate under 64 exists there.
    return _Target(kbps, 1, full_rate // 2)


def _encode_file(src: Path, dest: Path, target: _Target, max_bytes: int) -> bool:
    """Encode ``src`` at ``target`` into ``dest``; False (and no file) if it overshoots."""
    partial = dest.with_name(dest.name + ".part")
    # A member's real song: LAME's default trade-off, three times faster than its best.
    encoder = mp3_encoder(target.kbps, target.sample_rate, target.channels, quality=5)
    written = 0
    try:
        with partial.open("wb") as fh:
            for chunk in _decode_chunks(src, target):
                data = encoder.encode(chunk)
                written += len(data)
                if written > max_bytes:
                    return False
                fh.write(data)
            tail = encoder.flush()
            written += len(tail)
            if written > max_bytes:
                return False
            fh.write(tail)
        partial.replace(dest)
        return True
    finally:
        partial.unlink(missing_ok=True)


def _decode_chunks(src: Path, target: _Target) -> Iterator[bytes]:
    stream = miniaudio.stream_file(
        str(src),
        nchannels=target.channels,
        sample_rate=target.sample_rate,
        frames_to_read=_CHUNK_FRAMES,
    )
    for samples in stream:
        if sys.byteorder == "big":
            samples.byteswap()
        yield samples.tobytes()
