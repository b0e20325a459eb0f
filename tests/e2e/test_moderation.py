"""Moderation through Discord: blocked words refused privately, admins extend the list,
and moderators read every job, refusal and vendor refusal in the audit channel."""

from __future__ import annotations

import pytest

from tests.e2e.conftest import Launcher
from tests.e2e.helpers import (
    MANAGE_GUILD,
    SEND_MESSAGES,
    VIEW_CHANNEL,
    answered,
    form_id,
    generate,
    private_text,
    response_text,
    settings,
    wait_results,
)
from tests.fakes.discord import FakeDiscord
from tests.fakes.kie import KieEmulator

ADMIN = VIEW_CHANNEL | SEND_MESSAGES | MANAGE_GUILD


async def start_with_audit(bots: Launcher, discord_fake: FakeDiscord, extra: str = "") -> int:
    """Start the bot and have an admin set an audit channel; returns the channel's id."""
    audit = discord_fake.add_channel("audit")
    await bots.start(extra=extra)
    admin = discord_fake.add_member("audit admin", permissions=MANAGE_GUILD)
    await settings(discord_fake, admin, "audit-channel", channel=audit)
    return audit


def audit_lines(fake: FakeDiscord, channel_id: int) -> list[str]:
    return [m.content for m in fake.channel_messages(channel_id)]


async def wait_audit(fake: FakeDiscord, channel_id: int, *words: str) -> str:
    """The audit line that holds every one of ``words``, once posted."""

    def found() -> list[str]:
        return [line for line in audit_lines(fake, channel_id) if all(w in line for w in words)]

    await fake.wait_for(lambda: bool(found()), timeout=15)
    return found()[0]


@pytest.mark.parametrize(
    ("options", "field"),
    [
        ({"prompt": "a ballad in the voice of T a y l o r  S w i f t"}, "prompt"),
        ({"prompt": "a ballad", "style": "tay\u200blor swift pop"}, "style"),
        ({"prompt": "a ballad", "title": "TAYLOR SWİFT forever"}, "title"),
    ],
)
async def test_a_blocked_name_in_a_field_is_refused_privately_and_audited(
    bots: Launcher,
    discord_fake: FakeDiscord,
    kie: KieEmulator,
    member: int,
    options: dict[str, object],
    field: str,
) -> None:
    audit = await start_with_audit(bots, discord_fake)
    refused = await generate(discord_fake, member, **options)
    assert refused.ephemeral
    assert response_text(refused) == (
        f"The {field} contains a word or name this server does not allow."
    )
    line = await wait_audit(discord_fake, audit, "Refused", f"<@{member}>")
    assert f"{field} contains the blocked term “taylor swift”" in line
    # A clean request afterwards goes through: only it reached the vendor.
    assert "Queued" in response_text(await generate(discord_fake, member, prompt="a ballad"))
    await discord_fake.wait_for(lambda: len(kie.submits) == 1, timeout=15)
    assert [body["prompt"] for body in kie.submits] == ["a ballad"]


async def test_blocked_lyrics_in_compose_are_refused(
    bots: Launcher,
    discord_fake: FakeDiscord,
    kie: KieEmulator,
    member: int,
) -> None:
    audit = await start_with_audit(bots, discord_fake)
    opened = await answered(await discord_fake.slash_command("compose", {}, user_id=member))
    lyrics = "[Verse]\nsinging like Tàylor Swïft tonight\n"
    refused = await answered(
        await discord_fake.submit_modal(
            form_id(opened), {"title": "Night", "style": "pop", "lyrics": lyrics}, user_id=member
        )
    )
    assert refused.ephemeral
    assert private_text(refused) == "The lyrics contains a word or name this server does not allow."
    await wait_audit(discord_fake, audit, "Refused", "lyrics contains the blocked term")
    assert kie.submits == []


async def test_an_admin_blocks_an_artist_and_a_prompt_naming_it_is_refused(
    bots: Launcher,
    discord_fake: FakeDiscord,
    kie: KieEmulator,
    member: int,
) -> None:
    audit = await start_with_audit(bots, discord_fake)
    admin = discord_fake.add_member("admin", permissions=ADMIN)
    added = await answered(
        await discord_fake.slash_command(
            "blocklist add", {"term": "  Röyksopp!  ", "kind": "artist"}, user_id=admin
        )
    )
    assert added.ephemeral
    assert "“royksopp”" in private_text(added)

    refused = await generate(discord_fake, member, prompt="electronica like royksopp")
    assert response_text(refused) == (
        "The prompt contains a word or name this server does not allow."
    )
    await wait_audit(discord_fake, audit, "Refused", "“royksopp”")

    listed = await answered(await discord_fake.slash_command("blocklist list", {}, user_id=admin))
    assert listed.ephemeral
    assert "royksopp" in private_text(listed)
    removed = await answered(
        await discord_fake.slash_command("blocklist remove", {"term": "ROYKSOPP"}, user_id=admin)
    )
    assert "royksopp" in private_text(removed)
    accepted = await generate(discord_fake, member, prompt="electronica like royksopp")
    assert "Queued" in response_text(accepted)
    await discord_fake.wait_for(lambda: len(kie.submits) == 1, timeout=15)
    assert kie.submits[0]["prompt"] == "electronica like royksopp"


async def test_a_member_without_manage_server_cannot_use_blocklist(
    bots: Launcher, discord_fake: FakeDiscord, member: int
) -> None:
    await bots.start()
    [command] = [c for c in discord_fake.commands if c["name"] == "blocklist"]
    assert int(command["default_member_permissions"]) == MANAGE_GUILD
    with pytest.raises(PermissionError):
        await discord_fake.slash_command(
            "blocklist add", {"term": "jazz", "kind": "word"}, user_id=member
        )
    # Discord lets admins open a command to others (Integrations settings): the bot checks too.
    refused = await answered(
        await discord_fake.slash_command(
            "blocklist add", {"term": "jazz", "kind": "word"}, user_id=member, override=True
        )
    )
    assert refused.ephemeral
    assert "Manage Server" in private_text(refused)
    accepted = await generate(discord_fake, member, prompt="smooth jazz")
    assert "Queued" in response_text(accepted)


async def test_jobs_and_vendor_refusals_appear_in_the_audit_channel(
    bots: Launcher,
    discord_fake: FakeDiscord,
    kie: KieEmulator,
    member: int,
) -> None:
    audit = await start_with_audit(bots, discord_fake)
    kie.plan("success")
    kie.plan("sensitive")
    await generate(discord_fake, member, prompt="a sunny morning")
    [result] = await wait_results(discord_fake, 1)
    accepted = await wait_audit(discord_fake, audit, "a sunny morning", "kie")
    assert f"<@{member}>" in accepted
    finished = await wait_audit(discord_fake, audit, "finished", str(result.id))

    await generate(discord_fake, member, prompt="something the vendor refuses")
    refused = await wait_audit(discord_fake, audit, "content policy")
    assert f"<@{member}>" in refused
    # Nobody was pinged by the log.
    for message in discord_fake.channel_messages(audit):
        assert message.allowed_mentions is not None, finished
        assert message.allowed_mentions["parse"] == []
        assert not message.allowed_mentions.get("users")


async def test_a_quota_refusal_appears_in_the_audit_channel(
    bots: Launcher,
    discord_fake: FakeDiscord,
    kie: KieEmulator,
    member: int,
) -> None:
    audit = await start_with_audit(bots, discord_fake, extra="[quotas]\nmember_per_day = 1")
    assert "Queued" in response_text(await generate(discord_fake, member, prompt="first"))
    refused = await generate(discord_fake, member, prompt="second")
    assert "daily quota" in response_text(refused)
    line = await wait_audit(discord_fake, audit, "Refused", "daily quota")
    assert "“second”" in line


async def test_an_audit_line_that_cannot_be_posted_holds_up_nothing(
    bots: Launcher,
    discord_fake: FakeDiscord,
    kie: KieEmulator,
    member: int,
) -> None:
    audit = await start_with_audit(bots, discord_fake)
    # The bot lost access to the audit channel: every line there is refused.
    discord_fake.fail_next(
        "POST", f"/channels/{audit}/messages", status=403, body={"code": 50001}, count=10
    )
    assert "Queued" in response_text(await generate(discord_fake, member, prompt="go on"))
    await wait_results(discord_fake, 1)
    assert audit_lines(discord_fake, audit) == []
    assert "audit line for guild" in bots.started[-1].log
