"""/blocklist: a server's admins extend the blocked words and artist names.

Only members with Manage Server see it (Discord's default permissions) and the
bot checks again, since admins can open a command to others. The server's rules
(``bot.rules``) keep its terms, normalised as they are matched (bot.moderation);
answers are private, so a listed term is shown back only to the admin who asked.
"""

from __future__ import annotations

from typing import Any

import discord
from discord import app_commands
from discord.ext import commands

from bot.app import MusicBot
from bot.discord.ui.limits import chunks, fit
from bot.discord.ui.text import quote
from bot.errors import InputError
from bot.i18n import N_, t, tc, tn
from bot.moderation import Kind, default_terms, normalise

Interaction = discord.Interaction[Any]
_TERM_LIMIT = 100
# The answer to /blocklist add, per (newly added, kind): whole sentences, as translations need.
_ADDED: dict[tuple[bool, Kind], str] = {
    (True, "word"): N_("Blocked word {term} in every prompt, style, title and lyrics."),
    (True, "artist"): N_("Blocked artist {term} in every prompt, style, title and lyrics."),
    (False, "word"): N_("Already blocked: word {term} in every prompt, style, title and lyrics."),
    (False, "artist"): N_(
        "Already blocked: artist {term} in every prompt, style, title and lyrics."
    ),
}


def _term(text: str) -> str:
    term = normalise(text)
    if not term:
        raise InputError("That term has no letters or digits: nothing to block.")
    return term


def _shown(term: str) -> str:
    return f"“{quote(term, _TERM_LIMIT)}”"


class ModerationCog(commands.Cog, name="Moderation"):
    blocklist = app_commands.Group(
        name="blocklist",
        description="Words and artist names songs may not use on this server.",
        guild_only=True,
        default_permissions=discord.Permissions(manage_guild=True),
    )

    def __init__(self, bot: MusicBot) -> None:
        self.bot = bot

    @blocklist.command(name="add", description="Block a word, phrase or artist name.")
    @app_commands.describe(term="The word, phrase or name", kind="A word or an artist")
    @app_commands.checks.has_permissions(manage_guild=True)
    async def add(
        self,
        interaction: Interaction,
        term: app_commands.Range[str, 1, _TERM_LIMIT],
        kind: Kind = "word",
    ) -> None:
        assert interaction.guild_id is not None
        normalised = _term(term)
        added = await self.bot.rules.block(interaction.guild_id, normalised, kind)
        said = t(interaction.locale, _ADDED[added, kind], term=_shown(normalised))
        await interaction.response.send_message(said, ephemeral=True)

    @blocklist.command(name="remove", description="Unblock a term this server added.")
    @app_commands.describe(term="The word, phrase or name")
    @app_commands.checks.has_permissions(manage_guild=True)
    async def remove(
        self, interaction: Interaction, term: app_commands.Range[str, 1, _TERM_LIMIT]
    ) -> None:
        assert interaction.guild_id is not None
        normalised = _term(term)
        shown, locale = _shown(normalised), interaction.locale
        if await self.bot.rules.unblock(interaction.guild_id, normalised):
            text = t(locale, "Unblocked {term}.", term=shown)
        elif normalised in {listed for listed, _ in default_terms()}:
            text = t(locale, "{term} is on the default list that ships with the bot.", term=shown)
        else:
            text = t(locale, "{term} is not on this server's list.", term=shown)
        await interaction.response.send_message(text, ephemeral=True)

    @blocklist.command(name="list", description="The terms this server blocks.")
    @app_commands.checks.has_permissions(manage_guild=True)
    async def show(self, interaction: Interaction) -> None:
        assert interaction.guild_id is not None
        own = await self.bot.rules.blocked_terms(interaction.guild_id)
        locale = interaction.locale
        lines = [f"{_kind(locale, kind)}: {_shown(term)}" for term, kind in own] or [
            t(locale, "(none added here)")
        ]
        title = t(locale, "Blocked on this server")
        embeds = [discord.Embed(title=title, description=chunk) for chunk in chunks(lines)]
        note = tn(
            locale,
            "Plus {n} term from the default list that ships with the bot.",
            "Plus {n} terms from the default list that ships with the bot.",
            len(default_terms()),
        )
        await interaction.response.send_message(note, embeds=fit(embeds), ephemeral=True)


def _kind(locale: object, kind: str) -> str:
    """``word`` or ``artist`` as the admin picks it, in their language."""
    return tc(locale, "choice name", kind) or kind


async def setup(bot: commands.Bot) -> None:
    assert isinstance(bot, MusicBot)
    await bot.add_cog(ModerationCog(bot))
