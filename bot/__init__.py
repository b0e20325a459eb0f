"""A self-hosted Discord bot that makes music with hosted Suno APIs."""

import warnings

# discord.py imports the standard library's audioop (for voice) on every Python before
# 3.13, which warns on 3.11 and 3.12 that the module goes away in 3.13; there discord.py
# takes the audioop-lts package instead. The bot has no voice, and nothing here can
# change that import, so exactly this warning from exactly that module is silenced.
warnings.filterwarnings(
    "ignore",
    message="'audioop' is deprecated",
    category=DeprecationWarning,
    module=r"discord\.player",
)
