"""How the runner reports to members, without knowing about Discord.

The Discord side implements ``Notifier``; the runner is tested against any
implementation. Every method must be safe to call again for the same job
after a restart: that is what makes delivery exactly-once.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from bot.jobs.estimates import LinePlace
from bot.jobs.models import Job, PostedNames
from bot.providers.base import GenerateRequest, OutputFile, Track


@dataclass(frozen=True)
class TrackFiles:
    """A finished track with its downloaded media; a path is None when its fetch failed."""

    track: Track
    audio: Path | None
    cover: Path | None


@dataclass(frozen=True)
class FetchedFile:
    """A WAV, stem or video with its downloaded copy; ``path`` is None when its fetch failed."""

    file: OutputFile
    path: Path | None


@dataclass(frozen=True)
class Posted:
    """A result as posted: its message, and which attachment is which (None: not known)."""

    message_id: int
    names: PostedNames | None


class DeliveryError(Exception):
    """Delivery failed. ``retryable`` is False when retrying cannot help (channel gone)."""

    def __init__(self, message: str, *, retryable: bool) -> None:
        super().__init__(message)
        self.retryable = retryable


class Notifier(Protocol):
    async def show_progress(self, job: Job, place: LinePlace | None = None) -> int:
        """Post or edit the message that shows ``job.stage``; return its id.

        Called for every stage, failure included; ``place`` is where a waiting
        job stands in line, when known. Raises ``DeliveryError``.
        """

    async def deliver(self, job: Job, files: list[TrackFiles], workdir: Path) -> Posted:
        """Post the finished tracks once; return the result message and its attachments' names.

        When ``job.delivery_started`` is set an earlier attempt may have posted
        already: the implementation finds that message instead of posting again.
        Raises ``DeliveryError``.
        """

    async def deliver_files(self, job: Job, files: list[FetchedFile], workdir: Path) -> Posted:
        """Like ``deliver``, for a job that made files (WAV, stems, video), not songs."""

    async def repost(
        self, job: Job, posts: list[tuple[int, int]], channel_id: int, user_id: int, locale: object
    ) -> int:
        """Post ``job``'s result again in ``channel_id``, for ``user_id``; return the message id.

        The files come from the first of ``posts`` (channel id, message id) still
        there, picked by the names stored with the job. ``locale``: the post's
        language. Raises ``InputError`` when every post is gone.
        """

    async def charged(self, job: Job) -> None:
        """A vendor accepted ``job``, whose cost is stored: warn moderators if the
        server's monthly budget just reached its warning point. Best effort: never raises.
        """

    async def undelivered(self, job: Job) -> None:
        """Tell the requester privately that the finished job could not be posted.

        Best effort, once, after delivery gave up for good: never raises.
        """


class JobAudit(Protocol):
    """The moderators' log of every request, as the job side sees it.

    Both calls return at once and never raise: a lost log line never holds up
    or breaks a member's request.
    """

    def accepted(self, job: Job) -> None:
        """``job`` was stored and will be made."""

    def refused(
        self, request: GenerateRequest, guild_id: int, user_id: int, why: Exception
    ) -> None:
        """``request`` was refused (``why`` is the ``InputError``); nothing was stored."""
