"""Fitting a result into Discord's upload limit: attach, re-encode to fit, or link."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from pathlib import Path

import discord

from bot.discord.ui.links import vetted
from bot.discord.ui.results import PostedTrack, safe_filename
from bot.discord.ui.text import quote
from bot.i18n import t
from bot.jobs.models import PostedNames
from bot.jobs.notifier import FetchedFile, TrackFiles
from bot.media.audio import fit_mp3
from bot.media.types import HEAD_BYTES, sniff
from bot.providers.base import OutputFile

# The fetch lets through only these kinds of cover (bot.media.types).
IMAGE_SUFFIXES = {"jpeg": ".jpg", "png": ".png", "webp": ".webp"}


@dataclass
class Outgoing:
    """A result message ready to send."""

    content: str
    embeds: list[discord.Embed]
    files: list[discord.File]
    view: discord.ui.View
    names: PostedNames  # which of ``files`` is which


async def prepare_tracks(
    files: list[TrackFiles],
    workdir: Path,
    limit: int,
    *,
    link_audio: bool = False,
    locale: object = None,
) -> tuple[list[PostedTrack], list[discord.File]]:
    """Decide per track: attach as is, attach re-encoded to fit, or link with the reason.

    ``locale``: the language of the notes (the server's, as the result is public).
    """
    posted: list[PostedTrack] = []
    attachments: list[discord.File] = []
    for n, item in enumerate(files, start=1):
        title = item.track.title or "song"
        audio_name: str | None = None
        note = ""
        if item.audio is not None:
            audio_limit = 0 if link_audio else limit
            audio, note = await _fit(item.audio, workdir / f"fit-{n}.mp3", audio_limit, locale)
            if audio is not None:
                audio_name = safe_filename(title, n, ".mp3")
                attachments.append(discord.File(audio, filename=audio_name))
        cover_name = None
        if item.cover is not None and 0 < _size(item.cover) <= limit:
            cover_name = cover_filename(n, _image_suffix(item.cover))
            attachments.append(discord.File(item.cover, filename=cover_name))
        note = note or _not_fetched(item, locale)
        posted.append(PostedTrack(item.track, audio_name, cover_name, note))
    return posted, attachments


def _not_fetched(item: TrackFiles, locale: object) -> str:
    """Say which of a track's files the bot could not (or would not) download."""
    no_audio = bool(item.track.audio_url) and item.audio is None
    no_cover = bool(item.track.image_url) and item.cover is None
    if no_audio and no_cover:
        return t(locale, "The MP3 and the cover could not be fetched from the music service.")
    if no_audio:
        return t(locale, "The MP3 could not be fetched from the music service.")
    if no_cover:
        return t(locale, "The cover could not be fetched from the music service.")
    return ""


async def _fit(audio: Path, dest: Path, limit: int, locale: object) -> tuple[Path | None, str]:
    size = _size(audio)
    if size <= limit:
        return audio, ""
    mib = f"{size / 1024 / 1024:.1f}"
    limit_mib = f"{limit / 1024 / 1024:.0f}"
    if limit > 0 and await asyncio.to_thread(fit_mp3, audio, dest, limit):
        return dest, t(
            locale,
            "Re-encoded from {size} MB to fit this server's {limit} MB upload limit.",
            size=mib,
            limit=limit_mib,
        )
    return None, t(
        locale,
        "The MP3 ({size} MB) is over this server's upload limit, so it is linked.",
        size=mib,
    )


def cover_filename(n: int, suffix: str) -> str:
    return f"cover-{n}{suffix}"


def _image_suffix(cover: Path) -> str:
    """The suffix of the cover's real kind: a JPEG is not posted as a .png."""
    with cover.open("rb") as f:  # a dozen bytes of a local spool file
        kind = sniff(f.read(HEAD_BYTES))
    return IMAGE_SUFFIXES.get(kind or "", ".png")


def _size(path: Path) -> int:
    # A stat on a local spool file: cheap enough for the event loop.
    return path.stat().st_size


def prepare_files(
    files: list[FetchedFile], limit: int, *, link_all: bool = False, locale: object = None
) -> tuple[list[discord.File], list[str]]:
    """Attach each WAV, stem or video that fits; link the others, saying why in ``locale``."""
    attachments: list[discord.File] = []
    notes: list[str] = []
    for n, item in enumerate(files, start=1):
        size = _size(item.path) if item.path is not None else 0
        if item.path is not None and not link_all and 0 < size <= limit:
            attachments.append(discord.File(item.path, filename=file_filename(item.file, n)))
            continue
        notes.append(_file_note(item, locale))
    return attachments, notes


def file_filename(file: OutputFile, n: int) -> str:
    """The attachment name of a job's ``n``-th WAV, stem or video."""
    return safe_filename(file.label, n, file.suffix)


def _file_note(item: FetchedFile, locale: object) -> str:
    """Why a WAV, stem or video is not attached, and its link or why there is none."""
    label = quote(item.file.label, 80)
    url, why_not = vetted(item.file.url)
    fetched = item.path is not None
    if url is not None and fetched:
        return t(
            locale,
            "[{label}]({url}): the file is over this server's upload limit, so it is linked.",
            label=label,
            url=url,
        )
    if url is not None:
        return t(
            locale,
            "[{label}]({url}): the file could not be fetched, so it is linked.",
            label=label,
            url=url,
        )
    why_not = t(locale, why_not)
    if fetched:
        return t(
            locale,
            "{label}: the file is over this server's upload limit, and its link is {why_not}.",
            label=label,
            why_not=why_not,
        )
    return t(
        locale,
        "{label}: the file could not be fetched, and its link is {why_not}.",
        label=label,
        why_not=why_not,
    )
