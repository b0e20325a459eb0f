"""/queue: how many songs wait, where the member's own stand, and how long a new one would take."""

from __future__ import annotations

from typing import Any

import discord
from discord import app_commands
from discord.ext import commands

from bot.app import MusicBot
from bot.discord.ui.limits import chunks, fit
from bot.discord.ui.results import song_title
from bot.discord.ui.text import stage_label
from bot.i18n import t, tn
from bot.jobs.estimates import LinePlace, Pace
from bot.jobs.models import Job, message_link

Interaction = discord.Interaction[Any]
_SHOWN = 10  # of a member's songs: 10 lines with links fit one embed with room to spare


class QueueCog(commands.Cog, name="Queue"):
    def __init__(self, bot: MusicBot) -> None:
        self.bot = bot

    @app_commands.command(name="queue", description="The line of songs waiting, and yours in it.")
    @app_commands.guild_only()
    async def queue(self, interaction: Interaction) -> None:
        assert interaction.guild_id is not None
        locale = interaction.locale  # the answer is private: the member's language
        jobs = self.bot.jobs
        # One read of each provider's line: places are indexes in it, as the scheduler submits.
        lines = {p.name: await jobs.waiting_line(p.name) for p in self.bot.providers}
        paces = {name: await jobs.pace(name) for name in lines}
        places = {
            job.id: LinePlace(n, paces[name].wait(n, job.request.model))
            for name, line in lines.items()
            for n, job in enumerate(line, start=1)
        }
        mine = await jobs.open_songs(interaction.guild_id, interaction.user.id)
        default = (await self.bot.rules.of(interaction.guild_id)).default_model
        text = [
            _waiting(lines, locale),
            *_own(mine, places, locale),
            self._new_song(lines, paces, default, locale),
        ]
        embeds = [
            discord.Embed(description=part, colour=discord.Colour.blurple())
            for part in chunks(text)
        ]
        embeds[0].title = t(locale, "The line")
        await interaction.response.send_message(embeds=fit(embeds), ephemeral=True)

    def _new_song(
        self, lines: dict[str, list[Job]], paces: dict[str, Pace], default: str, locale: object
    ) -> str:
        """Where a song asked for now (the server's default model) would stand, and about when
        it is done."""
        model = self.bot.jobs.default_model(default)
        provider = next(p.name for p in self.bot.providers if model in p.models)
        position = len(lines[provider]) + 1
        place = LinePlace(position, paces[provider].wait(position, model))
        return t(locale, "A new song now: {place}.", place=place.in_words(locale))


def _waiting(lines: dict[str, list[Job]], locale: object) -> str:
    total = sum(len(line) for line in lines.values())
    said = tn(
        locale,
        "**{n} song waiting** to be sent to a music service",
        "**{n} songs waiting** to be sent to a music service",
        total,
    )
    busy = {name: len(line) for name, line in lines.items() if line}
    if len(busy) > 1:
        said += " (" + ", ".join(f"{name}: {count}" for name, count in busy.items()) + ")"
    return said + "."


def _own(mine: list[Job], places: dict[str, LinePlace], locale: object) -> list[str]:
    """The member's open songs, the ones in line first by place; a few, to fit one message."""
    if not mine:
        return [t(locale, "You have no songs waiting or being made.")]
    mine.sort(
        key=lambda job: (job.id not in places, places[job.id].position if job.id in places else 0)
    )
    shown = [_own_line(job, places.get(job.id), locale) for job in mine[:_SHOWN]]
    hidden = len(mine) - _SHOWN
    more = [tn(locale, "…and {n} more.", "…and {n} more.", hidden)] if hidden > 0 else []
    return [t(locale, "Your songs:"), *shown, *more]


def _own_line(job: Job, place: LinePlace | None, locale: object) -> str:
    where = place.in_words(locale) if place is not None else stage_label(job.stage, locale)
    title = f"**{song_title(job)}**"
    if job.progress_message_id is not None:
        link = message_link(job.guild_id, job.channel_id, job.progress_message_id)
        title = f"[{title}]({link})"
    return f"• {title} · {where}"


async def setup(bot: commands.Bot) -> None:
    assert isinstance(bot, MusicBot)
    await bot.add_cog(QueueCog(bot))
