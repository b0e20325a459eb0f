"""/generate: describe a song, get two."""

from __future__ import annotations

import logging

import discord
from discord import app_commands
from discord.ext import commands

from bot.app import MusicBot
from bot.providers.base import GenerateRequest
from cogs.common import enqueue, model_choices, queued, titled

log = logging.getLogger(__name__)


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
        choices = model_choices(self.bot.jobs)

        @app_commands.command(name="generate", description="Make two songs from a description.")
        @app_commands.guild_only()
        @app_commands.describe(
            prompt="What the song is about and how it should feel (up to 500 characters)",
            instrumental="No vocals",
            model="Which model to use",
            style="Genre, mood, instruments",
            title="A title for the songs",
        )
        @app_commands.choices(model=choices)
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
        assert interaction.guild_id is not None
        rules = await self.bot.rules.of(interaction.guild_id)
        request = GenerateRequest(
            prompt=prompt.strip(),
            model=model or self.bot.jobs.default_model(rules.default_model),
            instrumental=instrumental,
            style=style.strip(),
            title=title.strip(),
        )
        job = await enqueue(self.bot.jobs, interaction, request)
        locale = interaction.locale
        answer = queued(titled(title, locale), job, locale)
        await interaction.response.send_message(answer, ephemeral=True)


async def setup(bot: commands.Bot) -> None:
    assert isinstance(bot, MusicBot)
    await bot.add_cog(GenerateCog(bot))
