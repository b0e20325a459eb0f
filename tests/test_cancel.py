"""Cancelling a job: with the scheduler, the sandbox provider and a recording notifier."""

from __future__ import annotations

import asyncio
import re
import time

import pytest

from bot.config import JobSettings
from bot.discord.custom_ids import CANCEL_TEMPLATE
from bot.discord.ui.progress import progress_view
from bot.jobs.estimates import LinePlace
from bot.jobs.models import Job, Stage
from bot.jobs.quotas import Usage
from bot.jobs.runner import JobRunner
from bot.jobs.service import JobService
from bot.jobs.store import JobStore
from bot.providers.base import GenerateRequest, Operation, TaskState, TaskStatus
from bot.providers.sandbox import SandboxProvider, SandboxSettings
from tests.test_scheduler import STAGE, STALL, RecordingNotifier, new_job, until


class CountingSandbox(SandboxProvider):
    """The sandbox, remembering which jobs were sent to it; status checks can be held."""

    def __init__(self, *, stops_tasks: bool = False) -> None:
        super().__init__(
            SandboxSettings(kind="sandbox", name="sandbox", stage_seconds=STAGE, track_seconds=1)
        )
        self.submitted: list[str] = []
        self.stops_tasks = stops_tasks
        self.cancelled: list[str] = []
        self.hold = asyncio.Event()
        self.hold.set()
        self.holding = asyncio.Event()

    async def submit(
        self, request: GenerateRequest, job_id: str, callback_url: str | None = None
    ) -> str:
        self.submitted.append(job_id)
        return await super().submit(request, job_id, callback_url)

    async def status(self, task_id: str, operation: Operation = Operation.SONG) -> TaskStatus:
        self.holding.set()
        await self.hold.wait()
        return await super().status(task_id, operation)

    async def cancel(self, task_id: str) -> bool:
        self.cancelled.append(task_id)
        return self.stops_tasks


class HeldNotifier(RecordingNotifier):
    """Holds the progress message's first post, where a step has read a waiting job's row."""

    def __init__(self) -> None:
        super().__init__()
        self.hold = asyncio.Event()
        self.holding = asyncio.Event()

    async def show_progress(self, job: Job, place: LinePlace | None = None) -> int:
        if job.stage is Stage.WAITING:
            self.holding.set()
            await self.hold.wait()
        return await super().show_progress(job, place)


def service(
    store: JobStore, provider: SandboxProvider, notifier: RecordingNotifier
) -> tuple[JobService, JobRunner]:
    runner = JobRunner(
        store, [provider], notifier, JobSettings(), callback_stall=STALL, retry_delay=0.05
    )
    return JobService(store, runner, [provider], JobSettings()), runner


async def closed(store: JobStore, job_id: str) -> Job:
    while (job := await store.get(job_id)) is None or job.closed_at is None:  # noqa: ASYNC110
        await asyncio.sleep(0.01)
    return job


async def counted(store: JobStore, user_id: int) -> int:
    """How many of the member's jobs their quota counts, as the quota check reads them."""
    seen: list[Usage] = []
    probe = new_job(user_id)
    await store.add_if_allowed(probe, lambda usage: seen.append(usage) or "no")
    return len(seen[0].member)


async def test_a_waiting_job_is_cancelled_without_a_submit_or_any_quota(store: JobStore) -> None:
    provider, notifier = CountingSandbox(), RecordingNotifier()
    jobs, runner = service(store, provider, notifier)
    job = new_job()
    job.next_check_at = time.time() + 3600  # still waiting for its first look
    await store.add(job)
    runner.start(job)
    assert await counted(store, job.user_id) == 1
    cancelled = await jobs.cancel(job)
    assert cancelled is not None
    assert not cancelled.submitted
    done = await closed(store, job.id)
    await runner.stop()
    assert done.state is TaskState.CANCELLED
    assert provider.submitted == []
    assert provider.cancelled == []  # no task to cancel
    assert notifier.shown == [(job.id, Stage.CANCELLED)]
    assert await counted(store, job.user_id) == 0
    assert await jobs.cancel(done) is None  # a second press changes nothing


async def test_a_submitted_job_is_never_delivered_even_when_the_vendor_finishes(
    store: JobStore,
) -> None:
    provider, notifier = CountingSandbox(), RecordingNotifier()
    jobs, runner = service(store, provider, notifier)
    job = new_job()
    await store.add(job)
    runner.start(job)
    await until(lambda: (job.id, Stage.QUEUED) in notifier.shown)
    cancelled = await jobs.cancel(job)
    assert cancelled is not None
    assert cancelled.submitted
    assert not cancelled.stopped_at_vendor  # the sandbox, like every vendor, cannot stop it
    assert provider.cancelled == [cancelled.job.vendor_task_id]
    done = await closed(store, job.id)
    await asyncio.sleep(STAGE * 4)  # the vendor's task is finished by now
    await runner.stop()
    assert done.state is TaskState.CANCELLED
    assert notifier.delivered == []
    assert notifier.shown[-1] == (job.id, Stage.CANCELLED)
    assert provider.submitted == [job.id]
    assert await counted(store, job.user_id) == 1  # the vendor may charge for it


async def test_a_cancel_during_a_status_check_sticks(store: JobStore) -> None:
    provider, notifier = CountingSandbox(), RecordingNotifier()
    jobs, runner = service(store, provider, notifier)
    job = new_job()
    await store.add(job)
    provider.hold.clear()
    runner.start(job)
    await provider.holding.wait()  # a step is asking the vendor
    assert await jobs.cancel(job) is not None
    await asyncio.sleep(STAGE * 4)  # the task is done when the answer arrives
    provider.hold.set()
    done = await closed(store, job.id)
    await runner.stop()
    assert done.state is TaskState.CANCELLED
    assert done.tracks == []
    assert notifier.delivered == []
    assert notifier.shown[-1] == (job.id, Stage.CANCELLED)


async def test_a_cancel_while_a_step_is_about_to_submit_sends_nothing(store: JobStore) -> None:
    provider, notifier = CountingSandbox(), HeldNotifier()
    jobs, runner = service(store, provider, notifier)
    job = new_job()
    await store.add(job)
    runner.start(job)
    await notifier.holding.wait()  # the step read the waiting row, the submit comes next
    cancelled = await jobs.cancel(job)
    assert cancelled is not None
    assert not cancelled.submitted
    notifier.hold.set()
    done = await closed(store, job.id)
    await runner.stop()
    assert done.state is TaskState.CANCELLED
    assert provider.submitted == []
    assert notifier.shown[-1] == (job.id, Stage.CANCELLED)
    assert await counted(store, job.user_id) == 0


async def test_a_vendor_that_can_stop_a_task_is_asked_to(store: JobStore) -> None:
    provider, notifier = CountingSandbox(stops_tasks=True), RecordingNotifier()
    jobs, runner = service(store, provider, notifier)
    job = new_job()
    await store.add(job)
    runner.start(job)
    await until(lambda: (job.id, Stage.QUEUED) in notifier.shown)
    cancelled = await jobs.cancel(job)
    await closed(store, job.id)
    await runner.stop()
    assert cancelled is not None
    assert cancelled.stopped_at_vendor


async def test_too_late_once_the_result_is_being_delivered(store: JobStore) -> None:
    provider, notifier = CountingSandbox(), RecordingNotifier()
    jobs, runner = service(store, provider, notifier)
    job = new_job()
    job.state, job.vendor_task_id = TaskState.SUCCEEDED, "task"
    job.next_check_at = time.time() + 3600
    await store.add(job)
    assert await jobs.cancel(job) is None
    stored = await store.get(job.id)
    assert stored is not None
    assert stored.state is TaskState.SUCCEEDED
    await runner.stop()


@pytest.mark.parametrize(
    ("state", "task", "offered"),
    [
        (TaskState.QUEUED, None, True),  # waiting for its submit
        (TaskState.QUEUED, "task", True),
        (TaskState.RUNNING, "task", True),
        (TaskState.PARTIAL, "task", True),
        (TaskState.SUCCEEDED, "task", False),  # being delivered
        (TaskState.FAILED, "task", False),
        (TaskState.CANCELLED, "task", False),
    ],
)
def test_the_progress_message_offers_cancel_while_the_song_is_made(
    state: TaskState, task: str | None, offered: bool
) -> None:
    job = new_job()
    job.id, job.state, job.vendor_task_id = "0123456789abcdef", state, task
    view = progress_view(job)
    ids = [] if view is None else [getattr(item, "custom_id", None) for item in view.children]
    assert ids == (["job:cancel:0123456789abcdef"] if offered else [])
    assert all(re.fullmatch(CANCEL_TEMPLATE, i) for i in ids if i)
