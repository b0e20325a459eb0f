"""The sandbox's melody synth: a seeded tune, without network or external binaries.

numpy is not a dependency, so the synth never loops over samples in Python
bytecode: wave tables are tiled by ``array`` repetition, voices are mixed with
``map(operator.…)``, and both run at C speed. The tune is eight bars, each
rendered on first use and then replayed, so synthesis cost stops growing after
eight bars; beyond that only the MP3 encoding does.
"""

from __future__ import annotations

import cmath
import hashlib
import io
import math
import operator
import sys
import wave
from array import array
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from functools import lru_cache
from itertools import accumulate, chain, repeat
from typing import Literal, TypeVar

from bot.media.audio import mp3_encoder

_T = TypeVar("_T")

# Which voices of a song to render: "lead" is the melody line (the synth's
# stand-in for a singer), "backing" the pad and bass under it.
Voices = Literal["all", "lead", "backing"]

# ---------------------------------------------------------------------------
# Seeded choices
# ---------------------------------------------------------------------------


class _Dice:
    """Deterministic choices from a seed: SHA-256 in counter mode.

    Not ``random.Random``: its algorithms are not promised to stay the same
    across Python versions, and the same seed must give the same song forever.
    """

    def __init__(self, seed: bytes) -> None:
        self._seed = hashlib.sha256(seed).digest()
        self._counter = 0
        self._pool = b""

    def below(self, n: int) -> int:
        """An integer in ``range(n)``; the tiny modulo bias does not matter for music."""
        if len(self._pool) < 4:
            self._counter += 1
            self._pool += hashlib.sha256(self._seed + self._counter.to_bytes(8, "big")).digest()
        value, self._pool = int.from_bytes(self._pool[:4], "big"), self._pool[4:]
        return value % n

    def pick(self, options: Sequence[_T]) -> _T:
        return options[self.below(len(options))]


# ---------------------------------------------------------------------------
# Composition: which notes play when
# ---------------------------------------------------------------------------

_MAJOR = (0, 2, 4, 5, 7, 9, 11)
_MINOR = (0, 2, 3, 5, 7, 8, 10)
# Chord roots as 0-based scale degrees: well-worn progressions of major and minor
# triads only (no diminished chord), which always sound fine.
_MAJOR_PROGRESSIONS = ((0, 4, 5, 3), (5, 3, 0, 4), (0, 5, 3, 4), (0, 3, 5, 4))
_MINOR_PROGRESSIONS = ((0, 5, 2, 6), (0, 3, 6, 2), (0, 6, 5, 6), (0, 5, 3, 4))
# Melody rhythms for one bar, in eighth notes (each sums to a bar of 8).
_RHYTHMS = (
    (2, 2, 2, 2),
    (1, 1, 2, 1, 1, 2),
    (3, 1, 2, 2),
    (2, 1, 1, 2, 2),
    (1, 1, 1, 1, 2, 2),
    (2, 2, 1, 1, 2),
    (3, 3, 2),
)
_EIGHTHS_PER_BAR = 8
_BARS = 8  # two four-bar phrases over the same progression, then the song loops
_MELODY_SPAN = 10  # scale steps the melody may wander over (about an octave and a half)


@dataclass(frozen=True)
class _Note:
    midi: int
    start: int  # in eighth notes from the start of the bar
    length: int  # in eighth notes


@dataclass(frozen=True)
class _Bar:
    chord_root: int  # MIDI note of the chord's root, in the pad's octave
    minor: bool
    melody: tuple[_Note, ...]  # in order, never overlapping


@dataclass(frozen=True)
class _Song:
    bpm: int
    bars: tuple[_Bar, ...]


def _compose(seed: bytes) -> _Song:
    dice = _Dice(seed)
    root = 48 + dice.below(12)  # tonic somewhere in C3..B3
    minor = dice.below(3) == 0  # mostly major: it sounds friendlier in a test server
    scale = _MINOR if minor else _MAJOR
    progression = dice.pick(_MINOR_PROGRESSIONS if minor else _MAJOR_PROGRESSIONS)
    bpm = 84 + dice.below(37)

    def pitch(degree: int, octave_base: int) -> int:
        return octave_base + 12 * (degree // 7) + scale[degree % 7]

    bars: list[_Bar] = []
    degree = dice.below(5)
    for bar in range(_BARS):
        chord = progression[bar % len(progression)]
        chord_degrees = {(chord + step) % 7 for step in (0, 2, 4)}
        melody, degree = _melody_bar(dice, degree, chord_degrees, bar == _BARS - 1)
        bars.append(
            _Bar(
                chord_root=pitch(chord, root),
                minor=pitch(chord + 2, root) - pitch(chord, root) == 3,
                melody=tuple(_Note(pitch(d, root + 12), s, n) for d, s, n in melody),
            )
        )
    return _Song(bpm, tuple(bars))


def _melody_bar(
    dice: _Dice, degree: int, chord: set[int], last_bar: bool
) -> tuple[list[tuple[int, int, int]], int]:
    """(scale degree, start, length) triples for one bar, and where the line ended."""
    rhythm = (2, 2, 4) if last_bar else dice.pick(_RHYTHMS)
    notes: list[tuple[int, int, int]] = []
    start = 0
    for i, length in enumerate(rhythm):
        degree += dice.below(5) - 2
        # Bounce off the ends of the range: clamping would stick the tune on one note.
        degree = abs(degree) if degree < 0 else min(degree, 2 * _MELODY_SPAN - degree)
        if start in (0, 4):
            degree = _nearest_chord_tone(degree, chord)  # strong beats land on the harmony
        if last_bar and i == len(rhythm) - 1:
            degree = 7 if degree >= 4 else 0  # the phrase comes home to the tonic
        if dice.below(10) or start == 0:  # an occasional rest lets the line breathe
            notes.append((degree, start, length))
        start += length
    return notes, degree


def _nearest_chord_tone(degree: int, chord: set[int]) -> int:
    for offset in (0, -1, 1, -2, 2):
        candidate = degree + offset
        if 0 <= candidate <= _MELODY_SPAN and candidate % 7 in chord:
            return candidate
    return degree


# ---------------------------------------------------------------------------
# Synthesis
#
# Per-sample work only ever happens inside C loops: ``accumulate`` and ``map``
# over ``operator`` functions, ``array`` repetition, slicing and concatenation.
# The backing (bass and a three-note pad) is tuned in just intonation, so every
# tone is a whole multiple of one base frequency and a whole bar of backing is
# a single seamless wave table, tiled. The lead plays one note at a time, so
# its notes are concatenated rather than mixed. One ``operator.add`` pass per
# channel and bar then sums the two.
# ---------------------------------------------------------------------------

_IMAG = operator.attrgetter("imag")
_MAX_TABLE = 4096  # samples; longer tables only buy inaudible tuning precision
# Peaks as fractions of int16 full scale; their sum stays under 1, so nothing clips.
_LEAD_LEVEL = 0.55 * 32767
_BACKING_LEVEL = 0.40 * 32767
_LEAD_HARMONICS = (1.0, 0.45, 0.2, 0.08)  # a soft, slightly reedy pluck
_LEAD_ATTACK = 0.008  # seconds
_LEAD_DECAY = 0.45  # seconds for the level to fall to 1/e
_LEAD_RELEASE = 0.03  # seconds of fade at the end of every note, so none clicks
_PAD_HARMONICS = (1.0, 0.25)
_BASS_HARMONICS = (1.0, 0.3)
_BASS_WEIGHT = 1.6  # relative to one pad tone; low notes sound quieter
_BACKING_EDGE = 0.04  # seconds of fade in and out at each chord change
# Major and minor triads in just intonation, root first; the bass is the root an
# octave down, which halves the first ratio.
_CHORD_RATIOS = {False: (4, 5, 6), True: (10, 12, 15)}
_DETUNE_CENTS = (-4.0, 4.0)  # left, right: a slight chorus gives the backing width


def _frequency(midi: int) -> float:
    return 440.0 * math.pow(2.0, (midi - 69) / 12)


@lru_cache(maxsize=128)
def _periodic_table(
    partials: tuple[tuple[int, float], ...], base_hz: float, sample_rate: int, level: float
) -> array[float]:
    """Sines at whole multiples of ``base_hz``, over a table that loops without a seam.

    One period of 440 Hz is 100.23 samples; tiling a 100-sample period would
    play 441 Hz. The table holds the few periods whose total length lands
    closest to a whole number of samples, which keeps notes within a cent or
    two. Each sine comes from a rotating phasor (``accumulate`` of complex
    products), which avoids a ``math.sin`` call per sample.
    """
    per_period = sample_rate / base_hz
    fits = range(1, max(2, int(_MAX_TABLE / per_period) + 1))
    periods = min(fits, key=lambda k: abs(k * per_period - round(k * per_period)))
    length = round(periods * per_period)
    table = [0.0] * length
    for multiple, amplitude in partials:
        turn = cmath.rect(1.0, 2 * math.pi * multiple * periods / length)
        phasors = accumulate(repeat(turn, length - 1), operator.mul, initial=1 + 0j)
        table = list(
            map(operator.add, table, map(operator.mul, map(_IMAG, phasors), repeat(amplitude)))
        )
    scale = level / (max(map(abs, table)) or 1.0)
    return array("d", map(operator.mul, table, repeat(scale)))


def _ramp(samples: int, rising: bool) -> list[float]:
    """Linear gains for a fade of ``samples`` samples, in or out."""
    gains = [i / samples for i in range(samples)]
    return gains if rising else gains[::-1]


def _shape_edges(wave: array[float], attack: int, release: int) -> None:
    """Fade the first ``attack`` and last ``release`` samples of ``wave`` in place."""
    attack = min(attack, len(wave))
    release = min(release, len(wave) - attack)
    if attack:
        wave[:attack] = array("d", map(operator.mul, wave[:attack], _ramp(attack, True)))
    if release:
        wave[-release:] = array("d", map(operator.mul, wave[-release:], _ramp(release, False)))


def _shape_edges_pcm(pcm: array[int], edge: int) -> None:
    """The int16 twin of ``_shape_edges``: the backing is tiled as int16 to save a pass."""
    edge = min(edge, len(pcm) // 2)
    if edge:
        head = map(operator.mul, pcm[:edge], _ramp(edge, True))
        tail = map(operator.mul, pcm[-edge:], _ramp(edge, False))
        pcm[:edge] = array("h", map(int, head))
        pcm[-edge:] = array("h", map(int, tail))


class _Synth:
    """Renders bars of one song, caching tones per render so memory stays bounded."""

    def __init__(self, sample_rate: int, eighth: int) -> None:
        self.sample_rate = sample_rate
        self.eighth = eighth  # samples per eighth note
        self._tones: dict[tuple[int, int], array[int]] = {}
        self._envelopes: dict[int, array[float]] = {}
        self._backings: dict[tuple[int, bool, int], array[int]] = {}

    def bar(self, bar: _Bar, voices: Voices = "all") -> bytes:
        """One bar as interleaved little-endian int16 stereo, as lameenc wants it."""
        lead = self._lead(bar.melody)

        def channel(ch: int) -> array[int]:
            if voices == "lead":
                return lead
            backing = self._backing(bar.chord_root, bar.minor, ch)
            return backing if voices == "backing" else array("h", map(operator.add, backing, lead))

        left, right = channel(0), channel(1)
        pcm = array("h", bytes(4 * len(left)))
        pcm[0::2] = left
        pcm[1::2] = right
        if sys.byteorder == "big":
            pcm.byteswap()
        return pcm.tobytes()

    def _lead(self, melody: Iterable[_Note]) -> array[int]:
        line = array("h")
        position = 0
        for note in melody:
            line += _silence((note.start - position) * self.eighth)
            line += self._tone(note.midi, note.length * self.eighth)
            position = note.start + note.length
        return line + _silence((_EIGHTHS_PER_BAR - position) * self.eighth)

    def _tone(self, midi: int, samples: int) -> array[int]:
        key = (midi, samples)
        if key not in self._tones:
            partials = tuple(enumerate(_LEAD_HARMONICS, start=1))
            table = _periodic_table(partials, _frequency(midi), self.sample_rate, _LEAD_LEVEL)
            tiled = (table * (samples // len(table) + 1))[:samples]
            shaped = map(operator.mul, tiled, self._envelope(samples))
            self._tones[key] = array("h", map(int, shaped))
        return self._tones[key]

    def _envelope(self, samples: int) -> array[float]:
        if samples not in self._envelopes:
            ratio = math.exp(-1 / (_LEAD_DECAY * self.sample_rate))
            env = array("d", accumulate(repeat(ratio, samples - 1), operator.mul, initial=1.0))
            attack = int(_LEAD_ATTACK * self.sample_rate)
            _shape_edges(env, attack, int(_LEAD_RELEASE * self.sample_rate))
            self._envelopes[samples] = env
        return self._envelopes[samples]

    def _backing(self, chord_root: int, minor: bool, channel: int) -> array[int]:
        key = (chord_root, minor, channel)
        if key not in self._backings:
            ratios = _CHORD_RATIOS[minor]
            detune = math.pow(2.0, _DETUNE_CENTS[channel] / 1200)
            base_hz = _frequency(chord_root) / ratios[0] * detune
            table = _periodic_table(
                _backing_partials(ratios), base_hz, self.sample_rate, _BACKING_LEVEL
            )
            samples = _EIGHTHS_PER_BAR * self.eighth
            bar = array("h", map(int, table)) * (samples // len(table) + 1)
            del bar[samples:]
            _shape_edges_pcm(bar, int(_BACKING_EDGE * self.sample_rate))
            self._backings[key] = bar
        return self._backings[key]


def _backing_partials(ratios: tuple[int, ...]) -> tuple[tuple[int, float], ...]:
    """(multiple of the base frequency, amplitude) for the pad's three tones and the bass."""
    amplitudes: dict[int, float] = {}
    voices = [(ratio, _PAD_HARMONICS, 1.0) for ratio in ratios]
    voices.append((ratios[0] // 2, _BASS_HARMONICS, _BASS_WEIGHT))
    for ratio, harmonics, weight in voices:
        for harmonic, amplitude in enumerate(harmonics, start=1):
            multiple = ratio * harmonic
            amplitudes[multiple] = amplitudes.get(multiple, 0.0) + amplitude * weight
    return tuple(sorted(amplitudes.items()))


def _silence(samples: int) -> array[int]:
    return array("h", bytes(2 * samples))


def _fade_out(pcm: bytes, first_frame: int, total: int, fade: int) -> bytes:
    """Apply the song's final fade to a chunk of stereo PCM that starts at ``first_frame``.

    Frames in the last ``fade`` frames of the song are scaled down linearly to
    silence; the rest of the chunk is returned as it was.
    """
    frames = len(pcm) // 4
    fade_start = max(first_frame, total - fade)
    if fade <= 0 or fade_start >= first_frame + frames:
        return pcm
    samples = array("h", pcm)
    if sys.byteorder == "big":
        samples.byteswap()
    offset = 2 * (fade_start - first_frame)
    ramp = [(total - f) / fade for f in range(fade_start, first_frame + frames) for _ in (0, 1)]
    samples[offset:] = array("h", map(int, map(operator.mul, samples[offset:], ramp)))
    if sys.byteorder == "big":
        samples.byteswap()
    return samples.tobytes()


def _song_pcm(
    seed: bytes, seconds: float, sample_rate: int, voices: Voices = "all"
) -> Iterator[bytes]:
    """The song (or some of its voices) as stereo PCM chunks of one bar each, cut and faded.

    Bars are rendered on first use and then replayed, so a short clip only
    pays for the bars it plays and a long one loops the eight-bar tune.
    """
    song = _compose(seed)
    synth = _Synth(sample_rate, eighth=round(sample_rate * 30 / song.bpm))
    rendered: dict[int, bytes] = {}
    total = round(seconds * sample_rate)
    fade = min(sample_rate, total // 4)  # one second, or a quarter of a very short clip
    frame = 0
    index = 0
    while frame < total:
        bar = index % len(song.bars)
        if bar not in rendered:
            rendered[bar] = synth.bar(song.bars[bar], voices)
        chunk = rendered[bar][: 4 * (total - frame)]
        yield _fade_out(chunk, frame, total, fade)
        frame += len(chunk) // 4
        index += 1


_WAV_HEADER = 44  # bytes of the RIFF, fmt and data chunk headers that wave writes for PCM


@dataclass(frozen=True)
class Segment:
    """``seconds`` of the song for ``seed``: one piece of a medley."""

    seed: bytes
    seconds: float


def render_medley(
    segments: Sequence[Segment],
    *,
    voices: Voices = "all",
    bitrate_kbps: int = 128,
    sample_rate: int = 44100,
) -> bytes:
    """The songs of ``segments`` one after another, each faded out, as one constant-bitrate MP3.

    A song's key, mode, chord progression, tempo and tune all come from a hash
    of its seed, so different seeds sound different and the same segments always
    yield the same bytes. One voice alone stands in for a stem. CPU-bound; call
    it through ``asyncio.to_thread`` from async code.
    """
    pcm = _medley_pcm(segments, sample_rate, voices)
    return _encode_mp3(pcm, bitrate_kbps, sample_rate)


def render_wav(segments: Sequence[Segment], *, sample_rate: int = 44100) -> bytes:
    """The songs of ``segments`` as an uncompressed 16-bit stereo WAV (``wav_size`` bytes)."""
    out = io.BytesIO()
    with wave.open(out, "wb") as wav:
        wav.setnchannels(2)
        wav.setsampwidth(2)
        wav.setframerate(sample_rate)
        for chunk in _medley_pcm(segments, sample_rate, "all"):
            if sys.byteorder == "big":
                # The chunks are little-endian already, and wave swaps native order itself.
                swapped = array("h", chunk)
                swapped.byteswap()
                chunk = swapped.tobytes()
            wav.writeframes(chunk)
    return out.getvalue()


def wav_size(segments: Sequence[Segment], *, sample_rate: int = 44100) -> int:
    """The bytes ``render_wav`` will return, known without rendering anything.

    A WAV is ten times an MP3's size; this lets a caller refuse one over its
    cap before spending the time and memory on it.
    """
    frames = sum(round(s.seconds * sample_rate) for s in segments)
    return _WAV_HEADER + 4 * frames


def _medley_pcm(segments: Sequence[Segment], sample_rate: int, voices: Voices) -> Iterator[bytes]:
    if not segments or any(s.seconds <= 0 for s in segments):
        raise ValueError("a medley needs segments, each of a positive length")
    return chain.from_iterable(_song_pcm(s.seed, s.seconds, sample_rate, voices) for s in segments)


def _encode_mp3(pcm: Iterable[bytes], bitrate_kbps: int, sample_rate: int) -> bytes:
    # A placeholder tune needs no psychoacoustic care: the fastest setting halves the time.
    encoder = mp3_encoder(bitrate_kbps, sample_rate, channels=2, quality=7)
    out = bytearray()
    for chunk in pcm:
        out += encoder.encode(chunk)
    out += encoder.flush()
    return bytes(out)
