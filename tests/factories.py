"""Jobs for tests of what members see: one shape, the fields a test cares about given."""

from __future__ import annotations

from collections.abc import Sequence

from bot.jobs.models import Job
from bot.providers.base import GenerateRequest, Track


def shown_job(
    request: GenerateRequest | None = None, tracks: Sequence[Track] = (), **fields: object
) -> Job:
    """A job as the progress and result messages render it (ids fixed, times irrelevant)."""
    return Job.model_validate(
        {
            "id": "0123456789abcdef",
            "guild_id": 1,
            "channel_id": 2,
            "user_id": 7,
            "provider": "kie",
            "request": request or GenerateRequest(model="v5", prompt="rain"),
            "created_at": 0,
            "deadline_at": 1,
            "tracks": list(tracks),
            **fields,
        }
    )
