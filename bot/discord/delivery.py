"""The Discord side of the runner's ``Notifier``: progress edits and result uploads.

Everything goes through the bot token (channel messages), never the
interaction webhook, whose token dies after 15 minutes.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import logging
import tempfile
from collections.abc import Awaitable, Callable, Collection
from pathlib import Path
from typing import Any

import aiohttp
import discord

from bot.discord.audit import AuditLog
from bot.discord.fitting import (
    IMAGE_SUFFIXES,
    Outgoing,
    cover_filename,
    file_filename,
    prepare_files,
    prepare_tracks,
)
from bot.discord.ui.actions import files_view, reaction_hint, result_view
from bot.discord.ui.limits import content
from bot.discord.ui.progress import progress_embed, progress_view
from bot.discord.ui.results import (
    PostedTrack,
    bare_result_content,
    files_embed,
    has_bare_marker,
    result_content,
    result_embeds,
    result_marker,
    song_title,
)
from bot.discord.ui.text import ASKED_FOR
from bot.errors import InputError, StorageError
from bot.i18n import N_, t
from bot.jobs.costs import BudgetWatch
from bot.jobs.estimates import LinePlace
from bot.jobs.models import Job, PostedNames, Stage, TrackNames
from bot.jobs.notifier import DeliveryError, FetchedFile, Posted, TrackFiles
from bot.providers.base import Operation

log = logging.getLogger(__name__)

NO_PINGS = discord.AllowedMentions.none()
_FALLBACK_UPLOAD_LIMIT = 10 * 1024 * 1024  # the smallest guild limit
_HISTORY_SCAN = 100

# The direct message to a requester whose result could not be posted: whole
# sentences per operation, as translations need (a noun's gender changes the words).
_UNDELIVERED: dict[Operation, str] = {
    Operation.SONG: N_(
        "Your song **{title}** (job `{job}`) is ready, but I could not post it in {channel}: "
        "I may have lost access to that channel. A server admin can check my permissions there."
    ),
    Operation.WAV: N_(
        "Your WAV **{title}** (job `{job}`) is ready, but I could not post it in {channel}: "
        "I may have lost access to that channel. A server admin can check my permissions there."
    ),
    Operation.STEMS: N_(
        "Your stems **{title}** (job `{job}`) are ready, but I could not post them in {channel}: "
        "I may have lost access to that channel. A server admin can check my permissions there."
    ),
    Operation.VIDEO: N_(
        "Your video **{title}** (job `{job}`) is ready, but I could not post it in {channel}: "
        "I may have lost access to that channel. A server admin can check my permissions there."
    ),
}


class DiscordNotifier:
    def __init__(
        self,
        client: discord.Client,
        operations: Callable[[Job], frozenset[Operation]],
        budget: BudgetWatch | None = None,
        audit: AuditLog | None = None,
    ) -> None:
        """``operations(job)``: what the provider behind ``job`` offers, for its buttons."""
        self._client = client
        self._operations = operations
        self._budget = budget
        self._audit = audit

    async def charged(self, job: Job) -> None:
        """Post the budget warning, without pinging anyone, when ``job`` took spending past it."""
        if self._budget is None:
            return
        try:
            text = await self._budget.warning(job, self._locale(job))  # public
        except StorageError as exc:
            # The song goes on; the next charged song checks the budget again.
            log.warning("budget of guild %s not checked: %s", job.guild_id, exc)
            return
        if text is None:
            return
        channel_id = self._budget.channel_id or job.channel_id
        channel = self._client.get_partial_messageable(channel_id, guild_id=job.guild_id)
        try:
            await channel.send(content(text), allowed_mentions=NO_PINGS)
        except (discord.HTTPException, aiohttp.ClientError, TimeoutError) as exc:
            # Recorded as given already: the log is where an admin finds it now.
            log.warning("budget warning for guild %s not posted: %s: %s", job.guild_id, exc, text)

    async def show_progress(self, job: Job, place: LinePlace | None = None) -> int:
        try:
            message_id = await self._post_or_edit_progress(job, place)
        except (discord.HTTPException, aiohttp.ClientError, TimeoutError) as exc:
            raise _as_delivery_error("progress", exc) from None
        if self._audit is not None and job.stage in (Stage.DONE, Stage.FAILED):
            self._audit.ended(job)  # once its last word is shown
        return message_id

    async def _post_or_edit_progress(self, job: Job, place: LinePlace | None) -> int:
        channel = self._channel(job)
        locale = self._locale(job)
        embed = progress_embed(job, job.result_link, place, locale)
        mention = f"<@{job.user_id}>"
        content = t(locale, ASKED_FOR[job.request.operation.makes], mention=mention)
        view = progress_view(job, locale)  # None clears the buttons on an edit
        buttons: dict[str, Any] = {} if view is None else {"view": view}  # send takes no None
        if job.progress_message_id is not None:
            try:
                await channel.get_partial_message(job.progress_message_id).edit(
                    content=content, embed=embed, view=view, allowed_mentions=NO_PINGS
                )
                return job.progress_message_id
            except discord.NotFound:
                # Someone deleted it: post a fresh one, without the nonce, or
                # Discord could answer with the deleted message.
                message = await channel.send(
                    content, embed=embed, allowed_mentions=NO_PINGS, **buttons
                )
                return message.id
        message = await channel.send(
            content, embed=embed, allowed_mentions=NO_PINGS, nonce=f"p-{job.id}", **buttons
        )
        return message.id

    async def deliver(self, job: Job, files: list[TrackFiles], workdir: Path) -> Posted:
        locale = self._locale(job)
        hint = reaction_hint(self._operations(job), locale)

        async def build(limit: int, link_audio: bool) -> Outgoing:
            posted, attachments = await prepare_tracks(
                files, workdir, limit, link_audio=link_audio, locale=locale
            )
            text = result_content(job, hint, locale)
            return self._songs_post(job, text, posted, attachments, locale)

        return await self._post_once(job, build)

    async def deliver_files(self, job: Job, files: list[FetchedFile], workdir: Path) -> Posted:
        locale = self._locale(job)

        async def build(limit: int, link_all: bool) -> Outgoing:
            attachments, notes = prepare_files(files, limit, link_all=link_all, locale=locale)
            text = result_content(job, locale=locale)
            return _files_post(job, text, notes, attachments, locale)

        return await self._post_once(job, build)

    def _songs_post(
        self,
        job: Job,
        text: str,
        posted: list[PostedTrack],
        attachments: list[discord.File],
        locale: object,
    ) -> Outgoing:
        """A song's result post, first or again: its tracks' embeds, files and buttons."""
        names = PostedNames(
            tracks=[TrackNames(audio=p.audio_name, cover=p.cover_name) for p in posted]
        )
        ops = self._operations(job)
        view = result_view(job.id, len(posted), ops, locale)
        return Outgoing(text, result_embeds(job, posted, locale), attachments, view, names)

    async def repost(
        self, job: Job, posts: list[tuple[int, int]], channel_id: int, user_id: int, locale: object
    ) -> int:
        source = await self._surviving_post(job, posts)
        saved = {a.filename: a for a in source.attachments}
        # Named when it was posted; guessed for a result posted before names were stored.
        names = job.attachments or _guessed_names(job, saved)
        mention, title = f"<@{user_id}>", song_title(job)
        text = t(
            locale,
            "{mention} posted **{title}** again (job `{job}`).",
            mention=mention,
            title=title,
            job=job.id,
        )
        channel = self._client.get_partial_messageable(channel_id, guild_id=job.guild_id)
        with tempfile.TemporaryDirectory(prefix=f"repost-{job.id}-") as tmp:
            files = []
            for n, name in enumerate(_in_order(names)):
                if name in saved:
                    path = Path(tmp) / f"{n}-{name}"
                    await saved[name].save(path)
                    files.append(discord.File(path, filename=name))
            if job.request.operation.makes_tracks:
                posted = [
                    PostedTrack(track, _kept(named.audio, saved), _kept(named.cover, saved))
                    for track, named in zip(job.tracks, names.tracks, strict=False)
                ]
                outgoing = self._songs_post(job, text, posted, files, locale)
            else:
                outgoing = _files_post(job, text, [], files, locale)
            message = await _send(channel, outgoing, allowed_mentions=NO_PINGS)
        return message.id

    async def _surviving_post(self, job: Job, posts: list[tuple[int, int]]) -> discord.Message:
        """The first of ``posts`` still there: its files are the song.

        A moderator may delete the original in Discord without the bot's button;
        any earlier /song post carries the same files.
        """
        for channel_id, message_id in posts:
            channel = self._client.get_partial_messageable(channel_id, guild_id=job.guild_id)
            with contextlib.suppress(discord.NotFound):
                return await channel.fetch_message(message_id)
        raise InputError("Every post of that song is gone, and its files with them.")

    def _locale(self, job: Job) -> discord.Locale | None:
        """The server's language, for public messages: from the Gateway's guild cache.

        Nothing is stored: until the Gateway reports the guild after a restart,
        the messages are English (the fallback), then the server's language.
        """
        guild = self._client.get_guild(job.guild_id)
        return guild.preferred_locale if guild is not None else None

    async def undelivered(self, job: Job) -> None:
        # A direct message has no locale of its own: the server's, as its result would have.
        locale = self._locale(job)
        msgid = _UNDELIVERED.get(job.request.operation, _UNDELIVERED[Operation.SONG])
        channel = f"<#{job.channel_id}>"
        title = song_title(job, locale)
        text = t(locale, msgid, title=title, job=job.id, channel=channel)
        try:
            dm = await self._client.create_dm(discord.Object(job.user_id))
            await dm.send(content(text), allowed_mentions=NO_PINGS)
        except (discord.HTTPException, aiohttp.ClientError, TimeoutError) as exc:
            # Direct messages closed, or Discord down too: the log is all that is left.
            log.warning("job %s: requester not told of the failed delivery: %s", job.id, exc)

    async def _post_once(
        self, job: Job, build: Callable[[int, bool], Awaitable[Outgoing]]
    ) -> Posted:
        """Post the result unless an interrupted attempt did; link instead of attach on a 413.

        ``build(limit, link)`` renders the message for an upload limit, linking
        the large files when ``link`` is set.
        """
        await self._client.wait_until_ready()
        channel = self._channel(job)
        if job.delivery_started:
            existing = await self._find_result(channel, job)
            if existing is not None:
                log.info("job %s: result already posted as %s", job.id, existing.id)
                filenames = {a.filename for a in existing.attachments}
                return Posted(existing.id, _guessed_names(job, filenames))
        limit = self._upload_limit(job)
        try:
            return await self._send_result(channel, job, await build(limit, False))
        except discord.HTTPException as exc:
            if exc.status not in (400, 413):
                raise _as_delivery_error("result", exc) from None
            link = exc.status == 413
        if link:
            # Discord's limit was lower than we knew: attach the covers, link the audio.
            log.warning("job %s: upload refused as too large; linking the files instead", job.id)
            try:
                return await self._send_result(channel, job, await build(limit, True))
            except discord.HTTPException as exc:
                if exc.status != 400:
                    raise _as_delivery_error("result", exc) from None
        return await self._post_bare(channel, job, await build(limit, link))

    async def _post_bare(
        self, channel: discord.PartialMessageable, job: Job, full: Outgoing
    ) -> Posted:
        """The song's files and a short text, once Discord refused the full message (400).

        Something in the embeds or buttons broke a rule the bot did not foresee;
        the song itself should not be lost to it.
        """
        log.warning(
            "job %s: result refused by Discord (HTTP 400); posting the files with a short text",
            job.id,
        )
        bare = Outgoing(
            bare_result_content(job, self._locale(job)),
            [],
            full.files,
            discord.ui.View(),
            full.names,
        )
        try:
            return await self._send_result(channel, job, bare)
        except discord.HTTPException as exc:
            raise _as_delivery_error("result", exc) from None

    async def _send_result(
        self, channel: discord.PartialMessageable, job: Job, outgoing: Outgoing
    ) -> Posted:
        reference = None
        if job.progress_message_id is not None:
            reference = discord.MessageReference(
                message_id=job.progress_message_id,
                channel_id=job.channel_id,
                fail_if_not_exists=False,
            )
        try:
            message = await _send(
                channel,
                outgoing,
                reference=reference,
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
        return Posted(message.id, outgoing.names)

    async def _find_result(
        self, channel: discord.PartialMessageable, job: Job
    ) -> discord.Message | None:
        """The result message an interrupted earlier attempt may have posted."""
        marker = result_marker(job.id, 1)
        after = discord.Object(job.progress_message_id or _snowflake_at(job.created_at))
        me = self._client.user
        try:
            async for message in channel.history(limit=_HISTORY_SCAN, after=after):
                if me is not None and message.author.id != me.id:
                    continue
                if any(e.footer.text == marker for e in message.embeds) or has_bare_marker(
                    message.content, job.id
                ):
                    return message
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


async def _send(
    channel: discord.PartialMessageable, outgoing: Outgoing, **options: Any
) -> discord.Message:
    """Send ``outgoing`` with ``options`` (mentions, nonce...); its files are closed after."""
    try:
        return await channel.send(
            outgoing.content,
            embeds=outgoing.embeds,
            files=outgoing.files,
            view=outgoing.view,
            **options,
        )
    finally:
        for f in outgoing.files:
            f.close()


def _files_post(
    job: Job, text: str, notes: list[str], attachments: list[discord.File], locale: object
) -> Outgoing:
    """A WAV, stems or video result post, first or again."""
    names = PostedNames(files=_file_names(job, {a.filename for a in attachments}))
    return Outgoing(
        text, [files_embed(job, notes, locale)], attachments, files_view(job.id, locale), names
    )


def _guessed_names(job: Job, filenames: Collection[str]) -> PostedNames:
    """Which of ``filenames`` is which, from the names alone.

    For a result posted before the names were stored (migration 12), and for
    one an interrupted delivery left, found after a restart.
    """
    tracks = []
    for n, _ in enumerate(job.tracks, start=1):
        # An MP3's name starts with its track's title, which members choose.
        audio = next((name for name in filenames if name.endswith(f"-{n}.mp3")), None)
        covers = {cover_filename(n, suffix) for suffix in IMAGE_SUFFIXES.values()}
        cover = next((name for name in filenames if name in covers), None)
        tracks.append(TrackNames(audio=audio, cover=cover))
    return PostedNames(tracks=tracks, files=_file_names(job, filenames))


def _file_names(job: Job, filenames: Collection[str]) -> list[str | None]:
    """Each WAV, stem or video's name among ``filenames``; None for one not attached."""
    named = (file_filename(f, n) for n, f in enumerate(job.files, start=1))
    return [name if name in filenames else None for name in named]


def _in_order(names: PostedNames) -> list[str | None]:
    """Every attachment name of a result, in the order they were posted."""
    return [name for t in names.tracks for name in (t.audio, t.cover)] + names.files


def _kept(name: str | None, saved: Collection[str]) -> str | None:
    return name if name in saved else None


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
