"""The provider-neutral model: what the bot keeps of any vendor's task.

Adapters translate their dialect into these types; nothing outside
``bot.providers`` knows a vendor's field names. No Discord imports here.
"""

from __future__ import annotations

import abc
import enum
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from types import MappingProxyType
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field

from bot.errors import FailureReason, ProviderError

__all__ = ["FailureReason"]  # re-exported: the provider-neutral model names it


class TaskState(enum.StrEnum):
    """A vendor task's state as the vendor last reported it (``Job.state``); what a
    member sees is the job's ``Stage`` (bot/jobs/models.py), built from it."""

    QUEUED = "queued"
    RUNNING = "running"
    PARTIAL = "partial"  # at least one track can be streamed
    SUCCEEDED = "succeeded"
    FAILED = "failed"
    CANCELLED = "cancelled"  # by a member, in the bot: no vendor reports it

    @property
    def terminal(self) -> bool:
        return self in (TaskState.SUCCEEDED, TaskState.FAILED, TaskState.CANCELLED)


class Operation(enum.StrEnum):
    """What a provider can be asked to do. Every provider makes songs from a description."""

    SONG = "song"  # two songs from a description (or, with ``custom``, from lyrics)
    CUSTOM = "custom"  # custom mode: own lyrics, style and title
    TUNING = "tuning"  # negative tags, vocal gender, style/weirdness/audio weights
    EXTEND = "extend"  # continue a finished track
    # Restyle a member's uploaded audio; Suno calls it a "cover". The value stays
    # "cover" because jobs store it (and it is not cover art: that is a track's image).
    RESTYLE = "cover"
    UPLOAD_EXTEND = "upload_extend"  # continue a member's uploaded audio
    ADD_VOCALS = "add_vocals"  # sing over a member's uploaded instrumental
    ADD_INSTRUMENTAL = "add_instrumental"  # accompany a member's uploaded vocals
    WAV = "wav"  # a finished track as lossless WAV
    STEMS = "stems"  # a finished track split into vocals and instrumental
    VIDEO = "video"  # a finished track as a music video
    WRITE_LYRICS = "write_lyrics"  # lyrics written from a theme (answered inline)
    TIMED_LYRICS = "timed_lyrics"  # a track's lyrics with a time for every word (inline)
    BOOST_STYLE = "boost_style"  # a fuller style text written from a short one (inline)

    @property
    def makes_tracks(self) -> bool:
        """Whether a job of this operation ends with two new songs (else with files)."""
        return self in (Operation.SONG, Operation.EXTEND) or self.from_upload

    @property
    def makes(self) -> Operation:
        """What a job of it makes, as members are told: ``SONG`` for every operation that
        makes songs, else itself (a WAV, stems, a video)."""
        return Operation.SONG if self.makes_tracks else self

    @property
    def from_upload(self) -> bool:
        """Whether it starts from audio a member uploaded (``GenerateRequest.upload_url``)."""
        return self in (
            Operation.RESTYLE,
            Operation.UPLOAD_EXTEND,
            Operation.ADD_VOCALS,
            Operation.ADD_INSTRUMENTAL,
        )

    @property
    def follows_up(self) -> bool:
        """Whether it works on an existing track, which only its own vendor knows."""
        return self in (Operation.EXTEND, Operation.WAV, Operation.STEMS, Operation.VIDEO)


VocalGender = Literal["m", "f"]
Weight = Annotated[float, Field(ge=0, le=1)]


class TrackRef(BaseModel):
    """A finished track a follow-up works on: the vendor needs both ids."""

    model_config = ConfigDict(frozen=True)

    task_id: str
    track_id: str
    duration: float | None = None
    title: str = ""


class GenerateRequest(BaseModel):
    """What a member asked for, in the bot's own terms (model is a catalog key).

    ``operation`` says which vendor call it becomes. In custom mode
    (``custom``) ``lyrics``, ``style`` and ``title`` are sent as they are and
    ``prompt`` is unused; follow-ups name their ``source`` track.
    """

    model_config = ConfigDict(frozen=True)

    prompt: str = ""
    model: str
    instrumental: bool = False
    style: str = ""
    title: str = ""
    operation: Operation = Operation.SONG
    custom: bool = False
    lyrics: str = ""
    negative_tags: str = ""
    vocal_gender: VocalGender | None = None
    style_weight: Weight | None = None
    weirdness: Weight | None = None
    audio_weight: Weight | None = None
    source: TrackRef | None = None  # extend, wav, stems, video
    # extend: seconds into the source, None = its end; upload extend: into the upload
    continue_at: float | None = None
    upload_url: str = ""  # operations from an upload: where the vendor fetches the audio

    def needs(self) -> frozenset[Operation]:
        """The operations a provider must offer to take this request."""
        wanted = {self.operation}
        if self.custom:
            wanted.add(Operation.CUSTOM)
        if self.tuned:
            wanted.add(Operation.TUNING)
        return frozenset(wanted)

    @property
    def tuned(self) -> bool:
        """Whether any of the finer controls (``Operation.TUNING``) is set."""
        tuning = (self.vocal_gender, self.style_weight, self.weirdness, self.audio_weight)
        return bool(self.negative_tags) or any(v is not None for v in tuning)

    def vendor_prompt(self) -> str:
        """The description sent in description (non-custom) mode.

        Vendors ignore ``style`` outside custom mode, so it rides along in the
        description, which is why the two share the description's limit.
        """
        if not self.style:
            return self.prompt
        return f"{self.prompt}\nStyle: {self.style}"


def last_whole_second(length: float) -> int:
    """The largest whole second strictly inside ``length`` seconds of audio: where a
    continuation starts by default (vendors want 0 < continueAt < length)."""
    return math.ceil(length) - 1


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


class OutputFile(BaseModel):
    """A file a follow-up made from a track (a WAV, a stem, a video)."""

    label: str  # what members see: "WAV", "Vocals", "Instrumental", "Video"
    url: str
    suffix: str  # ".wav", ".mp3", ".mp4"


class TaskStatus(BaseModel):
    """One look at a vendor task."""

    state: TaskState
    tracks: list[Track] = []
    files: list[OutputFile] = []  # what a WAV, stems or video task made
    failure: FailureReason | None = None
    code: str = ""  # the vendor's raw status or error code, for the admin log
    detail: str = ""  # the vendor's raw message, for the admin log
    progress: int | None = None  # 0-100 where the vendor reports it


class LyricsDraft(BaseModel):
    """Lyrics a provider wrote from a theme."""

    title: str = ""
    text: str


class TimedWord(BaseModel):
    """One sung word and when it starts and ends, in seconds into the track."""

    word: str  # may carry the line break that ends its line
    start: float
    end: float


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
class Price:
    """What one task costs at a provider, from its config entry; None where unknown.

    Money (US dollars) and the vendor's own credits are separate figures: a
    vendor may publish one, both or neither (kie.ai publishes no price).
    """

    usd: float | None = None
    credits: float | None = None
    usd_by_operation: Mapping[Operation, float] = field(default_factory=dict)
    credits_by_operation: Mapping[Operation, float] = field(default_factory=dict)

    def usd_for(self, operation: Operation) -> float | None:
        return self.usd_by_operation.get(operation, self.usd)

    def credits_for(self, operation: Operation) -> float | None:
        return self.credits_by_operation.get(operation, self.credits)

    def paid(self, operation: Operation) -> bool:
        """Whether a task may cost money: an unknown price is not a free one."""
        return self.usd_for(operation) != 0


@dataclass(frozen=True)
class CallbackEvent:
    """What a vendor callback that passed its checks says, as far as it can be trusted.

    For an unsigned dialect it is only a wake-up: the runner confirms the
    task's state with one status fetch before acting on anything.
    """

    task_id: str | None  # the task the body names, when it names one
    event_id: str | None  # the vendor's unique event id, for refusing replays


@dataclass(frozen=True)
class AccountStatus:
    """What a vendor says about the account its key opens (``Provider.account``)."""

    key_accepted: bool | None  # None: the vendor offers no call to check the key with
    balance: float | None = None  # its credits, where the vendor reports them
    note: str = ""  # anything else the admin should read, e.g. "no key needed"


class CallbackRejected(Exception):
    """A callback failed its signature, freshness or shape check; nothing may change."""


class CallbackMalformed(CallbackRejected):
    """A callback whose headers cannot even be read (a timestamp that is no number).

    A client error rather than a failed check: the receiver answers 400, not 401.
    """


class Provider(abc.ABC):
    """One configured vendor account (or the sandbox).

    ``name`` is the config entry's name; ``models`` maps the bot's catalog keys
    to the vendor's own model names.
    """

    name: str
    models: dict[str, str]
    poll_policy: PollPolicy
    operations: frozenset[Operation] = frozenset({Operation.SONG})
    # Whether submitting the same job id again can never make a second paid
    # task (an idempotency key, or nothing remote at all): a submit cut off by a
    # crash is then simply sent again.
    idempotent_submit: bool = False
    # What its tasks cost, from the config entry (unknown unless set there).
    price: Price = Price()

    # Operations the vendor runs on some of its models only (catalog keys); the
    # others run on every model it has.
    operation_models: Mapping[Operation, frozenset[str]] = MappingProxyType({})

    def can(self, request: GenerateRequest) -> bool:
        """Whether this provider offers the request's model and every operation it needs."""
        return request.model in self.models_for(request.operation) and (
            request.needs() <= self.operations
        )

    def models_for(self, operation: Operation) -> dict[str, str]:
        """The models (catalog key -> vendor name) ``operation`` runs on here."""
        only = self.operation_models.get(operation)
        return {k: v for k, v in self.models.items() if only is None or k in only}

    @abc.abstractmethod
    async def submit(
        self, request: GenerateRequest, job_id: str, callback_url: str | None = None
    ) -> str:
        """Start ``request.operation`` and return the vendor task id.

        ``job_id`` is random and unique across installs: a dialect with an
        idempotency key uses it. ``callback_url`` is where the vendor should
        push progress, or None when the bot polls.

        Raises ``TransientProviderError`` when a retry may succeed and
        ``ProviderError`` when the vendor refused for good (an operation this
        provider does not offer is refused before any request).
        """

    @abc.abstractmethod
    async def status(self, task_id: str, operation: Operation = Operation.SONG) -> TaskStatus:
        """Look at a task once; ``operation`` is the one that created it.

        Song operations report ``tracks``; WAV, stems and video report ``files``.
        """

    @abc.abstractmethod
    async def download(self, url: str, dest: Path, max_bytes: int) -> int:
        """Save a track's audio or cover at ``url`` to ``dest``; return its size.

        Raises ``MediaError`` when it cannot be fetched or exceeds ``max_bytes``.
        """

    async def write_lyrics(self, theme: str) -> list[LyricsDraft]:
        """Lyrics written from ``theme`` (``Operation.WRITE_LYRICS``), waiting for them.

        Raises ``ProviderError`` (``TransientProviderError`` when a retry may help).
        """
        raise unsupported(self, Operation.WRITE_LYRICS)

    async def timed_lyrics(self, track: TrackRef) -> list[TimedWord]:
        """The words of ``track`` with their times (``Operation.TIMED_LYRICS``)."""
        raise unsupported(self, Operation.TIMED_LYRICS)

    async def boost_style(self, style: str) -> str:
        """A fuller style text written from the short ``style`` (``Operation.BOOST_STYLE``).

        Answered at once. Raises ``ProviderError`` (``TransientProviderError`` when a
        retry may help).
        """
        raise unsupported(self, Operation.BOOST_STYLE)

    async def cancel(self, task_id: str) -> bool:
        """Ask the vendor to stop a task a member cancelled; True when it surely did.

        No vendor documents a cancel call yet, so none overrides this: the bot
        then only ignores the task, which the vendor may still charge for.
        Never raises: the job is already cancelled on the bot's side.
        """
        return False

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

    async def balance(self) -> float | None:
        """The account's credit balance as the vendor reports it; None when it reports none.

        Raises ``ProviderError`` when the vendor refuses to say.
        """
        return None

    async def account(self) -> AccountStatus:
        """Whether the vendor accepts the key, with the balance where it reports one.

        One cheap call that makes nothing and costs nothing (``suno-bot doctor``).
        This default, for a vendor with no such call, says it cannot tell. Raises
        ``ProviderError`` when the vendor cannot be reached or answers something else.
        """
        return AccountStatus(key_accepted=None)

    async def aclose(self) -> None:
        """Release connections. Providers without any need not override this."""
        return None


def unsupported(provider: Provider, operation: Operation) -> ProviderError:
    """The refusal for an operation ``provider`` does not offer; no request was made."""
    return ProviderError(
        FailureReason.INVALID_INPUT, "unsupported", f"{provider.name} does not offer {operation}"
    )
