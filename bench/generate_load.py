"""Load benchmark: N concurrent /generate through the loopback fakes; prints figures.

    .venv/bin/python bench/generate_load.py [--jobs 50] [--rss-jobs 200] [--scale 0.1]

The bot runs as ``python -m bot`` against the fake Discord and the kie.ai
emulator used by the tests. Vendor time is scaled: a two-minute generation and
kie's advised polling cadence both shrink by ``--scale``, so polls per job are
what they would be in real time. Nothing here is asserted; targets are printed
beside the figures.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import psutil

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bot.providers.kie.adapter import DEFAULT_POLL
from tests.e2e.botproc import TOKEN, BotProcess, bot_config, kie_provider
from tests.fakes.discord import FakeDiscord, FakeMessage
from tests.fakes.kie import KieEmulator

GENERATION_SECONDS = 120.0
# Stream URLs the bot may show as "Listen now" (https); nothing ever fetches them.
STREAM_BASE = "https://cdn.kie.example"


@dataclass
class Figures:
    jobs: int
    answer_ms: list[float]
    rest_calls: int
    progress_edits: list[int]
    polls: list[int]
    completion_to_post: list[float]
    peak_rss_mb: float
    first_link: list[float]  # seconds from /generate to the progress message's "Listen now"


def bench_config(fake: FakeDiscord, workdir: Path, provider: str, *, max_active: int) -> str:
    """The bot's config for a benchmark: the fakes, a fresh database, warnings only."""
    return bot_config(
        api_base=fake.api_base,
        gateway_url=fake.gateway_url,
        guild_id=fake.guild_id,
        database=workdir / "bench.sqlite3",
        providers=provider,
        jobs=f"max_active_per_member = {max_active}",
    ).replace('log_level = "DEBUG"', 'log_level = "WARNING"')


async def run(jobs: int, scale: float) -> Figures:
    fake = FakeDiscord(bot_token=TOKEN)
    kie = KieEmulator(generation_seconds=GENERATION_SECONDS * scale)
    kie.stream_base = STREAM_BASE
    await fake.start()
    await kie.start()
    with tempfile.TemporaryDirectory(prefix="bench-") as tmp:
        workdir = Path(tmp)
        provider = kie_provider(
            kie.base_url,
            poll_first_seconds=DEFAULT_POLL.first_delay * scale,
            poll_interval_seconds=DEFAULT_POLL.interval * scale,
            poll_backoff=DEFAULT_POLL.backoff,
            poll_max_interval_seconds=DEFAULT_POLL.max_interval * scale,
        )
        bot = BotProcess(workdir, bench_config(fake, workdir, provider, max_active=jobs))
        await bot.start()
        try:
            return await _measure(fake, kie, bot, jobs)
        finally:
            await bot.stop()
            await kie.stop()
            await fake.stop()


async def _measure(fake: FakeDiscord, kie: KieEmulator, bot: BotProcess, jobs: int) -> Figures:
    await fake.wait_ready(timeout=30)
    await fake.wait_commands(timeout=30)
    assert bot.proc is not None
    sampler = asyncio.create_task(_peak_rss(bot.proc.pid))
    links: dict[str, float] = {}  # prompt -> when its progress message first showed a link
    watcher = asyncio.create_task(_watch_links(fake, links))
    calls_before = len(fake.rest_calls)
    member = fake.add_member("bench")
    interactions = await asyncio.gather(
        *(
            fake.slash_command("generate", {"prompt": f"song {n}"}, user_id=member)
            for n in range(jobs)
        )
    )
    await asyncio.gather(*(i.wait_response(timeout=30) for i in interactions))

    def results() -> list[int]:
        return [m.id for m in fake.channel_messages() if m.attachments]

    await fake.wait_for(lambda: len(results()) >= jobs, timeout=GENERATION_SECONDS * 10)
    sampler.cancel()
    watcher.cancel()
    peak = await asyncio.gather(sampler, return_exceptions=True)
    asked = {f"song {n}": i.dispatched_at for n, i in enumerate(interactions)}
    answer_ms = [
        (i.responded_at - i.dispatched_at) * 1000
        for i in interactions
        if i.responded_at is not None
    ]
    # The fake stamps messages with the monotonic clock, the emulator with wall time.
    offset = time.time() - time.monotonic()
    posted = sorted(m.created_at + offset for m in fake.channel_messages() if m.attachments)
    done = sorted(kie.completed_at.values())
    progress = [m for m in fake.channel_messages() if "asked for a song" in m.content]
    return Figures(
        jobs=jobs,
        answer_ms=answer_ms,
        rest_calls=len(fake.rest_calls) - calls_before,
        progress_edits=[len(m.edits) for m in progress],
        polls=list(kie.polls.values()),
        completion_to_post=[p - d for p, d in zip(posted, done, strict=False)],
        peak_rss_mb=_last_number(peak),
        first_link=[seen - asked[prompt] for prompt, seen in links.items() if prompt in asked],
    )


async def _watch_links(fake: FakeDiscord, links: dict[str, float]) -> None:
    """Note when each progress message first shows a link button, by its job's prompt."""
    while True:
        for message in fake.channel_messages():
            prompt = _prompt(message)
            buttons = [c for row in message.components for c in row.get("components", [])]
            if prompt and prompt not in links and any(b.get("style") == 5 for b in buttons):
                links[prompt] = time.monotonic()
        await asyncio.sleep(0.02)


def _prompt(message: FakeMessage) -> str:
    """The prompt a progress message quotes (its first embed's ">>> " description)."""
    if "asked for a song" not in message.content or not message.embeds:
        return ""
    return str(message.embeds[0].get("description") or "").removeprefix(">>> ")


async def _peak_rss(pid: int) -> float:
    process = psutil.Process(pid)
    peak = 0.0
    try:
        while True:
            rss = process.memory_info().rss
            for child in process.children(recursive=True):
                rss += child.memory_info().rss
            peak = max(peak, rss / 1024 / 1024)
            await asyncio.sleep(0.05)
    except asyncio.CancelledError:
        return peak


def _last_number(values: list[object]) -> float:
    value = values[0]
    return float(value) if isinstance(value, float | int) else float("nan")


def _pct(values: list[float], pct: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(pct / 100 * (len(ordered) - 1)))]


def report(title: str, f: Figures) -> None:
    print(f"\n== {title}: {f.jobs} concurrent /generate")
    print(
        f"interaction answer latency: p50 {_pct(f.answer_ms, 50):.1f} ms, "
        f"p99 {_pct(f.answer_ms, 99):.1f} ms   (target p99 < 250 ms at 50)"
    )
    print(f"Discord REST calls per job: {f.rest_calls / f.jobs:.2f}")
    print(
        f"progress edits per job: max {max(f.progress_edits, default=0)} for 5 stage changes "
        "(target: at most one edit per stage change)"
    )
    print(
        f"vendor polls per job: mean {statistics.mean(f.polls):.1f}, max {max(f.polls)} "
        "for a two-minute generation   (target <= 8)"
    )
    print(
        f"vendor completion -> attachment message: p50 {_pct(f.completion_to_post, 50):.2f} s, "
        f"p99 {_pct(f.completion_to_post, 99):.2f} s"
    )
    print(f"bot peak RSS: {f.peak_rss_mb:.1f} MB   (target < 150 MB at 200 in flight)")
    print(
        f"/generate -> first playable link: p50 {_pct(f.first_link, 50):.2f} s, "
        f"p99 {_pct(f.first_link, 99):.2f} s over {len(f.first_link)} jobs   (kie streams at "
        f"60% of the {GENERATION_SECONDS:.0f} s generation, times --scale)"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--jobs", type=int, default=50, help="concurrent commands, latency run")
    parser.add_argument("--rss-jobs", type=int, default=200, help="jobs in flight, memory run")
    parser.add_argument(
        "--scale", type=float, default=0.1, help="vendor time scale (1 = real time)"
    )
    args = parser.parse_args()
    if args.jobs:
        report("latency run", asyncio.run(run(args.jobs, args.scale)))
    if args.rss_jobs:
        report("memory run", asyncio.run(run(args.rss_jobs, args.scale)))


if __name__ == "__main__":
    main()
