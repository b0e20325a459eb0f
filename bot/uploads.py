"""Fitting a result into Discord's upload limit: attach, re-encode to fit, or link."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from pathlib import Path

import discord

from bot.audio import fit_mp3
from bot.jobs.notifier import FetchedFile, TrackFiles
from bot.ui.links import vetted
from bot.ui.results import PostedTrack, safe_filename
from bot.ui.text import quote


@dataclass
class Outgoing:
    """A result message ready to send."""

    content: str
    embeds: list[discord.Embed]
    files: list[discord.File]
    view: discord.ui.View


async def prepare_tracks(
    files: list[TrackFiles], workdir: Path, limit: int, *, link_audio: bool = False
) -> tuple[list[PostedTrack], list[discord.File]]:
    """Decide per track: attach as is, attach re-encoded to fit, or link with the reason."""
    posted: list[PostedTrack] = []
    attachments: list[discord.File] = []
    for n, item in enumerate(files, start=1):
        title = item.track.title or "song"
        audio_name: str | None = None
        note = ""
        if item.audio is not None:
            audio_limit = 0 if link_audio else limit
            audio, note = await _fit(item.audio, workdir / f"fit-{n}.mp3", audio_limit)
            if audio is not None:
                audio_name = safe_filename(title, n, ".mp3")
                attachments.append(discord.File(audio, filename=audio_name))
        cover_name = None
        if item.cover is not None and 0 < _size(item.cover) <= limit:
            cover_name = f"cover-{n}.png"
            attachments.append(discord.File(item.cover, filename=cover_name))
        note = note or _not_fetched(item)
        posted.append(PostedTrack(item.track, audio_name, cover_name, note))
    return posted, attachments


def _not_fetched(item: TrackFiles) -> str:
    """Say which of a track's files the bot could not (or would not) download."""
    missing = [
        name
        for name, url, path in (
            ("MP3", item.track.audio_url, item.audio),
            ("cover", item.track.image_url, item.cover),
        )
        if url and path is None
    ]
    if not missing:
        return ""
    return f"The {' and the '.join(missing)} could not be fetched from the music service."


async def _fit(audio: Path, dest: Path, limit: int) -> tuple[Path | None, str]:
    size = _size(audio)
    if size <= limit:
        return audio, ""
    mib = size / 1024 / 1024
    limit_mib = limit / 1024 / 1024
    if limit > 0 and await asyncio.to_thread(fit_mp3, audio, dest, limit):
        return (
            dest,
            f"Re-encoded from {mib:.1f} MB to fit this server's {limit_mib:.0f} MB upload limit.",
        )
    return None, f"The MP3 ({mib:.1f} MB) is over this server's upload limit, so it is linked."


def _size(path: Path) -> int:
    # A stat on a local spool file: cheap enough for the event loop.
    return path.stat().st_size


def prepare_files(
    files: list[FetchedFile], limit: int, *, link_all: bool = False
) -> tuple[list[discord.File], list[str]]:
    """Attach each WAV, stem or video that fits; link the others, saying why."""
    attachments: list[discord.File] = []
    notes: list[str] = []
    for n, item in enumerate(files, start=1):
        size = _size(item.path) if item.path is not None else 0
        if item.path is not None and not link_all and 0 < size <= limit:
            name = safe_filename(item.file.label, n, item.file.suffix)
            attachments.append(discord.File(item.path, filename=name))
            continue
        reason = (
            "could not be fetched" if item.path is None else "is over this server's upload limit"
        )
        label = quote(item.file.label, 80)
        url, why_not = vetted(item.file.url)
        if url is not None:
            notes.append(f"[{label}]({url}): the file {reason}, so it is linked.")
        else:
            notes.append(f"{label}: the file {reason}, and its link is {why_not}.")
    return attachments, notes
