"""How vendor media is fetched: the ``[media]`` table of ``config.toml``."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field


class MediaSettings(BaseModel):
    """How vendor media (tracks, covers, WAVs, videos) is fetched."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    # FOR TESTS ONLY: also fetch from loopback and private networks, where test
    # emulators serve media. Off, only public internet addresses are fetched.
    allow_private_addresses: bool = False
    # One download attempt, start to end, however slowly the host sends.
    download_timeout_seconds: float = Field(300, gt=0)
