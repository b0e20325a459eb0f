"""A track over the guild's upload limit is re-encoded to fit, or linked with the reason."""

from __future__ import annotations

import functools

import lameenc
import miniaudio

from tests.e2e.conftest import Launcher
from tests.e2e.helpers import generate, result_messages
from tests.fakes.discord import FakeDiscord
from tests.fakes.kie import KieEmulator

TEN_MIB = 10 * 1024 * 1024


@functools.cache
def big_mp3() -> bytes:
    """A real MP3 just over 10 MiB: 320 kbps, mono, ~4.5 minutes of a quiet tone."""
    encoder = lameenc.Encoder()
    encoder.set_bit_rate(320)
    encoder.set_in_sample_rate(32000)
    encoder.set_channels(1)
    encoder.set_quality(7)
    second = bytes(64000)  # one second of silence at 32 kHz, 16-bit mono
    out = bytearray()
    while len(out) <= TEN_MIB + 200_000:
        out += encoder.encode(second)
    out += encoder.flush()
    return bytes(out)


async def test_over_limit_track_is_reencoded_to_fit(
    bots: Launcher, discord_fake: FakeDiscord, kie: KieEmulator, member: int
) -> None:
    kie.audio_bytes = big_mp3()
    assert len(kie.audio_bytes) > TEN_MIB
    await bots.start()
    await generate(discord_fake, member, prompt="a very long song")
    await discord_fake.wait_for(lambda: len(result_messages(discord_fake)) == 1, timeout=60)
    [result] = result_messages(discord_fake)
    mp3s = [a for a in result.attachments if a.filename.endswith(".mp3")]
    assert len(mp3s) == 2
    original = miniaudio.decode(kie.audio_bytes).duration
    for mp3 in mp3s:
        assert mp3.size <= TEN_MIB
        assert abs(miniaudio.decode(mp3.data).duration - original) < 2
    notes = [f["value"] for e in result.embeds for f in e.get("fields", []) if f["name"] == "Note"]
    assert len(notes) == 2
    assert all("upload limit" in n for n in notes)


async def test_unfittable_track_is_linked_with_the_reason(
    bots: Launcher, discord_fake: FakeDiscord, kie: KieEmulator, member: int
) -> None:
    kie.audio_bytes = b"\xff" * (TEN_MIB + 1)  # not decodable, so it cannot be re-encoded
    await bots.start()
    await generate(discord_fake, member, prompt="a song too big to upload")
    await discord_fake.wait_for(lambda: len(result_messages(discord_fake)) == 1, timeout=30)
    [result] = result_messages(discord_fake)
    assert [a.filename for a in result.attachments if a.filename.endswith(".mp3")] == []
    assert len([a for a in result.attachments if a.filename.endswith(".png")]) == 2
    fields = {f["name"]: f["value"] for f in result.embeds[0].get("fields", [])}
    assert "upload limit" in fields["Note"]
    # Only https links are shown; the emulator serves plain http.
    assert fields["Audio"] == "Its link is not https."
