"""Command names, descriptions and option names in each member's language.

discord.py asks this translator for every string of every command when it
syncs them, once per Discord locale, and sends the answers as
``name_localizations`` and ``description_localizations``.
"""

from __future__ import annotations

import discord
from discord import app_commands
from discord.app_commands import TranslationContextLocation as Where

from bot.i18n import ENGLISH, language, t, tc

# Names are looked up in their own msgctxt: "title" the option is not "Title" the field.
_NAME_CONTEXTS = {
    Where.command_name: "command name",
    Where.group_name: "command name",
    Where.parameter_name: "option name",
    Where.choice_name: "choice name",  # model names have none: the same in every language
}
_DESCRIPTIONS = (
    Where.command_description,
    Where.group_description,
    Where.parameter_description,
)


class CatalogTranslator(app_commands.Translator):
    async def translate(
        self,
        string: app_commands.locale_str,
        locale: discord.Locale,
        context: app_commands.TranslationContextTypes,
    ) -> str | None:
        """The catalog's text for ``locale``; None (Discord shows the default) if untranslated."""
        if language(locale) == ENGLISH:
            return None
        if context.location in _NAME_CONTEXTS:
            return tc(locale, _NAME_CONTEXTS[context.location], string.message)
        if context.location in _DESCRIPTIONS:
            text = t(locale, string.message)
            return None if text == string.message else text
        return None
