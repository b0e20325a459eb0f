"""What the bot needs in a song channel, and who may act on a finished song.

The member who asked for a song, and members with Manage Messages, may
extend, delete or cancel it. Anyone may read its lyrics, and remix it or convert it
(WAV, stems, video) unless the admin limits that to the requester
(``[actions] remix_by``, or the server's /settings).
"""

from __future__ import annotations

from typing import Literal

import discord

from bot.discord.ui.actions import Action
from bot.errors import InputError
from bot.i18n import N_, t
from bot.jobs.models import Job

# What the bot needs in a channel to post progress and results with its own token
# (its invite link asks for these: 117760).
SONG_CHANNEL = discord.Permissions(
    view_channel=True,
    send_messages=True,
    embed_links=True,
    attach_files=True,
    read_message_history=True,
)
# Permissions as Discord's apps name them, for a member told which ones are missing
# (by discord.py's names: ``read_messages`` is View Channel).
PERMISSION_NAMES: dict[str, str] = {
    "read_messages": N_("View Channel"),
    "send_messages": N_("Send Messages"),
    "embed_links": N_("Embed Links"),
    "attach_files": N_("Attach Files"),
    "read_message_history": N_("Read Message History"),
    "manage_guild": N_("Manage Server"),
    "manage_messages": N_("Manage Messages"),
}
# Actions that change someone else's song, and the refusal for each: whole
# sentences, as translations need (each verb is its own word there).
_OWNER_ONLY: dict[Action, str] = {
    Action.EXTEND: N_(
        "Only {requester}, who asked for this song, or a member who can manage messages "
        "can extend it."
    ),
    Action.DELETE: N_(
        "Only {requester}, who asked for this song, or a member who can manage messages "
        "can delete it."
    ),
    Action.CANCEL: N_(
        "Only {requester}, who asked for this song, or a member who can manage messages "
        "can cancel it."
    ),
}
# Actions that make something new from it, at the bot's expense.
_REMIXES: dict[Action, str] = {
    Action.REMIX: N_(
        "On this server only {requester}, who asked for this song, or a member who can "
        "manage messages can remix it."
    ),
    Action.EDIT: N_(
        "On this server only {requester}, who asked for this song, or a member who can "
        "manage messages can edit it."
    ),
    Action.WAV: N_(
        "On this server only {requester}, who asked for this song, or a member who can "
        "manage messages can make its WAV."
    ),
    Action.STEMS: N_(
        "On this server only {requester}, who asked for this song, or a member who can "
        "manage messages can make its stems."
    ),
    Action.VIDEO: N_(
        "On this server only {requester}, who asked for this song, or a member who can "
        "manage messages can make its video."
    ),
}


def permission_name(name: str, locale: object = None) -> str:
    """A permission (discord.py's attribute name) as Discord's apps call it, in the
    language of ``locale``."""
    known = PERMISSION_NAMES.get(name)
    return t(locale, known) if known else name.replace("_", " ").title()


def check_allowed(
    action: Action,
    job: Job,
    user_id: int,
    *,
    manage_messages: bool,
    remix_by: Literal["everyone", "requester"],
) -> None:
    """Raise an ``InputError`` saying why ``user_id`` may not do ``action`` to ``job``.

    ``remix_by`` is the server's rule (``GuildRules.remix_by``). The error's
    ``text(locale)`` is the refusal in the member's language."""
    if user_id == job.user_id or manage_messages:
        return
    requester = f"<@{job.user_id}>"
    if action in _OWNER_ONLY:
        raise InputError(_OWNER_ONLY[action], requester=requester)
    if action in _REMIXES and remix_by == "requester":
        raise InputError(_REMIXES[action], requester=requester)
