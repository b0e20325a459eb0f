"""Fetching audio and images: streamed to disk, never held whole in memory, size-capped."""

from __future__ import annotations

import asyncio
from pathlib import Path

import httpx

from bot.errors import MediaError

_CHUNK = 64 * 1024


async def download(client: httpx.AsyncClient, url: str, dest: Path, max_bytes: int) -> int:
    """Stream ``url`` into ``dest`` and return the number of bytes written.

    The partial file is removed on any failure, so a half-written track is
    never posted. The URL is kept out of the error: vendor URLs can carry
    signed tokens.
    """
    try:
        written = await _stream_to(client, url, dest, max_bytes)
    except httpx.HTTPError as exc:
        await asyncio.to_thread(dest.unlink, missing_ok=True)
        raise MediaError(f"media download failed: {type(exc).__name__}") from None
    except MediaError:
        await asyncio.to_thread(dest.unlink, missing_ok=True)
        raise
    if written == 0:
        await asyncio.to_thread(dest.unlink, missing_ok=True)
        raise MediaError("media was empty")
    return written


async def _stream_to(client: httpx.AsyncClient, url: str, dest: Path, max_bytes: int) -> int:
    written = 0
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
                await asyncio.to_thread(fh.write, chunk)
        finally:
            await asyncio.to_thread(fh.close)
    return written
