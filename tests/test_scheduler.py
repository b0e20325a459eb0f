"""The job scheduler: one loop over the jobs table, with the sandbox provider and no Discord."""

from __future__ import annotations

import asyncio
import itertools
import time
from collections.abc import Callable
from pathlib import Path

from bot.config import JobSettings
from bot.jobs.estimates import LinePlace
from bot.jobs.models import Job, Stage
from bot.jobs.notifier import FetchedFile, Posted, TrackFiles
from bot.jobs.runner import JobRunner
from bot.jobs.store import JobStore
from bot.providers.base import GenerateRequest
from bot.providers.sandbox import SandboxProvider, SandboxSettings

STAGE = 0.05
# Long enough that a job waiting on callbacks is not polled during a test unless woken.
STALL = 600.0
_ids = itertools.count()


class RecordingNotifier:
    """Remembers what members would have seen; posts nothing anywhere."""

    def __init__(self) -> None:
        self.shown: list[tuple[str, Stage]] = []
        self.delivered: list[str] = []
        self._posted: dict[str, int] = {}
        self._messages = itertools.count(1000)

    async def show_progress(self, job: Job, place: LinePlace | None = None) -> int:
        self.shown.append((job.id, job.stage))
        return job.progress_message_id or next(self._messages)

    async def deliver(self, job: Job, files: list[TrackFiles], workdir: Path) -> Posted:
        assert files
        assert all(f.audio is not None for f in files)
        return self._post(job)

    async def deliver_files(self, job: Job, files: list[FetchedFile], workdir: Path) -> Posted:
        return self._post(job)

    async def repost(
        self, job: Job, posts: list[tuple[int, int]], channel_id: int, user_id: int, locale: object
    ) -> int:
        raise AssertionError("nothing re-posts here")

    def _post(self, job: Job) -> Posted:
        # As the Discord notifier does: a started delivery finds its earlier post.
        if not (job.delivery_started and job.id in self._posted):
            self.delivered.append(job.id)
            self._posted[job.id] = next(self._messages)
        return Posted(self._posted[job.id], None)

    async def charged(self, job: Job) -> None:
        return None  # no budget here to warn about

    async def undelivered(self, job: Job) -> None:
        raise AssertionError(f"job {job.id} was not delivered")


class ListeningSandbox(SandboxProvider):
    """The sandbox as a vendor that calls back; the tests call ``wake`` as the webhook would."""

    def accepts_callbacks(self, url: str) -> bool:
        return True


def sandbox() -> SandboxProvider:
    settings = SandboxSettings(kind="sandbox", name="sandbox", stage_seconds=STAGE, track_seconds=1)
    return ListeningSandbox(settings)


def new_job(user_id: int = 1) -> Job:
    now = time.time()
    return Job(
        id=f"job{next(_ids)}",
        guild_id=1,
        channel_id=2,
        user_id=user_id,
        provider="sandbox",
        request=GenerateRequest(prompt="a song about tests", model="v5"),
        callback_token="token",
        created_at=now,
        deadline_at=now + 3600,
        next_check_at=now,
    )


def runner(
    store: JobStore,
    notifier: RecordingNotifier,
    *,
    callback_url: Callable[[Job], str | None] = lambda job: None,
) -> JobRunner:
    return JobRunner(
        store,
        [sandbox()],
        notifier,
        JobSettings(),
        callback_url=callback_url,
        callback_stall=STALL,
        retry_delay=0.05,
    )


async def until(condition: Callable[[], bool]) -> None:
    """Wait until ``condition`` holds; the test's own timeout catches a hang."""
    while not condition():  # noqa: ASYNC110
        await asyncio.sleep(0.01)


async def all_closed(store: JobStore, calls_back: JobRunner | None = None) -> None:
    """Wait until every job is closed; ``calls_back``: wake each open job, as callbacks would."""
    while waiting := await store.unfinished():
        if calls_back is not None:
            for job in waiting:
                calls_back.wake(job.id)
        await asyncio.sleep(0.02)


async def test_many_jobs_wait_on_one_loop_and_are_each_delivered_once(store: JobStore) -> None:
    notifier = RecordingNotifier()
    jobs = runner(store, notifier, callback_url=lambda job: "https://bot.example/cb")
    before = len(asyncio.all_tasks())
    added = [new_job(user_id=n) for n in range(12)]
    for job in added:
        await store.add(job)
        jobs.start(job)
    # Every job submitted and waiting for its callback.
    waiting = await store.unfinished()
    while not all(job.created_at + STALL <= job.next_check_at for job in waiting):
        await asyncio.sleep(0.02)
        waiting = await store.unfinished()
    assert len(waiting) == len(added)
    await asyncio.sleep(0.1)  # the last step's task ends just after its write
    # The scheduler's loop, and at most the line's refresh and one channel's edit pacer:
    # no task per job.
    assert len(asyncio.all_tasks()) - before <= 3
    await all_closed(store, calls_back=jobs)
    await jobs.stop()
    assert sorted(notifier.delivered) == sorted(job.id for job in added)


async def test_a_wake_makes_a_job_waiting_on_callbacks_checked_at_once(store: JobStore) -> None:
    notifier = RecordingNotifier()
    jobs = runner(store, notifier, callback_url=lambda job: "https://bot.example/cb")
    job = new_job()
    await store.add(job)
    jobs.start(job)
    await until(lambda: (job.id, Stage.QUEUED) in notifier.shown)
    waiting = await store.get(job.id)
    assert waiting is not None
    assert waiting.next_check_at >= waiting.created_at + STALL
    await asyncio.sleep(STAGE * 4)  # the sandbox task is done by now; nobody looked
    assert notifier.delivered == []
    await all_closed(store, calls_back=jobs)
    await jobs.stop()
    assert notifier.delivered == [job.id]
    done = await store.get(job.id)
    assert done is not None
    assert not done.callbacks_stalled


async def test_callbacks_gone_quiet_is_remembered_across_a_restart(tmp_path: Path) -> None:
    path = tmp_path / "jobs.sqlite3"
    store = await JobStore.open(path)
    job = new_job()
    # Its callbacks went quiet in a previous process: it polls, it does not wait STALL again.
    job.callbacks_stalled = True
    await store.add(job)
    assert (await store.get(job.id)).callbacks_stalled  # type: ignore[union-attr]
    await store.close()

    store = await JobStore.open(path)
    notifier = RecordingNotifier()
    jobs = runner(store, notifier, callback_url=lambda job: "https://bot.example/cb")
    await jobs.resume_all()
    await until(lambda: (job.id, Stage.QUEUED) in notifier.shown)
    polling = await store.get(job.id)
    while polling is not None and polling.next_check_at == job.next_check_at:
        polling = await store.get(job.id)
    # Submitted, and due at the vendor's polling cadence, not after another stall.
    assert polling is not None
    assert polling.next_check_at < job.created_at + STALL
    await all_closed(store)
    await jobs.stop()
    assert notifier.delivered == [job.id]
    await store.close()


async def test_a_quiet_callback_flag_is_stored_when_set(store: JobStore) -> None:
    notifier = RecordingNotifier()
    jobs = JobRunner(
        store,
        [sandbox()],
        notifier,
        JobSettings(),
        callback_url=lambda job: "https://bot.example/cb",
        callback_stall=STAGE,
        retry_delay=0.05,
    )
    job = new_job()
    await store.add(job)
    jobs.start(job)
    await all_closed(store)
    await jobs.stop()
    done = await store.get(job.id)
    assert done is not None
    assert done.callbacks_stalled
    assert notifier.delivered == [job.id]


async def test_resume_after_a_restart_finishes_every_job_exactly_once(tmp_path: Path) -> None:
    path = tmp_path / "jobs.sqlite3"
    store = await JobStore.open(path)
    notifier = RecordingNotifier()
    jobs = runner(store, notifier)
    added = [new_job(user_id=n) for n in range(8)]
    for job in added:
        await store.add(job)
        jobs.start(job)
    await until(lambda: len(notifier.shown) >= 4)
    await jobs.stop()  # as a restart would
    await store.close()

    store = await JobStore.open(path)
    again = runner(store, notifier)
    assert await again.resume_all() == len(added) - len(notifier.delivered)
    await all_closed(store)
    await again.stop()
    await store.close()
    assert sorted(notifier.delivered) == sorted(job.id for job in added)


async def test_the_store_finds_due_jobs_earliest_first_skipping_busy_and_closed(
    store: JobStore,
) -> None:
    later, sooner, busy, closed = (new_job() for _ in range(4))
    later.next_check_at, sooner.next_check_at = 50.0, 20.0
    busy.next_check_at, closed.next_check_at, closed.closed_at = 10.0, 5.0, 6.0
    for job in (later, sooner, busy, closed):
        await store.add(job)
    due = await store.next_due(30.0, 10, skip={busy.id})
    assert [job.id for job in due] == [sooner.id]
    assert await store.earliest_check(skip={busy.id, sooner.id}) == 50.0
    await store.check_now([later.id, closed.id], 25.0)
    assert [job.id for job in await store.next_due(30.0, 1, skip={busy.id})] == [sooner.id]
    assert [job.id for job in await store.next_due(30.0, 10)] == [busy.id, sooner.id, later.id]
    stayed = await store.get(closed.id)
    assert stayed is not None
    assert stayed.next_check_at == 5.0


async def test_an_interrupted_submit_waits_for_its_callback_until_a_stored_deadline(
    tmp_path: Path,
) -> None:
    path = tmp_path / "jobs.sqlite3"
    store = await JobStore.open(path)
    job = new_job()
    job.provider, job.submit_started_at, job.submit_callback = "paid", job.created_at, True
    await store.add(job)

    submits: list[str] = []

    class PaidSandbox(ListeningSandbox):
        idempotent_submit = False  # a second submit could pay twice

        async def submit(
            self, request: GenerateRequest, job_id: str, callback_url: str | None = None
        ) -> str:
            submits.append(job_id)
            return await super().submit(request, job_id, callback_url)

    settings = SandboxSettings(
        kind="sandbox", name="paid", stage_seconds=STAGE, track_seconds=1, price_per_task_usd=0.3
    )
    notifier = RecordingNotifier()
    jobs = JobRunner(
        store,
        [PaidSandbox(settings)],
        notifier,
        JobSettings(),
        callback_url=lambda job: "https://bot.example/cb",
        callback_stall=STAGE,
        adopt_wait=600.0,
        retry_delay=0.05,
    )
    await jobs.resume_all()
    waiting = await store.get(job.id)
    while waiting is not None and waiting.adopt_until is None:
        waiting = await store.get(job.id)
    assert waiting is not None
    # The wait's end is on the row, and the scheduler looks again then, not before.
    assert waiting.adopt_until is not None
    assert waiting.adopt_until >= job.created_at + 600.0
    while waiting is not None and waiting.next_check_at != waiting.adopt_until:
        waiting = await store.get(job.id)
    # The vendor calls back naming the task, as the webhook receiver records it.
    task_id = await ListeningSandbox(settings).submit(job.request, job.id, None)
    assert await store.adopt_task(job.id, task_id, time.time())
    await all_closed(store, calls_back=jobs)
    await jobs.stop()
    adopted = await store.get(job.id)
    await store.close()
    assert notifier.delivered == [job.id]
    assert submits == []  # adopted, never sent again
    assert adopted is not None
    assert adopted.cost_usd == 0.3  # the adopted task is billed like any accepted one


async def test_the_line_takes_every_members_first_song_before_anyones_second(
    store: JobStore,
) -> None:
    heavy = [new_job(user_id=7) for _ in range(3)]
    others = [new_job(user_id=uid) for uid in (8, 9)]
    submitted, started, elsewhere = new_job(8), new_job(9), new_job(10)
    submitted.vendor_task_id = "task"
    started.submit_started_at = time.time()
    elsewhere.provider = "other"
    # The heavy member asked first, the others a moment later, all at the same second.
    for at, job in enumerate([*heavy, *others, submitted, started, elsewhere]):
        job.created_at = 1000.0 + at
        await store.add(job)
    line = [job.id for job in await store.line("sandbox")]
    assert line == [heavy[0].id, others[0].id, others[1].id, heavy[1].id, heavy[2].id]
    assert [job.id for job in await store.line()][-2:] == [heavy[1].id, heavy[2].id]
    assert elsewhere.id in {job.id for job in await store.line()}
