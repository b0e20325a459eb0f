"""One error handler for every slash command, answering privately either way."""

from __future__ import annotations

import logging
from collections.abc import Awaitable

import discord
from discord import app_commands

from bot.discord.permissions import permission_name
from bot.discord.ui.text import failure_text
from bot.errors import BotError, InputError, ProviderError, StorageError
from bot.i18n import t
from bot.log_json import bind

log = logging.getLogger(__name__)


class BotTree(app_commands.CommandTree[discord.Client]):
    async def interaction_check(self, interaction: discord.Interaction[discord.Client]) -> bool:
        # Runs first in the task that runs the command: its log lines name the member.
        bind_interaction(interaction)
        return True

    async def on_error(
        self, interaction: discord.Interaction[discord.Client], error: app_commands.AppCommandError
    ) -> None:
        cause = error.original if isinstance(error, app_commands.CommandInvokeError) else error
        if isinstance(cause, app_commands.CheckFailure):
            message = _refusal(cause, interaction.locale)
        else:
            name = interaction.command.name if interaction.command else "?"
            message = _explain(cause, f"command /{name}", interaction.locale)
        await reply_privately(interaction, message)


def bind_interaction(interaction: discord.Interaction[discord.Client]) -> None:
    """Name the server and member in this task's log lines (log_format = "json")."""
    bind(guild_id=interaction.guild_id, member_id=interaction.user.id)


def _refusal(check: app_commands.CheckFailure, locale: object) -> str:
    """Why a command's check refused the member, in their language (discord.py's own
    texts are English)."""
    if isinstance(check, app_commands.MissingPermissions):
        names = ", ".join(permission_name(name, locale) for name in check.missing_permissions)
        return t(
            locale, "You need these permissions for this command: {permissions}.", permissions=names
        )
    if isinstance(check, app_commands.NoPrivateMessage):
        return t(locale, "This command works only in a server.")
    return t(locale, "You cannot use this command here.")


async def answer_errors(
    interaction: discord.Interaction[discord.Client], handler: Awaitable[None], what: str
) -> None:
    """Run a button, form or reaction handler; turn its failure into a private answer.

    ``what`` names the handler in the admin log.
    """
    bind_interaction(interaction)
    try:
        await handler
    except Exception as exc:  # every failure gets a private answer, then the log
        await reply_privately(interaction, _explain(exc, what, interaction.locale))


def _explain(error: BaseException, what: str, locale: object = None) -> str:
    """What the member is told about ``error``; unexpected ones are logged in full."""
    if isinstance(error, InputError):
        return error.text(locale)
    if isinstance(error, ProviderError):
        log.warning("%s: provider refused: %s", what, error)
        return failure_text(error.reason, locale)
    if isinstance(error, StorageError):
        log.warning("%s: nothing saved: %s", what, error)
        return error.text(locale)
    log.error("%s failed", what, exc_info=error)
    return BotError().text(locale)


async def reply_privately(interaction: discord.Interaction[discord.Client], message: str) -> None:
    """Answer only the member who asked, whether or not the interaction was answered yet."""
    try:
        if interaction.response.is_done():
            await interaction.followup.send(message, ephemeral=True)
        else:
            await interaction.response.send_message(message, ephemeral=True)
    except discord.HTTPException as exc:
        log.warning("could not answer interaction %s: %s", interaction.id, exc)
