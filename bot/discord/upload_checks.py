"""Checking a member's upload before anything made from it is paid for: type, size, length."""

from __future__ import annotations

import asyncio
import tempfile
from pathlib import Path
from typing import Any

import discord
import miniaudio

from bot.config import ActionSettings
from bot.errors import InputError

# What miniaudio can measure; vendors take these formats too.
AUDIO_SUFFIXES = (".mp3", ".wav", ".flac", ".ogg")


async def check_upload(upload: discord.Attachment, settings: ActionSettings) -> float:
    """The upload's length in seconds; ``InputError`` when it is not a usable song."""
    if not upload.filename.lower().endswith(AUDIO_SUFFIXES):
        kinds = ", ".join(AUDIO_SUFFIXES)
        raise InputError(
            "`{name}` is not an audio file I can read ({kinds}).", name=upload.filename, kinds=kinds
        )
    size_mb = upload.size / 1024 / 1024
    if size_mb > settings.upload_max_mb:
        size, limit = f"{size_mb:.1f}", f"{settings.upload_max_mb:g}"
        raise InputError(
            "The file is {size} MB; uploads may be at most {limit} MB.", size=size, limit=limit
        )
    with tempfile.TemporaryDirectory(prefix="upload-") as tmp:
        path = Path(tmp) / f"upload{Path(upload.filename).suffix.lower()}"
        await upload.save(path)
        seconds = await asyncio.to_thread(audio_length, path)
    if seconds is None:
        raise InputError("I could not read `{name}` as audio.", name=upload.filename)
    if seconds > settings.upload_max_minutes * 60:
        minutes, limit = f"{seconds / 60:.1f}", f"{settings.upload_max_minutes:g}"
        raise InputError(
            "The song is {minutes} minutes long; uploads may be at most {limit} minutes.",
            minutes=minutes,
            limit=limit,
        )
    return seconds


def audio_length(path: Path) -> float | None:
    """Seconds of audio in an MP3, WAV, FLAC or Ogg Vorbis file, or None if unreadable."""
    try:
        info: Any = miniaudio.get_file_info(str(path))
    except (miniaudio.MiniaudioError, OSError, ValueError):
        return None
    return float(info.duration) if info.duration > 0 else None
