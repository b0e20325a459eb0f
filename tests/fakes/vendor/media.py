"""Real media for the emulators to serve: clients decode what they download."""

from __future__ import annotations

import asyncio
import contextlib
import functools
import io
import math
import struct
import wave
from array import array

import lameenc
from aiohttp import web
from PIL import Image

MEDIA_TYPES = {"mp3": "audio/mpeg", "png": "image/png", "wav": "audio/wav", "mp4": "video/mp4"}
_CHUNK = 4096


@functools.cache
def sine_mp3(seconds: float = 2.0, rate: int = 22050, freq: float = 440.0) -> bytes:
    """A real, decodable mono MP3 of a sine tone (generated once per process)."""
    n = int(seconds * rate)
    pcm = array("h", (int(12000 * math.sin(2 * math.pi * freq * i / rate)) for i in range(n)))
    encoder = lameenc.Encoder()
    encoder.set_bit_rate(32)
    encoder.set_in_sample_rate(rate)
    encoder.set_channels(1)
    encoder.set_quality(7)
    return bytes(encoder.encode(pcm.tobytes()) + encoder.flush())


@functools.cache
def sine_wav(seconds: float = 1.0, rate: int = 8000, freq: float = 440.0) -> bytes:
    """A real, playable mono 16-bit WAV of a sine tone, for vendors that convert to WAV."""
    n = int(seconds * rate)
    pcm = array("h", (int(12000 * math.sin(2 * math.pi * freq * i / rate)) for i in range(n)))
    out = io.BytesIO()
    with wave.open(out, "wb") as wav:
        wav.setnchannels(1)
        wav.setsampwidth(2)
        wav.setframerate(rate)
        wav.writeframes(pcm.tobytes())
    return out.getvalue()


@functools.cache
def stub_mp4() -> bytes:
    """An MP4 file-type box and an empty media-data box: right suffix and magic, no frames.

    Nothing in the bot decodes video, so a playable one would only cost test time.
    """
    ftyp = b"isom" + struct.pack(">I", 0x200) + b"isomiso2mp41"
    boxes = [(b"ftyp", ftyp), (b"mdat", b"")]
    return b"".join(struct.pack(">I", 8 + len(body)) + kind + body for kind, body in boxes)


@functools.cache
def cover_png(size: int = 64) -> bytes:
    """A real PNG cover: a two-colour square."""
    image = Image.new("RGB", (size, size), (40, 90, 160))
    image.paste((230, 180, 40), (size // 4, size // 4, 3 * size // 4, 3 * size // 4))
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()


async def chunked(request: web.Request, data: bytes, kind: str) -> web.StreamResponse:
    """Serve ``data`` without Content-Length, as some CDNs do, to test streaming readers."""
    response = web.StreamResponse(headers={"Content-Type": kind})
    response.enable_chunked_encoding()
    await response.prepare(request)
    for start in range(0, len(data), _CHUNK):
        await response.write(data[start : start + _CHUNK])
    await response.write_eof()
    return response


async def dripped(
    request: web.Request, data: bytes, kind: str, interval: float
) -> web.StreamResponse:
    """Serve ``data`` one byte every ``interval`` seconds, as a throttled or hostile host does.

    It drips until the client hangs up (or, after the whole body, ends normally).
    """
    response = web.StreamResponse(headers={"Content-Type": kind})
    response.content_length = len(data)
    await response.prepare(request)
    with contextlib.suppress(ConnectionError):
        for i in range(len(data)):
            await response.write(data[i : i + 1])
            await asyncio.sleep(interval)
        await response.write_eof()
    return response
