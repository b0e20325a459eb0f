"""A provider's pace on a fake clock: the submit window, the in-flight cap, a 429's pause."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.config import JobSettings, load_settings
from bot.errors import ConfigError
from bot.jobs.pacing import IN_FLIGHT_RECHECK, Pacing, ProviderPace, SubmitRate
from bot.providers.apixo import ApixoSettings
from bot.providers.kie import KieSettings
from bot.providers.sandbox import SandboxSettings
from tests.providers.helpers import FakeClock


def kie_pace(clock: FakeClock, max_in_flight: int | None = None) -> ProviderPace:
    return ProviderPace(SubmitRate(20, 10.0), max_in_flight, clock=clock)


@pytest.mark.parametrize(
    ("text", "rate"),
    [("20/10s", (20, 10.0)), ("10000/1m", (10000, 60.0)), (" 5 / 2.5 ", (5, 2.5))],
)
def test_a_rate_reads_as_submits_per_period(text: str, rate: tuple[int, float]) -> None:
    assert SubmitRate.parse(text) == SubmitRate(*rate)


@pytest.mark.parametrize("text", ["20", "20 per 10s", "0/10s", "20/0s", "-1/10s"])
def test_an_unreadable_rate_is_refused(text: str) -> None:
    with pytest.raises(ValueError, match=r"20/10s|above 0"):
        SubmitRate.parse(text)


def test_never_more_than_the_limit_in_any_window() -> None:
    clock = FakeClock()
    pace = kie_pace(clock)
    sent: list[float] = []
    for _ in range(400):  # one look every 0.25 s for 100 s, sending all the room allows
        for n in range(pace.room(0)):
            pace.reserve(f"job{len(sent)}-{n}")
            pace.sent(f"job{len(sent)}-{n}")
            sent.append(clock.now)
        clock.advance(0.25)
    busiest = max(sum(1 for t in sent if start <= t < start + 10.0) for start in sent)
    assert busiest == 20
    assert len(sent) >= 180  # and the window is used, not wasted


def test_the_next_slot_frees_when_the_oldest_submit_leaves_the_window() -> None:
    clock = FakeClock()
    pace = kie_pace(clock)
    start = clock.now
    for n in range(20):
        pace.reserve(f"j{n}")
        clock.advance(0.1)
        pace.sent(f"j{n}")
    assert pace.room(0) == 0
    assert pace.free_at() == pytest.approx(start + 0.1 + 10.0)
    clock.now = start + 10.1
    assert pace.room(0) == 1


def test_unanswered_submits_hold_their_slots_until_answered() -> None:
    clock = FakeClock()
    pace = kie_pace(clock)
    for n in range(20):
        pace.reserve(f"j{n}")
    clock.advance(30)
    assert pace.room(0) == 0
    assert pace.free_at() == clock.now + 10.0
    assert pace.release("j0")  # its step sent nothing
    assert not pace.release("j0")
    assert pace.room(0) == 1


def test_the_in_flight_cap_counts_tasks_at_the_vendor_and_those_being_sent() -> None:
    clock = FakeClock()
    pace = kie_pace(clock, max_in_flight=5)
    assert pace.room(3) == 2
    pace.reserve("j1")
    assert pace.room(3) == 1
    assert pace.room(5) == 0
    assert pace.free_at(5) == clock.now + IN_FLIGHT_RECHECK


def test_a_429_pauses_until_retry_after_or_one_window() -> None:
    clock = FakeClock()
    pace = kie_pace(clock)
    assert pace.pause(3.0) == clock.now + 3.0
    assert pace.room(0) == 0
    assert pace.free_at() == clock.now + 3.0
    clock.advance(3.0)
    assert pace.room(0) == 20
    assert pace.pause(None) == clock.now + 10.0


def test_an_unnamed_provider_is_not_paced() -> None:
    pacing = Pacing({}, FakeClock())
    assert pacing.of("sandbox").room(10_000) > 1000
    assert pacing.of("sandbox").wait_estimate(500) == 0.0


def test_the_wait_estimate_counts_whole_windows_ahead() -> None:
    pace = kie_pace(FakeClock())
    assert [pace.wait_estimate(p) for p in (0, 19, 20, 45)] == [0.0, 0.0, 10.0, 20.0]


def test_each_vendor_defaults_to_its_published_limits() -> None:
    kie = KieSettings(kind="kie", name="k", api_key_env="K")
    apixo = ApixoSettings(kind="apixo", name="a", api_key_env="A")
    assert (kie.rate, kie.max_in_flight) == (SubmitRate(20, 10.0), 100)
    assert (apixo.rate, apixo.max_in_flight) == (SubmitRate(10000, 60.0), 1000)
    assert SandboxSettings(kind="sandbox", name="s").rate is None
    assert JobSettings().max_wait_minutes == 30


def test_an_unreadable_submit_rate_stops_start_up_naming_the_key(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    path.write_text('[[providers]]\nname = "s"\nkind = "sandbox"\nsubmit_rate = "fast"\n')
    with pytest.raises(ConfigError) as caught:
        load_settings(path, {"DISCORD_TOKEN": "t0ken"})
    assert "submit_rate" in caught.value.problem
    assert "20/10s" in caught.value.problem
