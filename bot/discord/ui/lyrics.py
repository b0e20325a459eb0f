"""Lyrics shown to one member: a track's words in pages, timed words, written drafts."""

from __future__ import annotations

import discord

from bot.discord.custom_ids import draft_id, page_id
from bot.discord.ui.actions import static_view
from bot.discord.ui.limits import fit, pack
from bot.discord.ui.text import duration, quote
from bot.i18n import t
from bot.providers.base import LyricsDraft, TimedWord

PAGE_SIZE = 1800  # characters per page: short enough to read on a phone


def pages(text: str, size: int = PAGE_SIZE) -> list[str]:
    """``text`` in pages of at most ``size`` characters, broken between lines where possible."""
    result: list[str] = []
    rest = text.strip()
    while len(rest) > size:
        cut = rest.rfind("\n", 0, size)
        cut = cut if cut > 0 else size
        result.append(rest[:cut].rstrip())
        rest = rest[cut:].lstrip("\n")
    result.append(rest)
    return result


def lyrics_page(
    job_id: str, n: int, title: str, lyrics: str, page: int, locale: object = None
) -> tuple[discord.Embed, discord.ui.View | None]:
    """Page ``page`` (0-based) of track ``n``'s lyrics, with buttons to turn pages.

    ``locale``: the member's (the page is a private answer).
    """
    all_pages = pages(lyrics) if lyrics.strip() else [t(locale, "This track has no lyrics.")]
    page = max(0, min(page, len(all_pages) - 1))
    embed = _lyrics_embed(title, all_pages[page], locale)
    if len(all_pages) == 1:
        return embed, None
    footer = t(locale, "page {page} of {pages}", page=page + 1, pages=len(all_pages))
    embed.set_footer(text=footer)
    back = discord.ui.Button[discord.ui.View](
        label=t(locale, "Previous"), custom_id=page_id(job_id, n, page - 1), disabled=page == 0
    )
    forward = discord.ui.Button[discord.ui.View](
        label=t(locale, "Next"),
        custom_id=page_id(job_id, n, page + 1),
        disabled=page == len(all_pages) - 1,
    )
    return embed, static_view([back, forward])


def lyrics_pages_messages(
    title: str, lyrics: str, locale: object = None
) -> list[list[discord.Embed]]:
    """Every page at once (a reaction has no private reply), in as few messages as fit."""
    text = lyrics if lyrics.strip() else t(locale, "This track has no lyrics.")
    return pack(_lyrics_embed(title, page, locale) for page in pages(text))


def _lyrics_embed(title: str, text: str, locale: object) -> discord.Embed:
    heading = t(locale, "{title}: lyrics", title=title or t(locale, "Untitled"))
    embed = discord.Embed(
        title=quote(heading, 200),
        description=quote(text, 4000),
        colour=discord.Colour.blurple(),
    )
    return fit([embed])[0]


def timed_lines(words: list[TimedWord]) -> str:
    """``[m:ss] line`` for every sung line, from word timings."""
    lines: list[str] = []
    current: list[str] = []
    start: float | None = None
    for word in words:
        if start is None:
            start = word.start
        current.append(word.word.replace("\n", ""))
        if "\n" in word.word:
            lines.append(f"`[{duration(start)}]` {''.join(current).strip()}")
            current, start = [], None
    if current and start is not None:
        lines.append(f"`[{duration(start)}]` {''.join(current).strip()}")
    return "\n".join(lines)


def timed_embed(title: str, words: list[TimedWord], locale: object = None) -> discord.Embed:
    text = timed_lines(words) or t(locale, "The music service found no sung words in this track.")
    heading = t(locale, "{title}: timed lyrics", title=title or t(locale, "Untitled"))
    embed = discord.Embed(
        title=quote(heading, 200),
        description=text if len(text) <= 4000 else text[:3990] + "\n…",
        colour=discord.Colour.blurple(),
    )
    return fit([embed])[0]


def draft_messages(
    drafts: list[LyricsDraft], locale: object = None
) -> list[tuple[discord.Embed, discord.ui.View]]:
    """Each written draft in a message of its own, with a button that opens /compose's form.

    One message each: two long drafts together pass Discord's 6,000 characters
    per message, and a draft's words must not be cut (the button reads them back).
    """
    messages = []
    for i, draft in enumerate(drafts[:2], start=1):
        embed = discord.Embed(
            # Not escaped: the button reads these back as the form's pre-filled text.
            title=(draft.title or t(locale, "Draft {n}", n=i))[:256],
            description=draft.text[:4000],
            colour=discord.Colour.blurple(),
        )
        use = discord.ui.Button[discord.ui.View](
            label=t(locale, "Use draft {n}", n=i), emoji="✍️", custom_id=draft_id(i)
        )
        messages.append((fit([embed])[0], static_view([use])))
    return messages
