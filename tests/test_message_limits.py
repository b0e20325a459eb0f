"""Whatever the bot builds passes the checks the fake Discord makes, and vendor links stay links."""

from __future__ import annotations

import discord
import pytest

from bot.discord.fitting import prepare_files
from bot.discord.ui.limits import TOTAL, chunks, fit, pack, size
from bot.discord.ui.links import MAX_URL, vetted
from bot.discord.ui.lyrics import draft_messages, lyrics_page, lyrics_pages_messages, timed_embed
from bot.discord.ui.progress import progress_embed
from bot.discord.ui.results import PostedTrack, bare_result_content, files_embed, result_embeds
from bot.jobs.models import Job
from bot.jobs.notifier import FetchedFile
from bot.providers.base import GenerateRequest, LyricsDraft, OutputFile, TimedWord, Track
from tests.factories import shown_job
from tests.fakes.discord.validation import validate_message

SMUGGLER = "https://cdn.example/a.mp3)**[Verify your account here](https://evil.example/login)**"
HOSTILE = "*_~`|>[x](y) <@1> @everyone " * 400  # about 11,000 characters of markdown


def accepted(embeds: list[discord.Embed], content: str = "") -> None:
    """Raises as the fake Discord answers (400, 50035) if Discord would refuse this message."""
    validate_message({"content": content, "embeds": [e.to_dict() for e in embeds]}, 0)


def _job(url: str = SMUGGLER, text: str = HOSTILE) -> Job:
    request = GenerateRequest(
        model="v5", prompt=text, style=text[:1000], title=text[:80], custom=True, lyrics=text
    )
    tracks = [
        Track(
            vendor_task_id="t",
            vendor_track_id=f"a{n}",
            title=text,
            tags=text,
            lyrics=text,
            audio_url=url,
        )
        for n in (1, 2)
    ]
    return shown_job(request, tracks)


def test_a_url_cannot_smuggle_markdown_into_the_message() -> None:
    job = _job()
    [embed, _] = result_embeds(job, [PostedTrack(t, None, None) for t in job.tracks])
    audio = next(f.value or "" for f in embed.fields if f.name == "Audio")
    assert audio.count("](") == 1  # one link, the bot's own
    assert "[Verify" not in audio
    assert "%29%2A%2A%5BVerify%20your%20account%20here%5D%28https://evil.example/login%29" in audio


@pytest.mark.parametrize(
    ("url", "why"),
    [
        ("http://cdn.example/a.mp3", "not https"),
        ("javascript:alert(1)", "not https"),
        ("https://discord.com@evil.example/a.mp3", "not a plain web address"),
        ("https:///a.mp3", "not a plain web address"),
        ("https://cdn.example/" + "s" * MAX_URL, "too long to show"),
        ("", "missing"),
        # Addresses the bot itself refuses to fetch from are not offered to members either.
        ("https://10.0.0.7/a.mp3", "not a public address"),
        ("https://127.0.0.1:8443/a.mp3", "not a public address"),
        ("https://[::ffff:192.168.1.1]/a.mp3", "not a public address"),
        ("https://169.254.169.254/latest/meta-data/", "not a public address"),
    ],
)
def test_links_that_are_not_shown_say_why(url: str, why: str) -> None:
    assert vetted(url) == (None, why)


def test_a_plain_https_link_is_kept_as_it_is() -> None:
    url = "https://cdn.example/files/a_b-c.mp3?X-Sig=ab%2Fcd&e=1~2#t=3"
    assert vetted(url) == (url, "")
    assert vetted("https://cdn.example/a b(1).mp3")[0] == "https://cdn.example/a%20b%281%29.mp3"


def test_fit_keeps_a_message_within_6000_characters() -> None:
    embeds = [discord.Embed(title="t" * 300, description="d" * 5000) for _ in range(12)]
    fitted = fit(embeds)
    accepted(fitted)
    assert sum(size(e) for e in fitted) <= TOTAL
    assert fitted[0].description is not None
    assert fitted[0].description.endswith("…")
    fields = discord.Embed(title="t")
    for _ in range(30):
        fields.add_field(name="n" * 300, value="v" * 2000)
    [alone] = fit([fields])
    accepted([alone])
    assert len(alone.fields) <= 25


def test_pack_splits_pages_into_messages_without_cutting_them() -> None:
    pages = [discord.Embed(description="d" * 2500) for _ in range(7)]
    messages = pack(pages)
    for message in messages:
        accepted(message)
    assert [len(m) for m in messages] == [2, 2, 2, 1]
    assert all(len(e.description or "") == 2500 for m in messages for e in m)


def test_chunks_join_lines_up_to_the_limit() -> None:
    assert chunks(["a" * 5, "b" * 5, "c" * 5], 11) == ["aaaaa\nbbbbb", "ccccc"]
    assert chunks(["x" * 20], 10) == ["x" * 9 + "…"]


def test_every_message_built_from_hostile_text_is_accepted() -> None:
    job = _job()
    posted = [PostedTrack(t, None, None, note=HOSTILE[:500]) for t in job.tracks]
    accepted(result_embeds(job, posted), bare_result_content(job))
    accepted([progress_embed(job)])
    stems = [FetchedFile(OutputFile(label=HOSTILE, url=SMUGGLER, suffix=".mp3"), None)] * 14
    _, notes = prepare_files(stems, 0)
    accepted([files_embed(job, notes)])
    embed, _ = lyrics_page(job.id, 1, HOSTILE, HOSTILE, 2)
    accepted([embed])
    for embeds in lyrics_pages_messages(HOSTILE, HOSTILE):
        accepted(embeds)
    words = [TimedWord(word=w + "\n", start=0, end=1) for w in HOSTILE.split()]
    accepted([timed_embed(HOSTILE, words)])


def test_two_long_drafts_are_sent_as_two_messages() -> None:
    drafts = [LyricsDraft(title=HOSTILE, text=HOSTILE) for _ in range(2)]
    messages = draft_messages(drafts)
    assert len(messages) == 2
    for embed, view in messages:
        accepted([embed])
        assert len(view.children) == 1
