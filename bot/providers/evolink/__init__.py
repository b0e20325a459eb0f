"""Evolink: the adapter and its settings; the rest of the package is its dialect."""

from bot.providers.evolink.adapter import EvolinkProvider
from bot.providers.evolink.settings import EvolinkSettings

__all__ = ["EvolinkProvider", "EvolinkSettings"]
