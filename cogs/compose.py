"""/compose (custom songs from a form) and /lyrics (lyrics written from a theme).

Each command is offered only when a configured provider can do what it needs.
"""

from __future__ import annotations

import logging
from typing import Any

import discord
from discord import app_commands
from discord.ext import commands

from bot.app import MusicBot
from bot.discord.buttons import UseDraftButton
from bot.discord.tree import answer_errors
from bot.discord.ui.forms import ComposeOptions, compose_form, send_form, submitted_values
from bot.discord.ui.lyrics import draft_messages
from bot.discord.ui.text import quote
from bot.errors import InputError, ProviderError
from bot.i18n import t
from bot.providers.base import GenerateRequest, Operation
from cogs.common import (
    VOICES,
    OfferedCommands,
    check_song,
    enqueue,
    model_choices,
    queued,
    titled,
    voice,
)

log = logging.getLogger(__name__)

Interaction = discord.Interaction[Any]
Weight = app_commands.Range[float, 0.0, 1.0]
LYRICS_FILE_CHARS = 10_000  # more than any model takes; the form's check says how much


class ComposeCog(commands.Cog, name="Compose"):
    def __init__(self, bot: MusicBot) -> None:
        self.bot = bot
        custom, lyrics = Operation.CUSTOM, Operation.WRITE_LYRICS
        self._offered = OfferedCommands(
            bot.jobs,
            (
                ("compose", self._compose_command, custom, "no provider takes custom lyrics"),
                ("lyrics", self._lyrics_command, lyrics, "no provider writes lyrics"),
            ),
        )

    async def cog_load(self) -> None:
        self._offered.add_to(self.bot.tree)
        self.bot.button_handlers.drafts = self
        self.bot.add_dynamic_items(UseDraftButton)

    async def cog_unload(self) -> None:
        self._offered.remove_from(self.bot.tree)
        self.bot.remove_dynamic_items(UseDraftButton)
        self.bot.button_handlers.drafts = None

    # -- /compose -----------------------------------------------------------------

    def _compose_command(self) -> app_commands.Command[Any, ..., None]:
        @app_commands.command(name="compose", description="Write your own lyrics and style.")
        @app_commands.guild_only()
        @app_commands.describe(
            model="Which model to use",
            instrumental="No vocals: only style and title are needed",
            vocal_gender="The singer's voice",
            style_weight="How closely to follow the style (0-1)",
            weirdness="How experimental to be (0-1)",
            audio_weight="How much to weigh the sound over the words (0-1)",
            lyrics_file="Lyrics as a .txt file, for long songs",
            boost_style="Have the music service write a fuller style from your few words",
        )
        @app_commands.choices(
            model=model_choices(self.bot.jobs),
            vocal_gender=VOICES,
        )
        async def compose(
            interaction: Interaction,
            model: str | None = None,
            instrumental: bool = False,
            vocal_gender: str | None = None,
            style_weight: Weight | None = None,
            weirdness: Weight | None = None,
            audio_weight: Weight | None = None,
            lyrics_file: discord.Attachment | None = None,
            boost_style: bool = False,
        ) -> None:
            rules = await check_song(interaction, Operation.SONG)
            options = ComposeOptions(
                model=model or self.bot.jobs.default_model(rules.default_model),
                instrumental=instrumental,
                vocal_gender=voice(vocal_gender),
                style_weight=style_weight,
                weirdness=weirdness,
                audio_weight=audio_weight,
                boost=boost_style,
            )
            lyrics = await _read_lyrics(lyrics_file) if lyrics_file is not None else ""
            await self.open_form(interaction, options, {"lyrics": lyrics})

        return compose

    async def open_form(
        self, interaction: Interaction, options: ComposeOptions, values: dict[str, str]
    ) -> None:
        spec = self.bot.jobs.offered_models().get(options.model)
        if spec is None:
            raise InputError("Model `{model}` is not available here.", model=options.model)
        tuning = self.bot.jobs.offers(Operation.TUNING)
        if options.tuned and not tuning:
            raise InputError("Vocal gender and weights are not available with this bot's services.")
        if options.boost and not self.bot.jobs.offers(Operation.BOOST_STYLE):
            raise InputError("Style boost is not available with this bot's services.")
        if len(values.get("lyrics", "")) > spec.lyrics_limit:
            length, limit = f"{len(values['lyrics']):,}", f"{spec.lyrics_limit:,}"
            raise InputError(
                "The lyrics are {length} characters; {model} takes at most {limit}.",
                length=length,
                model=spec.label.split(":")[0],
                limit=limit,
            )
        form = compose_form(options, spec, tuning=tuning, values=values, locale=interaction.locale)
        await send_form(interaction, form)

    @commands.Cog.listener()
    async def on_interaction(self, interaction: Interaction) -> None:
        if interaction.type is not discord.InteractionType.modal_submit:
            return
        data: Any = interaction.data or {}
        options = ComposeOptions.parse(str(data.get("custom_id", "")))
        if options is not None:
            await answer_errors(interaction, self._submitted(interaction, options), "compose form")

    async def _submitted(self, interaction: Interaction, options: ComposeOptions) -> None:
        request = options.request(submitted_values(interaction))
        locale = interaction.locale
        boosted = ""
        if options.boost and request.style:
            # The vendor writes the style while the member waits: answer at once, privately.
            await interaction.response.defer(ephemeral=True, thinking=True)
            request, boosted = await self._boost(interaction, request)
        job = await enqueue(self.bot.jobs, interaction, request)
        answer = queued(titled(request.title, locale), job, locale)
        answer = f"{answer}\n{boosted}" if boosted else answer
        if interaction.response.is_done():
            await interaction.followup.send(answer, ephemeral=True)
        else:
            await interaction.response.send_message(answer, ephemeral=True)

    async def _boost(
        self, interaction: Interaction, request: GenerateRequest
    ) -> tuple[GenerateRequest, str]:
        """The request with its style boosted, and a line saying what was sent.

        A vendor that cannot boost just now does not cost the member their form:
        the song goes with their own style, and the answer says so.
        """
        assert interaction.guild_id is not None  # /compose is guild_only()
        locale = interaction.locale
        try:
            style = await self.bot.jobs.boost_style(request, interaction.guild_id)
        except ProviderError as exc:
            log.warning("style boost failed (%s): %s", exc.code, exc)
            note = t(locale, "The style could not be boosted just now, so your own was used.")
            return request, note
        if style is None:  # refused anyway: the refusal is the answer
            return request, ""
        boosted = request.model_copy(update={"style": style})
        return boosted, t(locale, "Boosted style: {style}", style=quote(style, 1000))

    # -- /lyrics ------------------------------------------------------------------

    def _lyrics_command(self) -> app_commands.Command[Any, ..., None]:
        @app_commands.command(name="lyrics", description="Have lyrics written from a theme.")
        @app_commands.guild_only()
        @app_commands.describe(theme="What the lyrics are about (up to 200 characters)")
        async def lyrics(interaction: Interaction, theme: str) -> None:
            # Writing takes a while: answer at once, privately, and follow up.
            await interaction.response.defer(ephemeral=True, thinking=True)
            drafts = await self.bot.jobs.write_lyrics(theme)
            if not drafts:
                raise InputError("The music service wrote nothing for this theme. Try another.")
            locale = interaction.locale
            intro = t(
                locale, "Here are your lyrics. Use one to open the song form with it filled in."
            )
            for embed, view in draft_messages(drafts, locale):
                await interaction.followup.send(intro, embed=embed, view=view, ephemeral=True)
                intro = ""

        return lyrics

    async def use_draft(self, interaction: Interaction, n: int) -> None:
        message = interaction.message
        embeds = message.embeds if message is not None else []
        # A draft has a message of its own; older answers held both drafts, in order.
        if not embeds or 1 < len(embeds) < n:
            raise InputError("These lyrics are gone. Run /lyrics again.")
        embed = embeds[0] if len(embeds) == 1 else embeds[n - 1]
        assert interaction.guild_id is not None
        rules = await self.bot.rules.of(interaction.guild_id)
        options = ComposeOptions(model=self.bot.jobs.default_model(rules.default_model))
        values = {"lyrics": embed.description or "", "title": embed.title or ""}
        await self.open_form(interaction, options, values)


async def _read_lyrics(upload: discord.Attachment) -> str:
    """A .txt attachment's text; its length is checked against the model by the form."""
    if not upload.filename.lower().endswith(".txt") or upload.size > LYRICS_FILE_CHARS * 4:
        raise InputError("Attach the lyrics as a .txt file of at most 10,000 characters.")
    try:
        text = (await upload.read()).decode("utf-8-sig")
    except UnicodeDecodeError:
        raise InputError("The lyrics file is not UTF-8 text.") from None
    if len(text) > LYRICS_FILE_CHARS:
        raise InputError("The lyrics file is longer than 10,000 characters.")
    return text.strip()


async def setup(bot: commands.Bot) -> None:
    assert isinstance(bot, MusicBot)
    await bot.add_cog(ComposeCog(bot))
