"""The sandbox: a provider that makes placeholder songs on this machine, free and offline."""

from bot.providers.sandbox.adapter import SandboxProvider
from bot.providers.sandbox.settings import SandboxSettings

__all__ = ["SandboxProvider", "SandboxSettings"]
