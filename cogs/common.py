"""What every song-making command shares: model choices and the channel check."""

from __future__ import annotations

from typing import Any

import discord
from discord import app_commands

from bot.errors import InputError
from bot.jobs.models import Job
from bot.jobs.service import JobService
from bot.permissions import SONG_CHANNEL
from bot.providers.base import GenerateRequest
from bot.ui.text import quote


def model_choices(jobs: JobService) -> list[app_commands.Choice[str]]:
    """The offered models as slash-command choices (Discord shows at most 25)."""
    models = jobs.offered_models()
    return [app_commands.Choice(name=spec.label, value=key) for key, spec in models.items()][:25]


def check_channel(interaction: discord.Interaction[Any]) -> tuple[int, int]:
    """The guild and channel ids, once the bot may post there; else an ``InputError``."""
    have = interaction.app_permissions
    lacking = [name for name, needed in SONG_CHANNEL if needed and not getattr(have, name)]
    if lacking:
        missing = ", ".join(name.replace("_", " ").title() for name in lacking)
        raise InputError(f"I need these permissions in this channel first: {missing}.")
    # Commands are guild_only(), so both are set.
    assert interaction.guild_id is not None
    assert interaction.channel_id is not None
    return interaction.guild_id, interaction.channel_id


async def enqueue(
    jobs: JobService,
    interaction: discord.Interaction[Any],
    request: GenerateRequest,
    *,
    parent: Job | None = None,
    parent_track: int | None = None,
) -> Job:
    """Store and start a job for the member behind ``interaction``, in its channel."""
    guild_id, channel_id = check_channel(interaction)
    return await jobs.create(
        request,
        guild_id=guild_id,
        channel_id=channel_id,
        user_id=interaction.user.id,
        upload_limit=interaction.filesize_limit,
        parent=parent,
        parent_track=parent_track,
    )


def queued(what: str, job: Job) -> str:
    """The private answer to a member whose job was accepted; ``what`` is already safe."""
    return (
        f"Queued {what} (job `{job.id}`). "
        "I'll post its progress in this channel and ping you when it's ready."
    )


def titled(title: str) -> str:
    return f"**{quote(title or 'your song', 80)}**"
