"""Vendors push progress to the bot's receiver; polling takes over when they go quiet."""

from __future__ import annotations

import socket

from tests.e2e.botproc import kie_provider, vendor_provider
from tests.e2e.conftest import Launcher
from tests.e2e.helpers import generate, result_messages
from tests.fakes.discord import FakeDiscord
from tests.fakes.evolink import EvolinkEmulator
from tests.fakes.kie import KieEmulator


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def callbacks_section(port: int, stall_minutes: float = 10) -> str:
    return (
        f'[callbacks]\nenabled = true\nlisten_host = "127.0.0.1"\nlisten_port = {port}\n'
        f'public_url = "http://127.0.0.1:{port}"\nstall_minutes = {stall_minutes}\n'
    )


async def test_callbacks_drive_the_job_without_polling(
    bots: Launcher, discord_fake: FakeDiscord, kie: KieEmulator, member: int
) -> None:
    port = free_port()
    # Polling alone would first look after 1000 s: only callbacks can finish this in time.
    await bots.start(
        extra=callbacks_section(port),
        providers=kie_provider(kie.base_url, poll_first_seconds=1000),
    )
    await generate(discord_fake, member, prompt="a song pushed by callbacks")
    await discord_fake.wait_for(lambda: len(result_messages(discord_fake)) == 1, timeout=20)
    [body] = kie.submits
    assert str(body["callBackUrl"]).startswith(f"http://127.0.0.1:{port}/callbacks/")
    sent = [url for url, _, _ in kie.callbacks_sent]
    assert len(sent) >= 1
    # Each callback is confirmed with one status fetch, and nothing else is polled.
    [task] = kie.task_ids()
    assert 1 <= kie.polls[task] <= len(sent)


async def test_stalled_callbacks_fall_back_to_polling(
    bots: Launcher, discord_fake: FakeDiscord, kie: KieEmulator, member: int
) -> None:
    port = free_port()
    kie.stall_callbacks_after = "text"
    bot = await bots.start(extra=callbacks_section(port, stall_minutes=0.02))
    await generate(discord_fake, member, prompt="a song whose vendor goes quiet")
    await discord_fake.wait_for(lambda: len(result_messages(discord_fake)) == 1, timeout=20)
    [task] = kie.task_ids()
    assert kie.polls[task] >= 1
    assert "polling instead" in bot.log


async def test_provider_that_cannot_take_the_callback_url_is_polled_at_once(
    bots: Launcher, discord_fake: FakeDiscord, member: int
) -> None:
    # Evolink calls back to HTTPS only: with a plain-http public address the
    # bot must poll this job from the start, not wait out stall_minutes.
    evolink = EvolinkEmulator(generation_seconds=1.0)
    await evolink.start()
    try:
        port = free_port()
        section = callbacks_section(port).replace(
            f"http://127.0.0.1:{port}", f"http://bot.example.test:{port}"
        )
        await bots.start(extra=section, providers=vendor_provider("evolink", evolink.base_url))
        await generate(discord_fake, member, prompt="a song polled despite callbacks")
        await discord_fake.wait_for(lambda: len(result_messages(discord_fake)) == 1, timeout=20)
        assert "callback_url" not in evolink.submits[0]
    finally:
        await evolink.stop()
