"""What every hosted-vendor adapter shares: clients, retries, refusals, downloads.

A dialect module subclasses ``VendorProvider`` and keeps only what is its
own: its models, poll cadence and error table (class attributes), paths, body
shapes, state maps and callback checks.
"""

from __future__ import annotations

import abc
import logging
from collections.abc import Mapping
from pathlib import Path
from typing import ClassVar, TypedDict, Unpack

import httpx

from bot.errors import ProviderError
from bot.media import fetch
from bot.media.guard import GuardedTransport, public_only
from bot.providers.base import (
    AccountStatus,
    FailureReason,
    GenerateRequest,
    PollPolicy,
    Provider,
    unsupported,
)
from bot.providers.errors_table import ErrorTable
from bot.providers.http import RetryPolicy, Transient, VendorHttp
from bot.providers.settings import HttpProviderSettings

log = logging.getLogger(__name__)

DETAIL_LIMIT = 300  # vendor text kept in logs and exceptions
# What vendors answer a request whose key they refuse (as the HTTP status or the body's code).
KEY_REFUSED = frozenset({"401", "403"})


class Transports(TypedDict, total=False):
    """What carries a vendor's requests, where not the network: tests' emulators."""

    transport: httpx.AsyncBaseTransport | None  # the API calls
    media_transport: httpx.AsyncBaseTransport | None  # downloads from the vendor's CDN


class VendorProvider(Provider):
    """A vendor account reached over HTTPS with a Bearer key."""

    vendor = "vendor"  # the dialect's name in log lines, e.g. "kie"
    # A GET that needs the key and changes nothing (the status of a task that does not
    # exist), for ``account`` where the vendor has no balance call; "": none.
    probe_path = ""
    # The dialect's own: catalog key -> the vendor's model name (an entry's ``models``
    # narrows it), the poll cadence its docs advise (an entry's settings may change
    # it) and its error codes (an entry's ``error_reasons`` override them).
    vendor_models: ClassVar[Mapping[str, str]]
    default_poll: ClassVar[PollPolicy]
    error_table: ClassVar[ErrorTable]

    def accepts_callbacks(self, url: str) -> bool:
        return True

    def __init__(self, settings: HttpProviderSettings, **transports: Unpack[Transports]) -> None:
        self.name = settings.name
        self.price = settings.price()
        self.models = {
            key: vendor
            for key, vendor in self.vendor_models.items()
            if not settings.models or key in settings.models
        }
        self.poll_policy = settings.poll_policy(self.default_poll)
        self._settings = settings
        self._key = settings.api_key.get_secret_value()
        self._secret = settings.webhook_secret.get_secret_value()
        self._errors = self.error_table.merged(settings.error_reasons)
        self._client = httpx.AsyncClient(
            base_url=settings.base_url,
            headers={"Authorization": f"Bearer {self._key}"},
            timeout=settings.timeout_seconds,
            transport=transports.get("transport"),
        )
        # Media lives on vendor CDNs: this client never carries the API key, and
        # by default reaches public addresses only (see bot.media.guard).
        self._media = httpx.AsyncClient(
            timeout=settings.timeout_seconds,
            follow_redirects=True,
            transport=transports.get("media_transport") or GuardedTransport(public_only),
            trust_env=False,
        )
        self._http = VendorHttp(
            self._client, RetryPolicy.from_settings(settings), classify=self._classify
        )

    @abc.abstractmethod
    def _classify(self, response: httpx.Response) -> Transient | None:
        """Why an answer deserves another attempt (``VendorHttp``'s hook), or None."""

    async def account(self) -> AccountStatus:
        """The key checked by ``probe_path``: any answer but a refused key means it works."""
        if not self.probe_path:
            return await super().account()
        response = await self._http.request("GET", self.probe_path)
        return AccountStatus(key_accepted=not refuses_key(response))

    async def download(self, url: str, dest: Path, max_bytes: int) -> int:
        return await fetch.download(self._media, url, dest, max_bytes)

    async def aclose(self) -> None:
        try:
            await self._client.aclose()
        finally:
            await self._media.aclose()

    def _vendor_model(self, request: GenerateRequest) -> str:
        """The vendor's name for the requested model; refused before any request if none.

        A request needing an operation this provider does not offer is refused
        here too, so every adapter's ``submit`` starts with this call.
        """
        missing = request.needs() - self.operations
        if missing:
            raise unsupported(self, min(missing))
        model = self.models_for(request.operation).get(request.model)
        if model is None:
            # A model the vendor has may still not run this operation (kie layers on two).
            where = f" for {request.operation}" if request.model in self.models else ""
            raise ProviderError(
                FailureReason.INVALID_INPUT,
                "model",
                f"{self.name} does not offer {request.model}{where}",
            )
        return model

    def _clean(self, text: str) -> str:
        """Vendor text fit for logs and exceptions: bounded, and never the key or secret."""
        for secret in (self._key, self._secret):
            if secret:
                text = text.replace(secret, "***")
        return text[:DETAIL_LIMIT]

    def _refused(
        self, reason: FailureReason, code: str, detail: str, *, where: str, bad_key: bool
    ) -> ProviderError:
        """Log a refusal at the level its audience needs and return it as a ``ProviderError``.

        ``where`` names the code for the log ("code 401", "HTTP 401"); ``detail``
        must already be cleaned.
        """
        if bad_key:
            # Loud, for the admin: every job on this provider fails until the key is fixed.
            log.error(
                "%s: %s rejected the API key (%s); check the %s environment variable",
                self.name,
                self.vendor,
                where,
                self._settings.api_key_env,
            )
        elif reason is FailureReason.INSUFFICIENT_CREDITS:
            log.error("%s: %s account is out of credits (%s)", self.name, self.vendor, where)
        else:
            log.warning("%s: %s refused (%s): %s", self.name, self.vendor, where, detail)
        return ProviderError(reason, code, detail)


def refuses_key(response: httpx.Response) -> bool:
    """Whether the answer says the key is wrong: by its HTTP status or its body's ``code``."""
    if str(response.status_code) in KEY_REFUSED:
        return True
    try:
        body = response.json()
    except ValueError:
        return False
    return isinstance(body, dict) and str(body.get("code")) in KEY_REFUSED
