"""The scheduler against kie's rate rule: a busy server's songs wait their turn, none fail.

Real HTTP on the loopback to the kie emulator enforcing a (small) submit limit,
the real provider and store, and the recording notifier of ``test_scheduler``.
"""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from pydantic import SecretStr

from bot.config import JobSettings
from bot.jobs.pacing import Pacing, ProviderPace
from bot.jobs.runner import JobRunner
from bot.jobs.store import JobStore
from bot.media.settings import MediaSettings
from bot.providers.base import Provider
from bot.providers.kie import KieSettings
from bot.providers.registry import build_providers
from bot.providers.submit_rate import SubmitRate
from tests.fakes.kie import GENERATE, KieEmulator
from tests.test_scheduler import RecordingNotifier, all_closed, new_job

LIMIT = (4, 1.0)  # kie's 20 per 10 s, scaled down to keep the test short


@pytest.fixture
async def kie() -> AsyncIterator[KieEmulator]:
    emulator = KieEmulator(generation_seconds=0.3, submit_limit=LIMIT)
    await emulator.start()
    yield emulator
    await emulator.stop()


def kie_provider(emulator: KieEmulator) -> Provider:
    settings = KieSettings(
        kind="kie",
        name="sandbox",  # the name new_job's rows carry
        base_url=emulator.base_url,
        api_key=SecretStr(emulator.api_key),
        retries=1,
        retry_base_seconds=0.05,
        poll_first_seconds=0.2,
        poll_interval_seconds=0.2,
    )
    [provider] = build_providers([settings], MediaSettings(allow_private_addresses=True))
    return provider


def paced_runner(store: JobStore, notifier: RecordingNotifier, kie: KieEmulator) -> JobRunner:
    pace = ProviderPace(SubmitRate(*LIMIT), max_in_flight=100)
    return JobRunner(
        store,
        [kie_provider(kie)],
        notifier,
        JobSettings(),
        retry_delay=0.05,
        pacing=Pacing({"sandbox": pace}),
    )


async def test_many_members_asking_at_once_all_get_their_songs(
    store: JobStore, kie: KieEmulator
) -> None:
    notifier = RecordingNotifier()
    jobs = paced_runner(store, notifier, kie)
    added = [new_job(user_id=n % 6) for n in range(12)]
    for job in added:
        await store.add(job)
        jobs.start(job)
    await all_closed(store)
    await jobs.stop()
    failed = [job.failure for job in [await store.get(j.id) for j in added] if job and job.failure]
    assert failed == []
    assert sorted(notifier.delivered) == sorted(job.id for job in added)
    assert len(kie.submits) == len(added)
    assert kie.rate_limited == 0  # paced: the vendor never had to refuse


async def test_a_429_storm_pauses_the_provider_and_delays_songs_without_failing_any(
    store: JobStore, kie: KieEmulator
) -> None:
    notifier = RecordingNotifier()
    jobs = paced_runner(store, notifier, kie)
    # Someone else on the account: the vendor refuses the next 6 create calls.
    kie.fail_submit(429, "The request rate is too high", count=6)
    added = [new_job(user_id=n) for n in range(6)]
    for job in added:
        await store.add(job)
        jobs.start(job)
    await all_closed(store)
    await jobs.stop()
    done = [await store.get(job.id) for job in added]
    assert [job.failure for job in done if job is not None and job.failure] == []
    assert sorted(notifier.delivered) == sorted(job.id for job in added)
    assert len(kie.submits) == len(added)
    # Paused, not hammering: each refusal cost at most its own retry.
    assert kie.hits[GENERATE] <= len(added) + 6
