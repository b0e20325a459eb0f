"""Vendor media is untrusted: what the bot refuses or cannot fetch is said, never posted.

The emulators serve media on 127.0.0.1, which the bot refuses unless the
testing setting ``[media] allow_private_addresses`` is on (the launcher turns
it on; the first test turns it off again, as an admin's config has it).
"""

from __future__ import annotations

import re

from tests.e2e.conftest import Launcher
from tests.e2e.helpers import (
    generate,
    progress_messages,
    result_messages,
    wait_done,
    wait_results,
)
from tests.fakes.discord import FakeDiscord, FakeMessage
from tests.fakes.kie import KieEmulator

_OWN_LINE = re.compile(r"\S+ \S+ \w+ +bot[\w.]*: ")
HTML = b"<!DOCTYPE html><html><head><title>Sign in</title></head><body>Log in</body></html>"


def _fields(message: FakeMessage, name: str) -> list[str]:
    return [
        str(f["value"]) for e in message.embeds for f in e.get("fields", []) if f["name"] == name
    ]


def _attached(message: FakeMessage, suffix: str) -> list[str]:
    return [a.filename for a in message.attachments if a.filename.endswith(suffix)]


async def _one_result(fake: FakeDiscord, timeout: float = 30) -> FakeMessage:  # noqa: ASYNC109
    await fake.wait_for(lambda: len(result_messages(fake)) == 1, timeout=timeout)
    await wait_done(fake, timeout=timeout)
    [result] = result_messages(fake)
    return result


async def test_media_on_a_loopback_address_is_refused_by_default(
    bots: Launcher, discord_fake: FakeDiscord, kie: KieEmulator, member: int
) -> None:
    bot = await bots.start(media="")  # an admin's config: the testing setting is off
    await generate(discord_fake, member, prompt="a song from a vendor pointing inwards")
    result = await _one_result(discord_fake)
    assert sum(kie.downloads.values()) == 0  # not a single byte was fetched
    assert result.attachments == []
    notes = _fields(result, "Note")
    assert len(notes) == 2
    assert all("could not be fetched" in note for note in notes)
    # Media URLs (and their signed tokens) stay out of the bot's own log lines.
    own = [line for line in bot.log.splitlines() if _OWN_LINE.match(line)]
    assert any("refused" in line for line in own)
    assert not any("/files/" in line or "127.0.0.1" in line for line in own)


async def test_an_html_page_is_not_posted_as_the_song(
    bots: Launcher, discord_fake: FakeDiscord, kie: KieEmulator, member: int
) -> None:
    kie.audio_bytes = HTML  # a CDN's sign-in page, answered with 200 for song.mp3
    await bots.start()
    await generate(discord_fake, member, prompt="a song behind a login page")
    result = await _one_result(discord_fake)
    assert _attached(result, ".mp3") == []
    assert len(_attached(result, ".png")) == 2  # the real covers still go out
    notes = _fields(result, "Note")
    assert len(notes) == 2
    assert all("could not be fetched" in note for note in notes)


async def test_a_dripping_download_is_cut_off_at_its_deadline(
    bots: Launcher, discord_fake: FakeDiscord, kie: KieEmulator, member: int
) -> None:
    kie.drip_media(2.0, count=1000)  # one byte every two seconds, for every file
    await bots.start(media="allow_private_addresses = true\ndownload_timeout_seconds = 1")
    await generate(discord_fake, member, prompt="a song from a crawling host")
    result = await _one_result(discord_fake, timeout=60)
    assert result.attachments == []
    assert all("could not be fetched" in note for note in _fields(result, "Note"))


async def test_a_slow_host_does_not_hold_up_other_songs(
    bots: Launcher, discord_fake: FakeDiscord, kie: KieEmulator, member: int
) -> None:
    await bots.start(jobs="max_active_per_member = 10")
    kie.drip_media(2.0, count=4)  # the first four media requests crawl
    for n in range(4):
        await generate(discord_fake, member, prompt=f"slow song {n}")
    # Each slow song is stuck on its first file (a job fetches one file at a time).
    await discord_fake.wait_for(lambda: sum(kie.downloads.values()) == 4, timeout=20)
    await generate(discord_fake, member, prompt="an ordinary song")
    # The ordinary song arrives, complete, while every slow one is still downloading.
    [result] = await wait_results(discord_fake, 1, timeout=30)
    ordinary = progress_messages(discord_fake)[-1]
    assert result.message_reference is not None
    assert int(result.message_reference["message_id"]) == ordinary.id
    assert len(_attached(result, ".mp3")) == 2
