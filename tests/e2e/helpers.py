"""Reading the fake Discord's channel the way a member would."""

from __future__ import annotations

from tests.fakes.discord import FakeDiscord, FakeInteraction, FakeMessage


def bot_messages(fake: FakeDiscord) -> list[FakeMessage]:
    """What the bot posted for everyone to see (not its private answers)."""
    return [
        m for m in fake.channel_messages() if m.author_id == fake.bot_user_id and not m.ephemeral
    ]


def result_messages(fake: FakeDiscord) -> list[FakeMessage]:
    return [m for m in bot_messages(fake) if "your song is ready" in m.content]


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
