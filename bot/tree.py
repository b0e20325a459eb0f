"""One error handler for every slash command, answering privately either way."""

from __future__ import annotations

import logging

import discord
from discord import app_commands

from bot.errors import BotError, InputError

log = logging.getLogger(__name__)


class BotTree(app_commands.CommandTree[discord.Client]):
    async def on_error(
        self, interaction: discord.Interaction[discord.Client], error: app_commands.AppCommandError
    ) -> None:
        cause = error.original if isinstance(error, app_commands.CommandInvokeError) else error
        if isinstance(cause, InputError):
            message = cause.user_message
        elif isinstance(cause, app_commands.CheckFailure):
            message = str(cause) or "You cannot use this command here."
        else:
            name = interaction.command.name if interaction.command else "?"
            log.error("command /%s failed", name, exc_info=cause)
            message = BotError.user_message
        await reply_privately(interaction, message)


async def reply_privately(interaction: discord.Interaction[discord.Client], message: str) -> None:
    """Answer only the member who asked, whether or not the interaction was answered yet."""
    try:
        if interaction.response.is_done():
            await interaction.followup.send(message, ephemeral=True)
        else:
            await interaction.response.send_message(message, ephemeral=True)
    except discord.HTTPException as exc:
        log.warning("could not answer interaction %s: %s", interaction.id, exc)
