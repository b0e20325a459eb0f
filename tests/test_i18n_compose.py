"""/compose, /lyrics, /cover, /history and /song in Spanish: refusals, forms, lyrics, history."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any, cast

import discord
import pytest

from bot.config import ActionSettings
from bot.discord.ui.forms import (
    ComposeOptions,
    compose_form,
    description_form,
    extend_form,
    seconds,
)
from bot.discord.ui.lyrics import draft_messages, lyrics_page, timed_embed
from bot.discord.upload_checks import check_upload
from bot.errors import InputError
from bot.jobs.models import TaskState
from bot.jobs.validation import check_generate, check_theme
from bot.providers.base import GenerateRequest, LyricsDraft, Operation, Track
from bot.providers.catalog import MODELS
from cogs.library import _history_line
from tests.factories import shown_job

SPANISH = "es-ES"


def _refusal(request: GenerateRequest) -> InputError:
    with pytest.raises(InputError) as caught:
        check_generate(request, MODELS)
    return caught.value


def _labels(form: discord.ui.Modal) -> list[str]:
    return [item.text for item in form.children if isinstance(item, discord.ui.Label)]


def test_a_too_long_field_is_named_as_the_spanish_member_knows_it() -> None:
    error = _refusal(GenerateRequest(model="v5", prompt="rain", title="t" * 81))
    assert error.text(SPANISH) == (
        "`título` tiene 81 caracteres; V5 admite como máximo 80. No se envió nada."
    )
    # English is what it was, and the log reads it.
    assert error.user_message == (
        "`title` is 81 characters; V5 allows at most 80. Nothing was submitted."
    )
    lyrics = _refusal(
        GenerateRequest(model="v4", custom=True, style="pop", title="T", lyrics="la " * 1001)
    )
    assert lyrics.text(SPANISH).startswith("`letra` tiene 3,003 caracteres; V4 admite")


def test_validation_refusals_in_spanish() -> None:
    empty = _refusal(GenerateRequest(model="v5", prompt="  "))
    assert empty.text(SPANISH) == "`descripción` está vacía: describe la canción que quieres."
    unknown = _refusal(GenerateRequest(model="v9", prompt="rain"))
    assert unknown.text(SPANISH).startswith("El modelo `v9` no está disponible aquí. Elige uno")
    assert "v3.5, v4" in unknown.text(SPANISH)
    no_upload = _refusal(GenerateRequest(operation=Operation.RESTYLE, model="v5", prompt="rain"))
    assert no_upload.text(SPANISH) == "Adjunta el archivo de audio del que partir."
    with pytest.raises(InputError) as theme:
        check_theme("x" * 201)
    assert theme.value.text(SPANISH) == "`tema` tiene 201 caracteres; caben como máximo 200."
    with pytest.raises(InputError) as time:
        seconds("pronto")
    assert time.value.text(SPANISH) == (
        "`pronto` no es un tiempo: escribe segundos (95) o m:ss (1:35)."
    )


async def test_cover_upload_refusals_in_spanish() -> None:
    settings = ActionSettings()

    async def refusal(filename: str, size: int) -> InputError:
        upload = cast(discord.Attachment, SimpleNamespace(filename=filename, size=size))
        with pytest.raises(InputError) as caught:
            await check_upload(upload, settings)
        return caught.value

    pdf = await refusal("notes.pdf", 10)
    assert pdf.text(SPANISH) == (
        "`notes.pdf` no es un archivo de audio que pueda leer (.mp3, .wav, .flac, .ogg)."
    )
    big = await refusal("song.mp3", 30 * 1024 * 1024)
    assert (
        big.text(SPANISH)
        == "El archivo ocupa 30.0 MB; lo que subas puede ocupar como máximo 20 MB."
    )
    assert big.user_message == "The file is 30.0 MB; uploads may be at most 20 MB."


def test_the_compose_form_in_spanish() -> None:
    form = compose_form(ComposeOptions("v5"), MODELS["v5"], tuning=True, locale=SPANISH)
    assert form.title == "Escribe tu canción"
    assert _labels(form) == [
        "Título",
        "Estilo: género, ambiente, instrumentos",
        "Letra (hasta 5,000 caracteres)",
        "Letra (continuación)",
        "Estilos que evitar (opcional)",
    ]
    remix = compose_form(
        ComposeOptions("v5"), MODELS["v5"], tuning=False, title="Edit and remix", locale=SPANISH
    )
    assert remix.title == "Editar y remezclar"
    english = compose_form(ComposeOptions("v5"), MODELS["v5"], tuning=False)
    assert english.title == "Write your song"
    assert _labels(english)[:3] == [
        "Title",
        "Style: genre, mood, instruments",
        "Lyrics (up to 5,000 characters)",
    ]


def test_the_boosted_compose_form_asks_for_a_few_words() -> None:
    options = ComposeOptions("v5", boost=True)
    english = compose_form(options, MODELS["v5"], tuning=False)
    spanish = compose_form(options, MODELS["v5"], tuning=False, locale=SPANISH)
    assert _labels(english)[1] == "Style in a few words (to be boosted)"
    assert _labels(spanish)[1] == "Estilo en pocas palabras (se mejorará)"
    assert english.custom_id == spanish.custom_id == options.custom_id()


def test_the_remix_and_extend_forms_in_spanish() -> None:
    edit = description_form("remix:0123456789abcdef", MODELS["v5"], {}, SPANISH)
    assert (edit.title, _labels(edit)) == (
        "Editar y remezclar",
        ["Descripción", "Estilo", "Título"],
    )
    extend = extend_form("0123456789abcdef", 2, MODELS["v5"], 123.4, SPANISH)
    assert extend.title == "Extender la pista 2"
    first = cast(discord.ui.Label[Any], extend.children[0])
    assert first.text == "Continuar en el segundo (vacío: al final)"
    field = cast(discord.ui.TextInput[Any], first.component)
    assert field.placeholder == "p. ej. 60 (la pista dura 123 s)"
    assert _labels(extend)[1:] == [
        "Letra nueva (opcional)",
        "Estilo nuevo (opcional)",
        "Título nuevo (opcional)",
    ]
    # Discord refuses a label over 45 characters: every Spanish one fits.
    assert all(len(label) <= 45 for label in _labels(extend))


def test_lyrics_pages_and_drafts_in_spanish() -> None:
    embed, view = lyrics_page("0123456789abcdef", 1, "Lluvia", "la la\n" * 600, 0, SPANISH)
    assert embed.title == "Lluvia: letra"
    assert embed.footer.text == "página 1 de 2"
    assert view is not None
    assert [item.label for item in view.children if isinstance(item, discord.ui.Button)] == [
        "Anterior",
        "Siguiente",
    ]
    empty, _ = lyrics_page("0123456789abcdef", 1, "", "", 0, SPANISH)
    assert (empty.title, empty.description) == ("Sin título: letra", "Esta pista no tiene letra.")
    timed = timed_embed("Lluvia", [], SPANISH)
    assert timed.title == "Lluvia: letra sincronizada"
    [(draft, buttons)] = draft_messages([LyricsDraft(title="", text="la la")], SPANISH)
    assert draft.title == "Borrador 1"
    assert [item.label for item in buttons.children if isinstance(item, discord.ui.Button)] == [
        "Usar el borrador 1"
    ]


def test_history_lines_in_spanish() -> None:
    track = Track(vendor_task_id="t", vendor_track_id="a1", title="Lluvia", duration=120)
    request = GenerateRequest(model="v5", prompt="rain")
    done = shown_job(request, [track], state=TaskState.SUCCEEDED, result_message_id=9)
    assert _history_line(done, SPANISH) == (
        "`0123456789abcdef` · <t:0:R> · canción **Lluvia** · "
        "[abrir](https://discord.com/channels/1/2/9)"
    )
    assert _history_line(done) == (
        "`0123456789abcdef` · <t:0:R> · song **Lluvia** · [open](https://discord.com/channels/1/2/9)"
    )
    failed = shown_job(request, [track], state=TaskState.FAILED)
    assert _history_line(failed, SPANISH).endswith("· falló")
    deleted = shown_job(request, [track], deleted_at=5)
    assert _history_line(deleted, SPANISH).endswith("· se eliminó")
    waiting = shown_job(GenerateRequest(operation=Operation.WAV, model="v5", prompt="rain"))
    assert _history_line(waiting, SPANISH).endswith(
        "· WAV **rain** · ⏳ Enviando tu solicitud al servicio de música"
    )
