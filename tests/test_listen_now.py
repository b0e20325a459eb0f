"""The "Listen now" link buttons a progress message carries while the songs are made."""

from __future__ import annotations

import discord
import pytest

from bot.discord.ui.progress import progress_view
from bot.jobs.models import Job
from bot.providers.base import TaskState, Track
from tests.factories import shown_job

STREAM = "https://cdn.example/stream/a1"


def _job(*streams: str, state: TaskState = TaskState.PARTIAL, **fields: object) -> Job:
    tracks = [
        Track(vendor_task_id="t", vendor_track_id=f"a{n}", stream_url=url)
        for n, url in enumerate(streams, start=1)
    ]
    return shown_job(tracks=tracks, vendor_task_id="t", state=state, **fields)


def _links(job: Job) -> list[tuple[str | None, str | None]]:
    view = progress_view(job)
    if view is None:
        return []
    buttons = [item for item in view.children if isinstance(item, discord.ui.Button)]
    buttons = [b for b in buttons if b.style is discord.ButtonStyle.link]  # not Cancel
    assert all(b.custom_id is None for b in buttons)
    return [(b.label, b.url) for b in buttons]


def test_each_streaming_track_gets_a_link_while_it_is_made() -> None:
    assert _links(_job(STREAM)) == [("Listen now", STREAM)]
    assert _links(_job(STREAM, STREAM + "2")) == [
        ("Listen now · song 1", STREAM),
        ("Listen now · song 2", STREAM + "2"),
    ]
    # A stream that shows up before the vendor says "partial" counts just the same.
    assert _links(_job(STREAM, state=TaskState.RUNNING)) == [("Listen now", STREAM)]


def test_no_link_before_a_stream_exists() -> None:
    assert _links(_job()) == []
    assert _links(_job("", "")) == []


@pytest.mark.parametrize(
    "url",
    [
        "http://cdn.example/stream/a1",  # not https
        "https://10.0.0.5/stream/a1",  # a private address
        "https://cdn.example@evil.example/a",  # a trick, not a link
        "https://cdn.example/" + "a" * 600,  # too long
        "javascript:alert(1)",
    ],
)
def test_a_stream_url_that_fails_the_checks_gets_no_button(url: str) -> None:
    assert _links(_job(url)) == []
    assert _links(_job(url, STREAM)) == [("Listen now · song 2", STREAM)]


def test_markdown_breaking_characters_are_encoded() -> None:
    [(_, url)] = _links(_job("https://cdn.example/a)(b c"))
    assert url == "https://cdn.example/a%29%28b%20c"


def test_the_link_goes_when_the_job_ends() -> None:
    assert _links(_job(STREAM, state=TaskState.SUCCEEDED, result_message_id=5)) == []
    assert _links(_job(STREAM, state=TaskState.FAILED)) == []
    assert _links(_job(STREAM, state=TaskState.SUCCEEDED, closed_at=3.0)) == []  # undelivered
    # Still there while the songs are downloaded and uploaded.
    assert _links(_job(STREAM, state=TaskState.SUCCEEDED)) == [("Listen now", STREAM)]
