"""/compose boost_style: the music service writes a fuller style from the member's few words."""

from __future__ import annotations

from tests.e2e.botproc import vendor_provider
from tests.e2e.conftest import Launcher
from tests.e2e.helpers import answered, form_fields, form_id, private_text, wait_results
from tests.fakes.apixo import ApixoEmulator
from tests.fakes.discord import FakeDiscord, FakeInteraction
from tests.fakes.kie import BOOST_STYLE, KieEmulator

VERSE = "[Verse]\nthe tide came in\nand took the lights away\n"
SANDBOX = (
    '[[providers]]\nname = "sandbox"\nkind = "sandbox"\nstage_seconds = 0.2\ntrack_seconds = 3.0\n'
)
UNBOOSTED = "The style could not be boosted just now, so your own was used."


async def boosted_form(fake: FakeDiscord, member: int, **options: object) -> FakeInteraction:
    return await answered(
        await fake.slash_command("compose", {"boost_style": True, **options}, user_id=member)
    )


async def submitted(
    fake: FakeDiscord, custom_id: str, member: int, style: str, title: str = "Tide"
) -> FakeInteraction:
    """The form sent; returns once the member was answered (after the deferral)."""
    values = {"title": title, "style": style, "lyrics": VERSE}
    done = await answered(await fake.submit_modal(custom_id, values, user_id=member))
    if done.response is not None and done.response.get("type") == 5:  # deferred: thinking
        await fake.wait_for(lambda: bool(done.followups), timeout=15)
    return done


async def test_the_boosted_style_is_sung_and_shown_to_the_member(
    bots: Launcher, discord_fake: FakeDiscord, kie: KieEmulator, member: int
) -> None:
    await bots.start()
    kie.boosted_style = "sea shanty, rousing male choir, stomping drums, accordion"
    opened = await boosted_form(discord_fake, member, model="v5")
    assert form_fields(opened)["style"]["label"] == "Style in a few words (to be boosted)"
    assert form_id(opened).endswith(":b")

    answer = await submitted(discord_fake, form_id(opened), member, "sea shanty")
    assert answer.ephemeral
    assert kie.calls(BOOST_STYLE) == [{"content": "sea shanty"}]
    text = private_text(answer)
    assert "Queued **Tide**" in text
    assert "Boosted style: sea shanty, rousing male choir, stomping drums, accordion" in text
    await wait_results(discord_fake, 1)
    [body] = kie.submits
    assert body["style"] == "sea shanty, rousing male choir, stomping drums, accordion"
    assert body["prompt"] == VERSE.strip()


async def test_a_boost_longer_than_v4_takes_is_cut_at_a_comma(
    bots: Launcher, discord_fake: FakeDiscord, kie: KieEmulator, member: int
) -> None:
    await bots.start()
    words = [f"layer {n} of lush sound" for n in range(20)]  # about 440 characters
    kie.boosted_style = ", ".join(words)
    opened = await boosted_form(discord_fake, member, model="v4")
    await submitted(discord_fake, form_id(opened), member, "ambient")
    await wait_results(discord_fake, 1)
    [body] = kie.submits
    assert len(body["style"]) <= 200
    assert body["style"] == ", ".join(words[: len(body["style"].split(", "))])


async def test_vendor_text_is_shown_literally_and_pings_no_one(
    bots: Launcher, discord_fake: FakeDiscord, kie: KieEmulator, member: int
) -> None:
    await bots.start()
    kie.boosted_style = "**loud** punk, @everyone shouting, <@123456789012345678> on bass"
    opened = await boosted_form(discord_fake, member)
    answer = await submitted(discord_fake, form_id(opened), member, "punk")
    [message] = answer.followups
    assert "\\*\\*loud\\*\\*" in message.content
    assert "@everyone" not in message.content
    assert "<@123456789012345678>" not in message.content
    assert message.allowed_mentions is not None
    assert message.allowed_mentions.get("parse") == []
    await wait_results(discord_fake, 1)
    # The vendor gets the text as written; only what members see is escaped.
    assert kie.submits[0]["style"] == kie.boosted_style


async def test_a_failed_boost_still_queues_the_song_with_the_members_style(
    bots: Launcher, discord_fake: FakeDiscord, kie: KieEmulator, member: int
) -> None:
    bot = await bots.start()
    kie.fail_submit(402, "credits are insufficient", path=BOOST_STYLE)
    opened = await boosted_form(discord_fake, member)
    answer = await submitted(discord_fake, form_id(opened), member, "bossa nova")
    text = private_text(answer)
    assert "Queued **Tide**" in text
    assert UNBOOSTED in text
    assert "Boosted style" not in text
    await wait_results(discord_fake, 1)
    assert kie.submits[0]["style"] == "bossa nova"
    await bot.stop()
    assert "style boost failed (402)" in bot.log


async def test_a_busy_vendor_is_asked_again_before_giving_up(
    bots: Launcher, discord_fake: FakeDiscord, kie: KieEmulator, member: int
) -> None:
    await bots.start()
    kie.fail_requests(503, count=1, path_prefix=BOOST_STYLE)
    opened = await boosted_form(discord_fake, member)
    answer = await submitted(discord_fake, form_id(opened), member, "trip hop")
    assert "Boosted style: trip hop, emulated warmth" in private_text(answer)
    assert kie.hits[BOOST_STYLE] == 2


async def test_a_boost_form_for_a_model_no_longer_offered_is_refused_before_boosting(
    bots: Launcher, discord_fake: FakeDiscord, kie: KieEmulator, member: int
) -> None:
    await bots.start()
    answer = await submitted(discord_fake, "compose:v9:0:-:-:-:-:b", member, "jazz")
    assert "Model `v9` is not available here." in private_text(answer)
    assert kie.hits[BOOST_STYLE] == 0
    assert kie.submits == []


async def test_lyrics_over_the_limit_are_refused_before_boosting(
    bots: Launcher, discord_fake: FakeDiscord, kie: KieEmulator, member: int
) -> None:
    await bots.start()
    opened = await boosted_form(discord_fake, member, model="v4.5")
    values = {"title": "Long", "style": "pop", "lyrics": "la " * 1300, "lyrics_more": "la " * 900}
    refused = await answered(
        await discord_fake.submit_modal(form_id(opened), values, user_id=member)
    )
    await discord_fake.wait_for(lambda: bool(refused.followups), timeout=15)
    assert refused.ephemeral
    assert "`lyrics` is 6,599 characters" in private_text(refused)
    assert kie.hits[BOOST_STYLE] == 0  # the song was refused: no boost was paid for
    assert kie.submits == []


async def test_without_a_service_that_boosts_the_option_is_refused_privately(
    bots: Launcher, discord_fake: FakeDiscord, apixo: ApixoEmulator, kie: KieEmulator, member: int
) -> None:
    await bots.start(providers=vendor_provider("apixo", apixo.base_url))
    refused = await boosted_form(discord_fake, member)
    assert refused.ephemeral
    assert private_text(refused) == "Style boost is not available with this bot's services."
    plain = await answered(await discord_fake.slash_command("compose", {}, user_id=member))
    assert form_fields(plain)["style"]["label"] == "Style: genre, mood, instruments"


async def test_a_boost_form_sent_before_the_bot_lost_its_boost_keeps_the_members_style(
    bots: Launcher, discord_fake: FakeDiscord, apixo: ApixoEmulator, member: int
) -> None:
    await bots.start(providers=vendor_provider("apixo", apixo.base_url))
    answer = await submitted(discord_fake, "compose:v5:0:-:-:-:-:b", member, "city pop")
    text = private_text(answer)
    assert "Queued **Tide**" in text
    assert UNBOOSTED in text
    await wait_results(discord_fake, 1)
    assert apixo.submits[0]["input"]["style"] == "city pop"


async def test_the_sandbox_boosts_too(
    bots: Launcher, discord_fake: FakeDiscord, kie: KieEmulator, member: int
) -> None:
    await bots.start(providers=SANDBOX)
    opened = await boosted_form(discord_fake, member)
    answer = await submitted(discord_fake, form_id(opened), member, "folk")
    text = private_text(answer)
    assert "Queued **Tide**" in text
    [boosted] = [line for line in text.splitlines() if line.startswith("Boosted style: folk, ")]
    assert len(boosted.split(", ")) == 4  # the member's word and three of the sandbox's
    await wait_results(discord_fake, 1)
    assert kie.hits[BOOST_STYLE] == 0
