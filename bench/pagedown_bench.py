"""Page-down in the predictions pane on the 10 M-row tree (issue 9; console goal U2).

Opens the console with ``build_app(workspace_profile(...))`` on a workspace whose
``blobs`` folder is the tree of ``bench/gen_logs.py``, waits for the first rows, then
presses page-down ``--presses`` times twice: while the search is still streaming pages
in its worker thread, and once it is done (``MAX_ROWS`` rows).  The baseline is a minimal
Line-API ``ScrollView`` over the same number of rows, pressed the same way.  Each press is
timed from the key reaching the driver to the first screen update written after the
cursor moved (``pilot.press`` itself sleeps ~60 ms waiting for idle, so it cannot time a
frame).  While the user moves the cursor the pane's search waits between pages
(``USER_PAUSE`` after the last move), so "while streaming" means a search under way,
paused by the presses.

    .venv/bin/python bench/pagedown_bench.py [--tree DIR] [--presses 200]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import resource
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any, ClassVar

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from rich.segment import Segment  # noqa: E402
from textual import events  # noqa: E402
from textual.app import App, ComposeResult  # noqa: E402
from textual.binding import Binding, BindingType  # noqa: E402
from textual.geometry import Size  # noqa: E402
from textual.scroll_view import ScrollView  # noqa: E402
from textual.strip import Strip  # noqa: E402

from providers.config import workspace_profile  # noqa: E402
from tui.console.launch import build_app  # noqa: E402
from tui.panes.predictions import MAX_ROWS  # noqa: E402
from tui.widgets.virtual_table import PredictionTable  # noqa: E402

SIZE = (160, 50)


class Lines(ScrollView, can_focus=True):
    """The baseline: a Line-API view of plain rows with a cursor."""

    BINDINGS: ClassVar[list[BindingType]] = [Binding("pagedown", "page", "Page down")]

    def __init__(self, rows: int) -> None:
        super().__init__()
        self.rows = [
            f"{i:>10}  2026-10-15T10:00:00  credit-ep  approved  0.73" for i in range(rows)
        ]
        self.cursor = 0
        self.virtual_size = Size(80, rows)

    def render_line(self, y: int) -> Strip:
        index = int(self.scroll_offset.y) + y
        text = self.rows[index] if index < len(self.rows) else ""
        return Strip([Segment(text)], self.size.width)

    def action_page(self) -> None:
        self.cursor = min(self.cursor + self.size.height - 1, len(self.rows) - 1)
        self.scroll_to(y=self.cursor, animate=False)


class Baseline(App[None]):
    def __init__(self, rows: int) -> None:
        super().__init__()
        self.rows = rows

    def compose(self) -> ComposeResult:
        yield Lines(self.rows)


async def presses(app: App[Any], view: Any, count: int) -> list[float]:
    """Key-to-frame time of ``count`` page-downs: from sending the key to the driver
    until the first screen update written after the view's cursor moved."""
    frames: list[float] = []
    display = app._display

    def timed(screen: Any, renderable: Any) -> None:
        display(screen, renderable)
        frames.append(time.perf_counter())

    app._display = timed  # type: ignore[method-assign]
    times = []
    assert app._driver is not None
    for _ in range(count):
        cursor = view.cursor
        started = time.perf_counter()
        app._driver.send_message(events.Key("pagedown", None))
        while view.cursor == cursor:
            await asyncio.sleep(0.0002)
        moved = time.perf_counter()
        while not frames or frames[-1] < moved:
            await asyncio.sleep(0.0002)
        times.append(frames[-1] - started)
        await asyncio.sleep(0.02)  # the next key comes later, as a person's would
    app._display = display  # type: ignore[method-assign]
    return times


def p95(times: list[float]) -> float:
    return sorted(times)[max(int(len(times) * 0.95) - 1, 0)]


def describe(name: str, times: list[float]) -> str:
    return (
        f"{name}: p95 {p95(times) * 1000:.1f} ms, median {statistics.median(times) * 1000:.1f} ms,"
        f" max {max(times) * 1000:.1f} ms"
    )


async def console(workspace: Path, count: int) -> tuple[list[float], list[float], int, float]:
    app = build_app(workspace_profile(workspace))
    async with app.run_test(size=SIZE) as pilot:
        started = time.perf_counter()
        table = app.query_one(PredictionTable)
        while not table.rows:
            await pilot.pause(0.005)
        first = time.perf_counter() - started
        table.focus()
        await pilot.pause()
        streaming = await presses(app, table, count)
        while len(table.rows) < MAX_ROWS and app.workers:
            await pilot.pause(0.1)
        table.action_jump(0)
        await pilot.pause()
        loaded = await presses(app, table, count)
        return streaming, loaded, len(table.rows), first


async def baseline(rows: int, count: int) -> list[float]:
    app = Baseline(rows)
    async with app.run_test(size=SIZE) as pilot:
        lines = app.query_one(Lines)
        lines.focus()
        await pilot.pause()
        return await presses(app, lines, count)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tree", type=Path, default=ROOT / "bench" / "data" / "logs-10000000")
    parser.add_argument("--presses", type=int, default=200)
    args = parser.parse_args()
    os.environ["XDG_CACHE_HOME"] = tempfile.mkdtemp(prefix="pagedown-cache-")  # cold cache
    workspace = args.tree.parent / f"workspace-{args.tree.name}"
    workspace.mkdir(exist_ok=True)
    blobs = workspace / "blobs"
    if not blobs.exists():
        blobs.symlink_to(args.tree.resolve())
    streaming, loaded, rows, first = asyncio.run(console(workspace, args.presses))
    base = asyncio.run(baseline(rows, args.presses))
    print(f"console on {args.tree}: first rows after {first * 1000:.0f} ms; {rows:,} rows held")
    print(describe("page-down while the search streams pages", streaming))
    print(describe(f"page-down with {rows:,} rows loaded", loaded))
    print(describe("baseline Line-API ScrollView, same rows", base))
    ratio = p95(loaded) / p95(base)
    print(f"p95 ratio (loaded / baseline): {ratio:.2f}×   goal: ≤ 1.2× and ≤ 16 ms")
    print(f"peak RSS {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:,.0f} MB")


if __name__ == "__main__":
    main()
