"""One error path for slash commands, buttons, forms and reactions.

Every failure ends in ``handle_error``: the member is told why in their language,
privately (or by direct message, for a reaction), and an unexpected error gets a
short id the member can quote to an admin, the same id the log line carries.
"""

from __future__ import annotations

import logging
import secrets
from collections.abc import Awaitable, Callable
from functools import partial

import discord
from discord import app_commands

from bot.discord.permissions import permission_name
from bot.discord.ui.text import failure_text
from bot.errors import InputError, ProviderError, StorageError
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
        name = interaction.command.name if interaction.command else "?"
        reply = partial(reply_privately, interaction)
        await handle_error(cause, f"command /{name}", interaction.locale, reply)


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
    """Run a button or form handler; turn its failure into a private answer.

    ``what`` names the handler in the admin log.
    """
    bind_interaction(interaction)
    try:
        await handler
    except Exception as exc:  # every failure gets a private answer, then the log
        await handle_error(exc, what, interaction.locale, partial(reply_privately, interaction))


async def handle_error(
    error: BaseException, what: str, locale: object, reply: Callable[[str], Awaitable[None]]
) -> None:
    """Where every failure a member caused ends: ``reply`` tells them, in ``locale``.

    ``what`` names the command, button, form or reaction in the log.
    """
    await reply(explain(error, what, locale))


def explain(error: BaseException, what: str, locale: object = None) -> str:
    """What the member is told about ``error``; unexpected ones are logged in full, with an id."""
    if isinstance(error, app_commands.CheckFailure):
        return _refusal(error, locale)
    if isinstance(error, InputError):
        return error.text(locale)
    if isinstance(error, ProviderError):
        log.warning("%s: provider refused: %s", what, error)
        return failure_text(error.reason, locale)
    if isinstance(error, StorageError):
        log.warning("%s: nothing saved: %s", what, error)
        return error.text(locale)
    error_id = new_error_id()
    log.error("%s failed (error %s)", what, error_id, exc_info=error)
    return t(
        locale,
        "Something went wrong on my side (error {error_id}). An admin can find it in the log.",
        error_id=error_id,
    )


def new_error_id() -> str:
    """Eight hex characters: short enough to quote, enough to find one line in a log."""
    return secrets.token_hex(4)


async def reply_privately(interaction: discord.Interaction[discord.Client], message: str) -> None:
    """Answer only the member who asked, whether or not the interaction was answered yet."""
    try:
        if interaction.response.is_done():
            await interaction.followup.send(message, ephemeral=True)
        else:
            await interaction.response.send_message(message, ephemeral=True)
    except discord.HTTPException as exc:
        log.warning("could not answer interaction %s: %s", interaction.id, exc)
