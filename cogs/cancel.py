"""The Cancel button on a progress message.

The button (``bot/discord/buttons.py``) carries the job in its custom id, so it
works on progress messages posted before a restart; it calls this cog.
Every answer is private; the progress message itself is edited by the
scheduler, which the cancel wakes.
"""

from __future__ import annotations

from typing import Any

import discord
from discord.ext import commands

from bot.app import MusicBot
from bot.discord.buttons import CancelButton
from bot.discord.permissions import check_allowed
from bot.discord.ui.actions import Action
from bot.discord.ui.results import song_title
from bot.errors import InputError
from bot.i18n import N_, t
from bot.jobs.models import Job, Stage
from bot.jobs.service import Cancelled

Interaction = discord.Interaction[Any]

# Why a job that is no longer being made cannot be cancelled, by its stage.
_TOO_LATE: dict[Stage, str] = {
    Stage.CANCELLED: N_("**{title}** was already cancelled."),
    Stage.FAILED: N_("**{title}** already failed, so there is nothing to cancel."),
    Stage.DELIVERING: N_("**{title}** is already made and being posted: too late to cancel it."),
    Stage.DONE: N_("**{title}** is already made and posted: too late to cancel it."),
    Stage.UNDELIVERED: N_("**{title}** is already made: too late to cancel it."),
}
_CANNOT = N_("**{title}** can no longer be cancelled.")


class CancelCog(commands.Cog, name="Cancel"):
    def __init__(self, bot: MusicBot) -> None:
        self.bot = bot

    async def cog_load(self) -> None:
        self.bot.button_handlers.cancel = self
        self.bot.add_dynamic_items(CancelButton)

    async def cog_unload(self) -> None:
        self.bot.remove_dynamic_items(CancelButton)
        self.bot.button_handlers.cancel = None

    async def cancel(self, interaction: Interaction, job_id: str) -> None:
        job = await self.bot.jobs.song(job_id, interaction.guild_id)
        if job is None:
            raise InputError("I no longer know this song.")
        check_allowed(
            Action.CANCEL,
            job,
            interaction.user.id,
            manage_messages=interaction.permissions.manage_messages,
            remix_by=(await self.bot.rules.of(job.guild_id)).remix_by,
        )
        cancelled = await self.bot.jobs.cancel(job)
        if cancelled is None:
            raise await self._too_late(job)
        await interaction.response.send_message(
            _confirmation(cancelled, interaction.locale), ephemeral=True
        )

    async def _too_late(self, job: Job) -> InputError:
        """Why the cancel changed nothing, from the job as it is now."""
        now = await self.bot.jobs.song(job.id) or job
        return InputError(_TOO_LATE.get(now.stage, _CANNOT), title=song_title(now))


def _confirmation(cancelled: Cancelled, locale: object) -> str:
    """The private answer to a cancel, in the member's language."""
    title = song_title(cancelled.job)
    if not cancelled.submitted:
        return t(
            locale,
            "Cancelled **{title}**. It had not reached the music service yet, so nothing "
            "was sent and it does not count against any quota.",
            title=title,
        )
    if cancelled.stopped_at_vendor:
        return t(locale, "Cancelled **{title}**; the music service stopped making it.", title=title)
    return t(
        locale,
        "Cancelled **{title}**; its result will not be posted. The music service had already "
        "started it and offers no way to stop it, so it may still charge for it.",
        title=title,
    )


async def setup(bot: commands.Bot) -> None:
    assert isinstance(bot, MusicBot)
    await bot.add_cog(CancelCog(bot))
