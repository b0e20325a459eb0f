"""Songs made from audio a member uploads: /cover (restyle it), /extend-upload (continue
it), /add-vocals (sing over it) and /add-instrumental (accompany it).

Each command is offered only when a configured provider can do it. The upload is
checked (type, size, length) before anything is stored or paid for; the vendor
fetches it from Discord's CDN by its URL.
"""

from __future__ import annotations

from pathlib import PurePath
from typing import Any

import discord
from discord import app_commands
from discord.ext import commands

from bot.app import MusicBot
from bot.discord.ui.forms import seconds
from bot.discord.ui.text import quote
from bot.discord.upload_checks import check_upload
from bot.errors import InputError
from bot.i18n import N_, t
from bot.providers.base import GenerateRequest, Operation, last_whole_second
from bot.providers.catalog import MODELS
from cogs.common import (
    VOICES,
    OfferedCommands,
    check_song,
    enqueue,
    model_choices,
    queued,
    voice,
)

Interaction = discord.Interaction[Any]
AUDIO = "(MP3, WAV, FLAC or OGG)"


class UploadsCog(commands.Cog, name="Uploads"):
    def __init__(self, bot: MusicBot) -> None:
        self.bot = bot
        self._offered = OfferedCommands(
            bot.jobs,
            (
                ("cover", self._cover_command, Operation.RESTYLE, "no provider does upload-cover"),
                ("extend-upload", self._extend_command, Operation.UPLOAD_EXTEND,
                 "no provider does upload-extend"),
                ("add-vocals", self._vocals_command, Operation.ADD_VOCALS,
                 "no provider adds vocals"),
                ("add-instrumental", self._instrumental_command, Operation.ADD_INSTRUMENTAL,
                 "no provider adds instrumentals"),
            ),
        )  # fmt: skip

    async def cog_load(self) -> None:
        self._offered.add_to(self.bot.tree)

    async def cog_unload(self) -> None:
        self._offered.remove_from(self.bot.tree)

    async def _start(
        self,
        interaction: Interaction,
        audio: discord.Attachment,
        operation: Operation,
        model: str | None,
    ) -> tuple[str, float]:
        """Check the member, then the upload; the model to use and the upload's seconds.

        The upload is fetched and measured, which can take longer than Discord's
        three seconds: the answer is deferred first.
        """
        rules = await check_song(interaction, operation)
        await interaction.response.defer(ephemeral=True, thinking=True)
        length = await check_upload(audio, self.bot.settings.actions)
        return model or self.bot.jobs.default_model(rules.default_model, operation), length

    async def _queue(
        self,
        interaction: Interaction,
        audio: discord.Attachment,
        request: GenerateRequest,
        what: str,
    ) -> None:
        """Queue ``request``; ``what`` (a msgid with ``{name}``) says what of the upload."""
        job = await enqueue(self.bot.jobs, interaction, request)
        name = quote(audio.filename, 80)
        answer = queued(t(interaction.locale, what, name=name), job, interaction.locale)
        await interaction.followup.send(answer, ephemeral=True)

    # -- /cover -------------------------------------------------------------------

    def _cover_command(self) -> app_commands.Command[Any, ..., None]:
        @app_commands.command(name="cover", description="Restyle a song you upload.")
        @app_commands.guild_only()
        @app_commands.describe(
            audio=f"The song to restyle {AUDIO}",
            style="The new style: genre, mood, instruments",
            prompt="What the new version should be like (optional)",
            title="A title for the cover",
            instrumental="No vocals",
            model="Which model to use",
        )
        @app_commands.choices(model=model_choices(self.bot.jobs, Operation.RESTYLE))
        async def cover(
            interaction: Interaction,
            audio: discord.Attachment,
            style: str,
            prompt: str = "",
            title: str = "",
            instrumental: bool = False,
            model: str | None = None,
        ) -> None:
            model, _ = await self._start(interaction, audio, Operation.RESTYLE, model)
            request = GenerateRequest(
                operation=Operation.RESTYLE,
                model=model,
                prompt=prompt.strip() or f"A cover in this style: {style.strip()}",
                style=style.strip(),
                title=title.strip(),
                instrumental=instrumental,
                upload_url=audio.url,
            )
            await self._queue(interaction, audio, request, N_("a cover of `{name}`"))

        return cover

    # -- /extend-upload -----------------------------------------------------------

    def _extend_command(self) -> app_commands.Command[Any, ..., None]:
        @app_commands.command(name="extend-upload", description="Continue a song you upload.")
        @app_commands.guild_only()
        @app_commands.describe(
            audio=f"The song to continue {AUDIO}",
            style="The style of the continuation: genre, mood, instruments",
            lyrics="Words for the continuation (leave out for an instrumental one)",
            title="A title (default: the file's name)",
            continue_at="Where to continue, in seconds (95) or m:ss (1:35); default: the end",
            model="Which model to use",
        )
        @app_commands.choices(model=model_choices(self.bot.jobs, Operation.UPLOAD_EXTEND))
        async def extend_upload(
            interaction: Interaction,
            audio: discord.Attachment,
            style: str,
            lyrics: str = "",
            title: str = "",
            continue_at: str = "",
            model: str | None = None,
        ) -> None:
            model, length = await self._start(interaction, audio, Operation.UPLOAD_EXTEND, model)
            request = _custom(
                Operation.UPLOAD_EXTEND, audio, model, style, title,
                instrumental=not lyrics.strip(),
                lyrics=lyrics.strip(),
                continue_at=_continue_at(seconds(continue_at), length),
            )  # fmt: skip
            await self._queue(interaction, audio, request, N_("a continuation of `{name}`"))

        return extend_upload

    # -- /add-vocals --------------------------------------------------------------

    def _vocals_command(self) -> app_commands.Command[Any, ..., None]:
        @app_commands.command(
            name="add-vocals", description="Have vocals sung over music you upload."
        )
        @app_commands.guild_only()
        @app_commands.describe(
            audio=f"The instrumental to sing over {AUDIO}",
            lyrics="The words to sing",
            style="The song's style: genre, mood, voice",
            title="A title (default: the file's name)",
            vocal_gender="The singer's voice",
            avoid="Styles to avoid (optional)",
            model="Which model to use",
        )
        @app_commands.choices(
            model=model_choices(self.bot.jobs, Operation.ADD_VOCALS), vocal_gender=VOICES
        )
        async def add_vocals(
            interaction: Interaction,
            audio: discord.Attachment,
            lyrics: str,
            style: str,
            title: str = "",
            vocal_gender: str | None = None,
            avoid: str = "",
            model: str | None = None,
        ) -> None:
            model, _ = await self._start(interaction, audio, Operation.ADD_VOCALS, model)
            request = _custom(
                Operation.ADD_VOCALS, audio, model, style, title,
                lyrics=lyrics.strip(),
                negative_tags=avoid.strip(),
                vocal_gender=voice(vocal_gender),
            )  # fmt: skip
            await self._queue(interaction, audio, request, N_("vocals over `{name}`"))

        return add_vocals

    # -- /add-instrumental --------------------------------------------------------

    def _instrumental_command(self) -> app_commands.Command[Any, ..., None]:
        @app_commands.command(
            name="add-instrumental", description="Have music played under vocals you upload."
        )
        @app_commands.guild_only()
        @app_commands.describe(
            audio=f"The vocals (or melody) to accompany {AUDIO}",
            style="The accompaniment: genre, mood, instruments",
            title="A title (default: the file's name)",
            avoid="Styles or instruments to avoid (optional)",
            model="Which model to use",
        )
        @app_commands.choices(model=model_choices(self.bot.jobs, Operation.ADD_INSTRUMENTAL))
        async def add_instrumental(
            interaction: Interaction,
            audio: discord.Attachment,
            style: str,
            title: str = "",
            avoid: str = "",
            model: str | None = None,
        ) -> None:
            model, _ = await self._start(interaction, audio, Operation.ADD_INSTRUMENTAL, model)
            request = _custom(
                Operation.ADD_INSTRUMENTAL, audio, model, style, title,
                instrumental=True,
                negative_tags=avoid.strip(),
            )  # fmt: skip
            await self._queue(interaction, audio, request, N_("music under `{name}`"))

        return add_instrumental


def _custom(
    operation: Operation,
    audio: discord.Attachment,
    model: str,
    style: str,
    title: str,
    **fields: Any,
) -> GenerateRequest:
    """A custom-mode request from the upload: the member's style, and their title or
    else the file's name; ``fields`` are the operation's own."""
    return GenerateRequest(
        operation=operation,
        model=model,
        custom=True,
        style=style.strip(),
        title=title.strip() or _file_title(audio, model),
        upload_url=audio.url,
        **fields,
    )


def _file_title(audio: discord.Attachment, model: str) -> str:
    """The upload's name without its extension, as the new song's title."""
    stem = PurePath(audio.filename).stem.replace("_", " ").strip() or "Upload"
    spec = MODELS.get(model)
    return stem[: spec.title_limit] if spec is not None else stem


def _continue_at(at: float | None, length: float) -> float:
    """Where to continue an upload of ``length`` seconds: ``at`` when it lies inside it,
    else (None) the last whole second inside it, as vendors want 0 < at < length."""
    if at is None:
        at = last_whole_second(length)
        if at <= 0:
            raise InputError("The upload is too short to continue: it needs over a second.")
        return at
    if not 0 < at < length:
        raise InputError(
            "`continue at` must be between 0 and {length} seconds (the upload's length).",
            length=int(length),
        )
    return at


async def setup(bot: commands.Bot) -> None:
    assert isinstance(bot, MusicBot)
    await bot.add_cog(UploadsCog(bot))
