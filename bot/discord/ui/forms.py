"""The forms (modals) members fill in: custom songs, edited remixes, extensions.

A form is sent but never registered with discord.py (``send_form``): its
submission is recognised by its custom id in ``on_interaction``, and
everything the bot needs besides the typed text rides in that id. A member
who filled a form while the bot restarted still gets their song.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import discord

from bot.discord.custom_ids import COMPOSE_TEMPLATE, compose_id, extend_form_id
from bot.errors import InputError
from bot.i18n import N_, t
from bot.providers.base import GenerateRequest, VocalGender
from bot.providers.catalog import ModelSpec

TEXT_FIELD_LIMIT = 4000  # Discord's cap on one text input
TITLE_LIMIT = 45  # Discord's cap on a modal's title


@dataclass(frozen=True)
class ComposeOptions:
    """The /compose choices made before the form opens; they travel in its custom id."""

    model: str
    instrumental: bool = False
    vocal_gender: VocalGender | None = None
    style_weight: float | None = None
    weirdness: float | None = None
    audio_weight: float | None = None
    boost: bool = False  # have the music service write a fuller style from the member's

    @property
    def tuned(self) -> bool:
        weights = (self.style_weight, self.weirdness, self.audio_weight)
        return self.vocal_gender is not None or any(w is not None for w in weights)

    def custom_id(self) -> str:
        weights = (self.style_weight, self.weirdness, self.audio_weight)
        parts = [f"{w:.2f}" if w is not None else "-" for w in weights]
        gender = self.vocal_gender or "-"
        return compose_id(self.model, self.instrumental, gender, parts, self.boost)

    @classmethod
    def of(cls, request: GenerateRequest) -> ComposeOptions:
        """The options of an earlier request, to edit it in the same form."""
        return cls(
            model=request.model,
            instrumental=request.instrumental,
            vocal_gender=request.vocal_gender,
            style_weight=request.style_weight,
            weirdness=request.weirdness,
            audio_weight=request.audio_weight,
        )

    @classmethod
    def parse(cls, custom_id: str) -> ComposeOptions | None:
        match = COMPOSE_TEMPLATE.fullmatch(custom_id)
        if match is None:
            return None

        def weight(name: str) -> float | None:
            return None if match[name] == "-" else float(match[name])

        gender = match["gender"]
        return cls(
            model=match["model"],
            instrumental=match["instrumental"] == "1",
            vocal_gender="m" if gender == "m" else "f" if gender == "f" else None,
            style_weight=weight("style_weight"),
            weirdness=weight("weirdness"),
            audio_weight=weight("audio_weight"),
            boost=match["boost"] is not None,
        )

    def request(self, values: Mapping[str, str]) -> GenerateRequest:
        """The custom-mode request a submitted compose or remix form asks for."""
        return GenerateRequest(
            model=self.model,
            custom=True,
            instrumental=self.instrumental,
            lyrics="" if self.instrumental else joined_lyrics(values),
            style=values.get("style", "").strip(),
            title=values.get("title", "").strip(),
            negative_tags=values.get("negative_tags", "").strip(),
            vocal_gender=self.vocal_gender,
            style_weight=self.style_weight,
            weirdness=self.weirdness,
            audio_weight=self.audio_weight,
        )


def joined_lyrics(values: Mapping[str, str]) -> str:
    """Lyrics longer than one field continue in the second; they join on a line break."""
    parts = [values.get("lyrics", "").strip(), values.get("lyrics_more", "").strip()]
    return "\n".join(p for p in parts if p)


def split_lyrics(lyrics: str) -> tuple[str, str]:
    """Lyrics across the two fields, breaking at a line end where one fits."""
    if len(lyrics) <= TEXT_FIELD_LIMIT:
        return lyrics, ""
    cut = lyrics.rfind("\n", 0, TEXT_FIELD_LIMIT)
    cut = cut if cut > 0 else TEXT_FIELD_LIMIT
    return lyrics[:cut], lyrics[cut:].lstrip("\n")


def compose_form(
    options: ComposeOptions,
    spec: ModelSpec,
    *,
    tuning: bool,
    title: str = N_("Write your song"),
    custom_id: str | None = None,
    values: Mapping[str, str] | None = None,
    locale: object = None,
) -> discord.ui.Modal:
    """Title, style, lyrics (in two fields when the model takes more than one holds)
    and, where a provider supports them, negative tags; pre-filled from ``values``.

    ``title`` is a msgid (the caller marks it with ``N_``); ``locale`` is the member's.
    """
    values = values or {}
    heading = t(locale, title)[:TITLE_LIMIT]
    form = discord.ui.Modal(title=heading, custom_id=custom_id or options.custom_id())
    form.add_item(_field("title", t(locale, "Title"), values, max_length=spec.title_limit))
    if options.boost:
        style = t(locale, "Style in a few words (to be boosted)")
    else:
        style = t(locale, "Style: genre, mood, instruments")
    form.add_item(_field("style", style, values, max_length=spec.style_limit))
    if not options.instrumental:
        first, more = split_lyrics(values.get("lyrics", ""))
        lyrics = {"lyrics": first, "lyrics_more": more}
        limit = f"{spec.lyrics_limit:,}"
        label = t(locale, "Lyrics (up to {limit} characters)", limit=limit)
        form.add_item(
            _field("lyrics", label, lyrics, long=True,
                   max_length=min(spec.lyrics_limit, TEXT_FIELD_LIMIT))
        )  # fmt: skip
        if spec.lyrics_limit > TEXT_FIELD_LIMIT:
            form.add_item(
                _field("lyrics_more", t(locale, "Lyrics, continued"), lyrics, long=True,
                       required=False)
            )  # fmt: skip
    if tuning:
        form.add_item(
            _field("negative_tags", t(locale, "Styles to avoid (optional)"), values,
                   required=False, max_length=spec.style_limit)
        )  # fmt: skip
    return form


def description_form(
    custom_id: str, spec: ModelSpec, values: Mapping[str, str], locale: object = None
) -> discord.ui.Modal:
    """Edit a description-mode song before remixing it: prompt, style, title."""
    form = discord.ui.Modal(title=t(locale, "Edit and remix")[:TITLE_LIMIT], custom_id=custom_id)
    form.add_item(_field("prompt", t(locale, "Description"), values, long=True,
                         max_length=spec.prompt_limit))  # fmt: skip
    form.add_item(_field("style", t(locale, "Style"), values, required=False,
                         max_length=spec.prompt_limit))  # fmt: skip
    form.add_item(_field("title", t(locale, "Title"), values, required=False,
                         max_length=spec.title_limit))  # fmt: skip
    return form


def extend_form(
    job_id: str, n: int, spec: ModelSpec, duration: float | None, locale: object = None
) -> discord.ui.Modal:
    """Where to continue track ``n`` from, and optionally new words, style and title."""
    heading = t(locale, "Extend track {n}", n=n)[:TITLE_LIMIT]
    form = discord.ui.Modal(title=heading, custom_id=extend_form_id(job_id, n))
    if duration:
        hint = t(locale, "e.g. 60 (the track is {seconds} s long)", seconds=int(duration))
    else:
        hint = t(locale, "e.g. 60")
    form.add_item(
        discord.ui.Label(
            text=t(locale, "Continue at second (blank: from the end)")[:45],
            component=discord.ui.TextInput(
                custom_id="continue_at",
                required=False,
                max_length=7,
                placeholder=hint[:100],
            ),
        )
    )
    form.add_item(_field("lyrics", t(locale, "New lyrics (optional)"), {}, long=True,
                         required=False,
                         max_length=min(spec.lyrics_limit, TEXT_FIELD_LIMIT)))  # fmt: skip
    form.add_item(_field("style", t(locale, "New style (optional)"), {}, required=False,
                         max_length=spec.style_limit))  # fmt: skip
    form.add_item(_field("title", t(locale, "New title (optional)"), {}, required=False,
                         max_length=spec.title_limit))  # fmt: skip
    return form


def _field(
    key: str,
    label: str,
    values: Mapping[str, str],
    *,
    long: bool = False,
    required: bool = True,
    max_length: int = TEXT_FIELD_LIMIT,
) -> discord.ui.Label[Any]:
    max_length = min(max_length, TEXT_FIELD_LIMIT)
    return discord.ui.Label(
        text=label[:45],
        component=discord.ui.TextInput(
            custom_id=key,
            style=discord.TextStyle.paragraph if long else discord.TextStyle.short,
            default=values.get(key, "")[:max_length] or None,
            required=required,
            max_length=max_length,
        ),
    )


async def send_form(interaction: discord.Interaction[Any], form: discord.ui.Modal) -> None:
    """Show ``form`` without registering it: ``on_interaction`` handles its submission."""
    form.stop()
    await interaction.response.send_modal(form)


def submitted_values(interaction: discord.Interaction[Any]) -> dict[str, str]:
    """Every text input of a submitted form, by custom id (rows and labels alike)."""
    data: Any = interaction.data or {}
    values: dict[str, str] = {}

    def walk(components: list[Any]) -> None:
        for component in components:
            if "components" in component:
                walk(component["components"])
            elif "component" in component:
                walk([component["component"]])
            elif "custom_id" in component:
                values[component["custom_id"]] = str(component.get("value") or "")

    walk(data.get("components") or [])
    return values


def seconds(text: str) -> float | None:
    """A "continue at" entry: seconds ("95", "95.5") or minutes:seconds ("1:35")."""
    text = text.strip()
    if not text:
        return None
    minutes, _, secs = text.rpartition(":")
    try:
        value = float(secs) + (int(minutes) * 60 if minutes else 0)
    except ValueError:
        raise InputError(
            "`{text}` is not a time: write seconds (95) or m:ss (1:35).", text=text
        ) from None
    return value
