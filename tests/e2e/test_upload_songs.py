"""Songs made from a member's upload through kie.ai: /extend-upload, /add-vocals and
/add-instrumental, what reaches the vendor, and what is refused before anything is sent."""

from __future__ import annotations

from typing import Any

import pytest

from tests.e2e.conftest import Launcher
from tests.e2e.helpers import answered, private_text, settings, wait_results
from tests.e2e.test_followups import _silence
from tests.e2e.test_settings import MANAGE_GUILD
from tests.fakes.discord import FakeAttachment, FakeDiscord, FakeInteraction
from tests.fakes.kie import ADD_INSTRUMENTAL, ADD_VOCALS, UPLOAD_EXTEND, KieEmulator

UPLOAD_PATHS = (UPLOAD_EXTEND, ADD_VOCALS, ADD_INSTRUMENTAL)
DEFERRED = 5  # Discord's "thinking..." answer, followed up later


async def ask(
    fake: FakeDiscord, member: int, command: str, options: dict[str, Any]
) -> FakeInteraction:
    """Run ``command`` and wait for the private answer (deferred ones: their follow-up)."""
    asked = await answered(await fake.slash_command(command, options, user_id=member))
    assert asked.response is not None
    if asked.response["type"] == DEFERRED:
        await fake.wait_for(lambda: bool(asked.followups), timeout=10)
    assert asked.ephemeral
    return asked


async def posted(fake: FakeDiscord) -> None:
    """One result, with the two songs as MP3s."""
    [result] = await wait_results(fake, 1)
    assert len([a for a in result.attachments if a.filename.endswith(".mp3")]) == 2


def sent(kie: KieEmulator, path: str) -> dict[str, Any]:
    """The one body ``path`` took, without the callback address (not the member's to set)."""
    [body] = kie.calls(path)
    return {key: value for key, value in body.items() if key != "callBackUrl"}


# -- what a member asks and gets ----------------------------------------------------------


CASES: dict[str, tuple[str, dict[str, Any], str, str, dict[str, Any]]] = {
    "extend-upload": (
        "Sea_Demo.mp3",  # 2.06 s long
        {"style": "surf rock", "lyrics": "[Verse]\nthe waves come back"},
        "Queued a continuation of `Sea\\_Demo.mp3`",  # markdown-safe
        UPLOAD_EXTEND,
        {
            "defaultParamFlag": True,
            "prompt": "[Verse]\nthe waves come back",
            "style": "surf rock",
            "title": "Sea Demo",  # the file's name without its extension
            "instrumental": False,
            "continueAt": 2,  # the upload's last whole second
            "model": "V5",
        },
    ),
    "add-vocals": (
        "backing track.mp3",
        {
            "lyrics": "[Verse]\nsing it low",
            "style": "soul",
            "vocal_gender": "m",
            "avoid": "autotune",
        },
        "Queued vocals over `backing track.mp3`",
        ADD_VOCALS,
        {
            "prompt": "[Verse]\nsing it low",
            "style": "soul",
            "title": "backing track",
            "negativeTags": "autotune",
            "vocalGender": "m",
            "model": "V5",
        },
    ),
    "add-instrumental": (
        "hum.mp3",
        {"style": "string quartet", "model": "v4.5-plus"},
        "Queued music under `hum.mp3`",
        ADD_INSTRUMENTAL,
        {"tags": "string quartet", "title": "hum", "negativeTags": "", "model": "V4_5PLUS"},
    ),
}


@pytest.mark.parametrize("command", CASES)
async def test_each_upload_command_is_queued_posted_and_sends_kies_body(
    bots: Launcher, discord_fake: FakeDiscord, kie: KieEmulator, member: int, command: str
) -> None:
    filename, options, queued, path, body = CASES[command]
    await bots.start()
    upload = FakeAttachment(filename, kie.audio_bytes)
    asked = await ask(discord_fake, member, command, {"audio": upload, **options})
    assert queued in private_text(asked)
    await posted(discord_fake)
    assert upload.url.startswith(discord_fake.world.http_base)  # Discord's copy
    assert sent(kie, path) == {"uploadUrl": upload.url, **body}
    assert sum(kie.hits[p] for p in UPLOAD_PATHS) == 1


async def test_extend_upload_from_a_chosen_minute_and_second_without_words(
    bots: Launcher, discord_fake: FakeDiscord, kie: KieEmulator, member: int
) -> None:
    await bots.start()
    upload = FakeAttachment("long.wav", _silence(seconds=70))
    options = {
        "audio": upload, "style": "ambient", "title": "Longer", "continue_at": "1:05",
        "model": "v4.5",
    }  # fmt: skip
    asked = await ask(discord_fake, member, "extend-upload", options)
    assert "Queued a continuation of `long.wav`" in private_text(asked)
    await posted(discord_fake)
    body = sent(kie, UPLOAD_EXTEND)
    assert (body["continueAt"], body["instrumental"], body["prompt"]) == (65, True, "")
    assert (body["title"], body["model"], body["uploadUrl"]) == ("Longer", "V4_5", upload.url)


# -- refused, privately, with nothing sent -------------------------------------------------


async def test_what_cannot_be_continued_or_is_no_song_is_refused_before_kie(
    bots: Launcher, discord_fake: FakeDiscord, kie: KieEmulator, member: int
) -> None:
    await bots.start(extra="[actions]\nupload_max_mb = 0.02")
    short = kie.audio_bytes  # 2.06 s
    for command, options, words in (
        ("extend-upload", {"audio": FakeAttachment("a.mp3", short), "continue_at": "2.5"},
         "`continue at` must be between 0 and 2 seconds (the upload's length)."),
        ("extend-upload", {"audio": FakeAttachment("a.mp3", short), "continue_at": "0:03"},
         "`continue at` must be between 0 and 2 seconds (the upload's length)."),
        ("extend-upload", {"audio": FakeAttachment("a.mp3", short), "continue_at": "abc"},
         "`abc` is not a time: write seconds (95) or m:ss (1:35)."),
        ("add-instrumental", {"audio": FakeAttachment("notes.txt", b"hello")},
         "`notes.txt` is not an audio file I can read"),
        ("add-vocals", {"audio": FakeAttachment("big.mp3", bytes(30_000)), "lyrics": "la"},
         "The file is 0.0 MB; uploads may be at most 0.02 MB."),
    ):  # fmt: skip
        asked = await ask(discord_fake, member, command, {"style": "jazz", **options})
        assert words in private_text(asked)
    assert [kie.hits[path] for path in UPLOAD_PATHS] == [0, 0, 0]


async def test_add_vocals_offers_only_the_models_that_layer(
    bots: Launcher, discord_fake: FakeDiscord, kie: KieEmulator, member: int
) -> None:
    await bots.start()

    def model_choices(command: str) -> list[str]:
        [found] = [c for c in discord_fake.commands if c["name"] == command]
        [option] = [o for o in found["options"] if o["name"] == "model"]
        return [choice["value"] for choice in option["choices"]]

    assert model_choices("add-vocals") == ["v4.5-plus", "v5"]
    assert model_choices("add-instrumental") == ["v4.5-plus", "v5"]
    assert "v4" in model_choices("extend-upload")
    # Discord itself refuses a value the command does not offer.
    upload = FakeAttachment("a.mp3", kie.audio_bytes)
    with pytest.raises(ValueError, match="'v4' is not one of"):
        await discord_fake.slash_command(
            "add-vocals", {"audio": upload, "lyrics": "la", "style": "soul", "model": "v4"},
            user_id=member,
        )  # fmt: skip
    assert kie.hits[ADD_VOCALS] == 0


async def test_a_costly_role_gate_refuses_add_vocals_and_extend_upload(
    bots: Launcher, discord_fake: FakeDiscord, kie: KieEmulator, member: int
) -> None:
    vips = discord_fake.add_role("vips")
    await bots.start()
    admin = discord_fake.add_member("admin", permissions=MANAGE_GUILD)
    await settings(discord_fake, admin, "role costly", change="add", role=vips)
    options = {"audio": FakeAttachment("a.mp3", kie.audio_bytes), "lyrics": "la", "style": "soul"}
    refused = await ask(discord_fake, member, "add-vocals", options)
    assert private_text(refused) == f"Adding vocals here needs one of these roles: <@&{vips}>."
    assert kie.hits[ADD_VOCALS] == 0
    # The gate comes first: a member without the role hears about the role, not a typo.
    typo = {"audio": FakeAttachment("a.mp3", kie.audio_bytes), "style": "soul", "continue_at": "x"}
    refused = await ask(discord_fake, member, "extend-upload", typo)
    assert private_text(refused) == (
        f"Extending an upload here needs one of these roles: <@&{vips}>."
    )


async def test_a_spanish_member_hears_why_a_second_is_past_the_upload(
    bots: Launcher, discord_fake: FakeDiscord, kie: KieEmulator, member: int
) -> None:
    discord_fake.world.user_locales[member] = "es-ES"
    await bots.start()
    options = {"audio": FakeAttachment("demo.mp3", kie.audio_bytes), "style": "jazz",
               "continue_at": "9"}  # fmt: skip
    refused = await ask(discord_fake, member, "extend-upload", options)
    assert private_text(refused) == (
        "`continuar en` debe estar entre 0 y 2 segundos (lo que dura el audio subido)."
    )
    assert kie.hits[UPLOAD_EXTEND] == 0
