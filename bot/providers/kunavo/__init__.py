"""Kunavo: the adapter and its settings; the rest of the package is its dialect."""

from bot.providers.kunavo.adapter import KunavoProvider
from bot.providers.kunavo.settings import KunavoSettings

__all__ = ["KunavoProvider", "KunavoSettings"]
