"""Costs through Discord: a budget stop, the 80% warning once, and /usage for members and mods."""

from __future__ import annotations

from tests.e2e.botproc import kie_provider
from tests.e2e.conftest import Launcher
from tests.e2e.helpers import (
    MANAGE_GUILD,
    bot_messages,
    generate,
    progress_messages,
    response_text,
    status_text,
)
from tests.fakes.discord import FakeDiscord, FakeInteraction
from tests.fakes.kie import KieEmulator

PRICED = {"price_per_task_usd": 0.45}


def budget_warnings(fake: FakeDiscord) -> list[str]:
    return [m.content for m in bot_messages(fake) if "monthly budget" in m.content]


async def test_a_spent_budget_refuses_the_next_song_after_one_warning_at_80_percent(
    bots: Launcher, discord_fake: FakeDiscord, kie: KieEmulator, member: int
) -> None:
    await bots.start(
        providers=kie_provider(kie.base_url, **PRICED),
        jobs="max_active_per_member = 10",
        extra="[budget]\nmonthly_usd = 1.0",
    )
    for n in (1, 2):
        assert "Queued" in response_text(await generate(discord_fake, member, prompt=f"song {n}"))
        await discord_fake.wait_for(lambda n=n: len(kie.submits) == n, timeout=20)
    # $0.90 of $1.00 spent: the moderators are told, in the song's channel, pinging no one.
    await discord_fake.wait_for(lambda: budget_warnings(discord_fake), timeout=20)
    assert "$0.90 of its $1.00 monthly budget" in budget_warnings(discord_fake)[0]

    # Not yet spent: one more is accepted, and it spends the budget.
    assert "Queued" in response_text(await generate(discord_fake, member, prompt="song 3"))
    await discord_fake.wait_for(lambda: len(kie.submits) == 3, timeout=20)

    refused = await generate(discord_fake, member, prompt="one too many")
    assert refused.ephemeral
    assert "This server has spent its monthly budget of $1.00" in response_text(refused)
    assert "<t:" in response_text(refused)  # when it is possible again
    bob = discord_fake.add_member("bob")
    assert "monthly budget" in response_text(await generate(discord_fake, bob, prompt="bob's"))
    assert len(kie.submits) == 3
    assert "one too many" not in [body.get("prompt") for body in kie.submits]
    # Warned once, not again at 135%.
    assert len(budget_warnings(discord_fake)) == 1


async def usage(fake: FakeDiscord, user_id: int) -> FakeInteraction:
    interaction = await fake.slash_command("usage", {}, user_id=user_id)
    await fake.wait_for(lambda: bool(interaction.followups), timeout=20)
    return interaction


def shown(interaction: FakeInteraction) -> str:
    """Every title, description and field of the private answer, as one text."""
    message = interaction.followups[-1]
    assert message.ephemeral
    parts: list[str] = []
    for embed in message.embeds:
        parts += [str(embed.get("title", "")), str(embed.get("description", ""))]
        parts += [f"{f['name']}: {f['value']}" for f in embed.get("fields", [])]
    return "\n".join(parts)


async def test_usage_shows_a_member_their_own_and_a_moderator_the_servers_spending(
    bots: Launcher, discord_fake: FakeDiscord, kie: KieEmulator, member: int
) -> None:
    await bots.start(
        providers=kie_provider(kie.base_url, **PRICED), extra="[quotas]\nmember_per_day = 3"
    )
    kie.credits_per_task = 12.5  # the vendor's own figure: 1,000 credits less one task
    kie.credits += 12.5  # the failed task's credits, refunded (code 531)
    kie.plan("audio_failed")
    assert "Queued" in response_text(await generate(discord_fake, member, prompt="it breaks"))
    await discord_fake.wait_for(
        lambda: any("Failed" in status_text(m) for m in progress_messages(discord_fake)),
        timeout=20,
    )
    assert "Queued" in response_text(await generate(discord_fake, member, prompt="a song"))
    await discord_fake.wait_for(lambda: len(kie.submits) == 2, timeout=20)

    mine = shown(await usage(discord_fake, member))
    assert "Last 24 hours:** 1 song · 2 of 3 left" in mine
    assert "Last 7 days:** 1 song · no limit" in mine
    assert "This month (UTC):** 1 song" in mine
    assert "Your spending this month:** $0.45" in mine
    assert "server's spending" not in mine
    assert "credits" not in mine

    moderator = discord_fake.add_member("mod", permissions=MANAGE_GUILD)
    theirs = shown(await usage(discord_fake, moderator))
    assert "Last 24 hours:** 0 songs · 3 of 3 left" in theirs
    assert "This server's spending this month" in theirs
    assert "$0.45 (no monthly budget set)" in theirs
    assert f"<@{member}>: $0.45 (1 song)" in theirs
    assert "kie balance: 987.50 credits" in theirs
