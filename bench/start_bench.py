"""Cold start of the console on the demo workspace vs a hello-world Textual app.

Both arms run in fresh processes, headless, with the same harness: build the app, run
it, and note the time when the auto-pilot first runs (the app and the pane on screen are
composed and mounted; the console asks for that pane's data right after the first frame,
the other panes are imported and mounted when first shown); the figure is from just before
the process is spawned to that moment, so interpreter start-up counts and shutdown does
not.  Prints the medians and the ratio; the goal is ≤ 1.3×.  The CPU time each process used
to that moment is printed too: on a machine shared with other work it moves far less than
the wall clock.

    .venv/bin/python bench/start_bench.py [--runs 7] [--workspace DIR]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

from tui.demo.workspace import ensure_demo

HELLO = """
import sys, time
from textual.app import App
from textual.widgets import Static
class Hello(App):
    def compose(self):
        yield Static("hello")
async def pilot(p):
    print(time.time(), time.process_time(), file=sys.stderr)
    await p.pause()
    p.app.exit()
Hello().run(headless=True, auto_pilot=pilot)
"""

OURS = """
import sys, time
from pathlib import Path
from providers.config import workspace_profile
from tui.console.launch import build_app
profile = workspace_profile(Path({workspace!r}), "demo")
app = build_app(profile, initial_query="from:2026-08-27 to:2026-08-27")
async def pilot(p):
    print(time.time(), time.process_time(), file=sys.stderr)
    await p.pause()
    p.app.exit()
app.run(headless=True, auto_pilot=pilot)
"""


# As a user's install runs: with bytecode caches (an environment that forbids writing them,
# as some CI and sandboxes do, makes every start compile every module of both arms).
CHILD_ENV = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}


def timed(code: str) -> tuple[float, float]:
    """Seconds from spawning the process to its first frame, and the CPU seconds the process
    used until then (as the child reports them)."""
    start = time.time()
    done = subprocess.run(
        [sys.executable, "-c", code], check=True, capture_output=True, text=True, env=CHILD_ENV
    )
    wall, cpu = done.stderr.strip().splitlines()[-1].split()
    return float(wall) - start, float(cpu)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--workspace", type=Path, default=Path("bench/data/demo"))
    args = parser.parse_args()
    ensure_demo(args.workspace.resolve())
    ours_code = OURS.format(workspace=str(args.workspace.resolve()))
    timed(HELLO), timed(ours_code)  # warm the page cache and .pyc files
    hello, ours = [], []
    for _ in range(args.runs):  # interleaved so drift hits both arms alike
        hello.append(timed(HELLO))
        ours.append(timed(ours_code))
    for what, index in (("wall", 0), ("CPU", 1)):
        arms = (("hello-world Textual app", hello), ("modeltrail demo console", ours))
        for label, runs in arms:
            times = [run[index] * 1000 for run in runs]
            med, low, high = statistics.median(times), min(times), max(times)
            print(f"{label} ({what}): median {med:.0f} ms (min {low:.0f}, max {high:.0f})")
        ratio = statistics.median(o[index] for o in ours) / statistics.median(
            h[index] for h in hello
        )
        print(f"ratio ({what}) {ratio:.2f}x  (goal <= 1.30x): {'PASS' if ratio <= 1.3 else 'FAIL'}")


if __name__ == "__main__":
    main()
