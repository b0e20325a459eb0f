"""The result message: one embed per track, with its MP3 and cover attached."""

from __future__ import annotations

from dataclasses import dataclass

import discord

from bot.jobs.models import Job
from bot.providers.base import Track
from bot.ui.limits import content, fit
from bot.ui.links import vetted
from bot.ui.text import NOUNS, duration, job_marker, quote


@dataclass(frozen=True)
class PostedTrack:
    """How one track goes out: attached files by name, or a link with the reason."""

    track: Track
    audio_name: str | None  # attachment filename, None when only linked
    cover_name: str | None
    note: str = ""  # why the audio was re-encoded or linked instead of attached


def result_marker(job_id: str, n: int) -> str:
    return f"{job_marker(job_id)} · track {n}"


def result_content(job: Job, hint: str = "") -> str:
    """The line that pings the requester, the song's lineage, and which reactions work."""
    if job.request.operation.makes_tracks:
        lines = [f"<@{job.user_id}> your song is ready! 🎶"]
    else:
        lines = [f"<@{job.user_id}> here is the {NOUNS[job.request.operation]} you asked for."]
    if job.lineage is not None:
        target = f"[this song]({job.parent_link})" if job.parent_link else "a deleted song"
        lines.append(f"↪️ {job.lineage} {target}")
    if hint:
        lines.append(f"-# {hint}")
    return content("\n".join(lines))


def bare_result_content(job: Job) -> str:
    """The result's text when Discord refused its embeds: who, what, and the job's marker."""
    marker = result_marker(job.id, 1)
    return content(f"{result_content(job)}\n**{song_title(job)}**\n-# {marker}")


def has_bare_marker(text: str, job_id: str) -> bool:
    """Whether a message's text is that of ``job_id``'s bare result."""
    return text.endswith(f"\n-# {result_marker(job_id, 1)}")


def song_title(job: Job) -> str:
    """The song's name as members know it, safe to show."""
    title = job.tracks[0].title if job.tracks else job.request.title
    return quote(title or job.request.prompt[:40] or "Untitled", 80)


def result_embeds(job: Job, tracks: list[PostedTrack]) -> list[discord.Embed]:
    return fit(_track_embed(job, posted, n) for n, posted in enumerate(tracks, start=1))


def _track_embed(job: Job, posted: PostedTrack, n: int) -> discord.Embed:
    track = posted.track
    title = track.title or job.request.title or "Untitled"
    embed = discord.Embed(title=quote(title, 200), colour=discord.Colour.green())
    if track.tags or job.request.style:
        embed.add_field(name="Style", value=quote(track.tags or job.request.style, 1000))
    embed.add_field(name="Duration", value=duration(track.duration))
    embed.add_field(name="Model", value=job.request.model)
    if posted.audio_name is None:
        embed.add_field(name="Audio", value=_audio(posted), inline=False)
    if posted.note:
        embed.add_field(name="Note", value=posted.note, inline=False)
    if posted.cover_name:
        embed.set_thumbnail(url=f"attachment://{posted.cover_name}")
    embed.set_footer(text=result_marker(job.id, n))
    return embed


def _audio(posted: PostedTrack) -> str:
    """Where the MP3 is when it is not attached: a safe link to the vendor's copy, or why not."""
    # Why it is not attached (too large, or not fetched) is the track's note.
    track = posted.track
    url, why_not = vetted(track.audio_url or track.stream_url)
    if url is None:
        return f"Its link is {why_not}."
    expiry = (
        f" (link expires <t:{int(track.expires_at.timestamp())}:R>)" if track.expires_at else ""
    )
    return f"[Download the MP3]({url}){expiry}"


def safe_filename(title: str, n: int, suffix: str) -> str:
    """An attachment name Discord accepts: ASCII letters, digits, dashes."""
    stem = "".join(c if c.isascii() and c.isalnum() else "-" for c in title).strip("-")
    stem = "-".join(part for part in stem.split("-") if part)[:60] or "song"
    return f"{stem}-{n}{suffix}"


def files_embed(job: Job, notes: list[str]) -> discord.Embed:
    """The embed of a WAV, stems or video post: what it was made from, and any links."""
    source = job.request.source
    title = source.title if source is not None and source.title else "Untitled"
    embed = discord.Embed(title=quote(title, 200), colour=discord.Colour.green())
    for note in notes:
        embed.add_field(name="Note", value=note, inline=False)
    embed.set_footer(text=result_marker(job.id, 1))
    return fit([embed])[0]
