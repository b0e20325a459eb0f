"""The doctor's vendor checks: each key (and balance), and the callback receiver's address."""

from __future__ import annotations

import asyncio
import ipaddress
import socket
from urllib.parse import urlsplit

from bot.config import CallbackSettings, ProviderSettings, Settings
from bot.errors import ProviderError
from bot.ops.checks import TIMEOUT_SECONDS, Check
from bot.providers.base import AccountStatus, Provider
from bot.providers.registry import build_providers
from bot.providers.settings import HttpProviderSettings

# Names that never reach the internet, whatever they resolve to here.
_LOCAL_SUFFIXES = (".localhost", ".local", ".internal", ".lan", ".home.arpa")


async def check_providers(settings: Settings) -> list[Check]:
    entries = {entry.name: entry for entry in settings.providers}
    providers = build_providers([_quick(e) for e in settings.providers], settings.media)
    try:
        return [await _check_key(p, entries[p.name]) for p in providers]
    finally:
        for provider in providers:
            await provider.aclose()


def _quick(entry: ProviderSettings) -> ProviderSettings:
    """The entry without retries and with a short timeout: a dead host must not hang the doctor."""
    if not isinstance(entry, HttpProviderSettings):
        return entry
    timeout = min(entry.timeout_seconds, TIMEOUT_SECONDS)
    return entry.model_copy(update={"retries": 0, "timeout_seconds": timeout})


async def _check_key(provider: Provider, entry: ProviderSettings) -> Check:
    what = f"provider {provider.name}"
    try:
        account = await provider.account()
    except ProviderError as exc:
        return Check.fail(
            what,
            f"{entry.kind} could not be asked ({exc.code or exc.reason}: {exc.detail or '-'})",
            "check the network and the entry's base_url; if the vendor is down, try later",
        )
    return _verdict(what, entry, account)


def _verdict(what: str, entry: ProviderSettings, account: AccountStatus) -> Check:
    env = entry.api_key_env if isinstance(entry, HttpProviderSettings) else ""
    if account.key_accepted is None:
        return Check.warn(what, f"cannot check the key: {entry.kind} offers no call for it")
    if not account.key_accepted:
        return Check.fail(
            what,
            f"{entry.kind} rejected the key in {env}",
            f"set {env} to a valid API key from your {entry.kind} account",
        )
    if account.balance is None:
        return Check.ok(what, account.note or f"{entry.kind} accepted the key in {env}")
    result = f"{entry.kind} accepted the key in {env}; balance {account.balance:g} credits"
    if account.balance <= 0:
        return Check.warn(what, result, f"add credits to the {entry.kind} account")
    return Check.ok(what, result)


async def check_callbacks(settings: CallbackSettings) -> Check:
    if not settings.enabled:
        return Check.ok("callbacks", "off: the bot polls vendors for progress")
    url = settings.public_url
    parts = urlsplit(url)
    fix = (
        "set [callbacks] public_url to the https:// address the internet reaches the bot at"
        " (a reverse proxy forwarding to listen_port), or turn callbacks off"
    )
    if parts.scheme != "https":
        return Check.fail("callbacks", f"public_url {url} is not https: vendors refuse it", fix)
    host = parts.hostname or ""
    problem = await _not_public(host)
    if problem is None:
        return Check.warn(
            "callbacks",
            f"cannot resolve {host} from here, so cannot tell whether vendors reach {url}",
            "check the name's DNS record; once the bot runs, its log shows callbacks arriving",
        )
    if problem:
        return Check.fail("callbacks", f"public_url {url} {problem}: vendors cannot reach it", fix)
    return Check.ok(
        "callbacks",
        f"public_url {url} is https on a public address (not tried from outside)",
    )


async def _not_public(host: str) -> str | None:
    """Why ``host`` is not on the internet; "" when it is; None when it cannot be resolved."""
    if host == "localhost" or host.endswith(_LOCAL_SUFFIXES):
        return "names a local host"
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        pass
    else:
        return "" if address.is_global else f"is a private address ({address})"
    try:
        found = await asyncio.wait_for(
            asyncio.get_running_loop().getaddrinfo(host, 443, type=socket.SOCK_STREAM),
            TIMEOUT_SECONDS,
        )
    except (OSError, TimeoutError):
        return None
    private = [a for a in (ipaddress.ip_address(i[4][0]) for i in found) if not a.is_global]
    return f"resolves to a private address ({private[0]})" if private else ""
