"""A song delivered through each vendor dialect, polled and pushed by callbacks."""

from __future__ import annotations

import importlib
from collections.abc import AsyncIterator
from typing import Any

import pytest
import pytest_asyncio

from tests.e2e.botproc import vendor_provider
from tests.e2e.conftest import Launcher
from tests.e2e.helpers import generate, result_messages
from tests.e2e.test_callbacks import callbacks_section, free_port
from tests.fakes.discord import FakeDiscord

EMULATORS = {
    "apixo": "tests.fakes.apixo:ApixoEmulator",
    "evolink": "tests.fakes.evolink:EvolinkEmulator",
    "kunavo": "tests.fakes.kunavo:KunavoEmulator",
}


@pytest_asyncio.fixture(params=sorted(EMULATORS))
async def vendor(request: pytest.FixtureRequest) -> AsyncIterator[tuple[str, Any]]:
    module, name = EMULATORS[request.param].split(":")
    emulator = getattr(importlib.import_module(module), name)(generation_seconds=1.5)
    await emulator.start()
    yield request.param, emulator
    await emulator.stop()


async def test_song_delivered_by_polling(
    bots: Launcher, discord_fake: FakeDiscord, vendor: tuple[str, Any], member: int
) -> None:
    kind, emulator = vendor
    await bots.start(providers=vendor_provider(kind, emulator.base_url))
    await generate(discord_fake, member, prompt=f"a song through {kind}")
    await discord_fake.wait_for(lambda: len(result_messages(discord_fake)) == 1, timeout=20)
    [result] = result_messages(discord_fake)
    mp3s = [a for a in result.attachments if a.filename.endswith(".mp3")]
    assert [a.data for a in mp3s] == [emulator.audio_bytes] * 2
    assert len(emulator.submits) == 1


async def test_song_delivered_by_callbacks(
    bots: Launcher, discord_fake: FakeDiscord, vendor: tuple[str, Any], member: int
) -> None:
    kind, emulator = vendor
    port = free_port()
    await bots.start(
        extra=callbacks_section(port),
        providers=vendor_provider(kind, emulator.base_url, poll_first_seconds=1000),
    )
    await generate(discord_fake, member, prompt=f"a song pushed by {kind}")
    await discord_fake.wait_for(lambda: len(result_messages(discord_fake)) == 1, timeout=20)
    assert emulator.callbacks_sent
    [task] = emulator.task_ids()
    assert 1 <= emulator.polls[task] <= len(emulator.callbacks_sent)
