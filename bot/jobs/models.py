"""The job record: one member's request and everything the bot learnt about it."""

from __future__ import annotations

import enum

from pydantic import BaseModel

from bot.providers.base import FailureReason, GenerateRequest, JobState, Track


class Stage(enum.StrEnum):
    """What a member sees: the vendor's state plus the bot's own steps around it."""

    WAITING = "waiting"  # stored, not yet accepted by a vendor
    QUEUED = "queued"  # accepted by the vendor, not started
    RUNNING = "running"
    PARTIAL = "partial"  # the first track can be streamed
    DELIVERING = "delivering"  # tracks are being downloaded and uploaded
    DONE = "done"
    FAILED = "failed"


class Job(BaseModel):
    id: str
    guild_id: int
    channel_id: int
    user_id: int
    provider: str
    request: GenerateRequest
    state: JobState = JobState.QUEUED
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
    submitted_at: float | None = None
    last_poll_at: float | None = None
    finished_at: float | None = None
    closed_at: float | None = None
    tracks: list[Track] = []

    @property
    def stage(self) -> Stage:
        if self.state is JobState.FAILED:
            return Stage.FAILED
        if self.state is JobState.SUCCEEDED:
            return Stage.DONE if self.result_message_id is not None else Stage.DELIVERING
        if self.vendor_task_id is None:
            return Stage.WAITING
        return Stage(self.state.value)
