"""The provider-neutral model: what the bot keeps of any vendor's task.

Adapters translate their dialect into these types; nothing outside
``bot.providers`` knows a vendor's field names. No Discord imports here.
"""

from __future__ import annotations

import abc
import enum
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from pydantic import BaseModel, ConfigDict


class JobState(enum.StrEnum):
    QUEUED = "queued"
    RUNNING = "running"
    PARTIAL = "partial"  # at least one track can be streamed
    SUCCEEDED = "succeeded"
    FAILED = "failed"

    @property
    def terminal(self) -> bool:
        return self in (JobState.SUCCEEDED, JobState.FAILED)


class FailureReason(enum.StrEnum):
    CONTENT_POLICY = "content_policy"
    INVALID_INPUT = "invalid_input"
    INSUFFICIENT_CREDITS = "insufficient_credits"
    RATE_LIMITED = "rate_limited"
    PROVIDER_ERROR = "provider_error"
    TIMEOUT = "timeout"
    CANCELLED = "cancelled"
    UNKNOWN = "unknown"


class GenerateRequest(BaseModel):
    """What a member asked for, in the bot's own terms (model is a catalog key)."""

    model_config = ConfigDict(frozen=True)

    prompt: str
    model: str
    instrumental: bool = False
    style: str = ""
    title: str = ""

    def vendor_prompt(self) -> str:
        """The description sent in description (non-custom) mode.

        Vendors ignore ``style`` outside custom mode, so it rides along in the
        description, which is why the two share the description's limit.
        """
        if not self.style:
            return self.prompt
        return f"{self.prompt}\nStyle: {self.style}"


class Track(BaseModel):
    """One generated song. The task id stays with it: follow-up operations need both ids."""

    vendor_task_id: str
    vendor_track_id: str
    audio_url: str = ""
    stream_url: str = ""
    image_url: str = ""
    title: str = ""
    tags: str = ""
    lyrics: str = ""
    duration: float | None = None
    model: str = ""
    expires_at: datetime | None = None


class TaskStatus(BaseModel):
    """One look at a vendor task."""

    state: JobState
    tracks: list[Track] = []
    failure: FailureReason | None = None
    code: str = ""  # the vendor's raw status or error code, for the admin log
    detail: str = ""  # the vendor's raw message, for the admin log
    progress: int | None = None  # 0-100 where the vendor reports it


@dataclass(frozen=True)
class PollPolicy:
    """How often to ask a vendor about a task: its own advice, overridable per provider."""

    first_delay: float  # seconds after submit before the first look
    interval: float  # seconds between the first and second look
    backoff: float  # each later interval is the previous one times this
    max_interval: float

    def delay(self, polls_done: int) -> float:
        """Seconds to wait before the next poll, given how many were made."""
        if polls_done == 0:
            return self.first_delay
        return min(self.interval * self.backoff ** (polls_done - 1), self.max_interval)


@dataclass(frozen=True)
class CallbackEvent:
    """What a vendor callback that passed its checks says, as far as it can be trusted.

    For an unsigned dialect it is only a wake-up: the runner confirms the
    task's state with one status fetch before acting on anything.
    """

    task_id: str | None  # the task the body names, when it names one
    event_id: str | None  # the vendor's unique event id, for refusing replays


class CallbackRejected(Exception):
    """A callback failed its signature, freshness or shape check; nothing may change."""


class Provider(abc.ABC):
    """One configured vendor account (or the sandbox).

    ``name`` is the config entry's name; ``models`` maps the bot's catalog keys
    to the vendor's own model names.
    """

    name: str
    models: dict[str, str]
    poll_policy: PollPolicy

    @abc.abstractmethod
    async def submit(
        self, request: GenerateRequest, job_id: str, callback_url: str | None = None
    ) -> str:
        """Start a generation and return the vendor task id.

        ``job_id`` is random and unique across installs: a dialect with an
        idempotency key uses it. ``callback_url`` is where the vendor should
        push progress, or None when the bot polls.

        Raises ``TransientProviderError`` when a retry may succeed and
        ``ProviderError`` when the vendor refused for good.
        """

    @abc.abstractmethod
    async def status(self, task_id: str) -> TaskStatus:
        """Look at a task once."""

    @abc.abstractmethod
    async def download(self, url: str, dest: Path, max_bytes: int) -> int:
        """Save a track's audio or cover at ``url`` to ``dest``; return its size.

        Raises ``MediaError`` when it cannot be fetched or exceeds ``max_bytes``.
        """

    def accepts_callbacks(self, url: str) -> bool:
        """Whether this provider will hand ``url`` to its vendor and so hear callbacks.

        A job whose provider says no is polled from the start instead of
        waiting for callbacks that cannot come.
        """
        return False

    def read_callback(self, headers: Mapping[str, str], body: bytes, now: float) -> CallbackEvent:
        """Check a callback's signature (where the dialect signs) and freshness.

        ``headers`` keys are lower-case; ``now`` is epoch seconds. Raises
        ``CallbackRejected``. Providers that never get callbacks keep this.
        """
        raise CallbackRejected(f"{self.name} does not take callbacks")

    async def aclose(self) -> None:
        """Release connections. Providers without any need not override this."""
        return None
