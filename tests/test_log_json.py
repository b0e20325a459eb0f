"""log_format = "json": one parseable object a line, redacted, naming the job it is about."""

from __future__ import annotations

import asyncio
import io
import json
import logging
from collections.abc import Iterator

import pytest

from bot.log_json import JsonFormatter, bind, unbound
from bot.logs import Redactor

SECRET = "kie-key-0123456789"


@pytest.fixture
def lines() -> Iterator[io.StringIO]:
    """What the "t" logger writes through a JSON handler that carries the Redactor."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.addFilter(Redactor([SECRET]))
    handler.setFormatter(JsonFormatter())
    logger = logging.getLogger("t")
    logger.addHandler(handler)
    logger.setLevel(logging.DEBUG)
    yield stream
    logger.removeHandler(handler)


def parsed(stream: io.StringIO) -> list[dict[str, object]]:
    return [json.loads(line) for line in stream.getvalue().splitlines()]


def test_a_line_is_an_object_with_the_redacted_message_and_exception(
    lines: io.StringIO,
) -> None:
    try:
        raise RuntimeError(f"the vendor refused key {SECRET}")
    except RuntimeError:
        logging.getLogger("t").exception("submit with %s failed\non two lines", SECRET)
    [line] = parsed(lines)
    assert SECRET not in lines.getvalue()
    assert line["message"] == "submit with <redacted> failed\non two lines"
    assert (line["level"], line["logger"]) == ("ERROR", "t")
    assert str(line["time"]).endswith("+00:00")
    exception = str(line["exception"])
    assert "RuntimeError: the vendor refused key <redacted>" in exception
    assert "Traceback" in exception


async def test_each_task_names_its_own_job_and_nothing_leaks_out(lines: io.StringIO) -> None:
    log = logging.getLogger("t")

    async def step(job_id: str, member_id: int) -> None:
        bind(job_id=job_id, guild_id=1, member_id=member_id, provider="kie", unknown=None)
        await asyncio.sleep(0)  # the other task runs in between
        log.info("step of %s", job_id)

    await asyncio.gather(step("job-a", 7), step("job-b", 8))
    log.info("the scheduler")
    a, b, scheduler = parsed(lines)
    assert {k: a[k] for k in ("job_id", "guild_id", "member_id", "provider")} == {
        "job_id": "job-a",
        "guild_id": 1,
        "member_id": 7,
        "provider": "kie",
    }
    assert (b["job_id"], b["member_id"], b["message"]) == ("job-b", 8, "step of job-b")
    assert "unknown" not in a
    assert "job_id" not in scheduler


async def test_a_shared_task_started_by_a_job_does_not_carry_its_fields(
    lines: io.StringIO,
) -> None:
    log = logging.getLogger("t")

    async def shared() -> None:
        log.info("a channel's edit queue")

    bind(job_id="job-a", member_id=7)
    await asyncio.create_task(shared(), context=unbound())
    log.info("the job again")
    queue, job = parsed(lines)
    assert "job_id" not in queue
    assert "member_id" not in queue
    assert job["job_id"] == "job-a"
