"""/history (a member's recent songs) and /song (post a song again, buttons and all)."""

from __future__ import annotations

import logging
from typing import Any

import discord
from discord import app_commands
from discord.ext import commands

from bot.app import MusicBot
from bot.discord.ui.limits import chunks, fit
from bot.discord.ui.results import song_title
from bot.discord.ui.text import NOUNS, quote, stage_label
from bot.errors import InputError
from bot.i18n import t
from bot.jobs.models import Job, Stage
from cogs.common import check_channel

log = logging.getLogger(__name__)

Interaction = discord.Interaction[Any]


class LibraryCog(commands.Cog, name="Library"):
    def __init__(self, bot: MusicBot) -> None:
        self.bot = bot

    @app_commands.command(name="history", description="Your recent songs, with links.")
    @app_commands.guild_only()
    async def history(self, interaction: Interaction) -> None:
        assert interaction.guild_id is not None
        locale = interaction.locale  # a private answer: the member's language
        limit = self.bot.settings.actions.history_size
        jobs = await self.bot.jobs.history(interaction.guild_id, interaction.user.id, limit)
        if not jobs:
            raise InputError("You have no songs here yet. Try /generate.")
        # Long titles pass one description's 4,096 characters: the list goes on in more embeds.
        embeds = [
            discord.Embed(description=text, colour=discord.Colour.blurple())
            for text in chunks(_history_line(job, locale) for job in jobs)
        ]
        embeds[0].title = t(locale, "Your recent songs")
        embeds[-1].set_footer(text=t(locale, "Post one again with /song <id>."))
        await interaction.response.send_message(embeds=fit(embeds), ephemeral=True)

    @app_commands.command(name="song", description="Post one of the bot's songs again, by id.")
    @app_commands.guild_only()
    @app_commands.describe(id="The job id, as shown by /history or in the song's footer")
    async def song(self, interaction: Interaction, id: str) -> None:
        guild_id, channel_id = check_channel(interaction)
        job = await self.bot.jobs.song(id.strip().lower(), guild_id)
        if job is None:
            raise InputError("There is no song `{id}` on this server.", id=quote(id, 40))
        if job.deleted_at is not None:
            raise InputError("That song was deleted.")
        if job.stage is Stage.FAILED:
            raise InputError("That song failed, so there is nothing to post.")
        if job.stage is Stage.CANCELLED:
            raise InputError("That song was cancelled, so there is nothing to post.")
        if job.result_message_id is None and job.closed_at is None:
            raise InputError("That song has not been posted yet; it will be when it is ready.")
        if job.result_message_id is None:
            raise InputError(
                "That song was made but could not be posted (the bot may have lacked access "
                "to its channel), so there are no files to post again."
            )
        await interaction.response.defer(ephemeral=True, thinking=True)
        # The post is public: the server's language.
        public = interaction.guild_locale
        message_id = await self.bot.jobs.repost(job, channel_id, interaction.user.id, public)
        link = f"https://discord.com/channels/{guild_id}/{channel_id}/{message_id}"
        answer = t(interaction.locale, "Posted again: {link}", link=link)
        await interaction.followup.send(answer, ephemeral=True)


def _history_line(job: Job, locale: object = None) -> str:
    what = t(locale, NOUNS[job.request.operation.makes])
    when = f"<t:{int(job.created_at)}:R>"
    if job.deleted_at is not None:
        state = t(locale, "deleted")
    elif job.result_link is not None:
        state = t(locale, "[open]({link})", link=job.result_link)
    elif job.stage is Stage.FAILED:
        state = t(locale, "failed")
    elif job.stage is Stage.CANCELLED:
        state = t(locale, "cancelled")
    elif job.closed_at is not None:
        state = t(locale, "could not be posted")
    else:
        state = stage_label(job.stage, locale)
    return f"`{job.id}` · {when} · {what} **{song_title(job)}** · {state}"


async def setup(bot: commands.Bot) -> None:
    assert isinstance(bot, MusicBot)
    await bot.add_cog(LibraryCog(bot))
