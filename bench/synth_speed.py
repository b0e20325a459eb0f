"""Sandbox synth benchmark: how long one track's melody takes to render; prints figures.

    .venv/bin/python bench/synth_speed.py [--seconds 12] [--runs 5]

A sandbox song is rendered while a member waits for its result, so this should
stay well under a second for a twelve-second track (about 0.2 s on a laptop); a
slide back into per-sample Python shows up here as seconds. Nothing is asserted.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bot.providers.sandbox.synth import Segment, render_medley


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=12.0, help="length of each track")
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    times = []
    for run in range(args.runs):
        started = time.perf_counter()
        render_medley([Segment(f"bench-{run}".encode(), args.seconds)])
        times.append(time.perf_counter() - started)
    print(f"one {args.seconds:g} s track over {args.runs} runs:")
    print(f"  median {statistics.median(times):.3f} s, slowest {max(times):.3f} s (target < 1 s)")


if __name__ == "__main__":
    main()
