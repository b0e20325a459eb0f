"""What every song-making command shares: model choices and the channel check."""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from typing import Any

import discord
from discord import app_commands

from bot.discord.permissions import SONG_CHANNEL, permission_name
from bot.discord.ui.text import quote
from bot.errors import InputError
from bot.i18n import N_, t
from bot.jobs.guild_rules import GuildRules, member_quota
from bot.jobs.models import Job
from bot.jobs.service import JobService
from bot.providers.base import GenerateRequest, Operation, VocalGender

log = logging.getLogger(__name__)

# What a server may keep to some roles (/settings role costly): it costs more, or makes more.
COSTLY = frozenset(
    {
        Operation.EXTEND,
        Operation.RESTYLE,
        Operation.UPLOAD_EXTEND,
        Operation.ADD_VOCALS,
        Operation.ADD_INSTRUMENTAL,
        Operation.WAV,
        Operation.STEMS,
        Operation.VIDEO,
    }
)
# The refusal of each costly operation to a member without a costly role: whole
# sentences, as translations need (each noun has its gender there).
COSTLY_REFUSALS: dict[Operation, str] = {
    Operation.EXTEND: N_("An extend here needs one of these roles: {roles}."),
    Operation.RESTYLE: N_("A cover here needs one of these roles: {roles}."),
    Operation.UPLOAD_EXTEND: N_("Extending an upload here needs one of these roles: {roles}."),
    Operation.ADD_VOCALS: N_("Adding vocals here needs one of these roles: {roles}."),
    Operation.ADD_INSTRUMENTAL: N_(
        "Adding an instrumental here needs one of these roles: {roles}."
    ),
    Operation.WAV: N_("A WAV here needs one of these roles: {roles}."),
    Operation.STEMS: N_("Stems here need one of these roles: {roles}."),
    Operation.VIDEO: N_("A video here needs one of these roles: {roles}."),
}


def model_choices(
    jobs: JobService, operation: Operation = Operation.SONG
) -> list[app_commands.Choice[str]]:
    """The models ``operation`` runs on, as slash-command choices (Discord shows 25)."""
    models = jobs.offered_models(operation)
    return [app_commands.Choice(name=spec.label, value=key) for key, spec in models.items()][:25]


Command = app_commands.Command[Any, ..., None]

# The singer's voice, as slash-command choices, and the value a request takes.
VOICES = [
    app_commands.Choice(name="Male", value="m"),
    app_commands.Choice(name="Female", value="f"),
]


def voice(choice: str | None) -> VocalGender | None:
    return "m" if choice == "m" else "f" if choice == "f" else None


class OfferedCommands:
    """The commands of a cog that a configured provider can carry out.

    ``offerable`` holds each command's name, its builder, the operation a
    provider must offer for it and why it is missing otherwise; the missing are
    named in the log when the cog loads, so an admin sees why.
    """

    def __init__(
        self,
        jobs: JobService,
        offerable: Sequence[tuple[str, Callable[[], Command], Operation, str]],
    ) -> None:
        self._commands: list[Command] = []
        self._missing: list[str] = []
        for name, build, operation, why in offerable:
            if jobs.offers(operation):
                self._commands.append(build())
            else:
                self._missing.append(f"/{name} ({why})")

    def add_to(self, tree: app_commands.CommandTree[Any]) -> None:
        for command in self._commands:
            tree.add_command(command)
        if self._missing:
            log.info("not offered: %s", ", ".join(self._missing))

    def remove_from(self, tree: app_commands.CommandTree[Any]) -> None:
        for command in self._commands:
            tree.remove_command(command.name)


def check_channel(interaction: discord.Interaction[Any]) -> tuple[int, int]:
    """The guild and channel ids, once the bot may post there; else an ``InputError``."""
    missing = missing_permissions(interaction.app_permissions, interaction.locale)
    if missing:
        raise InputError(
            "I need these permissions in this channel first: {missing}.", missing=missing
        )
    # Commands are guild_only(), so both are set.
    assert interaction.guild_id is not None
    assert interaction.channel_id is not None
    return interaction.guild_id, interaction.channel_id


def missing_permissions(have: discord.Permissions, locale: object = None) -> str:
    """The permissions a song channel needs that ``have`` lacks, named in the language of
    ``locale`` (the member's: this names them in a refusal); empty if none."""
    lacking = [name for name, needed in SONG_CHANNEL if needed and not getattr(have, name)]
    return ", ".join(permission_name(name, locale) for name in lacking)


async def check_song(interaction: discord.Interaction[Any], operation: Operation) -> GuildRules:
    """The server's rules, once this member may ask for ``operation`` here; else ``InputError``.

    In a channel the server did not choose for songs they get a pointer to one;
    without a role the server requires, a refusal naming the roles. Members with
    Manage Server pass every role gate.
    """
    assert interaction.guild_id is not None  # commands are guild_only()
    rules: GuildRules = await interaction.client.rules.of(interaction.guild_id)
    if rules.song_channels and interaction.channel_id not in rules.song_channels:
        channel = f"<#{min(rules.song_channels)}>"
        raise InputError("Songs are made in {channel}.", channel=channel)
    check_channel(interaction)
    if interaction.permissions.manage_guild:
        return rules
    roles = role_ids(interaction)
    if rules.generate_roles and not roles & rules.generate_roles:
        raise InputError(
            "Making songs here needs one of these roles: {roles}.",
            roles=_roles(rules.generate_roles),
        )
    if operation in COSTLY and rules.costly_roles and not roles & rules.costly_roles:
        raise InputError(COSTLY_REFUSALS[operation], roles=_roles(rules.costly_roles))
    return rules


def role_ids(interaction: discord.Interaction[Any]) -> frozenset[int]:
    """The member's roles, @everyone (whose id is the server's) included."""
    assert interaction.guild_id is not None
    member = interaction.user
    own = [role.id for role in member.roles] if isinstance(member, discord.Member) else []
    return frozenset([interaction.guild_id, *own])


def _roles(ids: frozenset[int]) -> str:
    return ", ".join(f"<@&{i}>" for i in sorted(ids))


async def enqueue(
    jobs: JobService,
    interaction: discord.Interaction[Any],
    request: GenerateRequest,
    *,
    parent: Job | None = None,
    parent_track: int | None = None,
) -> Job:
    """Store and start a job for the member behind ``interaction``, in its channel."""
    rules = await check_song(interaction, request.operation)
    guild_id, channel_id = check_channel(interaction)
    quota = member_quota(rules, role_ids(interaction), interaction.client.settings.quotas)
    return await jobs.create(
        request,
        guild_id=guild_id,
        channel_id=channel_id,
        user_id=interaction.user.id,
        upload_limit=interaction.filesize_limit,
        parent=parent,
        parent_track=parent_track,
        limits=(quota.member_per_day, quota.member_per_week, rules.monthly_usd),
    )


def queued(what: str, job: Job, locale: object = None) -> str:
    """The private answer to a member whose job was accepted; ``what`` is already safe.

    ``locale``: the member's own (``interaction.locale``).
    """
    return t(
        locale,
        "Queued {what} (job `{job}`). "
        "I'll post its progress in this channel and ping you when it's ready.",
        what=what,
        job=job.id,
    )


def titled(title: str, locale: object = None) -> str:
    shown = title or t(locale, "your song")
    return f"**{quote(shown, 80)}**"
