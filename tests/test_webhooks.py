"""The callback receiver over real HTTP: only a genuine callback on a job's own path wakes it."""

from __future__ import annotations

import json
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest_asyncio
from pydantic import SecretStr

from bot.config import CallbackSettings, KieSettings, KunavoSettings
from bot.jobs.models import Job
from bot.jobs.store import JobStore
from bot.providers.base import GenerateRequest
from bot.providers.kie import KieProvider
from bot.providers.kunavo import KunavoProvider
from bot.webhooks import CallbackReceiver, callback_url_for
from tests.fakes.kie import webhook_signature
from tests.fakes.kunavo import KunavoEmulator

SECRET = "kie-webhook-secret"
TASK = "task-abc"


@dataclass
class Harness:
    client: httpx.AsyncClient
    store: JobStore
    job: Job
    url: str
    woken: list[str]
    settings: CallbackSettings


def kie_body(task_id: str = TASK, stage: str = "complete") -> bytes:
    return json.dumps(
        {"code": 200, "msg": "ok", "data": {"callbackType": stage, "task_id": task_id, "data": []}}
    ).encode()


def signed(task_id: str = TASK, *, age: float = 0, secret: str = SECRET) -> dict[str, str]:
    timestamp = str(int(time.time() - age))
    return {
        "X-Webhook-Timestamp": timestamp,
        "X-Webhook-Signature": webhook_signature(secret, task_id, timestamp),
    }


@pytest_asyncio.fixture
async def harness(tmp_path: Path) -> AsyncIterator[Harness]:
    settings = CallbackSettings(
        enabled=True, listen_host="127.0.0.1", listen_port=0, public_url="http://x", max_body_kb=4
    )
    store = await JobStore.open(tmp_path / "jobs.sqlite3")
    kie = KieProvider(
        KieSettings(
            kind="kie", name="kie", api_key=SecretStr("k"), webhook_secret=SecretStr(SECRET)
        )
    )
    job = Job(
        id="job1",
        guild_id=1,
        channel_id=2,
        user_id=3,
        provider="kie",
        request=GenerateRequest(prompt="p", model="v5"),
        vendor_task_id=TASK,
        callback_token="tok-" + "x" * 28,
        created_at=time.time(),
        deadline_at=time.time() + 600,
    )
    await store.add(job)
    woken: list[str] = []
    receiver = CallbackReceiver(settings, store, {"kie": kie}, woken.append)
    await receiver.start()
    url = (callback_url_for(settings, job) or "").replace(
        "http://x", f"http://127.0.0.1:{receiver.port}"
    )
    async with httpx.AsyncClient() as client:
        yield Harness(client, store, job, url, woken, settings)
    await receiver.stop()
    await kie.aclose()
    await store.close()


async def test_genuine_signed_callback_wakes_the_job(harness: Harness) -> None:
    answer = await harness.client.post(harness.url, content=kie_body(), headers=signed())
    assert answer.status_code == 200
    assert harness.woken == ["job1"]


async def test_forgeries_change_nothing(harness: Harness) -> None:
    base = harness.url.rsplit("/", 2)[0]
    attempts = [
        (harness.url, kie_body(), signed(secret="guessed")),  # forged signature
        (harness.url, kie_body(), signed(age=301)),  # stale
        (harness.url, kie_body(), signed(age=-301)),  # from the future
        (harness.url, kie_body(), {}),  # unsigned where signing is configured
        (harness.url, kie_body("other-task"), signed("other-task")),  # another task
        (harness.url, b"{not json", signed()),  # malformed
        (f"{base}/job1/wrong-token", kie_body(), signed()),  # wrong token
        (f"{base}/nojob/{harness.job.callback_token}", kie_body(), signed()),  # unknown job
        (harness.url, b"x" * 5000, signed()),  # over max_body_kb
    ]
    statuses = []
    for url, body, headers in attempts:
        answer = await harness.client.post(url, content=body, headers=headers)
        statuses.append(answer.status_code)
    assert statuses == [401, 401, 401, 401, 400, 401, 404, 404, 413]
    assert harness.woken == []
    assert await harness.store.get("job1") == harness.job


async def test_callback_for_a_closed_job_is_acknowledged_but_ignored(harness: Harness) -> None:
    harness.job.closed_at = time.time()
    await harness.store.update(harness.job, "closed_at")
    answer = await harness.client.post(harness.url, content=kie_body(), headers=signed())
    assert answer.status_code == 200
    assert harness.woken == []


async def test_receiver_answers_get_with_405(harness: Harness) -> None:
    answer = await harness.client.get(harness.url)
    assert answer.status_code == 405


async def test_replayed_signed_event_is_refused(tmp_path: Path) -> None:
    """Kunavo signs events with ids: the second delivery of one event changes nothing."""
    settings = CallbackSettings(
        enabled=True, listen_host="127.0.0.1", listen_port=0, public_url="http://x"
    )
    store = await JobStore.open(tmp_path / "jobs.sqlite3")
    kunavo = KunavoProvider(
        KunavoSettings(
            kind="kunavo",
            name="kunavo",
            api_key=SecretStr("k"),
            webhook_secret=SecretStr("kunavo-webhook-secret"),
        )
    )
    job = Job(
        id="job2",
        guild_id=1,
        channel_id=2,
        user_id=3,
        provider="kunavo",
        request=GenerateRequest(prompt="p", model="v5"),
        vendor_task_id="msc_1",
        callback_token="t" * 32,
        created_at=time.time(),
        deadline_at=time.time() + 600,
    )
    await store.add(job)
    woken: list[str] = []
    receiver = CallbackReceiver(settings, store, {"kunavo": kunavo}, woken.append)
    await receiver.start()
    emulator = KunavoEmulator()
    event = {
        "id": "evt_1",
        "type": "music.completed",
        "created_at": int(time.time()),
        "data": {"id": "msc_1", "object": "music", "status": "completed"},
    }
    body = json.dumps(event).encode()
    url = f"http://127.0.0.1:{receiver.port}/callbacks/job2/{job.callback_token}"
    try:
        async with httpx.AsyncClient() as client:
            statuses = [
                (
                    await client.post(
                        url, content=body, headers=emulator.sign(body, int(time.time()))
                    )
                ).status_code
                for _ in range(2)
            ]
    finally:
        await receiver.stop()
        await kunavo.aclose()
        await store.close()
    assert statuses == [200, 409]
    assert woken == ["job2"]
