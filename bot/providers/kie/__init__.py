"""kie.ai: the adapter and its settings; the rest of the package is its dialect."""

from bot.providers.kie.adapter import KieProvider
from bot.providers.kie.settings import KieSettings

__all__ = ["KieProvider", "KieSettings"]
