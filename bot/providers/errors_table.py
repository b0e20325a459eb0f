"""Vendor error codes as data: code → reason, and which codes are worth retrying.

Resellers of the same API disagree on codes (sunoapi.org's 429 means "out of
credits"), so each provider entry merges its own overrides from config over the
dialect's table instead of anyone editing code.
"""

from __future__ import annotations

from collections.abc import Mapping
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
