"""The result message: one embed per track, with its MP3 and cover attached."""

from __future__ import annotations

from dataclasses import dataclass

import discord

from bot.discord.ui.limits import content, fit
from bot.discord.ui.links import vetted
from bot.discord.ui.text import HERE_IS, duration, job_marker, quote
from bot.i18n import N_, t
from bot.jobs.models import Job
from bot.providers.base import Operation, Track


@dataclass(frozen=True)
class PostedTrack:
    """How one track goes out: attached files by name, or a link with the reason."""

    track: Track
    audio_name: str | None  # attachment filename, None when only linked
    cover_name: str | None
    note: str = ""  # why the audio was re-encoded or linked instead of attached


# Where a job came from, as the result's second line says it: whole sentences, as
# translations need. ``{song}`` is a link to the source's result, or "a deleted song".
_FROM_SONG: dict[Operation, str] = {
    Operation.SONG: N_("Remix of {song}"),
    Operation.EXTEND: N_("Extension of {song}"),
    Operation.WAV: N_("WAV of {song}"),
    Operation.STEMS: N_("Stems of {song}"),
    Operation.VIDEO: N_("Video of {song}"),
}
_FROM_TRACK: dict[Operation, str] = {
    Operation.EXTEND: N_("Extension of track {n} of {song}"),
    Operation.WAV: N_("WAV of track {n} of {song}"),
    Operation.STEMS: N_("Stems of track {n} of {song}"),
    Operation.VIDEO: N_("Video of track {n} of {song}"),
}
_MADE_FROM_SONG = N_("Made from {song}")
_MADE_FROM_TRACK = N_("Made from track {n} of {song}")


def lineage(job: Job, locale: object = None) -> str | None:
    """What ``job`` came from ("Extension of track 2 of [this song](…)"), or None.

    A remix is of the whole song, whichever track it started from.
    """
    if job.parent_job_id is None:
        return None
    song = (
        t(locale, "[this song]({link})", link=job.parent_link)
        if job.parent_link
        else t(locale, "a deleted song")
    )
    operation = job.request.operation
    if operation is Operation.SONG or job.parent_track is None:
        return t(locale, _FROM_SONG.get(operation, _MADE_FROM_SONG), song=song)
    msgid = _FROM_TRACK.get(operation, _MADE_FROM_TRACK)
    return t(locale, msgid, n=job.parent_track, song=song)


def result_marker(job_id: str, n: int) -> str:
    return f"{job_marker(job_id)} · track {n}"


def result_content(job: Job, hint: str = "", locale: object = None) -> str:
    """The line that pings the requester, the song's lineage, and which reactions work.

    ``locale``: the server's, as the message is public.
    """
    mention = f"<@{job.user_id}>"
    if job.request.operation.makes_tracks:
        lines = [t(locale, "{mention} your song is ready! 🎶", mention=mention)]
    else:
        lines = [t(locale, HERE_IS[job.request.operation], mention=mention)]
    source = lineage(job, locale)
    if source is not None:
        lines.append(f"↪️ {source}")
    if hint:
        lines.append(f"-# {hint}")
    return content("\n".join(lines))


def bare_result_content(job: Job, locale: object = None) -> str:
    """The result's text when Discord refused its embeds: who, what, and the job's marker."""
    marker = result_marker(job.id, 1)
    title = song_title(job, locale)
    return content(f"{result_content(job, locale=locale)}\n**{title}**\n-# {marker}")


def has_bare_marker(text: str, job_id: str) -> bool:
    """Whether a message's text is that of ``job_id``'s bare result."""
    return text.endswith(f"\n-# {result_marker(job_id, 1)}")


def song_title(job: Job, locale: object = None) -> str:
    """The song's name as members know it, safe to show ("Untitled" in ``locale``'s words)."""
    title = job.tracks[0].title if job.tracks else job.request.title
    return quote(title or job.request.prompt[:40] or t(locale, "Untitled"), 80)


def result_embeds(
    job: Job, tracks: list[PostedTrack], locale: object = None
) -> list[discord.Embed]:
    return fit(_track_embed(job, posted, n, locale) for n, posted in enumerate(tracks, start=1))


def _track_embed(job: Job, posted: PostedTrack, n: int, locale: object) -> discord.Embed:
    track = posted.track
    title = track.title or job.request.title or t(locale, "Untitled")
    embed = discord.Embed(title=quote(title, 200), colour=discord.Colour.green())
    if track.tags or job.request.style:
        style = quote(track.tags or job.request.style, 1000)
        embed.add_field(name=t(locale, "Style"), value=style)
    embed.add_field(name=t(locale, "Duration"), value=duration(track.duration))
    embed.add_field(name=t(locale, "Model"), value=job.request.model)
    if posted.audio_name is None:
        embed.add_field(name=t(locale, "Audio"), value=_audio(posted, locale), inline=False)
    if posted.note:
        embed.add_field(name=t(locale, "Note"), value=posted.note, inline=False)
    if posted.cover_name:
        embed.set_thumbnail(url=f"attachment://{posted.cover_name}")
    embed.set_footer(text=result_marker(job.id, n))
    return embed


def _audio(posted: PostedTrack, locale: object) -> str:
    """Where the MP3 is when it is not attached: a safe link to the vendor's copy, or why not."""
    # Why it is not attached (too large, or not fetched) is the track's note.
    track = posted.track
    url, why_not = vetted(track.audio_url or track.stream_url)
    if url is None:
        return t(locale, "Its link is {why_not}.", why_not=t(locale, why_not))
    link = t(locale, "[Download the MP3]({url})", url=url)
    if track.expires_at is None:
        return link
    when = f"<t:{int(track.expires_at.timestamp())}:R>"
    expires = t(locale, "(link expires {when})", when=when)
    return f"{link} {expires}"


def safe_filename(title: str, n: int, suffix: str) -> str:
    """An attachment name Discord accepts: ASCII letters, digits, dashes."""
    stem = "".join(c if c.isascii() and c.isalnum() else "-" for c in title).strip("-")
    stem = "-".join(part for part in stem.split("-") if part)[:60] or "song"
    return f"{stem}-{n}{suffix}"


def files_embed(job: Job, notes: list[str], locale: object = None) -> discord.Embed:
    """The embed of a WAV, stems or video post: what it was made from, and any links."""
    source = job.request.source
    title = source.title if source is not None and source.title else t(locale, "Untitled")
    embed = discord.Embed(title=quote(title, 200), colour=discord.Colour.green())
    for note in notes:
        embed.add_field(name=t(locale, "Note"), value=note, inline=False)
    embed.set_footer(text=result_marker(job.id, 1))
    return fit([embed])[0]
