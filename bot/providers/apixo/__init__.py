"""APIXO: the adapter and its settings; the rest of the package is its dialect."""

from bot.providers.apixo.adapter import ApixoProvider
from bot.providers.apixo.settings import ApixoSettings

__all__ = ["ApixoProvider", "ApixoSettings"]
