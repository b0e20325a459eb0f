"""Which addresses vendor media may be fetched from, enforced where the socket is opened.

A vendor answer names the URL of every track and cover, and the bot fetches
it from inside the admin's network. A URL naming ``127.0.0.1``, a LAN host or
the cloud metadata service (``169.254.169.254``) would make the bot read
internal services and post what came back publicly as the song.

The check runs in the connection layer, not on the URL: ``GuardedBackend``
resolves the host once, refuses the connection unless every address is
allowed, and connects to the address it checked. So spellings such as
``0x7f000001`` or ``2130706433``, a name that resolves inwards, every redirect
hop and a DNS answer that changes between check and connect (rebinding) are
all covered, while TLS still verifies the certificate against the host name.
"""

from __future__ import annotations

import asyncio
import ipaddress
import socket
from collections.abc import Callable, Iterable

import httpcore
import httpx

from bot.errors import MediaRefused

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
AddressPolicy = Callable[[IPAddress], bool]

_NAT64 = ipaddress.IPv6Network("64:ff9b::/96")
_SHARED = ipaddress.IPv4Network("100.64.0.0/10")  # carrier-grade NAT: not on the internet


def _embedded_ipv4(address: ipaddress.IPv6Address) -> ipaddress.IPv4Address | None:
    """The IPv4 address an IPv6 form routes to: mapped, 6to4 or NAT64."""
    if address.ipv4_mapped is not None:
        return address.ipv4_mapped
    if address.sixtofour is not None:
        return address.sixtofour
    if address in _NAT64:
        return ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
    return None


def _never(address: IPAddress) -> bool:
    """Addresses no fetch may reach, even with the testing setting on."""
    return (
        address.is_link_local  # 169.254.169.254: cloud metadata
        or address.is_multicast
        or address.is_unspecified
        or address.is_reserved
    )


def public_only(address: IPAddress) -> bool:
    """The default policy: only addresses on the public internet."""
    if isinstance(address, ipaddress.IPv6Address):
        inner = _embedded_ipv4(address)
        if inner is not None:
            return public_only(inner)
    return (
        address.is_global
        and not _never(address)
        and not address.is_loopback
        and not address.is_private
        and address not in _SHARED
    )


def also_private(address: IPAddress) -> bool:
    """FOR TESTS ONLY: loopback and private networks too, where the emulators serve media."""
    if isinstance(address, ipaddress.IPv6Address):
        inner = _embedded_ipv4(address)
        if inner is not None:
            return also_private(inner)
    return address.is_loopback or not _never(address)  # ::1 sits in the reserved ::/8


def policy_for(allow_private_addresses: bool) -> AddressPolicy:
    return also_private if allow_private_addresses else public_only


class GuardedBackend(httpcore.AsyncNetworkBackend):
    """httpcore's network backend, opening TCP connections only to allowed addresses."""

    def __init__(self, policy: AddressPolicy) -> None:
        self._policy = policy
        self._inner = httpcore.AnyIOBackend()

    async def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,  # noqa: ASYNC109 - httpcore's signature
        local_address: str | None = None,
        socket_options: Iterable[httpcore.SOCKET_OPTION] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        addresses = await _resolve(host, port, timeout)
        if not addresses or not all(self._policy(a) for a in addresses):
            # Neither the host nor the address: both may come from the vendor's URL.
            raise MediaRefused("media is not on a public address; not fetched")
        error: Exception | None = None
        for address in addresses:  # every one was checked; try them in the resolver's order
            try:
                return await self._inner.connect_tcp(
                    str(address), port, timeout, local_address, socket_options
                )
            except httpcore.ConnectError as exc:
                error = exc
        assert error is not None
        raise error

    async def connect_unix_socket(
        self,
        path: str,
        timeout: float | None = None,  # noqa: ASYNC109 - httpcore's signature
        socket_options: Iterable[httpcore.SOCKET_OPTION] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        raise MediaRefused("media is never fetched over a local socket")

    async def sleep(self, seconds: float) -> None:
        await self._inner.sleep(seconds)


async def _resolve(host: str, port: int, seconds: float | None) -> list[IPAddress]:
    loop = asyncio.get_running_loop()
    try:
        async with asyncio.timeout(seconds):
            infos = await loop.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (OSError, TimeoutError) as exc:
        raise httpcore.ConnectError(f"media host not resolved ({type(exc).__name__})") from None
    found: list[IPAddress] = []
    for *_, sockaddr in infos:
        # An IPv6 sockaddr may carry a scope ("fe80::1%eth0"): the scope is not the address.
        address = ipaddress.ip_address(str(sockaddr[0]).split("%", 1)[0])
        if address not in found:
            found.append(address)
    return found


class GuardedTransport(httpx.AsyncHTTPTransport):
    """httpx's own transport, on a connection pool whose every socket is checked.

    httpx 0.28 cannot pass a network backend to ``AsyncHTTPTransport``, so the
    pool it builds is replaced by one with ``GuardedBackend``; everything else
    (request and response mapping, exception mapping) stays httpx's own.
    Environment proxies are ignored: through a proxy the bot could not see,
    let alone check, the address it reaches.
    """

    def __init__(self, policy: AddressPolicy) -> None:
        super().__init__(trust_env=False)
        self._pool = httpcore.AsyncConnectionPool(
            ssl_context=httpx.create_ssl_context(trust_env=False),
            # httpx's defaults, as AsyncHTTPTransport would have set them.
            max_connections=100,
            max_keepalive_connections=20,
            keepalive_expiry=5.0,
            network_backend=GuardedBackend(policy),
        )
