"""Acting on finished songs: buttons, the forms they open, and reactions.

The buttons (``bot/discord/buttons.py``) call this cog, registered as their
handler when it loads. A reaction has
no private reply, so its refusals and lyrics go by direct message.
"""

from __future__ import annotations

import contextlib
import logging
from functools import partial
from typing import Any

import discord
from discord.ext import commands

from bot.app import MusicBot
from bot.discord.buttons import LyricsPageButton, SongButton, TrackButton
from bot.discord.custom_ids import EXTEND_TEMPLATE, REMIX_TEMPLATE, remix_form_id
from bot.discord.permissions import check_allowed
from bot.discord.tree import answer_errors, handle_error
from bot.discord.ui.actions import NEEDS, REACTIONS, Action, more_view
from bot.discord.ui.forms import (
    ComposeOptions,
    compose_form,
    description_form,
    extend_form,
    seconds,
    send_form,
    submitted_values,
)
from bot.discord.ui.limits import content
from bot.discord.ui.lyrics import lyrics_page, lyrics_pages_messages, timed_embed
from bot.discord.ui.results import song_title
from bot.errors import InputError
from bot.i18n import N_, t
from bot.jobs import followups
from bot.jobs.models import Job
from bot.providers.base import Operation
from bot.providers.catalog import MODELS
from cogs.common import enqueue, queued

log = logging.getLogger(__name__)

Interaction = discord.Interaction[Any]

_CONVERSIONS = {
    Action.WAV: Operation.WAV,
    Action.STEMS: Operation.STEMS,
    Action.VIDEO: Operation.VIDEO,
}
# What a conversion queued, as "Queued {what}" says it: whole phrases, as translations need.
_CONVERTED: dict[Operation, str] = {
    Operation.WAV: N_("the WAV of track {n}"),
    Operation.STEMS: N_("the stems of track {n}"),
    Operation.VIDEO: N_("the video of track {n}"),
}


class SongsCog(commands.Cog, name="Songs"):
    def __init__(self, bot: MusicBot) -> None:
        self.bot = bot

    async def cog_load(self) -> None:
        self.bot.button_handlers.songs = self
        self.bot.add_dynamic_items(SongButton, TrackButton, LyricsPageButton)

    async def cog_unload(self) -> None:
        self.bot.remove_dynamic_items(SongButton, TrackButton, LyricsPageButton)
        self.bot.button_handlers.songs = None

    # -- buttons ------------------------------------------------------------------

    async def clicked(
        self, interaction: Interaction, action: Action, job_id: str, n: int | None
    ) -> None:
        job = await self._job(job_id)
        await self._allow_member(action, job, interaction)
        if action in NEEDS and NEEDS[action] not in self.bot.jobs.operations_of(job):
            raise InputError("The music service that made this song cannot do that.")
        locale = interaction.locale  # every answer here is private: the member's language
        if action is Action.REMIX:
            new_job = await enqueue(self.bot.jobs, interaction, followups.remix(job), parent=job)
            title = song_title(job, locale)
            what = t(locale, "a remix of **{title}**", title=title)
            await _queued(interaction, what, new_job)
        elif action is Action.EDIT:
            await send_form(interaction, self._edit_form(job, locale))
        elif action is Action.DELETE:
            await self._delete(
                job, interaction.channel_id or job.channel_id, _message_id(interaction)
            )
            await interaction.response.send_message(t(locale, "Deleted."), ephemeral=True)
        elif n is not None:
            await self._track_action(interaction, action, job, n)

    async def _track_action(
        self, interaction: Interaction, action: Action, job: Job, n: int
    ) -> None:
        track = followups.track_of(job, n)
        locale = interaction.locale
        if action is Action.EXTEND:
            spec = MODELS[job.request.model]
            await send_form(interaction, extend_form(job.id, n, spec, track.duration, locale))
        elif action is Action.LYRICS:
            embed, view = lyrics_page(job.id, n, track.title, track.lyrics, 0, locale)
            await interaction.response.send_message(embed=embed, ephemeral=True, **_view(view))
        elif action is Action.MORE:
            ops = self.bot.jobs.operations_of(job)
            await interaction.response.send_message(
                t(locale, "More for track {n}:", n=n),
                view=more_view(job.id, n, ops, locale),
                ephemeral=True,
            )
        elif action is Action.TIMED:
            await interaction.response.defer(ephemeral=True, thinking=True)
            words = await self.bot.jobs.timed_lyrics(job, followups.track_ref(job, n))
            embed = timed_embed(track.title, words, locale)
            await interaction.followup.send(embed=embed, ephemeral=True)
        else:
            operation = _CONVERSIONS[action]
            new_job = await enqueue(
                self.bot.jobs,
                interaction,
                followups.convert(job, n, operation),
                parent=job,
                parent_track=n,
            )
            await _queued(interaction, t(locale, _CONVERTED[operation], n=n), new_job)

    async def turn_page(self, interaction: Interaction, item: LyricsPageButton) -> None:
        job = await self._job(item.job_id)
        track = followups.track_of(job, item.n)
        embed, view = lyrics_page(
            job.id, item.n, track.title, track.lyrics, item.page, interaction.locale
        )
        await interaction.response.edit_message(embed=embed, **_view(view))

    def _edit_form(self, job: Job, locale: object) -> discord.ui.Modal:
        request = job.request
        spec = MODELS[request.model]
        custom_id = remix_form_id(job.id)
        if request.custom:
            options = ComposeOptions.of(request)
            values = {
                "title": request.title,
                "style": request.style,
                "lyrics": request.lyrics,
                "negative_tags": request.negative_tags,
            }
            tuning = self.bot.jobs.offers(Operation.TUNING)
            return compose_form(
                options, spec, tuning=tuning, title=N_("Edit and remix"),
                custom_id=custom_id, values=values, locale=locale,
            )  # fmt: skip
        values = {"prompt": request.prompt, "style": request.style, "title": request.title}
        return description_form(custom_id, spec, values, locale)

    # -- forms --------------------------------------------------------------------

    @commands.Cog.listener()
    async def on_interaction(self, interaction: Interaction) -> None:
        if interaction.type is not discord.InteractionType.modal_submit:
            return
        data: Any = interaction.data or {}
        custom_id = str(data.get("custom_id", ""))
        if match := REMIX_TEMPLATE.fullmatch(custom_id):
            await answer_errors(interaction, self._remix_form(interaction, match["job"]), custom_id)
        elif match := EXTEND_TEMPLATE.fullmatch(custom_id):
            handler = self._extend_form(interaction, match["job"], int(match["n"]))
            await answer_errors(interaction, handler, custom_id)

    async def _remix_form(self, interaction: Interaction, job_id: str) -> None:
        job = await self._job(job_id)
        await self._allow_member(Action.EDIT, job, interaction)
        values = submitted_values(interaction)
        if job.request.custom:
            request = ComposeOptions.of(job.request).request(values)
        else:
            request = followups.remix(
                job,
                prompt=values.get("prompt", "").strip(),
                style=values.get("style", "").strip(),
                title=values.get("title", "").strip(),
            )
        new_job = await enqueue(self.bot.jobs, interaction, request, parent=job)
        title = song_title(job, interaction.locale)
        what = t(interaction.locale, "your edited remix of **{title}**", title=title)
        await _queued(interaction, what, new_job)

    async def _extend_form(self, interaction: Interaction, job_id: str, n: int) -> None:
        job = await self._job(job_id)
        await self._allow(
            Action.EXTEND, job, interaction.user.id, interaction.permissions.manage_messages
        )
        values = submitted_values(interaction)
        request = followups.extend(
            job,
            n,
            continue_at=seconds(values.get("continue_at", "")),
            lyrics=values.get("lyrics", "").strip(),
            style=values.get("style", "").strip(),
            title=values.get("title", "").strip(),
        )
        new_job = await enqueue(self.bot.jobs, interaction, request, parent=job, parent_track=n)
        title = song_title(job, interaction.locale)
        what = t(interaction.locale, "an extension of track {n} of **{title}**", n=n, title=title)
        await _queued(interaction, what, new_job)

    # -- reactions ----------------------------------------------------------------

    @commands.Cog.listener()
    async def on_raw_reaction_add(self, payload: discord.RawReactionActionEvent) -> None:
        action = REACTIONS.get(str(payload.emoji))
        member = payload.member
        if action is None or member is None or member.bot or payload.guild_id is None:
            return
        job = await self.bot.jobs.song_for_message(payload.message_id)
        if job is None or job.deleted_at is not None:
            return
        try:
            await self._reacted(payload, member, action, job)
        except Exception as exc:  # told by direct message: a reaction has no private reply
            what = f"reaction {payload.emoji} on job {job.id}"
            # A direct message has no locale of its own: the server's, where the member reacted.
            locale = member.guild.preferred_locale
            await handle_error(exc, what, locale, partial(_tell, member))

    async def _reacted(
        self,
        payload: discord.RawReactionActionEvent,
        member: discord.Member,
        action: Action,
        job: Job,
    ) -> None:
        channel = self.bot.get_channel(payload.channel_id)
        manage = (
            channel.permissions_for(member).manage_messages
            if isinstance(channel, discord.abc.GuildChannel)
            else False
        )
        await self._allow(action, job, member.id, manage)
        if action is Action.LYRICS:
            locale = member.guild.preferred_locale
            for n, track in enumerate(job.tracks, start=1):
                title = t(locale, "{title} (track {n})", title=track.title, n=n)
                for embeds in lyrics_pages_messages(title, track.lyrics, locale):
                    await _tell(member, "", embeds=embeds)
            return
        if action is Action.DELETE:
            await self._delete(job, payload.channel_id, payload.message_id)
            return
        if action is Action.EXTEND:
            if Operation.EXTEND not in self.bot.jobs.operations_of(job):
                raise InputError("The music service that made this song cannot extend it.")
            request, n = followups.extend(job, 1), 1
        else:
            request, n = followups.remix(job), None  # type: ignore[assignment]
        assert payload.guild_id is not None
        await self.bot.jobs.create(
            request,
            guild_id=payload.guild_id,
            channel_id=payload.channel_id,
            user_id=member.id,
            upload_limit=None,
            parent=job,
            parent_track=n,
        )

    # -- shared -------------------------------------------------------------------

    async def _job(self, job_id: str) -> Job:
        job = await self.bot.jobs.song(job_id)
        if job is None or (not job.tracks and not job.files):
            raise InputError("I no longer know this song.")
        if job.deleted_at is not None:
            raise InputError("This song was deleted.")
        return job

    async def _allow_member(self, action: Action, job: Job, interaction: Interaction) -> None:
        await self._allow(action, job, interaction.user.id, interaction.permissions.manage_messages)

    async def _allow(self, action: Action, job: Job, user_id: int, manage_messages: bool) -> None:
        remix_by = (await self.bot.rules.of(job.guild_id)).remix_by
        check_allowed(action, job, user_id, manage_messages=manage_messages, remix_by=remix_by)

    async def _delete(self, job: Job, channel_id: int, message_id: int | None) -> None:
        """Delete the message acted on; deleting the original result retires the song."""
        channel = self.bot.get_partial_messageable(channel_id, guild_id=job.guild_id)
        doomed = [message_id] if message_id is not None else []
        # Until the runner records the result message, the only post is the original.
        original = job.result_message_id in (None, message_id)
        if original:
            await self.bot.jobs.mark_deleted(job)
            doomed += [m for m in (job.result_message_id, job.progress_message_id) if m]
        for mid in dict.fromkeys(doomed):
            with contextlib.suppress(discord.NotFound):
                await channel.get_partial_message(mid).delete()
        log.info("job %s: result deleted (message %s)", job.id, message_id)


def _message_id(interaction: Interaction) -> int | None:
    return interaction.message.id if interaction.message is not None else None


def _view(view: discord.ui.View | None) -> dict[str, Any]:
    return {"view": view} if view is not None else {}


async def _queued(interaction: Interaction, what: str, job: Job) -> None:
    """``what``: in the member's language already, as this answer is."""
    text = queued(what, job, interaction.locale)
    await interaction.response.send_message(text, ephemeral=True)


async def _tell(member: discord.Member, text: str, **kwargs: Any) -> None:
    """A direct message; members who closed theirs simply do not get it."""
    try:
        await member.send(content(text) or None, **kwargs)
    except discord.HTTPException as exc:
        log.info("could not message member %s: %s", member.id, exc)


async def setup(bot: commands.Bot) -> None:
    assert isinstance(bot, MusicBot)
    await bot.add_cog(SongsCog(bot))
