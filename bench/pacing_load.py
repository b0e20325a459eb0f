"""Pacing benchmark: a busy server against kie's 20 new tasks per 10 s; prints figures.

    .venv/bin/python bench/pacing_load.py [--songs 200] [--members 40] [--scale 0.2]

The bot runs as ``python -m bot`` against the fake Discord and the kie.ai
emulator enforcing its rate rule (the excess answered 429, not queued). Time
is scaled by ``--scale``: the vendor's window and the bot's ``submit_rate``
both shrink, so 200 songs need ``(200 / 20 - 1) * 10 s * scale`` of submits
at best. Three runs: the load (every member asks at once), fairness (one
member asks for 20 songs, then 19 members for one each, at the same moment) and
listen now (20 members, one song each, with a real song's two-minute generation
times ``--scale``: when each progress message first offers the stream).
Nothing is asserted; targets are printed beside the figures.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.generate_load import STREAM_BASE, _pct, _watch_links, bench_config
from tests.e2e.botproc import TOKEN, BotProcess, kie_provider
from tests.e2e.helpers import progress_messages, result_messages, status_text
from tests.fakes.discord import FakeDiscord
from tests.fakes.kie import KieEmulator

LIMIT, WINDOW = 20, 10.0  # kie.ai's rule: 20 new tasks per 10 s per account
GENERATION_SECONDS = 2.0
# The listen-now run: a real song's two minutes (times --scale), so the stream
# exists long enough to be shown.
LISTEN_GENERATION_SECONDS = 120.0


@dataclass
class Run:
    fake: FakeDiscord
    kie: KieEmulator
    window: float
    started: float = 0.0
    asked: dict[str, float] = field(default_factory=dict)  # prompt -> when it was sent
    links: dict[str, float] = field(default_factory=dict)  # prompt -> first "Listen now"

    def prompts_in_submit_order(self) -> list[str]:
        return [str(body.get("prompt")) for body in self.kie.submits]


async def with_bot(
    scale: float, asks: list[tuple[str, list[str]]], generation: float = GENERATION_SECONDS
) -> Run:
    """Start the fakes and the bot, send every ``(member, prompts)`` ask at once, wait for all."""
    window = WINDOW * scale
    fake = FakeDiscord(bot_token=TOKEN)
    kie = KieEmulator(generation_seconds=generation, submit_limit=(LIMIT, window))
    kie.stream_base = STREAM_BASE
    await fake.start()
    await kie.start()
    run = Run(fake, kie, window)
    songs = sum(len(prompts) for _, prompts in asks)
    with tempfile.TemporaryDirectory(prefix="bench-pacing-") as tmp:
        workdir = Path(tmp)
        provider = kie_provider(
            kie.base_url, submit_rate=f"{LIMIT}/{window}s", poll_first_seconds=1.0
        )
        most = max(len(p) for _, p in asks)
        bot = BotProcess(workdir, bench_config(fake, workdir, provider, max_active=most))
        await bot.start()
        try:
            await fake.wait_ready(timeout=30)
            await fake.wait_commands(timeout=30)
            run.started = time.time()
            watcher = asyncio.create_task(_watch_links(fake, run.links))
            run.asked = await _ask(fake, asks)
            await fake.wait_for(
                lambda: _finished(fake) >= songs,
                timeout=songs / LIMIT * window * 3 + generation * 2 + 120,
            )
            watcher.cancel()
        finally:
            await bot.stop()
            await kie.stop()
            await fake.stop()
    return run


async def _ask(fake: FakeDiscord, asks: list[tuple[str, list[str]]]) -> dict[str, float]:
    """Send every ask at once; returns when each prompt was sent (the fake's clock)."""
    members = {name: fake.add_member(name) for name, _ in asks}
    prompts = [(name, prompt) for name, prompts in asks for prompt in prompts]
    interactions = await asyncio.gather(
        *(
            fake.slash_command("generate", {"prompt": prompt}, user_id=members[name])
            for name, prompt in prompts
        )
    )
    await asyncio.gather(*(i.wait_response(timeout=60) for i in interactions))
    return {prompt: i.dispatched_at for (_, prompt), i in zip(prompts, interactions, strict=True)}


def place_edits(fake: FakeDiscord) -> list[int]:
    """Per progress message, the edits that showed it a new place in line."""
    counts = []
    for message in progress_messages(fake):
        places = [_status(edit) for edit in message.edits if "embeds" in edit]
        counts.append(sum(1 for status in places if "in line" in status))
    return counts


def _status(edit: dict[str, object]) -> str:
    embeds = edit["embeds"]
    assert isinstance(embeds, list)
    fields = embeds[0].get("fields", []) if embeds else []
    return " ".join(str(f["value"]) for f in fields if f["name"] == "Status")


def _finished(fake: FakeDiscord) -> int:
    failed = sum("Failed" in status_text(m) for m in progress_messages(fake))
    return len(result_messages(fake)) + failed


def busiest_window(times: list[float], window: float) -> int:
    return max((sum(1 for t in times if start <= t < start + window) for start in times), default=0)


def report_load(run: Run, songs: int, members: int) -> None:
    fake, kie = run.fake, run.kie
    failed = sum("Failed" in status_text(m) for m in progress_messages(fake))
    last = max(kie.created_times, default=run.started) - run.started
    best = (songs / LIMIT - 1) * run.window
    print(f"\n== load: {songs} /generate from {members} members at once")
    print(f"songs delivered: {len(result_messages(fake))}, failed: {failed}   (target: all, 0)")
    print(f"vendor 429s: {kie.rate_limited}   (target: at most 10)")
    print(
        f"most submits in any {run.window:.1f} s window: "
        f"{busiest_window(kie.created_times, run.window)}   (limit {LIMIT})"
    )
    print(f"time until the last submission: {last:.1f} s   (the limit allows {best:.1f} s)")
    report_discord(run)


def report_discord(run: Run) -> None:
    edits = place_edits(run.fake)
    patches = [c for c in run.fake.rest_calls if c.method == "PATCH"]
    print(
        f"progress edits per song for a new place in line: mean "
        f"{sum(edits) / max(len(edits), 1):.1f}, max {max(edits, default=0)}; "
        f"edits answered 429 by Discord: {sum(1 for c in patches if c.status == 429)} "
        f"of {len(patches)}"
    )


def report_listen(run: Run, generation: float) -> None:
    first = [seen - run.asked[p] for p, seen in run.links.items() if p in run.asked]
    songs = len(run.asked)
    print(f"\n== listen now: {songs} members, one song each, a {generation:.0f} s generation")
    print(
        f"/generate -> first playable link: p50 {_pct(first, 50):.2f} s, "
        f"p99 {_pct(first, 99):.2f} s over {len(first)} songs   (kie streams at 60% of the "
        f"generation; the rest is the poll delay and Discord)"
    )


def report_fairness(run: Run, heavy: list[str], light: list[str]) -> None:
    order = run.prompts_in_submit_order()
    at = dict(zip(order, run.kie.created_times, strict=False))
    third = at.get(heavy[2], float("inf"))
    before = sum(1 for prompt in light if at.get(prompt, float("inf")) < third)
    latest_light = max((at.get(p, float("nan")) for p in light), default=float("nan"))
    print(f"\n== fairness: one member asks for {len(heavy)}, {len(light)} members for one each")
    print(
        f"light members submitted before the heavy member's third: {before} of {len(light)}   "
        f"(target: all)"
    )
    print(
        f"heavy's third submitted at {third - run.started:.2f} s; the last light member's at "
        f"{latest_light - run.started:.2f} s; light submits p50 "
        f"{_pct([at[p] - run.started for p in light if p in at], 50):.2f} s"
    )
    report_discord(run)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--songs", type=int, default=200, help="songs in the load run")
    parser.add_argument("--members", type=int, default=40, help="members asking in the load run")
    parser.add_argument(
        "--scale", type=float, default=0.2, help="time scale of kie's 10 s window (1 = real)"
    )
    args = parser.parse_args()
    per = -(-args.songs // args.members)
    asks = [
        (f"member{m}", [f"song {n} of member {m}" for n in range(per)][: args.songs - m * per])
        for m in range(args.members)
    ]
    report_load(asyncio.run(with_bot(args.scale, asks)), args.songs, args.members)
    heavy = [f"heavy song {n}" for n in range(20)]
    light = [f"light song {m}" for m in range(19)]
    fairness = [("heavy", heavy), *((f"light{m}", [light[m]]) for m in range(19))]
    report_fairness(asyncio.run(with_bot(args.scale, fairness)), heavy, light)
    generation = LISTEN_GENERATION_SECONDS * args.scale
    listeners = [(f"listener{m}", [f"listen song {m}"]) for m in range(20)]
    report_listen(asyncio.run(with_bot(args.scale, listeners, generation)), generation)


if __name__ == "__main__":
    main()
