"""The bot's exception hierarchy.

Every error a member may see carries a ``user_message`` written for them: no
exception text, vendor URL or secret ever reaches Discord.

    BotError
    ├── ConfigError          invalid or missing setting; stops start-up
    ├── StartupError         Discord cannot be reached or refuses the bot; stops start-up
    ├── StorageError         the database cannot be opened (stops start-up) or written
    │   └── StorageFull              no room to save now; saving works again once there is
    ├── InputError           a member's input breaks a limit; nothing is stored
    ├── ProviderError        a vendor call failed (carries a FailureReason)
    │   ├── TransientProviderError   safe to retry: 429, 5xx, connection refused
    │   ├── AnswerLost               sent, but no answer: the vendor may have acted (and charged)
    │   └── MalformedResponse        the vendor answered something unreadable
    └── MediaError           a track or cover could not be downloaded
        └── MediaRefused     ... and retrying cannot help (refused address, not media)
"""

from __future__ import annotations

import enum

from bot.i18n import N_, t


class FailureReason(enum.StrEnum):
    """Why a vendor call or a job failed, in words the member is told (see bot.discord.ui.text)."""

    CONTENT_POLICY = "content_policy"
    INVALID_INPUT = "invalid_input"
    INSUFFICIENT_CREDITS = "insufficient_credits"
    RATE_LIMITED = "rate_limited"
    PROVIDER_ERROR = "provider_error"
    TIMEOUT = "timeout"
    LINE_TIMEOUT = "line_timeout"  # waited jobs.max_wait_minutes in line, never submitted
    CANCELLED = "cancelled"
    UNKNOWN = "unknown"


class BotError(Exception):
    """Base of every error the bot raises on purpose."""

    user_message = N_("Something went wrong on my side.")

    def text(self, locale: object) -> str:
        """What the member is told, in the language of ``locale``."""
        return t(locale, self.user_message)


class ConfigError(BotError):
    """A setting is missing or invalid. ``key`` names it, ``problem`` says what is wrong."""

    def __init__(self, key: str, problem: str) -> None:
        super().__init__(f"{key}: {problem}")
        self.key = key
        self.problem = problem


class StartupError(BotError):
    """Something outside the bot stops it from starting; the message is one sentence
    for the admin, printed as the process exits."""


class StorageError(BotError):
    """The database refused. Its message is for the admin (it names the database and
    the problem); members are told only that nothing could be saved."""

    user_message = N_("The bot cannot save right now, try again later.")


class StorageFull(StorageError):
    """The disk (or the database's size cap) has no room for a write, which was undone.

    Nothing is lost: the same write succeeds once space returns.
    """


class InputError(BotError):
    """A member's input breaks a limit. The message names the field and the limit.

    ``msgid`` is the English text, a key of the message catalogs, with ``{named}``
    fields; ``text`` fills them in the member's language, ``user_message`` in English.
    """

    def __init__(self, msgid: str, /, **fields: object) -> None:
        self.msgid = msgid
        self.fields = fields
        self.user_message = msgid.format(**fields) if fields else msgid
        super().__init__(self.user_message)

    def text(self, locale: object) -> str:
        return t(locale, self.msgid, **self.fields)


class ProviderError(BotError):
    """A vendor refused or failed a call.

    ``code`` and ``detail`` are the vendor's raw words, kept for the admin log;
    ``reason`` is what the member is told.
    """

    def __init__(self, reason: FailureReason, code: str = "", detail: str = "") -> None:
        super().__init__(f"{reason.value} (vendor code {code or '-'}: {detail or '-'})")
        self.reason = reason
        self.code = code
        self.detail = detail


class TransientProviderError(ProviderError):
    """A failure that a later attempt may not meet (rate limit, 5xx, network)."""

    def __init__(
        self,
        reason: FailureReason,
        code: str = "",
        detail: str = "",
        retry_after: float | None = None,
    ) -> None:
        super().__init__(reason, code, detail)
        self.retry_after = retry_after


class AnswerLost(ProviderError):
    """A request that may have made a task was sent, and its answer lost on the way back.

    Not retried blindly (the vendor may have made, and charged, the task); a
    submit's task may still be found by its callback.
    """

    def __init__(self, code: str, detail: str) -> None:
        super().__init__(FailureReason.PROVIDER_ERROR, code, detail)


class MalformedResponse(ProviderError):
    """The vendor answered with a body the adapter cannot read."""

    def __init__(self, detail: str) -> None:
        super().__init__(FailureReason.PROVIDER_ERROR, "malformed", detail)


class MediaError(BotError):
    """A track or cover could not be fetched within the size cap."""


class MediaRefused(MediaError):
    """A download the bot will not make or keep: asking again cannot change the answer.

    Not http(s), not on a public address, not the kind of file it claims to
    be, or over its deadline.
    """
