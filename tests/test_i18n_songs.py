"""Finished songs in the member's (or the server's) language: the catalogs' Spanish words."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace
from typing import Any

import discord
import pytest

from bot.app import MusicBot
from bot.discord.delivery import DiscordNotifier
from bot.discord.fitting import prepare_files, prepare_tracks
from bot.discord.ui.actions import more_view
from bot.discord.ui.links import vetted
from bot.discord.ui.results import PostedTrack, lineage, result_content, result_embeds, song_title
from bot.discord.ui.text import ASKED_FOR, FAILURE_TEXT, HERE_IS, MADE_FROM, NOUNS, STAGE_LABELS
from bot.errors import InputError
from bot.i18n import t
from bot.jobs import followups
from bot.jobs.models import Job
from bot.jobs.notifier import FetchedFile, TrackFiles
from bot.providers.base import FailureReason, GenerateRequest, Operation, OutputFile, Track
from tests.factories import shown_job

SPANISH = "es-ES"
LINK = "https://discord.com/channels/1/2/500"


def _job(operation: Operation = Operation.SONG, **changes: Any) -> Job:
    tracks = changes.pop("tracks", [Track(vendor_task_id="t", vendor_track_id="a", title="Faro")])
    request = GenerateRequest(prompt="", model="v5", operation=operation)
    return shown_job(request, tracks, **changes)


@pytest.mark.parametrize(
    "table", [STAGE_LABELS, FAILURE_TEXT, NOUNS, ASKED_FOR, MADE_FROM, HERE_IS]
)
def test_every_message_of_the_tables_has_spanish_words(table: dict[Any, str]) -> None:
    untranslated = [m for m in table.values() if t(SPANISH, m) == m and m != "WAV"]
    assert untranslated == []


def test_stage_and_failure_texts_read_in_spanish() -> None:
    assert t(SPANISH, FAILURE_TEXT[FailureReason.CANCELLED]) != "The job was cancelled."
    assert t(SPANISH, NOUNS[Operation.VIDEO]) == "vídeo"


def test_lineage_is_a_whole_sentence_in_each_language() -> None:
    extension = _job(
        Operation.EXTEND, parent_job_id="p", parent_track=2, parent_link=LINK, tracks=[]
    )
    assert lineage(extension) == f"Extension of track 2 of [this song]({LINK})"
    assert lineage(extension, SPANISH) == f"Extensión de la pista 2 de [esta canción]({LINK})"
    stems = _job(Operation.STEMS, parent_job_id="p", parent_track=1)
    assert lineage(stems, SPANISH) == "Pistas separadas de la pista 1 de una canción eliminada"
    remix = _job(parent_job_id="p", parent_track=1, parent_link=LINK)
    assert lineage(remix) == f"Remix of [this song]({LINK})"
    assert lineage(_job()) is None


def test_lineage_without_a_track_no_longer_says_of_twice() -> None:
    extension = _job(Operation.EXTEND, parent_job_id="p", parent_link=LINK)
    assert lineage(extension) == f"Extension of [this song]({LINK})"


def test_result_content_of_a_remix_in_spanish() -> None:
    remix = _job(parent_job_id="p", parent_link=LINK)
    text = result_content(remix, locale=SPANISH)
    assert f"↪️ Remezcla de [esta canción]({LINK})" in text
    assert "Remix of" not in text


def test_a_missing_track_is_refused_in_the_members_language() -> None:
    with pytest.raises(InputError) as refused:
        followups.track_of(_job(), 3)
    assert refused.value.user_message == "This song has no track 3."
    assert refused.value.text(SPANISH) == "Esta canción no tiene pista 3."


def test_untitled_song_and_unshown_link_in_spanish() -> None:
    job = _job(tracks=[Track(vendor_task_id="t", vendor_track_id="a", audio_url="http://x/a")])
    assert song_title(job, SPANISH) == "Sin título"
    url, why_not = vetted("http://x/a.mp3")
    assert url is None
    assert t(SPANISH, why_not) == "sin https"
    [embed] = result_embeds(job, [PostedTrack(job.tracks[0], None, None)], SPANISH)
    fields = {f.name: f.value for f in embed.fields}
    assert fields["Audio"] == "Su enlace está sin https."
    assert fields["Duración"] == "?"


async def test_upload_notes_in_the_servers_language(tmp_path: Path) -> None:
    track = Track(
        vendor_task_id="t", vendor_track_id="a", audio_url="https://x/a", image_url="https://x/c"
    )
    posted, _ = await prepare_tracks(
        [TrackFiles(track, None, None)], tmp_path, 1024, locale=SPANISH
    )
    assert (
        posted[0].note == "No se pudieron descargar ni el MP3 ni la portada del servicio de música."
    )
    wav = OutputFile(label="WAV", url="ftp://x/a.wav", suffix=".wav")
    stem = OutputFile(label="Voz", url="https://cdn.example/v.mp3", suffix=".mp3")
    _, notes = prepare_files(
        [FetchedFile(wav, None), FetchedFile(stem, None)], 1024, locale=SPANISH
    )
    assert notes == [
        "WAV: no se pudo descargar el archivo, y su enlace está sin https.",
        "[Voz](https://cdn.example/v.mp3): no se pudo descargar el archivo, así que va enlazado.",
    ]


def test_more_menu_buttons_in_spanish() -> None:
    ops = frozenset({Operation.WAV, Operation.STEMS, Operation.VIDEO})
    view = more_view("0123456789abcdef", 1, ops, SPANISH)
    labels = [item.label for item in view.children if isinstance(item, discord.ui.Button)]
    assert labels == ["WAV", "Pistas", "Vídeo"]


class _Channel:
    def __init__(self) -> None:
        self.sent: list[str] = []

    async def send(self, text: str, **_: Any) -> None:
        self.sent.append(text)


async def test_undelivered_stems_are_told_in_the_servers_language() -> None:
    dm = _Channel()

    async def create_dm(_: object) -> _Channel:
        return dm

    guild = SimpleNamespace(preferred_locale=discord.Locale.spain_spanish)
    client: Any = SimpleNamespace(get_guild=lambda _: guild, create_dm=create_dm)
    notifier = DiscordNotifier(client, lambda _: frozenset())
    await notifier.undelivered(_job(Operation.STEMS))
    assert dm.sent == [
        "Tus pistas separadas de **Faro** (trabajo `0123456789abcdef`) están listas, pero no "
        "pude publicarlas en <#2>: puede que haya perdido el acceso a ese canal. Un "
        "administrador del servidor puede revisar mis permisos allí."
    ]


async def test_a_mention_is_answered_in_the_servers_language() -> None:
    replies: list[str] = []

    async def reply(text: str) -> None:
        replies.append(text)

    message: Any = SimpleNamespace(
        author=SimpleNamespace(bot=False),
        content="<@99> ayuda",
        guild=SimpleNamespace(preferred_locale=discord.Locale.spain_spanish),
        reply=reply,
    )
    bot: Any = SimpleNamespace(user=SimpleNamespace(id=99))
    await MusicBot.on_message(bot, message)
    assert replies == [
        "Respondo a comandos de barra: escribe /ayuda para ver lo que puedo hacer aquí."
    ]
