"""Contract tests: kie.ai's style boost (``POST /api/v1/style/generate``) over loopback HTTP."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import httpx
import pytest

from bot.errors import MalformedResponse, ProviderError, TransientProviderError
from bot.providers.base import FailureReason
from bot.providers.kie import KieProvider
from tests.fakes.kie import BOOST_STYLE, KieEmulator
from tests.providers.helpers import KIE, assert_no_secret, provider_fixtures

R = FailureReason
VENDOR = KIE
MakeKie = Callable[..., KieProvider]
ATTEMPTS = 5  # KieSettings.retries defaults to 4 retries after the first attempt

make_kie_fixture, kie_fixture = provider_fixtures("kie")


class Recording(httpx.AsyncHTTPTransport):
    """The real transport, keeping every request it sent."""

    def __init__(self) -> None:
        super().__init__()
        self.sent: list[httpx.Request] = []

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        self.sent.append(request)
        return await super().handle_async_request(request)


async def boost_error(kie: KieProvider, style: str = "pop, mysterious") -> ProviderError:
    """The ProviderError a boost raises, checked to carry no key."""
    with pytest.raises(ProviderError) as info:
        await kie.boost_style(style)
    assert_no_secret(info.value, KIE.api_key)
    return info.value


async def test_the_body_is_the_content_alone_with_the_key(make_kie: MakeKie) -> None:
    transport = Recording()
    kie = make_kie(transport=transport)
    boosted = await kie.boost_style("Pop, Mysterious")
    assert boosted == "Pop, Mysterious, emulated warmth, crisp mix, wide stereo"
    [sent] = transport.sent
    assert (sent.method, sent.url.path) == ("POST", BOOST_STYLE)
    assert json.loads(sent.content) == {"content": "Pop, Mysterious"}
    assert sent.headers["Authorization"] == f"Bearer {KIE.api_key}"


async def test_the_result_is_returned_without_surrounding_space(
    kie: KieProvider, emu: KieEmulator
) -> None:
    emu.boosted_style = "  dreamy synth-pop, airy female vocals, slow 80 bpm groove\n"
    assert await kie.boost_style("synth pop") == (
        "dreamy synth-pop, airy female vocals, slow 80 bpm groove"
    )
    assert emu.calls(BOOST_STYLE) == [{"content": "synth pop"}]


@pytest.mark.parametrize("as_http", [False, True], ids=["body", "http"])
@pytest.mark.parametrize(
    ("code", "reason"),
    [(402, R.INSUFFICIENT_CREDITS), (401, R.PROVIDER_ERROR), (400, R.INVALID_INPUT)],
)
async def test_refusals_carry_the_reason_from_kies_table_and_no_key(
    kie: KieProvider, emu: KieEmulator, code: int, reason: FailureReason, as_http: bool
) -> None:
    emu.fail_submit(
        code, f"vendor says {code}", http_status=code if as_http else 200, path=BOOST_STYLE
    )
    error = await boost_error(kie)
    assert type(error) is ProviderError
    assert (error.reason, error.code) == (reason, str(code))
    assert emu.hits[BOOST_STYLE] == 1  # a refusal is not asked again


async def test_a_wrong_key_is_a_provider_error_without_the_key(make_kie: MakeKie) -> None:
    kie = make_kie(api_key="kie-wrong-key-0123456789")
    with pytest.raises(ProviderError) as info:
        await kie.boost_style("pop")
    assert info.value.reason is R.PROVIDER_ERROR
    assert_no_secret(info.value, "kie-wrong-key-0123456789", KIE.api_key)


async def test_content_over_kies_limit_is_invalid_input(kie: KieProvider, emu: KieEmulator) -> None:
    error = await boost_error(kie, "rock, " * 200)
    assert (error.reason, error.code) == (R.INVALID_INPUT, "400")
    assert emu.calls(BOOST_STYLE) == []


@pytest.mark.parametrize("as_http", [False, True], ids=["body", "http"])
@pytest.mark.parametrize("code", [429, 500])
async def test_a_busy_vendor_is_asked_again(
    kie: KieProvider, emu: KieEmulator, code: int, as_http: bool
) -> None:
    # A boost makes nothing that lasts: asking again after the vendor said "busy" is safe.
    emu.fail_submit(code, "busy", http_status=code if as_http else 200, path=BOOST_STYLE)
    assert await kie.boost_style("jazz")
    assert emu.hits[BOOST_STYLE] == 2


async def test_a_vendor_busy_beyond_the_budget_is_transient(
    kie: KieProvider, emu: KieEmulator
) -> None:
    emu.fail_requests(503, count=100, path_prefix=BOOST_STYLE)
    error = await boost_error(kie)
    assert isinstance(error, TransientProviderError)
    assert (error.reason, error.code) == (R.PROVIDER_ERROR, "503")
    assert emu.hits[BOOST_STYLE] == ATTEMPTS


@pytest.mark.parametrize("data", [None, {}, {"result": ""}, {"result": "  "}, {"result": 7}, [1]])
async def test_an_answer_without_a_result_is_malformed(
    make_settings: Callable[..., Any], data: object
) -> None:
    def answer(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, json={"code": 200, "msg": "success", "data": data})

    kie = KieProvider(make_settings(), transport=httpx.MockTransport(answer))
    with pytest.raises(MalformedResponse):
        await kie.boost_style("pop")
    await kie.aclose()


@pytest.mark.parametrize("kind", ["no_data", "not_json", "truncated"])
async def test_a_spoiled_answer_is_malformed(kie: KieProvider, emu: KieEmulator, kind: str) -> None:
    emu.malformed_next(kind)
    with pytest.raises(MalformedResponse):
        await kie.boost_style("pop")
