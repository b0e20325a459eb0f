"""Shared pieces of the vendor contract tests: the fake clock, one description per
dialect (``Vendor``), a loopback callback receiver and small assertion helpers.

The fixtures built from these live in ``conftest.py``; behaviours every dialect
shares are asserted once, for every vendor, in ``test_common.py``.
"""

from __future__ import annotations

import asyncio
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest
from aiohttp import web
from pydantic import SecretStr

from bot.errors import ProviderError
from bot.providers.apixo import ApixoProvider, ApixoSettings
from bot.providers.base import GenerateRequest, TaskState
from bot.providers.evolink import EvolinkProvider, EvolinkSettings
from bot.providers.kie import KieProvider, KieSettings
from bot.providers.kunavo import KunavoProvider, KunavoSettings
from tests.fakes.apixo import ApixoEmulator
from tests.fakes.evolink import EvolinkEmulator
from tests.fakes.kie import KieEmulator
from tests.fakes.kunavo import KunavoEmulator

GENERATION = 100.0  # emulated seconds every test emulator takes per task
KUNAVO_SECRET = "kunavo-webhook-secret-9876543210"
KUNAVO_OTHER_KEY = "kunavo-other-account-key"
WRONG_KEY = "sk-wrong-secret-0123456789"
LYRICS = "[Verse]\nDriving down the highway\n[Chorus]\nSummer dreams"


class FakeClock:
    """Wall time the tests move by hand, so stage tests never race the emulator."""

    def __init__(self, start: float = 1_750_000_000.0) -> None:
        self.now = start

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


# -- one description per dialect ---------------------------------------------------------


@dataclass(frozen=True)
class Vendor:
    """What the shared tests need to know to drive one dialect and its emulator."""

    name: str
    api_key: str
    emulator_cls: type[Any]
    settings_cls: type[Any]
    provider_cls: type[Any]
    submit_path: str
    request: GenerateRequest
    unknown_task: str  # a well-formed task id the emulator never issued
    malformed: tuple[str, ...]  # ``malformed_next`` kinds that spoil an answer's body
    refuse: Callable[[Any, int, str, int], None]  # emu, HTTP status, message, count
    realtime_state: TaskState  # a state a real-time run passes through before success
    idempotent_submit: bool = False  # True: submits may be repeated safely
    emulator_extra: dict[str, Any] = field(default_factory=dict)
    settings_extra: dict[str, Any] = field(default_factory=dict)
    secrets: tuple[str, ...] = ()  # besides the key, texts that must never leak

    def __str__(self) -> str:
        return self.name

    @property
    def env_key(self) -> str:
        return f"{self.name.upper()}_API_KEY"

    @property
    def all_secrets(self) -> tuple[str, ...]:
        return (self.api_key, *self.secrets)

    def emulator(self, **kwargs: Any) -> Any:
        return self.emulator_cls(**{**self.emulator_extra, **kwargs})

    def settings(self, **overrides: Any) -> Any:
        fields: dict[str, Any] = {
            "kind": self.name,
            "name": self.name,
            "api_key": SecretStr(self.api_key),
            "retry_base_seconds": 0.01,
            **self.settings_extra,
            **overrides,
        }
        return self.settings_cls(**fields)


def _refuse_kie(emu: KieEmulator, status: int, message: str, count: int) -> None:
    emu.fail_submit(status, message, http_status=status, count=count)


def _refuse_apixo(emu: ApixoEmulator, status: int, message: str, count: int) -> None:
    emu.fail_submit(status, message, count=count)  # sent with HTTP ``status``


EVOLINK_TYPES = {402: "insufficient_quota_error", 429: "rate_limit_error"}
KUNAVO_CODES = {402: "insufficient_credits", 429: "too_many"}


def _refuse_evolink(emu: EvolinkEmulator, status: int, message: str, count: int) -> None:
    emu.fail_submit(EVOLINK_TYPES[status], status, message, http_status=status, count=count)


def _refuse_kunavo(emu: KunavoEmulator, status: int, message: str, count: int) -> None:
    emu.fail_submit(status, KUNAVO_CODES[status], message, count=count)


KIE = Vendor(
    name="kie",
    api_key="kie-test-key",
    emulator_cls=KieEmulator,
    settings_cls=KieSettings,
    provider_cls=KieProvider,
    submit_path="/api/v1/generate",
    request=GenerateRequest(prompt="a calm piano piece", model="v4.5"),
    unknown_task="no-such-task",
    malformed=("not_json", "truncated", "no_data"),
    refuse=_refuse_kie,
    realtime_state=TaskState.PARTIAL,
)
APIXO = Vendor(
    name="apixo",
    api_key="apixo-test-key",
    emulator_cls=ApixoEmulator,
    settings_cls=ApixoSettings,
    provider_cls=ApixoProvider,
    submit_path="/api/v1/generateTask/suno",
    request=GenerateRequest(prompt="a calm piano piece", model="v4.5"),
    unknown_task="task_nope",
    malformed=("not_json", "truncated", "no_data"),
    refuse=_refuse_apixo,
    realtime_state=TaskState.RUNNING,
)
EVOLINK = Vendor(
    name="evolink",
    api_key="evolink-test-key",
    emulator_cls=EvolinkEmulator,
    settings_cls=EvolinkSettings,
    provider_cls=EvolinkProvider,
    submit_path="/v1/audios/generations",
    request=GenerateRequest(prompt="a calm piano piece", model="v4.5"),
    unknown_task="task-unified-0-nope",
    malformed=("not_json", "truncated", "empty_object"),
    refuse=_refuse_evolink,
    realtime_state=TaskState.RUNNING,
)
KUNAVO = Vendor(
    name="kunavo",
    api_key="kunavo-test-key-0123456789",
    emulator_cls=KunavoEmulator,
    settings_cls=KunavoSettings,
    provider_cls=KunavoProvider,
    submit_path="/v1/audio/music/jobs",
    request=GenerateRequest(prompt="a calm piano piece", model="v5"),
    unknown_task="msc_nope",
    malformed=("not_json", "truncated", "no_id"),
    refuse=_refuse_kunavo,
    realtime_state=TaskState.RUNNING,
    idempotent_submit=True,
    emulator_extra={"webhook_secret": KUNAVO_SECRET, "other_api_key": KUNAVO_OTHER_KEY},
    settings_extra={"webhook_secret": SecretStr(KUNAVO_SECRET)},
    secrets=(KUNAVO_SECRET,),
)
VENDORS = (KIE, APIXO, EVOLINK, KUNAVO)


def provider_fixtures(name: str) -> tuple[Any, Any]:
    """``make_<name>`` and ``<name>``: the conftest's provider fixtures under a dialect's name."""

    @pytest.fixture(name=f"make_{name}")
    def make(make_provider: Callable[..., Any]) -> Callable[..., Any]:
        return make_provider

    @pytest.fixture(name=name)
    def one(provider: Any) -> Any:
        return provider

    return make, one


# -- assertions and waiting ---------------------------------------------------------------


def assert_no_secret(exc: BaseException, *secrets: str) -> None:
    """No key or secret in any text an exception carries, chained ones included."""
    assert secrets, "name the secrets to look for"
    seen: BaseException | None = exc
    while seen is not None:
        texts = [str(seen), repr(seen), *map(str, seen.args)]
        texts += [str(getattr(seen, name, "")) for name in ("code", "detail")]
        assert not any(s in text for s in secrets for text in texts), texts
        seen = seen.__cause__ or seen.__context__


async def submit_error(
    provider: Any, request: GenerateRequest, *secrets: str, job_id: str = "job-1"
) -> ProviderError:
    """The ProviderError a submit raises, checked to carry none of ``secrets``."""
    with pytest.raises(ProviderError) as info:
        await provider.submit(request, job_id)
    assert_no_secret(info.value, *secrets)
    return info.value


async def raw_submit(vendor: Vendor, emu: Any, body: Any) -> httpx.Response:
    """POST ``body`` as it is to the emulator's submit path, past any adapter."""
    headers = {"Authorization": f"Bearer {vendor.api_key}"}
    async with httpx.AsyncClient(base_url=emu.base_url, headers=headers) as client:
        return await client.post(vendor.submit_path, json=body)


def polls_until(done_at: float, policy: Any) -> int:
    """Polls a job runner following ``policy`` spends to see a task done at ``done_at``."""
    t, polls = 0.0, 0
    while True:
        t += policy.delay(polls)
        polls += 1
        if t >= done_at:
            return polls


async def wait_until(predicate: Callable[[], bool], seconds: float = 3.0) -> None:
    deadline = time.monotonic() + seconds
    while not predicate():
        assert time.monotonic() < deadline, "timed out waiting"
        await asyncio.sleep(0.01)


# -- a loopback callback receiver -----------------------------------------------------------


class Receiver:
    """A stand-in for the bot's webhook endpoint on 127.0.0.1.

    Records every POST under ``url`` (any sub-path too), with header names
    lower-cased as the bot's receiver does, and answers ``statuses`` in turn,
    then 200.
    """

    def __init__(self, path: str = "/hooks") -> None:
        self.path = path
        self.url = ""
        self.received: list[tuple[dict[str, str], bytes]] = []
        self.statuses: deque[int] = deque()
        self._arrived = asyncio.Condition()
        self._runner: web.AppRunner | None = None

    async def start(self) -> None:
        app = web.Application()
        app.router.add_post(self.path + "{tail:.*}", self._handle)
        self._runner = web.AppRunner(app, access_log=None, shutdown_timeout=0.2)
        await self._runner.setup()
        await web.TCPSite(self._runner, "127.0.0.1", 0).start()
        self.url = f"http://127.0.0.1:{self._runner.addresses[0][1]}{self.path}"

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()

    async def wait_for(self, count: int, seconds: float = 5.0) -> None:
        """Until ``count`` callbacks have arrived, for at most ``seconds``."""
        async with asyncio.timeout(seconds), self._arrived:
            await self._arrived.wait_for(lambda: len(self.received) >= count)

    async def _handle(self, request: web.Request) -> web.Response:
        headers = {name.lower(): value for name, value in request.headers.items()}
        self.received.append((headers, await request.read()))
        async with self._arrived:
            self._arrived.notify_all()
        status = self.statuses.popleft() if self.statuses else 200
        return web.json_response({"status": "received"}, status=status)


def custom(**fields: Any) -> GenerateRequest:
    """A custom-mode song request; ``prompt`` is set to show it is never sent."""
    base: dict[str, Any] = {
        "model": "v5",
        "custom": True,
        "lyrics": LYRICS,
        "style": "pop, upbeat",
        "title": "Summer Dreams",
        "prompt": "never sent in custom mode",
    }
    return GenerateRequest(**{**base, **fields})
