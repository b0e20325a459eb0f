"""/generate: describe a song, get two."""

from __future__ import annotations

import logging

import discord
from discord import app_commands
from discord.ext import commands

from bot.app import MusicBot
from bot.errors import InputError
from bot.providers.base import GenerateRequest
from bot.ui.text import quote

log = logging.getLogger(__name__)

# What the bot needs in a channel to post progress and results with its own token.
REQUIRED = discord.Permissions(
    send_messages=True, embed_links=True, attach_files=True, read_message_history=True
)


class GenerateCog(commands.Cog):
    def __init__(self, bot: MusicBot) -> None:
        self.bot = bot
        self._command = self._build_command()

    async def cog_load(self) -> None:
        self.bot.tree.add_command(self._command)

    async def cog_unload(self) -> None:
        self.bot.tree.remove_command(self._command.name)

    def _build_command(self) -> app_commands.Command[GenerateCog, ..., None]:
        # Choices come from the configured providers, so the command is built
        # per instance rather than declared at class level.
        models = self.bot.jobs.offered_models()
        choices = [app_commands.Choice(name=spec.label, value=key) for key, spec in models.items()]

        @app_commands.command(name="generate", description="Make two songs from a description.")
        @app_commands.guild_only()
        @app_commands.describe(
            prompt="What the song is about and how it should feel (up to 500 characters)",
            instrumental="No vocals",
            model="Which model to use",
            style="Genre, mood, instruments",
            title="A title for the songs",
        )
        @app_commands.choices(model=choices[:25])
        async def generate(
            interaction: discord.Interaction,
            prompt: str,
            instrumental: bool = False,
            model: str | None = None,
            style: str = "",
            title: str = "",
        ) -> None:
            await self.generate(interaction, prompt, instrumental, model, style, title)

        return generate

    async def generate(
        self,
        interaction: discord.Interaction,
        prompt: str,
        instrumental: bool,
        model: str | None,
        style: str,
        title: str,
    ) -> None:
        missing = _missing_permissions(interaction)
        if missing:
            raise InputError(f"I need these permissions in this channel first: {missing}.")
        # guild_only() guarantees both.
        assert interaction.guild_id is not None
        assert interaction.channel_id is not None
        request = GenerateRequest(
            prompt=prompt.strip(),
            model=model or self.bot.jobs.default_model(),
            instrumental=instrumental,
            style=style.strip(),
            title=title.strip(),
        )
        job = await self.bot.jobs.create(
            request,
            guild_id=interaction.guild_id,
            channel_id=interaction.channel_id,
            user_id=interaction.user.id,
            upload_limit=interaction.filesize_limit,
        )
        await interaction.response.send_message(
            f"Queued **{quote(title or 'your song', 80)}** (job `{job.id}`). "
            "I'll post its progress in this channel and ping you when it's ready.",
            ephemeral=True,
        )


def _missing_permissions(interaction: discord.Interaction) -> str:
    have = interaction.app_permissions
    lacking = [name for name, needed in REQUIRED if needed and not getattr(have, name)]
    return ", ".join(name.replace("_", " ").title() for name in lacking)


async def setup(bot: commands.Bot) -> None:
    assert isinstance(bot, MusicBot)
    await bot.add_cog(GenerateCog(bot))
