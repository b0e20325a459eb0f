"""/settings through Discord: each server's rules, set by its admins, obeyed at once."""

from __future__ import annotations

import pytest

from tests.e2e.botproc import kie_provider
from tests.e2e.conftest import Launcher
from tests.e2e.helpers import (
    MANAGE_GUILD,
    SEND_MESSAGES,
    answered,
    bot_messages,
    bot_not_admin,
    generate,
    private_text,
    response_text,
    settings,
    wait_done,
    wait_results,
)
from tests.e2e.test_costs import shown, usage
from tests.fakes.discord import FakeDiscord
from tests.fakes.kie import KieEmulator


async def test_settings_is_for_manage_server_and_show_says_where_each_value_comes_from(
    bots: Launcher, discord_fake: FakeDiscord, member: int
) -> None:
    await bots.start(extra='[actions]\nremix_by = "requester"')
    command = next(c for c in discord_fake.commands if c["name"] == "settings")
    assert command["default_member_permissions"] == str(MANAGE_GUILD)
    admin = discord_fake.add_member("admin", permissions=MANAGE_GUILD)

    # A server may grant the command to anyone: the bot checks again.
    refused = await settings(discord_fake, member, "remix-by", override=True, who="everyone")
    assert "Manage Server" in private_text(refused)
    shown = private_text(await settings(discord_fake, admin, "show"))
    assert "**remix_by**: requester (config.toml)" in shown

    await settings(discord_fake, admin, "remix-by", who="everyone")
    await settings(discord_fake, admin, "budget", usd_per_month=12.5)
    shown = private_text(await settings(discord_fake, admin, "show"))
    assert "**remix_by**: everyone (server)" in shown
    assert "**monthly_usd**: $12.50 (server)" in shown
    assert "**default_model**: v5 (config.toml)" in shown

    await settings(discord_fake, admin, "reset", key="remix_by")
    shown = private_text(await settings(discord_fake, admin, "show"))
    assert "**remix_by**: requester (config.toml)" in shown


async def test_songs_are_made_only_in_the_chosen_channels_and_survive_a_restart(
    bots: Launcher, discord_fake: FakeDiscord, kie: KieEmulator, member: int
) -> None:
    music = discord_fake.add_channel("music")
    muted = discord_fake.add_channel("muted", bot_denied=SEND_MESSAGES)
    bot_not_admin(discord_fake)
    bot = await bots.start()
    admin = discord_fake.add_member("admin", permissions=MANAGE_GUILD)

    refused = await settings(discord_fake, admin, "channel add", channel=muted)
    assert f"I cannot post in <#{muted}>" in private_text(refused)
    assert "Send Messages" in private_text(refused)
    await settings(discord_fake, admin, "channel add", channel=music)
    shown = private_text(await settings(discord_fake, admin, "show"))
    assert f"**song_channels**: <#{music}> (server)" in shown

    await bot.stop()
    await bots.restart(bot)  # the setting is in the database
    elsewhere = await generate(discord_fake, member, prompt="in general")
    assert elsewhere.ephemeral
    assert response_text(elsewhere) == f"Songs are made in <#{music}>."
    here = await discord_fake.slash_command(
        "generate", {"prompt": "in music"}, user_id=member, channel_id=music
    )
    await here.wait_response(timeout=10)
    assert "Queued" in response_text(here)
    await discord_fake.wait_for(lambda: len(kie.submits) == 1, timeout=20)
    assert [body.get("prompt") for body in kie.submits] == ["in music"]


async def test_role_gates_for_songs_and_for_costly_actions(
    bots: Launcher, discord_fake: FakeDiscord, member: int
) -> None:
    fans = discord_fake.add_role("fans")
    vips = discord_fake.add_role("vips")
    await bots.start()
    admin = discord_fake.add_member("admin", permissions=MANAGE_GUILD)
    fan = discord_fake.add_member("fan", role_ids=[fans])
    await settings(discord_fake, admin, "role generate", change="add", role=fans)
    await settings(discord_fake, admin, "role costly", change="add", role=vips)

    refused = await generate(discord_fake, member, prompt="no role")
    assert response_text(refused) == f"Making songs here needs one of these roles: <@&{fans}>."
    assert "Queued" in response_text(await generate(discord_fake, fan, prompt="a fan's song"))
    # Manage Server passes every gate.
    assert "Queued" in response_text(await generate(discord_fake, admin, prompt="admin"))

    cover = await discord_fake.slash_command(
        "cover", {"audio": ("a.mp3", b"ID3"), "style": "jazz"}, user_id=fan
    )
    await cover.wait_response(timeout=10)
    assert cover.ephemeral
    assert private_text(cover) == f"A cover here needs one of these roles: <@&{vips}>."


async def test_a_role_quota_is_more_generous_and_a_negative_one_is_refused(
    bots: Launcher, discord_fake: FakeDiscord, member: int
) -> None:
    supporters = discord_fake.add_role("supporters")
    await bots.start(extra="[quotas]\nmember_per_day = 1", jobs="max_active_per_member = 10")
    admin = discord_fake.add_member("admin", permissions=MANAGE_GUILD)
    supporter = discord_fake.add_member("sup", role_ids=[supporters])
    with pytest.raises(ValueError, match="outside"):  # Discord's min_value
        await settings(discord_fake, admin, "quota", role=supporters, day=-1, week=0)
    await settings(discord_fake, admin, "quota", role=supporters, day=3, week=0)

    assert "Queued" in response_text(await generate(discord_fake, member, prompt="m1"))
    assert "daily quota of 1 song" in response_text(
        await generate(discord_fake, member, prompt="m2")
    )
    for n in (1, 2, 3):
        assert "Queued" in response_text(await generate(discord_fake, supporter, prompt=f"s{n}"))
    assert "daily quota of 3 songs" in response_text(
        await generate(discord_fake, supporter, prompt="s4")
    )
    # /usage and /help count against the member's own quota, the role's.
    assert "Last 24 hours:** 3 songs · 0 of 3 left" in shown(await usage(discord_fake, supporter))
    assert "Last 24 hours:** 1 song · 0 of 1 left" in shown(await usage(discord_fake, member))


async def test_the_servers_budget_overrides_config_for_refusals_warnings_and_usage(
    bots: Launcher, discord_fake: FakeDiscord, kie: KieEmulator, member: int
) -> None:
    await bots.start(
        providers=kie_provider(kie.base_url, price_per_task_usd=0.45),
        jobs="max_active_per_member = 10",
        extra="[budget]\nmonthly_usd = 100",
    )
    admin = discord_fake.add_member("admin", permissions=MANAGE_GUILD)
    await settings(discord_fake, admin, "budget", usd_per_month=0.5)

    assert "Queued" in response_text(await generate(discord_fake, member, prompt="song 1"))
    await discord_fake.wait_for(lambda: len(kie.submits) == 1, timeout=20)
    # $0.45 of $0.50: past 80%, the moderators are warned against the server's budget.
    await discord_fake.wait_for(
        lambda: any("monthly budget" in m.content for m in bot_messages(discord_fake)),
        timeout=20,
    )
    warning = next(m.content for m in bot_messages(discord_fake) if "monthly budget" in m.content)
    assert "$0.45 of its $0.50 monthly budget" in warning
    assert "Queued" in response_text(await generate(discord_fake, member, prompt="song 2"))
    refused = await generate(discord_fake, member, prompt="song 3")
    assert "This server has spent its monthly budget of $0.50" in response_text(refused)

    shown = await discord_fake.slash_command("usage", {}, user_id=admin)
    await discord_fake.wait_for(lambda: bool(shown.followups), timeout=20)
    assert "$0.50" in str(shown.followups[-1].embeds)


async def test_default_model_and_audit_channel_are_stored_and_a_bad_audit_channel_refused(
    bots: Launcher, discord_fake: FakeDiscord, kie: KieEmulator, member: int
) -> None:
    audit = discord_fake.add_channel("mod-log")
    muted = discord_fake.add_channel("muted", bot_denied=SEND_MESSAGES)
    bot_not_admin(discord_fake)
    await bots.start(jobs='default_model = "v5"')
    admin = discord_fake.add_member("admin", permissions=MANAGE_GUILD)

    await settings(discord_fake, admin, "default-model", model="v4.5")
    assert "Queued" in response_text(await generate(discord_fake, member, prompt="no model"))
    await discord_fake.wait_for(lambda: len(kie.submits) == 1, timeout=20)
    assert kie.submits[0]["model"] == "V4_5"

    refused = await settings(discord_fake, admin, "audit-channel", channel=muted)
    assert f"I cannot post in <#{muted}>" in private_text(refused)
    shown = private_text(await settings(discord_fake, admin, "show"))
    assert "**audit_channel**: none (config.toml)" in shown
    await settings(discord_fake, admin, "audit-channel", channel=audit)
    shown = private_text(await settings(discord_fake, admin, "show"))
    assert f"**audit_channel**: <#{audit}> (server)" in shown
    assert "**default_model**: v4.5 (server)" in shown
    # No channel: logging off (config.toml has no audit channel).
    await settings(discord_fake, admin, "audit-channel")
    shown = private_text(await settings(discord_fake, admin, "show"))
    assert "**audit_channel**: none (config.toml)" in shown


async def test_remix_by_and_song_channels_apply_to_buttons_of_earlier_songs(
    bots: Launcher, discord_fake: FakeDiscord, kie: KieEmulator, member: int
) -> None:
    music = discord_fake.add_channel("music")
    await bots.start()  # config.toml: anyone may remix
    admin = discord_fake.add_member("admin", permissions=MANAGE_GUILD)
    await generate(discord_fake, member, prompt="a song about lighthouses")
    [result] = await wait_results(discord_fake, 1)
    await wait_done(discord_fake)
    job = result.embeds[0]["footer"]["text"].split(" ")[1]

    await settings(discord_fake, admin, "remix-by", who="requester")
    bob = discord_fake.add_member("bob")
    refused = await answered(
        await discord_fake.click_button(result.id, f"song:remix:{job}", user_id=bob)
    )
    assert "only" in private_text(refused)

    await settings(discord_fake, admin, "channel add", channel=music)
    pointed = await answered(
        await discord_fake.click_button(result.id, f"song:remix:{job}", user_id=member)
    )
    assert private_text(pointed) == f"Songs are made in <#{music}>."
    assert len(kie.submits) == 1
