"""A loopback fake Discord (REST + Gateway) that the real discord.py client connects to."""

from .fake import FakeDiscord
from .models import (
    FakeAttachment,
    FakeInteraction,
    FakeMessage,
    HeldMessageCreate,
    RestCall,
)

__all__ = [
    "FakeAttachment",
    "FakeDiscord",
    "FakeInteraction",
    "FakeMessage",
    "HeldMessageCreate",
    "RestCall",
]
