"""Fetching audio and images: streamed to disk, never held whole in memory, size-capped.

Vendor media is untrusted. Only http(s) URLs are fetched, through a client
whose transport refuses non-public addresses (``bot.media.guard``), and a file
is kept only when its leading bytes are the kind its name claims
(``bot.media.types``). No URL ever goes into an error or a log line: vendor
URLs can carry signed tokens.
"""

from __future__ import annotations

import asyncio
from pathlib import Path

import httpx

from bot.errors import MediaError, MediaRefused
from bot.media import types as media_types

_CHUNK = 64 * 1024


async def download(client: httpx.AsyncClient, url: str, dest: Path, max_bytes: int) -> int:
    """Stream ``url`` into ``dest`` and return the number of bytes written.

    The partial file is removed on any failure, cancellation included, so a
    half-written or refused track is never posted.
    """
    try:
        scheme = httpx.URL(url).scheme
    except httpx.InvalidURL:
        scheme = ""
    if scheme not in ("http", "https"):
        raise MediaRefused("media is fetched over http(s) only")
    done = False
    try:
        written = await _stream_to(client, url, dest, max_bytes)
        if written == 0:
            raise MediaError("media was empty")
        done = True
        return written
    except httpx.HTTPError as exc:
        raise MediaError(f"media download failed: {type(exc).__name__}") from None
    finally:
        if not done:
            await asyncio.shield(asyncio.to_thread(dest.unlink, missing_ok=True))


async def _stream_to(client: httpx.AsyncClient, url: str, dest: Path, max_bytes: int) -> int:
    written = 0
    held = b""  # the leading bytes, kept back until their kind is known
    checked = False
    async with client.stream("GET", url) as response:
        if response.status_code != httpx.codes.OK:
            raise MediaError(f"media answered HTTP {response.status_code}")
        declared = response.headers.get("content-length")
        if declared and declared.isdigit() and int(declared) > max_bytes:
            raise MediaError(f"media is {declared} bytes, over the {max_bytes} cap")
        # Disk writes go to a worker thread: a slow volume must not stall the bot.
        fh = await asyncio.to_thread(dest.open, "wb")
        try:
            async for chunk in response.aiter_bytes(_CHUNK):
                written += len(chunk)
                if written > max_bytes:
                    raise MediaError(f"media is over the {max_bytes} byte cap")
                if not checked:
                    held += chunk
                    if len(held) < media_types.HEAD_BYTES:
                        continue
                    _check_kind(held, dest)
                    checked, chunk, held = True, held, b""
                await asyncio.to_thread(fh.write, chunk)
            if held:  # the whole file is shorter than the longest signature
                _check_kind(held, dest)
                await asyncio.to_thread(fh.write, held)
        finally:
            await asyncio.to_thread(fh.close)
    return written


def _check_kind(head: bytes, dest: Path) -> None:
    problem = media_types.mismatch(head, dest.suffix)
    if problem is not None:
        raise MediaRefused(problem)
