"""The line through Discord: waiting songs show their place, it moves, and /queue shows it.

The kie.ai entry takes one task at a time (``max_in_flight = 1``) and its
first song takes minutes: every song after it waits in line.
"""

from __future__ import annotations

import re

from tests.e2e.botproc import kie_provider
from tests.e2e.conftest import Launcher
from tests.e2e.helpers import (
    answered,
    generate,
    private_text,
    progress_messages,
    wait_done,
    wait_results,
)
from tests.fakes.discord import FakeDiscord, FakeMessage
from tests.fakes.kie import GENERATE, KieEmulator

BUSY = 1  # songs being made: the entry's max_in_flight
WAITING = 8


def statuses(message: FakeMessage) -> list[str]:
    """The progress embed's Status, as posted and after each edit."""
    shown, embeds = [], message.embeds
    for edit in [{}, *message.edits]:
        embeds = edit.get("embeds", embeds)
        shown += [str(f["value"]) for f in embeds[0].get("fields", []) if f["name"] == "Status"]
    return shown


def place(message: FakeMessage) -> int | None:
    found = re.search(r"#(\d+) in line", statuses(message)[-1])
    return int(found[1]) if found else None


def waiting_messages(fake: FakeDiscord) -> list[FakeMessage]:
    """The progress messages of the songs "waiting 0", "waiting 1"…, in that order.

    Not the order they were posted in: waiting songs post theirs concurrently.
    """
    number = re.compile(r"waiting (\d+)")
    found = [
        (number.search(str(m.embeds[0].get("description"))), m) for m in progress_messages(fake)
    ]
    return [m for match, m in sorted((f for f in found if f[0]), key=lambda f: int(f[0][1]))]


async def fill_the_line(bots: Launcher, fake: FakeDiscord, kie: KieEmulator, member: int) -> None:
    """``BUSY`` songs made at the vendor, slowly; then ``WAITING`` songs wait in line."""
    kie.generation_seconds = 600
    await bots.start(
        providers=kie_provider(kie.base_url, max_in_flight=BUSY),
        jobs="max_active_per_member = 50\nprogress_edit_seconds = 1",
    )
    for n in range(BUSY):
        await generate(fake, member, prompt=f"busy {n}")
    await fake.wait_for(lambda: len(kie.calls(GENERATE)) == BUSY, timeout=20)
    for n in range(WAITING):
        await generate(fake, member, prompt=f"waiting {n}")
    await fake.wait_for(lambda: len(progress_messages(fake)) == BUSY + WAITING, timeout=20)
    waiting = waiting_messages(fake)
    await fake.wait_for(lambda: [place(m) for m in waiting] == list(range(1, WAITING + 1)))


async def test_places_move_when_another_members_first_song_goes_ahead(
    bots: Launcher, discord_fake: FakeDiscord, kie: KieEmulator, member: int
) -> None:
    await fill_the_line(bots, discord_fake, kie, member)
    waiting = waiting_messages(discord_fake)
    assert "#1 in line · " in statuses(waiting[0])[-1]

    # The fair line: bob's first song goes after alice's first waiting one, before her others.
    bob = discord_fake.add_member("bob")
    await generate(discord_fake, bob, prompt="my only song")
    assert len(kie.calls(GENERATE)) == BUSY  # nothing was submitted: it waits too
    await discord_fake.wait_for(
        lambda: [place(m) for m in waiting] == [1, *range(3, WAITING + 2)], timeout=20
    )
    [bobs] = progress_messages(discord_fake)[BUSY + WAITING :]
    assert place(bobs) == 2
    # Seven messages moved at once, paced under Discord's edit limit for the channel.
    assert [c for c in discord_fake.rest_calls if c.method == "PATCH" and c.status == 429] == []


async def test_queue_shows_the_line_and_the_members_own_places(
    bots: Launcher, discord_fake: FakeDiscord, kie: KieEmulator, member: int
) -> None:
    await fill_the_line(bots, discord_fake, kie, member)
    shown = await answered(await discord_fake.slash_command("queue", user_id=member))
    text = private_text(shown)
    assert f"**{WAITING} songs waiting**" in text
    # Theirs in line first, by place, each linked to its progress message; a few only.
    assert re.search(r"waiting 0\*\*\]\(https://discord\.com/channels/[\d/]+\) · #1 in line", text)
    assert re.search(r"waiting 7\*\*\]\(https://discord\.com/channels/[\d/]+\) · #8 in line", text)
    assert "**busy 0**" in text  # being made
    assert f"A new song now: #{WAITING + 1} in line" in text

    other = discord_fake.add_member("carol")
    theirs = private_text(await answered(await discord_fake.slash_command("queue", user_id=other)))
    assert "You have no songs waiting or being made." in theirs
    assert "waiting 0" not in theirs


async def test_a_busy_channel_gets_every_song_without_an_edit_over_discords_limit(
    bots: Launcher, discord_fake: FakeDiscord, member: int
) -> None:
    # Twelve songs made at once by the sandbox: their stage changes come in bursts
    # of twelve edits in one channel, where Discord allows five per five seconds.
    sandbox = '[[providers]]\nname = "sandbox"\nkind = "sandbox"\nstage_seconds = 0.5\n'
    await bots.start(providers=sandbox, jobs="max_active_per_member = 12")
    for n in range(12):
        await generate(discord_fake, member, prompt=f"busy song {n}")
    await wait_results(discord_fake, 12, timeout=90)
    await wait_done(discord_fake, timeout=60)
    edits = [c for c in discord_fake.rest_calls if c.method == "PATCH"]
    assert [c for c in edits if c.status == 429] == []
