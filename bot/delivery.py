"""The Discord side of the runner's ``Notifier``: progress edits and result uploads.

Everything goes through the bot token (channel messages), never the
interaction webhook, whose token dies after 15 minutes.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
from pathlib import Path

import aiohttp
import discord

from bot.audio import fit_mp3
from bot.jobs.models import Job
from bot.jobs.notifier import DeliveryError, TrackFiles
from bot.ui.progress import progress_embed
from bot.ui.results import PostedTrack, result_content, result_embeds, result_marker, safe_filename

log = logging.getLogger(__name__)

NO_PINGS = discord.AllowedMentions.none()
_FALLBACK_UPLOAD_LIMIT = 10 * 1024 * 1024  # the smallest guild limit
_HISTORY_SCAN = 100


class DiscordNotifier:
    def __init__(self, client: discord.Client) -> None:
        self._client = client

    async def show_progress(self, job: Job) -> int:
        try:
            return await self._post_or_edit_progress(job)
        except (discord.HTTPException, aiohttp.ClientError, TimeoutError) as exc:
            raise _as_delivery_error("progress", exc) from None

    async def _post_or_edit_progress(self, job: Job) -> int:
        channel = self._channel(job)
        embed = progress_embed(job, self._result_url(job))
        content = f"<@{job.user_id}> asked for a song"
        if job.progress_message_id is not None:
            try:
                await channel.get_partial_message(job.progress_message_id).edit(
                    content=content, embed=embed, allowed_mentions=NO_PINGS
                )
                return job.progress_message_id
            except discord.NotFound:
                # Someone deleted it: post a fresh one, without the nonce, or
                # Discord could answer with the deleted message.
                message = await channel.send(content, embed=embed, allowed_mentions=NO_PINGS)
                return message.id
        message = await channel.send(
            content, embed=embed, allowed_mentions=NO_PINGS, nonce=f"p-{job.id}"
        )
        return message.id

    async def deliver(self, job: Job, files: list[TrackFiles], workdir: Path) -> int:
        await self._client.wait_until_ready()
        channel = self._channel(job)
        if job.delivery_started:
            existing = await self._find_result(channel, job)
            if existing is not None:
                log.info("job %s: result already posted as %s", job.id, existing)
                return existing
        limit = self._upload_limit(job)
        posted, attachments = await _prepare(files, workdir, limit)
        try:
            return await self._send_result(channel, job, posted, attachments)
        except discord.HTTPException as exc:
            if exc.status != 413:
                raise _as_delivery_error("result", exc) from None
        # Discord's limit was lower than we knew: attach the covers, link the audio.
        log.warning("job %s: upload refused as too large; linking the audio instead", job.id)
        posted, attachments = await _prepare(files, workdir, limit, link_audio=True)
        try:
            return await self._send_result(channel, job, posted, attachments)
        except discord.HTTPException as exc:
            raise _as_delivery_error("result", exc) from None

    async def _send_result(
        self,
        channel: discord.PartialMessageable,
        job: Job,
        posted: list[PostedTrack],
        attachments: list[discord.File],
    ) -> int:
        reference = None
        if job.progress_message_id is not None:
            reference = discord.MessageReference(
                message_id=job.progress_message_id,
                channel_id=job.channel_id,
                fail_if_not_exists=False,
            )
        try:
            message = await channel.send(
                result_content(job),
                embeds=result_embeds(job, posted),
                files=attachments,
                reference=reference,  # type: ignore[arg-type]
                # discord.py sends enforce_nonce: Discord answers a repeat of this
                # nonce within minutes with the message it already made.
                nonce=f"r-{job.id}",
                # Ping the requester only: nothing a member typed can ping.
                allowed_mentions=discord.AllowedMentions(
                    everyone=False, roles=False, users=[discord.Object(job.user_id)]
                ),
            )
        except (aiohttp.ClientError, TimeoutError) as exc:
            raise _as_delivery_error("result", exc) from None
        finally:
            for f in attachments:
                f.close()
        return message.id

    async def _find_result(self, channel: discord.PartialMessageable, job: Job) -> int | None:
        """The result message an interrupted earlier attempt may have posted."""
        marker = result_marker(job.id, 1)
        after = discord.Object(job.progress_message_id or _snowflake_at(job.created_at))
        me = self._client.user
        try:
            async for message in channel.history(limit=_HISTORY_SCAN, after=after):
                if me is not None and message.author.id != me.id:
                    continue
                if any(e.footer.text == marker for e in message.embeds):
                    return message.id
        except (discord.HTTPException, aiohttp.ClientError, TimeoutError) as exc:
            raise _as_delivery_error("history", exc) from None
        return None

    def _channel(self, job: Job) -> discord.PartialMessageable:
        return self._client.get_partial_messageable(job.channel_id, guild_id=job.guild_id)

    def _upload_limit(self, job: Job) -> int:
        if job.upload_limit:
            return job.upload_limit
        guild = self._client.get_guild(job.guild_id)
        return guild.filesize_limit if guild is not None else _FALLBACK_UPLOAD_LIMIT

    def _result_url(self, job: Job) -> str | None:
        if job.result_message_id is None:
            return None
        return (
            f"https://discord.com/channels/{job.guild_id}/{job.channel_id}/{job.result_message_id}"
        )


async def _prepare(
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
        posted.append(PostedTrack(item.track, audio_name, cover_name, note))
    return posted, attachments


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


def _snowflake_at(timestamp: float) -> int:
    # A little before the job was created, to be safe with clock skew.
    when = dt.datetime.fromtimestamp(timestamp - 60, tz=dt.UTC)
    return discord.utils.time_snowflake(when)


def _as_delivery_error(step: str, error: Exception) -> DeliveryError:
    """Classify a failure: only Discord's own outages and network errors are retried."""
    if isinstance(error, discord.Forbidden | discord.NotFound):
        return DeliveryError(f"{step}: HTTP {error.status} (no access)", retryable=False)
    if isinstance(error, discord.HTTPException):
        return DeliveryError(f"{step}: HTTP {error.status}", retryable=error.status >= 500)
    return DeliveryError(f"{step}: {type(error).__name__}", retryable=True)
