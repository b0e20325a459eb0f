"""Reading the fake Discord's channel the way a member would."""

from __future__ import annotations

from tests.fakes.discord import FakeDiscord, FakeInteraction, FakeMessage

# Permission bits for members the tests add (Discord's values).
VIEW_CHANNEL = 1 << 10
SEND_MESSAGES = 1 << 11
MANAGE_MESSAGES = 1 << 13
# A channel moderator: may delete or cancel anyone's song.
MODERATOR = VIEW_CHANNEL | SEND_MESSAGES | MANAGE_MESSAGES
# A server admin: /settings, /blocklist, the server's /usage.
MANAGE_GUILD = 1 << 5
ADMINISTRATOR = 1 << 3


def bot_messages(fake: FakeDiscord) -> list[FakeMessage]:
    """What the bot posted for everyone to see (not its private answers)."""
    return [
        m for m in fake.channel_messages() if m.author_id == fake.bot_user_id and not m.ephemeral
    ]


def result_messages(fake: FakeDiscord) -> list[FakeMessage]:
    """Results of every kind: songs, and the WAVs, stems and videos made from them."""
    return [
        m for m in bot_messages(fake) if "is ready" in m.content or "you asked for" in m.content
    ]


def progress_messages(fake: FakeDiscord) -> list[FakeMessage]:
    return [m for m in bot_messages(fake) if "asked for a song" in m.content]


def status_text(message: FakeMessage) -> str:
    """The progress embed's Status field as it stands after every edit."""
    embeds = message.embeds
    for edit in message.edits:
        embeds = edit.get("embeds", embeds)
    for field in embeds[0].get("fields", []):
        if field["name"] == "Status":
            return str(field["value"])
    return ""


async def generate(fake: FakeDiscord, user_id: int, **options: object) -> FakeInteraction:
    interaction = await fake.slash_command("generate", options, user_id=user_id)
    await interaction.wait_response(timeout=10)
    return interaction


def response_text(interaction: FakeInteraction) -> str:
    assert interaction.response is not None
    return str(interaction.response.get("data", {}).get("content", ""))


def response_embeds(interaction: FakeInteraction) -> list[dict[str, object]]:
    """The embeds of the bot's answer, whether a new message or an edit of the clicked one."""
    assert interaction.response is not None
    return list(interaction.response.get("data", {}).get("embeds", []))


def custom_ids(message: FakeMessage) -> list[str]:
    """Every button's custom id on a message, row by row."""
    return [c["custom_id"] for row in message.components for c in row.get("components", [])]


def form_fields(interaction: FakeInteraction) -> dict[str, dict[str, object]]:
    """The text inputs of the form (modal) the bot answered with, by custom id.

    A field in a label (type 18) carries its label's text as ``label``, as a row's did.
    """
    assert interaction.response is not None
    assert interaction.response["type"] == 9, interaction.response
    fields: dict[str, dict[str, object]] = {}
    for block in interaction.response["data"]["components"]:
        if block["type"] == 18:
            field = {**block["component"], "label": block["label"]}
            fields[field["custom_id"]] = field
        else:
            fields.update((c["custom_id"], c) for c in block["components"])
    return fields


def form_id(interaction: FakeInteraction) -> str:
    assert interaction.response is not None
    return str(interaction.response["data"]["custom_id"])


def private_text(interaction: FakeInteraction) -> str:
    """What the member alone was told: the answer, or the follow-up of a deferred one."""
    if interaction.followups:
        message = interaction.followups[-1]
        return message.content + "".join(str(e.get("description", "")) for e in message.embeds)
    assert interaction.response is not None
    assert interaction.ephemeral, interaction.response
    data = interaction.response.get("data", {})
    embeds = data.get("embeds") or []
    return str(data.get("content") or "") + "".join(str(e.get("description", "")) for e in embeds)


async def answered(interaction: FakeInteraction, timeout: float = 10) -> FakeInteraction:  # noqa: ASYNC109
    await interaction.wait_response(timeout=timeout)
    return interaction


async def wait_results(fake: FakeDiscord, count: int, timeout: float = 20) -> list[FakeMessage]:  # noqa: ASYNC109
    await fake.wait_for(lambda: len(result_messages(fake)) >= count, timeout=timeout)
    return result_messages(fake)


async def wait_done(fake: FakeDiscord, timeout: float = 20) -> None:  # noqa: ASYNC109
    """Every progress message says Done: each result is posted and recorded."""
    await fake.wait_for(
        lambda: all("Done" in status_text(m) for m in progress_messages(fake)), timeout=timeout
    )


def link_buttons(message: FakeMessage) -> list[dict[str, object]]:
    """The link buttons (style 5) a message shows now, row by row."""
    buttons = [c for row in message.components for c in row.get("components", [])]
    return [b for b in buttons if b.get("style") == 5]


async def settings(
    fake: FakeDiscord, user_id: int, path: str, *, override: bool = False, **options: object
) -> FakeInteraction:
    """``override``: as if the server granted /settings to members without Manage Server."""
    interaction = await fake.slash_command(
        f"settings {path}", options, user_id=user_id, override=override
    )
    await interaction.wait_response(timeout=10)
    assert interaction.ephemeral
    return interaction


def bot_not_admin(fake: FakeDiscord) -> None:
    """Like most bots, an overwrite can deny it things (Administrator would ignore them)."""
    for role in fake.world.roles.values():
        if role.managed:
            role.permissions &= ~ADMINISTRATOR
