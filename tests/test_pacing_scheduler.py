"""The scheduler submits in the fair line's order, as each provider's pace allows (sandbox)."""

from __future__ import annotations

import itertools
import time

from bot.config import JobSettings
from bot.discord.ui.text import FAILURE_TEXT
from bot.errors import TransientProviderError
from bot.jobs.models import Job, Stage
from bot.jobs.pacing import Pacing, ProviderPace, SubmitRate
from bot.jobs.runner import JobRunner
from bot.jobs.steps import MIN_POLL_GAP
from bot.jobs.store import JobStore
from bot.providers.base import FailureReason, GenerateRequest, Operation, PollPolicy, TaskStatus
from bot.providers.sandbox import SandboxProvider, SandboxSettings
from tests.test_scheduler import STAGE, RecordingNotifier, all_closed, new_job, until


class CountingSandbox(SandboxProvider):
    """The sandbox, noting which job each submit was for, in order."""

    def __init__(self, name: str, submitted: list[str], stage: float = STAGE) -> None:
        super().__init__(
            SandboxSettings(kind="sandbox", name=name, stage_seconds=stage, track_seconds=1)
        )
        self.submitted = submitted

    async def submit(
        self, request: GenerateRequest, job_id: str, callback_url: str | None = None
    ) -> str:
        self.submitted.append(job_id)
        return await super().submit(request, job_id, callback_url)


def paced(
    store: JobStore,
    notifier: RecordingNotifier,
    providers: list[SandboxProvider],
    paces: dict[str, ProviderPace],
    settings: JobSettings | None = None,
) -> JobRunner:
    return JobRunner(
        store,
        providers,
        notifier,
        settings or JobSettings(),
        retry_delay=0.05,
        pacing=Pacing(paces),
    )


async def add_all(store: JobStore, jobs: list[Job]) -> None:
    """Store ``jobs`` as asked in this order, before the scheduler looks at any."""
    for at, job in enumerate(jobs):
        job.created_at += at * 1e-3
        await store.add(job)


async def test_every_other_members_first_song_goes_before_the_heavy_members_third(
    store: JobStore,
) -> None:
    heavy = [new_job(user_id=1) for _ in range(20)]
    others = [new_job(user_id=uid) for uid in range(2, 21)]
    await add_all(store, [*heavy, *others])
    submitted: list[str] = []
    notifier = RecordingNotifier()
    # kie.ai's 20 per window (its 10 s scaled down): one window takes the line's head.
    rate = ProviderPace(SubmitRate(20, 0.3))
    jobs = paced(store, notifier, [CountingSandbox("sandbox", submitted)], {"sandbox": rate})
    await jobs.resume_all()
    await until(lambda: len(submitted) == len(heavy) + len(others))
    await jobs.stop()
    third = submitted.index(heavy[2].id)
    assert all(submitted.index(job.id) < third for job in others)
    assert sorted(submitted) == sorted(job.id for job in [*heavy, *others])


async def test_a_song_that_waits_max_wait_in_line_fails_saying_so(store: JobStore) -> None:
    added = [new_job(user_id=n) for n in range(3)]
    await add_all(store, added)
    submitted: list[str] = []
    notifier = RecordingNotifier()
    one_an_hour = ProviderPace(SubmitRate(1, 3600.0))
    settings = JobSettings(max_wait_minutes=0.01)
    jobs = paced(
        store, notifier, [CountingSandbox("sandbox", submitted)], {"sandbox": one_an_hour}, settings
    )
    await jobs.resume_all()
    await all_closed(store)
    await jobs.stop()
    assert submitted == [added[0].id]
    assert notifier.delivered == [added[0].id]
    for job in added[1:]:
        failed = await store.get(job.id)
        assert failed is not None
        assert failed.failure is FailureReason.LINE_TIMEOUT
        assert failed.submit_started_at is None  # nothing was sent, nothing charged
    assert "waited too long in line" in FAILURE_TEXT[FailureReason.LINE_TIMEOUT]


async def test_a_line_longer_than_the_overflow_wait_moves_new_songs_to_the_next_provider(
    store: JobStore,
) -> None:
    added = [new_job(user_id=n) for n in range(4)]
    await add_all(store, added)
    first: list[str] = []
    second: list[str] = []
    providers = [CountingSandbox("sandbox", first), CountingSandbox("second", second)]
    slow = ProviderPace(SubmitRate(1, 3600.0), overflow_after=60.0)
    notifier = RecordingNotifier()
    jobs = paced(store, notifier, providers, {"sandbox": slow})
    await jobs.resume_all()
    await all_closed(store)
    await jobs.stop()
    assert first == [added[0].id]
    assert sorted(second) == sorted(job.id for job in added[1:])
    assert sorted(notifier.delivered) == sorted(job.id for job in added)


async def test_without_overflow_songs_wait_for_their_own_provider(store: JobStore) -> None:
    added = [new_job(user_id=n) for n in range(3)]
    await add_all(store, added)
    first: list[str] = []
    second: list[str] = []
    providers = [CountingSandbox("sandbox", first), CountingSandbox("second", second)]
    notifier = RecordingNotifier()
    jobs = paced(store, notifier, providers, {"sandbox": ProviderPace(SubmitRate(1, 0.3))})
    await jobs.resume_all()
    await all_closed(store)
    await jobs.stop()
    assert first == [job.id for job in added]
    assert second == []


async def test_songs_waiting_for_their_turn_show_their_progress_message(store: JobStore) -> None:
    added = [new_job(user_id=n) for n in range(3)]
    await add_all(store, added)
    submitted: list[str] = []
    notifier = RecordingNotifier()
    one_an_hour = ProviderPace(SubmitRate(1, 3600.0))
    jobs = paced(store, notifier, [CountingSandbox("sandbox", submitted)], {"sandbox": one_an_hour})
    await jobs.resume_all()
    shown = lambda: all((job.id, Stage.WAITING) in notifier.shown for job in added)  # noqa: E731
    await until(lambda: shown() and len(submitted) == 1)
    await jobs.stop()
    assert submitted == [added[0].id]
    waiting = await store.get(added[2].id)
    assert waiting is not None
    assert waiting.progress_message_id is not None
    assert waiting.next_check_at > waiting.created_at + 60  # not looked at again soon


async def test_no_task_is_polled_faster_than_the_floor_however_short_the_interval(
    store: JobStore,
) -> None:
    looks: list[float] = []

    class EagerSandbox(CountingSandbox):
        async def status(self, task_id: str, operation: Operation = Operation.SONG) -> TaskStatus:
            looks.append(time.time())
            return await super().status(task_id, operation)

    eager = EagerSandbox("sandbox", [], stage=2.0)  # still running after 4 looks
    eager.poll_policy = PollPolicy(first_delay=0.01, interval=0.01, backoff=1.0, max_interval=0.01)
    job = new_job()
    await store.add(job)
    notifier = RecordingNotifier()
    jobs = paced(store, notifier, [eager], {})
    jobs.start(job)
    await until(lambda: len(looks) >= 4)
    await jobs.stop()
    assert min(b - a for a, b in itertools.pairwise(looks)) >= MIN_POLL_GAP


async def test_a_failover_waits_in_the_next_providers_line_when_it_has_no_slot(
    store: JobStore,
) -> None:
    class DownSandbox(CountingSandbox):
        async def submit(
            self, request: GenerateRequest, job_id: str, callback_url: str | None = None
        ) -> str:
            raise TransientProviderError(FailureReason.PROVIDER_ERROR, "503", "down")

    added = [new_job(user_id=n) for n in range(2)]
    await add_all(store, added)
    second: list[str] = []
    providers = [DownSandbox("sandbox", []), CountingSandbox("second", second)]
    one_an_hour = ProviderPace(SubmitRate(1, 3600.0))
    notifier = RecordingNotifier()
    jobs = paced(store, notifier, providers, {"second": one_an_hour})
    await jobs.resume_all()
    await until(lambda: len(notifier.delivered) == 1)
    await jobs.stop()
    # Both failed over at once; which took the one slot is a race, not a rule.
    [went] = second
    [stayed] = [job.id for job in added if job.id != went]
    assert notifier.delivered == [went]
    waiting = await store.get(stayed)
    assert waiting is not None
    assert (waiting.provider, waiting.submit_started_at, waiting.failure) == ("second", None, None)
    assert [job.id for job in await store.line("second")] == [stayed]
