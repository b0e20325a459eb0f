"""The job record: one member's request and everything the bot learnt about it."""

from __future__ import annotations

import enum

from pydantic import BaseModel

from bot.providers.base import (
    FailureReason,
    GenerateRequest,
    OutputFile,
    TaskState,
    Track,
)


class Stage(enum.StrEnum):
    """What a member sees: the vendor's state plus the bot's own steps around it."""

    WAITING = "waiting"  # stored, not yet accepted by a vendor
    QUEUED = "queued"  # accepted by the vendor, not started
    RUNNING = "running"
    PARTIAL = "partial"  # the first track can be streamed
    DELIVERING = "delivering"  # tracks are being downloaded and uploaded
    DONE = "done"
    FAILED = "failed"
    CANCELLED = "cancelled"  # by a member; its result, if any, is never posted
    UNDELIVERED = "undelivered"  # made, but Discord would not take the result


class TrackNames(BaseModel):
    """The attachment names of one track in its result post; None: not attached."""

    audio: str | None = None
    cover: str | None = None


class PostedNames(BaseModel):
    """Which attachment of a result post is which, by the name it was posted under.

    ``tracks``: per track of a song; ``files``: per WAV, stem or video (None: linked).
    """

    tracks: list[TrackNames] = []
    files: list[str | None] = []


class Job(BaseModel):
    id: str
    guild_id: int
    channel_id: int
    user_id: int
    provider: str
    request: GenerateRequest
    state: TaskState = TaskState.QUEUED
    vendor_task_id: str | None = None
    polls: int = 0
    failure: FailureReason | None = None
    failure_code: str = ""
    failure_detail: str = ""
    progress_message_id: int | None = None
    result_message_id: int | None = None
    # Set before the first upload attempt: a resumed job with this set may
    # already have posted its result, so the channel is searched before posting.
    delivery_started: bool = False
    upload_limit: int | None = None  # bytes per file, from the interaction
    # The secret part of this job's callback path; vendors learn it only with the job.
    callback_token: str | None = None
    created_at: float
    deadline_at: float
    # The submitting mark, stored (durably) before every submit: a job that has
    # it but no vendor_task_id died with a submit on the wire, and its task may
    # exist and be paid for. ``submit_callback``: that submit gave the vendor
    # this job's callback URL, so the vendor may still name the task there.
    submit_started_at: float | None = None
    submit_callback: bool = False
    # Submitted again without knowing whether the interrupted submit made a task.
    possible_duplicate: bool = False
    # The scheduler's state, on the row so that a restart carries on from it.
    # When the scheduler next looks at the job (0: at once). A callback sets it to now.
    next_check_at: float = 0.0
    # Its vendor callbacks went quiet for too long: it polls from then on.
    callbacks_stalled: bool = False
    # Waiting until then for a callback to name the task of a submit left
    # unanswered; ``failure_code``/``failure_detail`` then hold the verdict if
    # none does (a lost answer) or are empty (a submit cut off by a restart).
    adopt_until: float | None = None
    submitted_at: float | None = None
    # What the vendor bills for it, set when it accepted the task (see bot.jobs.costs):
    # None where the provider's price is unknown, 0 once a failed task was refunded.
    cost_usd: float | None = None
    cost_credits: float | None = None
    last_poll_at: float | None = None
    finished_at: float | None = None
    closed_at: float | None = None
    # Lineage: the job whose result this one remixes, extends or converts, and
    # which of its tracks (1-based) a follow-up works on.
    parent_job_id: str | None = None
    parent_track: int | None = None
    parent_link: str | None = None  # the parent's result message, for members to jump to
    # The result's attachments, stored with its message (None: posted before they were stored).
    attachments: PostedNames | None = None
    files: list[OutputFile] = []  # what a WAV, stems or video job made
    deleted_at: float | None = None  # its result was deleted by a member
    # When its prompt, lyrics, style and vendor URLs were purged (storage.retention_days).
    purged_at: float | None = None
    tracks: list[Track] = []

    @property
    def result_link(self) -> str | None:
        if self.result_message_id is None:
            return None
        return message_link(self.guild_id, self.channel_id, self.result_message_id)

    @property
    def stage(self) -> Stage:
        if self.state is TaskState.FAILED:
            return Stage.FAILED
        if self.state is TaskState.CANCELLED:
            return Stage.CANCELLED
        if self.state is TaskState.SUCCEEDED:
            if self.result_message_id is not None:
                return Stage.DONE
            # Closed without a result message: every way of posting it was refused.
            return Stage.DELIVERING if self.closed_at is None else Stage.UNDELIVERED
        if self.vendor_task_id is None:
            return Stage.WAITING
        if self.streaming and self.state in (TaskState.QUEUED, TaskState.RUNNING):
            # Streamable before the vendor says so (a dialect without a partial
            # state): a stage of its own, so the progress message shows the link once.
            return Stage.PARTIAL
        return Stage(self.state.value)

    @property
    def streaming(self) -> bool:
        """Whether the vendor named a stream URL for any track yet."""
        return any(track.stream_url for track in self.tracks)


def message_link(guild_id: int, channel_id: int, message_id: int) -> str:
    return f"https://discord.com/channels/{guild_id}/{channel_id}/{message_id}"
