"""/usage's embeds stay within Discord's limits however busy the month was."""

from __future__ import annotations

from bot.discord.ui.limits import EMBEDS, TOTAL, fit, size
from bot.discord.ui.usage import ServerSpending, Window, member_embed, server_embeds


def test_a_month_of_a_thousand_members_fits_one_message() -> None:
    spending = ServerSpending(
        budget=100.0,
        spent=99.5,
        by_member=[(10**17 + n, 0.12 * n, n) for n in range(1000)],
        by_day=[(f"2026-12-{d:02}", 3.2) for d in range(1, 32)],
        balances=[("kie", "987.50 credits")],
    )
    windows = [Window("Last 24 hours", 2, 3), Window("Last 7 days", 9, 0)]
    embeds = fit([member_embed(windows, 12, 1.44), *server_embeds(spending)])
    assert len(embeds) <= EMBEDS
    assert sum(size(e) for e in embeds) <= TOTAL
    assert "Your usage on this server" in str(embeds[0].title)
    assert "$99.50 of the $100.00 monthly budget (100%)" in str(embeds[1].description)


def test_quota_windows_say_what_is_left_or_that_there_is_no_limit() -> None:
    text = str(
        member_embed(
            [Window("Last 24 hours", 5, 3), Window("Last 7 days", 1, 0)], 1, None
        ).description
    )
    assert "5 songs · 0 of 3 left" in text
    assert "1 song · no limit" in text
    assert "spending" not in text  # no price known
