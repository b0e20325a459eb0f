"""Discord's size limits for a message, enforced in one place for every message the bot builds.

Discord refuses a whole message (400, code 50035) when one part is too long,
so whatever the bot renders goes through ``fit`` (one message) or ``pack``
(several messages) first. Text is cut with an ellipsis; nothing is dropped
silently except what cannot fit at all.
"""

from __future__ import annotations

from collections.abc import Iterable

import discord

CONTENT = 2000
TITLE = 256
DESCRIPTION = 4096
FIELDS = 25
FIELD_NAME = 256
FIELD_VALUE = 1024
FOOTER = 2048
AUTHOR = 256
EMBEDS = 10
TOTAL = 6000  # characters across every embed of one message
ELLIPSIS = "…"


def clip(text: str, limit: int) -> str:
    """``text`` cut to ``limit`` characters, an ellipsis marking the cut."""
    return text if len(text) <= limit else text[: max(limit - 1, 0)] + ELLIPSIS


def size(embed: discord.Embed) -> int:
    """What counts towards the 6,000: title, description, fields, footer and author."""
    fields = sum(len(f.name or "") + len(f.value or "") for f in embed.fields)
    parts = (embed.title, embed.description, embed.footer.text, embed.author.name)
    return fields + sum(len(part or "") for part in parts)


def fit_embed(embed: discord.Embed) -> discord.Embed:
    """Cut each part of ``embed`` to its own limit; fields past the 25th are dropped."""
    if embed.title:
        embed.title = clip(embed.title, TITLE)
    if embed.description:
        embed.description = clip(embed.description, DESCRIPTION)
    fields = [(f.name or "", f.value or "", bool(f.inline)) for f in embed.fields[:FIELDS]]
    embed.clear_fields()
    for name, value, inline in fields:
        embed.add_field(name=clip(name, FIELD_NAME), value=clip(value, FIELD_VALUE), inline=inline)
    if embed.footer.text:
        embed.set_footer(text=clip(embed.footer.text, FOOTER), icon_url=embed.footer.icon_url)
    if embed.author.name:
        embed.set_author(
            name=clip(embed.author.name, AUTHOR),
            url=embed.author.url,
            icon_url=embed.author.icon_url,
        )
    return embed


def fit(embeds: Iterable[discord.Embed]) -> list[discord.Embed]:
    """Embeds for one message: each within its limits, at most 10, 6,000 characters in all.

    Over the total, the last embed's description is cut first, then its field
    values from the last; an embed that still does not fit is left out (never
    the first, which is cut down to fit instead).
    """
    kept = [fit_embed(embed) for embed in embeds][:EMBEDS]
    over = sum(size(embed) for embed in kept) - TOTAL
    while over > 0:
        over = _shrink(kept[-1], over)
        if over > 0 and len(kept) > 1:
            over -= size(kept.pop())
        elif over > 0:  # one embed of long names: its last fields go
            only = kept[0]
            while over > 0 and only.fields:
                field = only.fields[-1]
                over -= len(field.name or "") + len(field.value or "")
                only.remove_field(len(only.fields) - 1)
    return kept


def _shrink(embed: discord.Embed, over: int) -> int:
    """Cut ``embed``'s description, then field values, by up to ``over``; return what is left."""
    if embed.description:
        cut = min(over, len(embed.description) - 2)
        if cut > 0:
            embed.description = clip(embed.description, len(embed.description) - cut)
            over -= cut
    for index in reversed(range(len(embed.fields))):
        value = embed.fields[index].value or ""
        cut = min(over, len(value) - 2)
        if over <= 0 or cut <= 0:
            continue
        embed.set_field_at(
            index,
            name=embed.fields[index].name or "",
            value=clip(value, len(value) - cut),
            inline=bool(embed.fields[index].inline),
        )
        over -= cut
    return over


def pack(embeds: Iterable[discord.Embed]) -> list[list[discord.Embed]]:
    """Embeds grouped into as few messages as Discord accepts, in order."""
    messages: list[list[discord.Embed]] = []
    room = 0
    for embed in (fit_embed(e) for e in embeds):
        if not messages or len(messages[-1]) == EMBEDS or size(embed) > room:
            messages.append([])
            room = TOTAL
        messages[-1].append(embed)
        room -= size(embed)
    return messages


def content(text: str) -> str:
    """A message's text within Discord's 2,000 characters."""
    return clip(text, CONTENT)


def chunks(lines: Iterable[str], limit: int = DESCRIPTION) -> list[str]:
    """Lines joined into as few texts of at most ``limit`` characters as they fit in."""
    result: list[str] = []
    for line in (clip(line, limit) for line in lines):
        if result and len(result[-1]) + 1 + len(line) <= limit:
            result[-1] += "\n" + line
        else:
            result.append(line)
    return result
