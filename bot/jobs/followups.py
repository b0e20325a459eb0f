"""Requests made from a finished job: remixes, extensions and file conversions."""

from __future__ import annotations

from bot.errors import InputError
from bot.jobs.models import Job
from bot.providers.base import GenerateRequest, Operation, Track, TrackRef


def track_of(job: Job, n: int) -> Track:
    """Track ``n`` (1-based) of a finished job, or an ``InputError`` a member can read."""
    if not 1 <= n <= len(job.tracks):
        raise InputError("This song has no track {n}.", n=n)
    return job.tracks[n - 1]


def track_ref(job: Job, n: int) -> TrackRef:
    track = track_of(job, n)
    return TrackRef(
        task_id=track.vendor_task_id,
        track_id=track.vendor_track_id,
        duration=track.duration,
        title=track.title or job.request.title,
    )


def remix(job: Job, **changes: object) -> GenerateRequest:
    """The same request again (two new variations), with ``changes`` applied.

    A remix of an extension or a cover is a new song with the same words and
    style, not another extension or cover: those belong to their source.
    """
    base = job.request.model_copy(
        update={"operation": Operation.SONG, "source": None, "continue_at": None, "upload_url": ""}
    )
    return GenerateRequest.model_validate(base.model_dump() | changes)


def extend(
    job: Job,
    n: int,
    *,
    continue_at: float | None = None,
    lyrics: str = "",
    style: str = "",
    title: str = "",
) -> GenerateRequest:
    """Continue track ``n``; new words or style switch the vendor to custom parameters.

    Whatever the member leaves blank is kept from the track, since a vendor
    taking custom parameters wants all of them.
    """
    track = track_of(job, n)
    custom = bool(lyrics or style or title) or continue_at is not None
    return GenerateRequest(
        operation=Operation.EXTEND,
        model=job.request.model,  # the vendor requires the source's model
        instrumental=job.request.instrumental,
        source=track_ref(job, n),
        continue_at=continue_at,
        custom=custom,
        lyrics=lyrics,
        style=style or (track.tags or job.request.style if custom else ""),
        title=title or (track.title or job.request.title if custom else ""),
    )


def convert(job: Job, n: int, operation: Operation) -> GenerateRequest:
    """A WAV, stems or video of track ``n``."""
    return GenerateRequest(
        operation=operation,
        model=job.request.model,
        source=track_ref(job, n),
        title=track_of(job, n).title or job.request.title,
    )
