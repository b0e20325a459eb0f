"""While a song is made, its progress message offers the vendor's stream as "Listen now"."""

from __future__ import annotations

import time

from tests.e2e.conftest import Launcher
from tests.e2e.helpers import (
    generate,
    link_buttons,
    progress_messages,
    result_messages,
    wait_done,
)
from tests.fakes.discord import FakeDiscord
from tests.fakes.kie import KieEmulator

STREAMS = "https://cdn.kie.example"  # never fetched: members' players open it


async def test_listen_now_link_until_the_songs_arrive(
    bots: Launcher, discord_fake: FakeDiscord, kie: KieEmulator, member: int
) -> None:
    # The vendor's clock moves only when the test moves it: each stage is reached on cue.
    now = [time.time()]
    kie.clock = lambda: now[0]
    kie.generation_seconds = 10
    kie.stream_base = STREAMS
    await bots.start()
    await generate(discord_fake, member, prompt="a song to hear before it is done")
    await discord_fake.wait_for(lambda: len(kie.task_ids()) == 1, timeout=10)
    [task_id] = kie.task_ids()
    [progress] = progress_messages(discord_fake)
    assert link_buttons(progress) == []

    now[0] += 7  # FIRST_SUCCESS: both tracks stream, neither is final
    await discord_fake.wait_for(lambda: bool(link_buttons(progress)), timeout=10)
    assert result_messages(discord_fake) == []
    buttons = link_buttons(progress)
    assert [b["url"] for b in buttons] == [f"{STREAMS}/stream/{task_id}/{n}" for n in (0, 1)]
    assert all("Listen now" in str(b["label"]) and "custom_id" not in b for b in buttons)
    # Edited once when the link appeared, not at every poll after it.
    edits, polls = len(progress.edits), kie.polls[task_id]
    await discord_fake.wait_for(lambda: kie.polls[task_id] >= polls + 3, timeout=10)
    assert len(progress.edits) == edits

    now[0] += 10  # SUCCESS: the result message with the MP3s replaces the link
    await wait_done(discord_fake)
    assert link_buttons(progress) == []
