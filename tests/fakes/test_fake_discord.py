"""The fake Discord against the real discord.py client, in-process (the bot runs in the test)."""

from __future__ import annotations

import asyncio
import io
import time
from collections import defaultdict
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from typing import Any

import aiohttp
import discord
import pytest
import yarl
from discord import app_commands
from discord.ext import commands

from tests.fakes.discord import FakeDiscord, FakeInteraction

MIB = 1024 * 1024


class RecordingBot(commands.Bot):
    """A bot whose handlers report what happened to them through futures keyed by name."""

    def __init__(self, guild_id: int) -> None:
        super().__init__(
            command_prefix="!",
            intents=discord.Intents.default(),
            guild_ready_timeout=0.1,  # on_ready otherwise waits 2 s after GUILD_CREATE
        )
        self.guild_id = guild_id
        self.seen: defaultdict[str, asyncio.Future[Any]] = defaultdict(
            lambda: asyncio.get_running_loop().create_future()
        )

    def record(self, key: str, value: Any) -> None:
        if not self.seen[key].done():
            self.seen[key].set_result(value)

    async def result(self, key: str, timeout: float = 10) -> Any:  # noqa: ASYNC109
        return await asyncio.wait_for(asyncio.shield(self.seen[key]), timeout)

    async def setup_hook(self) -> None:
        guild = discord.Object(self.guild_id)
        for command in COMMANDS:
            self.tree.add_command(command, guild=guild)
        await self.tree.sync(guild=guild)

    async def on_raw_reaction_add(self, payload: discord.RawReactionActionEvent) -> None:
        # Discord also reports the bot's own reactions; only members' ones matter here.
        if self.user is not None and payload.user_id != self.user.id:
            self.record("reaction", payload)


def bot_of(interaction: discord.Interaction) -> RecordingBot:
    assert isinstance(interaction.client, RecordingBot)
    return interaction.client


@app_commands.command(description="Replies ephemerally, then posts a file and edits it")
async def hello(interaction: discord.Interaction) -> None:
    await interaction.response.send_message("hi", ephemeral=True)
    assert isinstance(interaction.channel, discord.TextChannel)
    file = discord.File(io.BytesIO(b"abc"), filename="a.txt")
    message = await interaction.channel.send("with file", file=file)
    edited = await message.edit(content="edited")
    bot_of(interaction).record("hello", edited)


@app_commands.command(description="Answers too late")
async def slow(interaction: discord.Interaction) -> None:
    await asyncio.sleep(3.5)
    try:
        await interaction.response.send_message("too late")
    except discord.HTTPException as error:
        bot_of(interaction).record("slow", error)


@app_commands.command(description="Follows up after deferring")
async def later(interaction: discord.Interaction, wait: float = 0.0) -> None:
    await interaction.response.defer(ephemeral=True)
    await asyncio.sleep(wait)
    try:
        message = await interaction.followup.send("done", wait=True)
    except discord.HTTPException as error:
        bot_of(interaction).record("later", error)
    else:
        bot_of(interaction).record("later", message)


class Panel(discord.ui.View):
    @discord.ui.button(label="Press", custom_id="panel:press")
    async def press(self, interaction: discord.Interaction, _: discord.ui.Button[Panel]) -> None:
        await interaction.response.edit_message(content="pressed", view=None)
        bot_of(interaction).record("press", interaction.user.id)


@app_commands.command(description="Shows a button")
async def panel(interaction: discord.Interaction) -> None:
    await interaction.response.send_message("panel", view=Panel())


class Form(discord.ui.Modal, title="Song"):
    song_title: discord.ui.TextInput[Form] = discord.ui.TextInput(
        label="Title", custom_id="song_title", max_length=80
    )

    async def on_submit(self, interaction: discord.Interaction) -> None:
        await interaction.response.send_message(f"got {self.song_title.value}")
        bot_of(interaction).record("form", self.song_title.value)


@app_commands.command(description="Opens a modal")
async def form(interaction: discord.Interaction) -> None:
    await interaction.response.send_modal(Form(custom_id="song_form"))


@app_commands.command(description="Typed options")
@app_commands.choices(
    style=[
        app_commands.Choice(name="Rock", value="rock"),
        app_commands.Choice(name="Pop", value="pop"),
    ]
)
async def pick(
    interaction: discord.Interaction,
    style: app_commands.Choice[str],
    count: int,
    who: discord.Member | None = None,
) -> None:
    bot_of(interaction).record("pick", (style.value, count, who.id if who else None))
    await interaction.response.send_message("ok")


@app_commands.command(description="Responds with a file, then swaps it")
async def upload(interaction: discord.Interaction) -> None:
    first = discord.File(io.BytesIO(b"one"), filename="one.txt")
    await interaction.response.send_message("file", file=first)
    second = discord.File(io.BytesIO(b"two"), filename="two.txt")
    await interaction.edit_original_response(attachments=[second])
    bot_of(interaction).record("upload", await interaction.original_response())


COMMANDS: list[app_commands.Command[Any, Any, Any]] = [
    hello,
    slow,
    later,
    panel,
    form,
    pick,
    upload,
]


@pytest.fixture
def point_discord_py(monkeypatch: pytest.MonkeyPatch) -> Callable[[FakeDiscord], None]:
    def point(fake: FakeDiscord) -> None:
        monkeypatch.setattr(discord.http.Route, "BASE", fake.api_base)
        gateway = yarl.URL(fake.gateway_url)
        monkeypatch.setattr(discord.gateway.DiscordWebSocket, "DEFAULT_GATEWAY", gateway)

    return point


Runner = Callable[..., Awaitable[tuple[FakeDiscord, RecordingBot]]]


@pytest.fixture
async def world(point_discord_py: Callable[[FakeDiscord], None]) -> AsyncIterator[Runner]:
    """``fake, bot = await world(**FakeDiscord kwargs)``: both running, bot ready."""
    started: list[tuple[FakeDiscord, RecordingBot, asyncio.Task[None]]] = []

    async def run(**kwargs: Any) -> tuple[FakeDiscord, RecordingBot]:
        fake = FakeDiscord(**kwargs)
        await fake.start()
        point_discord_py(fake)
        bot = RecordingBot(fake.guild_id)
        task = asyncio.create_task(bot.start(fake.bot_token))
        started.append((fake, bot, task))
        await fake.wait_ready()
        await asyncio.wait_for(bot.wait_until_ready(), 10)
        return fake, bot

    yield run
    for fake, bot, task in started:
        await bot.close()
        await asyncio.wait_for(task, 10)
        await fake.stop()
        assert fake.internal_errors == []


@asynccontextmanager
async def raw_session() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as session:
        yield session


def channel_of(fake: FakeDiscord, bot: RecordingBot) -> discord.TextChannel:
    channel = bot.get_channel(fake.channel_id)
    assert isinstance(channel, discord.TextChannel)
    return channel


async def test_startup_serves_what_the_client_asks_for(world: Runner) -> None:
    fake, bot = await world()
    calls = {(c.method, c.path) for c in fake.rest_calls}
    assert ("GET", "/users/@me") in calls
    assert ("GET", "/oauth2/applications/@me") in calls
    assert ("PUT", "/applications/{id}/guilds/{id}/commands") in calls
    assert {c["name"] for c in await fake.wait_commands()} == {c.name for c in COMMANDS}
    pick_options = next(c for c in fake.commands if c["name"] == "pick")["options"]
    assert [c["value"] for c in pick_options[0]["choices"]] == ["rock", "pop"]
    guild = bot.get_guild(fake.guild_id)
    assert guild is not None
    assert guild.me is not None
    assert guild.member_count == 2  # the bot and the owner; no members intent, so no list
    assert guild.default_role.id == fake.guild_id
    assert guild.filesize_limit == 10 * MIB
    assert abs(discord.utils.snowflake_time(guild.id).timestamp() - time.time()) < 60
    assert fake.connected
    assert fake.identify_count == 1
    assert fake.unknown_routes == []
    assert all(c.status is not None and c.status < 400 for c in fake.rest_calls)


async def test_ephemeral_reply_then_file_and_edit(world: Runner) -> None:
    fake, bot = await world()
    user = fake.add_member("alice")
    inter = await fake.slash_command("hello", user_id=user)
    response = await inter.wait_response()
    assert response["type"] == 4
    assert inter.ephemeral
    assert inter.original is not None
    assert inter.original.ephemeral
    assert inter.original.content == "hi"
    assert inter.original.type == 20
    edited: discord.Message = await bot.result("hello")
    stored = fake.messages[-1]
    assert stored.id == edited.id
    assert stored.content == "edited"
    assert [edit["content"] for edit in stored.edits] == ["edited"]
    assert [(a.filename, a.data, a.size) for a in stored.attachments] == [("a.txt", b"abc", 3)]
    assert stored.attachments[0].content_type == "text/plain"
    assert edited.attachments[0].filename == "a.txt"
    assert await edited.attachments[0].read() == b"abc"  # the fake's CDN serves it
    # Ids are snowflakes in creation order; ephemeral messages stay out of channel history.
    assert inter.original.id < stored.id
    history = [m.id async for m in channel_of(fake, bot).history(limit=10)]
    assert history == [stored.id]


async def test_response_after_deadline_is_unknown_interaction(world: Runner) -> None:
    fake, bot = await world()
    inter = await fake.slash_command("slow", user_id=fake.add_member("bob"))
    error = await bot.result("slow")
    assert isinstance(error, discord.NotFound)
    assert error.code == 10062
    assert inter.response is None
    assert inter.callback_statuses == [404]


async def test_upload_over_guild_limit_is_rejected(world: Runner) -> None:
    fake, bot = await world()
    channel = channel_of(fake, bot)
    big = b"\0" * (10 * MIB + 1)
    with pytest.raises(discord.HTTPException) as caught:
        await channel.send(file=discord.File(io.BytesIO(big), filename="song.mp3"))
    assert caught.value.status == 413
    assert caught.value.code == 40005
    assert fake.channel_messages() == []
    # A boost to tier 2 reaches the client as GUILD_UPDATE and lifts the limit to 50 MiB.
    fake.premium_tier = 2
    guild = bot.get_guild(fake.guild_id)
    assert guild is not None
    await fake.wait_for(lambda: guild.filesize_limit == 50 * MIB)
    message = await channel.send(file=discord.File(io.BytesIO(big), filename="song.mp3"))
    assert fake.channel_messages()[0].attachments[0].size == len(big)
    assert message.attachments[0].content_type == "audio/mpeg"


async def test_button_click_reaches_view(world: Runner) -> None:
    fake, bot = await world()
    user = fake.add_member("carol")
    inter = await fake.slash_command("panel", user_id=user)
    await inter.wait_response()
    assert inter.original is not None
    click = await fake.click_button(inter.original.id, "panel:press", user_id=user)
    assert await bot.result("press") == user
    assert (await click.wait_response())["type"] == 7
    assert inter.original.content == "pressed"
    assert inter.original.components == []
    with pytest.raises(LookupError):
        await fake.click_button(inter.original.id, "panel:press", user_id=user)


async def test_modal_submit_reaches_modal(world: Runner) -> None:
    fake, bot = await world()
    user = fake.add_member("dave")
    opener = await fake.slash_command("form", user_id=user)
    response = await opener.wait_response()
    assert response["type"] == 9
    assert response["data"]["title"] == "Song"
    submit = await fake.submit_modal("song_form", {"song_title": "Blue Sky"}, user_id=user)
    assert await bot.result("form") == "Blue Sky"
    await submit.wait_response()
    assert submit.original is not None
    assert submit.original.content == "got Blue Sky"


async def test_reactions_both_ways(world: Runner) -> None:
    fake, bot = await world()
    message = await channel_of(fake, bot).send("react to me")
    await message.add_reaction("🎵")
    stored = fake.channel_messages()[0]
    assert stored.reactions == ["🎵"]
    user = fake.add_member("erin")
    await fake.add_reaction(message.id, "👍", user_id=user)
    event: discord.RawReactionActionEvent = await bot.result("reaction")
    assert (event.message_id, event.user_id, str(event.emoji)) == (message.id, user, "👍")
    assert event.member is not None
    assert event.member.name == "erin"
    with pytest.raises(discord.HTTPException) as caught:
        await message.add_reaction("thumbsup")
    assert caught.value.code == 10014


async def test_interaction_token_expires(world: Runner) -> None:
    fake, bot = await world(token_ttl=1)
    await fake.slash_command("later", {"wait": 1.5}, user_id=fake.add_member("finn"))
    error = await bot.result("later")
    assert isinstance(error, discord.HTTPException)
    assert error.status == 401
    assert error.code == 50027


async def test_first_followup_fills_deferred_response(world: Runner) -> None:
    fake, bot = await world()
    inter = await fake.slash_command("later", user_id=fake.add_member("gus"))
    message: discord.WebhookMessage = await bot.result("later")
    assert inter.response == {"type": 5, "data": {"flags": 64}}
    assert inter.original is not None
    assert inter.original.id == message.id
    assert inter.original.content == "done"
    assert not inter.original.loading
    assert inter.original.ephemeral
    assert inter.followups == [inter.original]


async def test_rate_limited_send_is_retried(world: Runner) -> None:
    fake, bot = await world()
    fake.fail_next("POST", r"^/channels/\d+/messages$", status=429, retry_after=0.2)
    started = time.monotonic()
    await channel_of(fake, bot).send("after the limit")
    assert time.monotonic() - started >= 0.2
    sends = [
        c for c in fake.rest_calls if c.method == "POST" and c.path == "/channels/{id}/messages"
    ]
    assert [c.status for c in sends] == [429, 200]
    assert [m.content for m in fake.channel_messages()] == ["after the limit"]


async def test_edits_beyond_the_channel_limit_are_rate_limited(world: Runner) -> None:
    fake, bot = await world()
    fake.world.edit_limit = (2, 0.5)  # Discord: 5 per 5 s; shorter here to keep the test quick
    message = await channel_of(fake, bot).send("draft")
    for n in range(4):
        await message.edit(content=f"edit {n}")  # discord.py waits out each 429 and retries
    edits = [c for c in fake.rest_calls if c.method == "PATCH"]
    statuses = [c.status for c in edits]
    assert statuses.count(200) == 4
    assert 429 in statuses
    assert [m.content for m in fake.channel_messages()] == ["edit 3"]


async def test_edits_in_other_channels_have_their_own_limit(world: Runner) -> None:
    fake, bot = await world()
    fake.world.edit_limit = (1, 60)
    other = bot.get_partial_messageable(fake.add_channel("other"))
    first = await channel_of(fake, bot).send("one")
    second = await other.send("two")
    await first.edit(content="one, edited")
    await second.edit(content="two, edited")
    assert [c.status for c in fake.rest_calls if c.method == "PATCH"] == [200, 200]


async def test_held_message_create(world: Runner) -> None:
    fake, bot = await world()
    held = fake.hold_next_message_create()
    # discord.py sends enforce_nonce with every nonce: Discord then dedupes on it.
    sending = asyncio.create_task(channel_of(fake, bot).send("held", nonce=42))
    stored = await held.wait()
    assert held.is_set()
    assert stored.content == "held"
    assert not sending.done()
    assert fake.rest_calls[-1].status is None
    await asyncio.sleep(0.1)
    assert not sending.done()
    held.release()
    message = await sending
    assert message.id == stored.id
    # A retry with the same nonce (e.g. after a restart) gets the stored message back.
    again = await channel_of(fake, bot).send("held", nonce=42)
    assert again.id == stored.id
    assert len(fake.channel_messages()) == 1


async def test_rest_errors_and_history(world: Runner) -> None:
    fake, bot = await world()
    channel = channel_of(fake, bot)
    with pytest.raises(discord.HTTPException) as caught:
        await channel.send("x" * 2001)
    assert caught.value.code == 50035
    assert "content" in str(caught.value)
    sent = [await channel.send(f"m{i}") for i in range(5)]
    newest = [m.content async for m in channel.history(limit=3)]
    assert newest == ["m4", "m3", "m2"]
    after = [m.content async for m in channel.history(after=sent[1], oldest_first=True)]
    assert after == ["m2", "m3", "m4"]
    around = [m.content async for m in channel.history(around=sent[2], limit=3)]
    assert sorted(around) == ["m1", "m2", "m3"]
    await sent[0].delete()
    assert fake.messages[0].deleted
    assert len(fake.channel_messages()) == 4
    with pytest.raises(discord.NotFound) as missing:
        await channel.fetch_message(sent[0].id)
    assert missing.value.code == 10008
    reply = await sent[1].reply("answer")
    assert fake.message(reply.id).message_reference is not None
    assert reply.reference is not None
    assert reply.reference.message_id == sent[1].id
    route = discord.http.Route("GET", "/nowhere/{thing}", thing=1)
    with pytest.raises(discord.NotFound):
        await bot.http.request(route)
    assert [c.raw_path for c in fake.unknown_routes] == ["/nowhere/1"]
    async with raw_session() as session:
        headers = {"Authorization": "Bot wrong"}
        async with session.get(fake.api_base + "/users/@me", headers=headers) as answer:
            assert answer.status == 401
            assert answer.headers["Content-Type"] == "application/json"
            assert (await answer.json())["code"] == 0


async def test_slash_options_are_typed(world: Runner) -> None:
    fake, bot = await world()
    user, other = fake.add_member("hana"), fake.add_member("ivan")
    options = {"style": "pop", "count": "3", "who": other}
    inter = await fake.slash_command("pick", options, user_id=user)
    assert await bot.result("pick") == ("pop", 3, other)
    await inter.wait_response()
    with pytest.raises(ValueError, match="not one of"):
        await fake.slash_command("pick", {"style": "jazz", "count": 1}, user_id=user)
    with pytest.raises(ValueError, match="requires"):
        await fake.slash_command("pick", {"style": "pop"}, user_id=user)


async def test_reconnect_resumes_session(world: Runner) -> None:
    fake, _bot = await world()
    await fake.request_reconnect()
    await fake.wait_for(lambda: fake.resume_count == 1 and fake.gateway.ready)
    assert fake.identify_count == 1
    inter: FakeInteraction = await fake.slash_command("panel", user_id=fake.add_member("jo"))
    assert (await inter.wait_response())["type"] == 4


async def test_interaction_files_and_original_edits(world: Runner) -> None:
    fake, bot = await world()
    inter = await fake.slash_command("upload", user_id=fake.add_member("kim"))
    message: discord.InteractionMessage = await bot.result("upload")
    assert inter.original is not None
    assert not inter.ephemeral
    assert [a.filename for a in message.attachments] == ["two.txt"]
    assert [(a.filename, a.data) for a in inter.original.attachments] == [("two.txt", b"two")]
    assert inter.original.interaction_id == inter.id
    assert len(inter.original.edits) == 1


async def test_direct_message(world: Runner) -> None:
    fake, bot = await world()
    user_id = fake.add_member("lee")
    user = await bot.fetch_user(user_id)
    sent = await user.send("hello in private")
    dm = fake.message(sent.id)
    assert dm.guild_id is None
    assert dm.channel_id != fake.channel_id
    assert fake.channel_messages(dm.channel_id) == [dm]
    assert (await user.create_dm()).id == dm.channel_id  # one DM channel per user


def _embed(**parts: Any) -> dict[str, Any]:
    """An embed from raw parts: title, description, fields (name, value), footer, author."""
    embed = discord.Embed(title=parts.get("title"), description=parts.get("description"))
    for name, value in parts.get("fields", []):
        embed.add_field(name=name, value=value)
    if "footer" in parts:
        embed.set_footer(text=parts["footer"])
    if "author" in parts:
        embed.set_author(name=parts["author"])
    return embed.to_dict()


# What Discord refuses with 400 code 50035, and where its error names the fault.
_URL = "https://cdn.example/stream/1"


def _buttons(*buttons: dict[str, Any]) -> dict[str, Any]:
    """A message with one row of buttons (type 2), each labelled."""
    row = [{"type": 2, "label": "b", **button} for button in buttons]
    return {"content": "c", "components": [{"type": 1, "components": row}]}


_REFUSED: list[tuple[str, dict[str, Any]]] = [
    ("embeds.0.title", {"embeds": [_embed(title="t" * 257)]}),
    ("embeds.0.description", {"embeds": [_embed(description="d" * 4097)]}),
    ("embeds.0.fields.0.name", {"embeds": [_embed(fields=[("n" * 257, "v")])]}),
    ("embeds.0.fields.0.value", {"embeds": [_embed(fields=[("n", "v" * 1025)])]}),
    ("embeds.0.fields", {"embeds": [_embed(fields=[("n", "v")] * 26)]}),
    ("embeds.0.fields.0.value", {"embeds": [_embed(fields=[("n", " ")])]}),
    ("embeds.0.footer.text", {"embeds": [_embed(footer="f" * 2049)]}),
    ("embeds.0.author.name", {"embeds": [_embed(author="a" * 257)]}),
    ("embeds", {"embeds": [_embed(title="t")] * 11}),
    # Each embed alone is fine; together they pass the 6,000 characters of one message.
    ("embeds", {"embeds": [_embed(description="d" * 3000), _embed(description="d" * 3001)]}),
    ("embeds", {"embeds": [_embed(fields=[("n", "v" * 1000)] * 6)]}),
    ("content", {"content": "c" * 2001}),
    # A link button (style 5) has a url and no custom_id; every other style the reverse.
    ("components.0.components.0.url", _buttons({"style": 5})),
    ("components.0.components.0.custom_id", _buttons({"style": 5, "url": _URL, "custom_id": "x"})),
    ("components.0.components.0.url", _buttons({"style": 5, "url": "ftp://cdn.example/a"})),
    ("components.0.components.0.url", _buttons({"style": 5, "url": _URL + "a" * 512})),
    ("components.0.components.0.custom_id", _buttons({"style": 1})),
    ("components.0.components.0.url", _buttons({"style": 1, "custom_id": "x", "url": _URL})),
]


async def test_what_discord_refuses_is_refused(world: Runner) -> None:
    fake, bot = await world()
    # Raw payloads: discord.py itself would refuse some of them before sending.
    route = discord.http.Route(
        "POST", "/channels/{channel_id}/messages", channel_id=fake.channel_id
    )
    for where, payload in _REFUSED:
        with pytest.raises(discord.HTTPException) as caught:
            await bot.http.request(route, json=payload)
        assert (caught.value.status, caught.value.code) == (400, 50035), where
        assert f"In {where}" in str(caught.value), (where, str(caught.value))
    assert fake.channel_messages() == []
    # Right at every limit, and 6,000 in all, is accepted.
    limits = _embed(title="t" * 256, description="d" * 3000, fields=[("n", "v")], footer="f" * 2000)
    at_limits = {"content": "c" * 2000, "embeds": [limits, _embed(description="d" * 742)]}
    await bot.http.request(route, json=at_limits)
    assert len(fake.channel_messages()) == 1
    link_and_click = _buttons({"style": 5, "url": _URL}, {"style": 1, "custom_id": "x"})
    await bot.http.request(route, json=link_and_click)
    assert len(fake.channel_messages()) == 2
