"""Vendor error codes as data: code → reason, and which codes are worth retrying.

Resellers of the same API disagree on codes (sunoapi.org's 429 means "out of
credits"), so each provider entry merges its own overrides from config over the
dialect's table instead of anyone editing code.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from types import MappingProxyType

from bot.providers.base import FailureReason


@dataclass(frozen=True)
class ErrorTable:
    reasons: Mapping[str, FailureReason]
    # Codes that mean "try again later" while they still map to provider_error.
    transient: frozenset[str] = field(default_factory=frozenset)
    fallback: FailureReason = FailureReason.PROVIDER_ERROR

    def __post_init__(self) -> None:
        object.__setattr__(self, "reasons", MappingProxyType(dict(self.reasons)))

    def extended(
        self, reasons: Mapping[str, FailureReason], transient: Iterable[str] = ()
    ) -> ErrorTable:
        """A dialect's table: this one's codes with its own (``reasons``, ``transient``) on top."""
        return replace(
            self,
            reasons={**self.reasons, **reasons},
            transient=self.transient | frozenset(transient),
        )

    def merged(self, overrides: Mapping[str, FailureReason]) -> ErrorTable:
        """This table with ``overrides`` (a provider entry's ``error_reasons``) on top."""
        extra = {str(code).strip(): reason for code, reason in overrides.items()}
        return replace(self, reasons={**self.reasons, **extra})

    def reason(self, code: str) -> FailureReason:
        return self.reasons.get(code, self.fallback)

    def is_transient(self, code: str) -> bool:
        """Retry a rate limit always, and a listed code unless an override re-purposed it.

        The second clause is what lets a reseller map 429 to insufficient_credits
        and have it fail at once instead of being retried.
        """
        reason = self.reason(code)
        if reason is FailureReason.RATE_LIMITED:
            return True
        return reason is FailureReason.PROVIDER_ERROR and code in self.transient


R = FailureReason
# The HTTP statuses of a refused call, as the vendors that send them plainly mean them;
# a dialect adds its own codes (``extended``).
HTTP_STATUSES = ErrorTable(
    reasons={
        "400": R.INVALID_INPUT,
        "401": R.PROVIDER_ERROR,  # our key is wrong: the admin's problem, not the member's
        "402": R.INSUFFICIENT_CREDITS,
        "403": R.PROVIDER_ERROR,  # the key lacks access: the admin's problem too
        "404": R.PROVIDER_ERROR,
        "429": R.RATE_LIMITED,
        "500": R.PROVIDER_ERROR,
        "502": R.PROVIDER_ERROR,
        "503": R.PROVIDER_ERROR,
        "504": R.PROVIDER_ERROR,
    },
    transient=frozenset({"429", "500", "502", "503", "504"}),
)
