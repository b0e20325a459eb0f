"""Places in line: estimates from measured runs, and progress edits paced per channel."""

from __future__ import annotations

import asyncio

from bot.jobs.edit_pacer import EditPacer
from bot.jobs.estimates import LinePlace, Run, pace, rounded
from bot.jobs.line_board import LineBoard
from bot.jobs.models import Job
from bot.jobs.store import JobStore
from tests.test_scheduler import new_job, until


class FakeClock:
    """Time that moves only when the pacer sleeps."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.now += seconds
        await asyncio.sleep(0)


def test_the_estimate_is_the_jobs_ahead_at_the_submit_pace_plus_a_typical_run() -> None:
    runs = [
        Run("v5", 0, 170),
        Run("v5", 10, 190),
        Run("v5", 20, 200),  # v5 takes 180 s typically
        Run("v4", 30, 90),
        Run("v5", 35, None),  # still running: its submit counts for the pace only
    ]
    measured = pace(runs)
    # Submits 10, 10, 10, 5 s apart: a typical gap of 10 s.
    assert measured.wait(1, "v5") == 180
    assert measured.wait(7, "v5") == 6 * 10 + 180
    assert measured.wait(1, "v4") == 60
    assert measured.wait(1, "v3") == 175  # no run of that model yet: every run's median


def test_without_history_the_estimate_says_so_and_idle_gaps_are_not_the_pace() -> None:
    assert pace([]).wait(3, "v5") is None
    assert LinePlace(3, None).text == "#3 in line · estimating…"
    # An hour between two submits: the line was empty, not slow.
    assert pace([Run("v5", 0, 100), Run("v5", 3600, 3700)]).gap == 0


def test_members_see_the_estimate_rounded() -> None:
    assert rounded(20) == "under a minute"
    assert rounded(170) == "about 3 min"
    assert LinePlace(7, 170).text == "#7 in line · about 3 min"
    assert rounded(3 * 3600) == "about 3 h"


def recorder(sent: list[str], name: str):  # type: ignore[no-untyped-def]
    async def send() -> None:
        sent.append(name)

    return send


async def test_a_message_gets_only_its_latest_state_at_most_once_per_gap() -> None:
    clock = FakeClock()
    pacer = EditPacer(message_gap=5, clock=clock, sleep=clock.sleep)
    sent: list[str] = []
    pacer.note(1, "job")  # just posted
    for n in range(10):
        pacer.offer(1, "job", recorder(sent, f"#{10 - n}"))
    await until(lambda: not pacer._workers)
    assert sent == ["#1"]  # nine superseded states dropped
    assert clock.now >= 1005  # not before the gap since the last edit


async def test_a_hundred_moves_in_one_channel_stay_under_its_edit_limit() -> None:
    clock = FakeClock()
    pacer = EditPacer(message_gap=5, clock=clock, sleep=clock.sleep)
    times: list[float] = []
    other: list[str] = []

    async def send() -> None:
        times.append(clock.now)

    for n in range(100):
        pacer.offer(1, f"job{n}", send)
    pacer.offer(2, "other", recorder(other, "other"))  # another channel has its own budget
    await until(lambda: not pacer._workers)
    assert len(times) == 100
    assert other == ["other"]
    ordered = sorted(times)
    # Never six edits in one channel within five seconds (Discord allows five).
    assert all(later - earlier >= 5 for earlier, later in zip(ordered, ordered[5:], strict=False))


async def test_a_dropped_edit_is_never_sent() -> None:
    clock = FakeClock()
    pacer = EditPacer(message_gap=5, clock=clock, sleep=clock.sleep)
    sent: list[str] = []
    pacer.note(1, "job")
    pacer.offer(1, "job", recorder(sent, "#2"))
    pacer.forget("job")  # the job ended: its final word was sent
    await until(lambda: not pacer._workers)
    assert sent == []


class CountingStore:
    def __init__(self, jobs: JobStore) -> None:
        self.store = jobs
        self.lines = 0

    async def line(self, provider: str | None = None) -> list[Job]:
        self.lines += 1
        return await self.store.line(provider)

    async def recent_runs(self, provider: str) -> list[Run]:
        return await self.store.recent_runs(provider)


async def test_one_query_places_every_waiting_job_and_reports_only_moves(store: JobStore) -> None:
    moved: list[str] = []

    async def on_moved(job: Job) -> None:
        moved.append(job.id)

    counting = CountingStore(store)
    board = LineBoard(counting, on_moved)
    jobs = [new_job(user_id=n) for n in range(5)]
    for job in jobs:
        await store.add(job)
    await board.refresh("sandbox")
    assert counting.lines == 1
    assert [board.place(job).position for job in jobs] == [1, 2, 3, 4, 5]  # type: ignore[union-attr]
    assert moved == [job.id for job in jobs]

    moved.clear()
    jobs[1].submit_started_at = jobs[1].created_at  # its submit began: out of line
    await store.update(jobs[1], "submit_started_at")
    await board.refresh("sandbox")
    assert counting.lines == 2
    assert moved == [job.id for job in jobs[2:]]  # the first did not move
    assert board.place(jobs[1]) is None
    assert board.place(jobs[4]) == LinePlace(4, None)


def test_members_see_their_place_in_their_language() -> None:
    assert LinePlace(7, 170).in_words("es-ES") == "n.º 7 en la cola · unos 3 min"
    assert LinePlace(7, 3 * 3600).in_words("es-419") == "n.º 7 en la cola · unas 3 h"
    assert LinePlace(2, None).in_words("es-ES") == "n.º 2 en la cola · calculando…"
    assert (
        LinePlace(7, 170).in_words("en-US") == LinePlace(7, 170).text == "#7 in line · about 3 min"
    )


async def test_an_edit_slow_to_reach_discord_holds_its_place_in_the_budget_until_it_lands() -> None:
    clock = FakeClock()
    pacer = EditPacer(message_gap=0, clock=clock, sleep=clock.sleep)
    # Discord counts an edit when it arrives, at the latest when its answer comes back.
    first = await pacer.turn(1, "job0")
    clock.now += 2  # a slow network: the answer comes two seconds later
    landed_at = clock.now
    pacer.landed(first)
    for n in range(1, 5):
        pacer.landed(await pacer.turn(1, f"job{n}"))
    await pacer.turn(1, "job5")  # the sixth: only once the first is five seconds gone
    assert clock.now - landed_at >= 5
