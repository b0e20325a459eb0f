"""Vendor media is untrusted: only public http(s) addresses are fetched, and only real media kept.

Every fetch goes over real HTTP to servers on loopback; the address policy is
injected, so a test can allow exactly one loopback address and prove that a
redirect to another one is refused.
"""

from __future__ import annotations

import io
import ipaddress
import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest
import pytest_asyncio
from aiohttp import web
from PIL import Image
from pydantic import SecretStr

from bot.config import load_settings
from bot.errors import MediaError
from bot.media.fetch import download
from bot.media.guard import AddressPolicy, GuardedTransport, also_private, public_only
from bot.media.settings import MediaSettings
from bot.media.types import sniff
from bot.providers.kie import KieSettings
from bot.providers.registry import build_providers
from tests.fakes.vendor.media import cover_png, sine_mp3, sine_wav, stub_mp4

TOKEN = "sig-0123456789abcdef"  # a signed-URL token: never in an error or a log line
CAP = 10_000_000
EXAMPLE_CONFIG = Path(__file__).resolve().parents[1] / "config.example.toml"
HTML = b"<!DOCTYPE html><html><body>Please log in</body></html>"


Route = Callable[[web.Request], Awaitable[web.StreamResponse]]


@dataclass
class Server:
    """A media host on one loopback address: ``routes`` maps a path to its answer."""

    host: str
    routes: dict[str, Route] = field(default_factory=dict)
    hits: int = 0
    port: int = 0

    def url(self, path: str, host: str | None = None) -> str:
        return f"http://{host or self.host}:{self.port}{path}?token={TOKEN}"

    async def handle(self, request: web.Request) -> web.StreamResponse:
        self.hits += 1
        route = self.routes.get(request.path)
        if route is None:
            raise web.HTTPNotFound()
        return await route(request)


async def _serve(host: str) -> AsyncIterator[Server]:
    server = Server(host)
    app = web.Application()
    app.router.add_route("*", "/{tail:.*}", server.handle)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    await web.TCPSite(runner, host, 0).start()
    server.port = runner.addresses[0][1]
    yield server
    await runner.cleanup()


@pytest_asyncio.fixture
async def cdn() -> AsyncIterator[Server]:
    async for server in _serve("127.0.0.1"):
        yield server


@pytest_asyncio.fixture
async def internal() -> AsyncIterator[Server]:
    """A second host on another loopback address, standing in for an internal service."""
    async for server in _serve("127.0.0.2"):
        yield server


def body(data: bytes, kind: str = "application/octet-stream") -> Route:
    async def answer(request: web.Request) -> web.Response:
        return web.Response(body=data, content_type=kind)

    return answer


async def fetch(url: str, dest: Path, policy: AddressPolicy = public_only) -> int:
    async with httpx.AsyncClient(
        follow_redirects=True, timeout=5, transport=GuardedTransport(policy)
    ) as client:
        return await download(client, url, dest, CAP)


# -- which addresses are public ----------------------------------------------------------


REFUSED = [
    "127.0.0.1",
    "127.8.9.10",
    "10.1.2.3",
    "172.16.0.1",
    "192.168.1.1",
    "100.64.0.1",  # carrier-grade NAT
    "169.254.169.254",  # cloud metadata
    "0.0.0.0",  # noqa: S104 - refused, not bound to
    "224.0.0.1",
    "239.255.255.250",
    "240.0.0.1",
    "255.255.255.255",
    "192.0.2.1",  # documentation
    "198.18.0.1",  # benchmarking
    "::1",
    "::",
    "fe80::1",
    "fc00::1",
    "fd12:3456::1",
    "ff02::1",
    "::ffff:127.0.0.1",
    "::ffff:169.254.169.254",
    "::ffff:10.0.0.1",
    "::127.0.0.1",
    "2002:7f00:1::1",  # 6to4 around 127.0.0.1
    "2002:a9fe:a9fe::1",  # 6to4 around 169.254.169.254
    "64:ff9b::a9fe:a9fe",  # NAT64 around 169.254.169.254
    "2001:db8::1",
]


@pytest.mark.parametrize("address", REFUSED)
def test_non_public_addresses_are_refused(address: str) -> None:
    assert not public_only(ipaddress.ip_address(address))


@pytest.mark.parametrize("address", ["8.8.8.8", "104.16.1.1", "2606:4700::1111", "2002:808:808::1"])
def test_public_addresses_are_allowed(address: str) -> None:
    assert public_only(ipaddress.ip_address(address))


@pytest.mark.parametrize(
    ("address", "allowed"),
    [
        ("127.0.0.1", True),
        ("::1", True),
        ("10.1.2.3", True),
        ("8.8.8.8", True),
        ("169.254.169.254", False),
        ("::ffff:169.254.169.254", False),
        ("224.0.0.1", False),
        ("0.0.0.0", False),  # noqa: S104 - refused, not bound to
    ],
)
def test_the_testing_policy_allows_loopback_and_private_only(address: str, allowed: bool) -> None:
    assert also_private(ipaddress.ip_address(address)) is allowed


# -- refusals over real HTTP ------------------------------------------------------------


SPELLINGS = ["127.0.0.1", "localhost", "0x7f000001", "2130706433", "127.1", "[::ffff:127.0.0.1]"]


@pytest.mark.parametrize("spelling", SPELLINGS)
async def test_loopback_in_any_spelling_is_refused(
    spelling: str, cdn: Server, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    cdn.routes["/song.mp3"] = body(sine_mp3())
    caplog.set_level(logging.DEBUG, logger="bot")  # library loggers: see bot.run
    dest = tmp_path / "song.mp3"
    with pytest.raises(MediaError, match="public") as refused:
        await fetch(cdn.url("/song.mp3", spelling), dest)
    assert cdn.hits == 0
    assert not dest.exists()
    assert TOKEN not in str(refused.value)
    assert TOKEN not in caplog.text


@pytest.mark.parametrize("spelling", SPELLINGS)
async def test_the_same_spellings_reach_the_server_when_loopback_is_allowed(
    spelling: str, cdn: Server, tmp_path: Path
) -> None:
    """The control for the test above: each spelling does lead to the loopback server."""
    cdn.routes["/song.mp3"] = body(sine_mp3())
    dest = tmp_path / "song.mp3"
    assert await fetch(cdn.url("/song.mp3", spelling), dest, also_private) == len(sine_mp3())
    assert cdn.hits == 1


async def test_the_metadata_address_is_refused_before_connecting(tmp_path: Path) -> None:
    with pytest.raises(MediaError, match="public"):
        await fetch(f"http://169.254.169.254/latest/meta-data/?token={TOKEN}", tmp_path / "x")


@pytest.mark.parametrize(
    "url", ["file:///etc/passwd", "ftp://example.com/song.mp3", "gopher://example.com/"]
)
async def test_only_http_and_https_are_fetched(url: str, tmp_path: Path) -> None:
    with pytest.raises(MediaError, match="http"):
        await fetch(url, tmp_path / "song.mp3", also_private)


def redirect_to(url: str) -> Route:
    async def answer(request: web.Request) -> web.Response:
        raise web.HTTPFound(url)

    return answer


def only(host: str) -> AddressPolicy:
    allowed = ipaddress.ip_address(host)
    return lambda address: address == allowed


async def test_a_redirect_to_a_refused_address_is_not_followed(
    cdn: Server, internal: Server, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    internal.routes["/secret"] = body(sine_mp3())
    cdn.routes["/song.mp3"] = redirect_to(internal.url("/secret"))
    caplog.set_level(logging.DEBUG, logger="bot")  # library loggers: see bot.run
    dest = tmp_path / "song.mp3"
    with pytest.raises(MediaError, match="public") as refused:
        await fetch(cdn.url("/song.mp3"), dest, only(cdn.host))
    assert cdn.hits == 1
    assert internal.hits == 0
    assert not dest.exists()
    assert TOKEN not in str(refused.value)
    assert TOKEN not in caplog.text


async def test_a_redirect_between_allowed_addresses_is_followed(
    cdn: Server, internal: Server, tmp_path: Path
) -> None:
    internal.routes["/song.mp3"] = body(sine_mp3())
    cdn.routes["/song.mp3"] = redirect_to(internal.url("/song.mp3"))
    dest = tmp_path / "song.mp3"
    assert await fetch(cdn.url("/song.mp3"), dest, also_private) == len(sine_mp3())
    assert dest.read_bytes() == sine_mp3()


async def test_a_redirect_to_a_file_url_is_refused(cdn: Server, tmp_path: Path) -> None:
    cdn.routes["/song.mp3"] = redirect_to("file:///etc/passwd")
    with pytest.raises(MediaError):
        await fetch(cdn.url("/song.mp3"), tmp_path / "song.mp3", also_private)


# -- what was downloaded is what it claims --------------------------------------------------


def _image(kind: str) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (8, 8), (200, 10, 10)).save(out, format=kind)
    return out.getvalue()


ID3 = b"ID3\x04\x00\x00\x00\x00\x00\x0a" + bytes(10) + sine_mp3()
FLAC = b"fLaC\x00\x00\x00\x22" + bytes(34)
OGG = b"OggS\x00\x02" + bytes(22)
M4A = b"\x00\x00\x00\x20ftypM4A \x00\x00\x00\x00M4A mp42isom" + bytes(8)


@pytest.mark.parametrize(
    ("data", "kind"),
    [
        (sine_mp3(), "mp3"),
        (ID3, "mp3"),
        (sine_wav(), "wav"),
        (FLAC, "flac"),
        (OGG, "ogg"),
        (stub_mp4(), "mp4"),
        (M4A, "mp4"),
        (cover_png(), "png"),
        (_image("JPEG"), "jpeg"),
        (_image("WEBP"), "webp"),
        (HTML, None),
        (b'{"error": "expired"}', None),
        (b"RIFF\x00\x00\x00\x00AVI LIST", None),
        (b"\xff\x00\x00\x00", None),
        (b"", None),
    ],
)
def test_media_is_recognised_by_its_leading_bytes(data: bytes, kind: str | None) -> None:
    assert sniff(data[:64]) == kind


async def test_an_html_page_is_not_saved_as_an_mp3(cdn: Server, tmp_path: Path) -> None:
    cdn.routes["/song.mp3"] = body(HTML, "text/html")
    dest = tmp_path / "song.mp3"
    with pytest.raises(MediaError, match="not an audio"):
        await fetch(cdn.url("/song.mp3"), dest, also_private)
    assert not dest.exists()


async def test_an_mp3_is_not_kept_as_a_cover(cdn: Server, tmp_path: Path) -> None:
    cdn.routes["/cover.png"] = body(sine_mp3(), "image/png")
    with pytest.raises(MediaError, match="not an image"):
        await fetch(cdn.url("/cover.png"), tmp_path / "1.img", also_private)


@pytest.mark.parametrize(
    ("data", "name"),
    [(sine_wav(), "1.wav"), (stub_mp4(), "1.mp4"), (_image("JPEG"), "1.img"), (ID3, "1.mp3")],
)
async def test_real_media_is_kept(data: bytes, name: str, cdn: Server, tmp_path: Path) -> None:
    cdn.routes["/media"] = body(data)
    dest = tmp_path / name
    assert await fetch(cdn.url("/media"), dest, also_private) == len(data)
    assert dest.read_bytes() == data


async def test_leading_bytes_that_arrive_one_at_a_time_are_still_recognised(
    cdn: Server, tmp_path: Path
) -> None:
    async def trickle(request: web.Request) -> web.StreamResponse:
        response = web.StreamResponse()
        await response.prepare(request)
        data = cover_png()
        for i in range(16):
            await response.write(data[i : i + 1])
        await response.write(data[16:])
        await response.write_eof()
        return response

    cdn.routes["/cover"] = trickle
    dest = tmp_path / "1.img"
    assert await fetch(cdn.url("/cover"), dest, also_private) == len(cover_png())


# -- the setting, as an admin's config has it ------------------------------------------------


async def test_providers_built_from_the_example_config_refuse_loopback_media(
    cdn: Server, tmp_path: Path
) -> None:
    """The testing setting is off unless a config turns it on, and the registry obeys it."""
    settings = load_settings(EXAMPLE_CONFIG, {"DISCORD_TOKEN": "t0ken"})
    assert settings.media.allow_private_addresses is False
    cdn.routes["/song.mp3"] = body(sine_mp3())
    kie = KieSettings(kind="kie", name="kie", api_key=SecretStr("k"), base_url=cdn.url("/"))
    [strict] = build_providers([kie], settings.media)
    [testing] = build_providers([kie], MediaSettings(allow_private_addresses=True))
    try:
        with pytest.raises(MediaError, match="public"):
            await strict.download(cdn.url("/song.mp3"), tmp_path / "a.mp3", CAP)
        assert await testing.download(cdn.url("/song.mp3"), tmp_path / "b.mp3", CAP) > 0
    finally:
        await strict.aclose()
        await testing.aclose()
    assert cdn.hits == 1
