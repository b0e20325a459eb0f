"""What the bot needs in a song channel, and who may act on a finished song.

The member who asked for a song, and members with Manage Messages, may
extend, delete or cancel it. Anyone may read its lyrics, and remix it or convert it
(WAV, stems, video) unless the admin limits that to the requester
(``[actions] remix_by``, or the server's /settings).
"""

from __future__ import annotations

from typing import Literal

import discord

from bot.jobs.models import Job
from bot.ui.actions import Action

# What the bot needs in a channel to post progress and results with its own token.
SONG_CHANNEL = discord.Permissions(
    send_messages=True, embed_links=True, attach_files=True, read_message_history=True
)
# Actions that change someone else's song.
_OWNER_ONLY = frozenset({Action.EXTEND, Action.DELETE, Action.CANCEL})
# Actions that make something new from it, at the bot's expense.
_REMIXES = frozenset({Action.REMIX, Action.EDIT, Action.WAV, Action.STEMS, Action.VIDEO})


def refusal(
    action: Action,
    job: Job,
    user_id: int,
    *,
    manage_messages: bool,
    remix_by: Literal["everyone", "requester"],
) -> str | None:
    """Why ``user_id`` may not do ``action`` to ``job``, in words for them; None if they may.

    ``remix_by`` is the server's rule (``GuildRules.remix_by``)."""
    if user_id == job.user_id or manage_messages:
        return None
    if action in _OWNER_ONLY:
        return (
            f"Only <@{job.user_id}>, who asked for this song, or a member who can manage "
            f"messages can {action.value} it."
        )
    if action in _REMIXES and remix_by == "requester":
        return (
            f"On this server only <@{job.user_id}>, who asked for this song, or a member "
            f"who can manage messages can {action.value} it."
        )
    return None
