"""The window arithmetic of quotas: when a job of some weight fits again."""

from __future__ import annotations

import math

from bot.config import QuotaSettings
from bot.jobs.quotas import DAY, WEEK, Admission, Usage, free_at
from bot.providers.base import Operation

NOW = 1_700_000_000.0


def test_a_job_that_fits_is_not_delayed() -> None:
    used = [(NOW - 100, 1)]
    assert free_at(used, limit=2, weight=1, span=DAY, now=NOW) is None


def test_the_next_job_fits_when_the_oldest_counted_one_leaves_the_window() -> None:
    used = [(NOW - 3000, 1), (NOW - 100, 1)]
    assert free_at(used, limit=2, weight=1, span=DAY, now=NOW) == NOW - 3000 + DAY


def test_jobs_older_than_the_window_are_not_counted() -> None:
    used = [(NOW - DAY, 1), (NOW - DAY + 1, 1)]
    # The first left the window exactly now; the second still counts.
    assert free_at(used, limit=1, weight=1, span=DAY, now=NOW) == NOW + 1
    assert free_at(used, limit=2, weight=1, span=DAY, now=NOW) is None


def test_a_heavy_job_waits_until_enough_weight_has_left() -> None:
    used = [(NOW - 500, 1), (NOW - 400, 1), (NOW - 300, 1)]
    assert free_at(used, limit=3, weight=2, span=DAY, now=NOW) == NOW - 400 + DAY


def test_a_job_heavier_than_the_limit_never_fits_and_a_free_one_always_does() -> None:
    assert free_at([], limit=2, weight=3, span=DAY, now=NOW) == math.inf
    assert free_at([(NOW - 1, 5)], limit=2, weight=0, span=DAY, now=NOW) is None


def test_the_refusal_names_the_latest_of_the_windows_that_are_full() -> None:
    admission = Admission(3, QuotaSettings(member_per_day=5, member_per_week=2))
    member = [(NOW - 3 * DAY, Operation.SONG), (NOW - 60, Operation.SONG)]
    text = admission.refusal(Usage(0, member, []), Operation.SONG, NOW)
    assert text is not None
    assert "weekly quota of 2 songs" in text
    assert f"<t:{math.ceil(NOW - 3 * DAY + WEEK)}:R>" in text


def test_the_server_quota_counts_every_member_and_weights_apply() -> None:
    admission = Admission(3, QuotaSettings(server_per_day=4, video_weight=2))
    server = [(NOW - 7200, Operation.VIDEO), (NOW - 60, Operation.WAV)]
    assert admission.refusal(Usage(0, [], server), Operation.SONG, NOW) is None
    text = admission.refusal(Usage(0, [], server), Operation.VIDEO, NOW)
    assert text is not None
    assert "This server has used its daily quota of 4 songs" in text
    assert f"<t:{math.ceil(NOW - 7200 + DAY)}:R>" in text
    assert "this counts as 2 songs" in text


def test_quotas_are_off_by_default() -> None:
    admission = Admission(3, QuotaSettings())
    assert not admission.counts_usage
    many = [(NOW - n, Operation.SONG) for n in range(1, 500)]
    assert admission.refusal(Usage(2, many, many), Operation.SONG, NOW) is None
    assert admission.refusal(Usage(3, [], []), Operation.SONG, NOW) is not None
