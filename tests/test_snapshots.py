"""SVG snapshots of each pane after tracing the auditor's case, at 100×30 and 80×24."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from consoleapp import demo_app, quiet
from textual.pilot import Pilot

from tui.demo.workspace import DemoCase

PANE_KEYS = {"predictions": "1", "deployments": "2", "models": "3", "releases": "4", "commits": "5"}


@pytest.mark.parametrize("size", [(100, 30), (80, 24)], ids=["100x30", "80x24"])
@pytest.mark.parametrize("pane", list(PANE_KEYS))
def test_pane_snapshot(
    snap_compare: Any, demo: tuple[Path, DemoCase], pane: str, size: tuple[int, int]
) -> None:
    workspace, case = demo

    async def trace_then_show(pilot: Pilot[None]) -> None:
        await quiet(pilot)
        await pilot.press("enter")
        await quiet(pilot)
        await pilot.press(PANE_KEYS[pane])
        await quiet(pilot)

    assert snap_compare(demo_app(workspace, case), terminal_size=size, run_before=trace_then_show)


def test_trail_view_snapshot(snap_compare: Any, demo: tuple[Path, DemoCase]) -> None:
    """The trail view (w) at 80×24: the question, the decision and the first hops' reasons."""
    workspace, case = demo

    async def trace_then_view(pilot: Pilot[None]) -> None:
        await quiet(pilot)
        await pilot.press("enter")
        await quiet(pilot)
        await pilot.press("w")
        await quiet(pilot)

    app = demo_app(workspace, case)
    assert snap_compare(app, terminal_size=(80, 24), run_before=trace_then_view)


# After the trace: each pane with its detail focused (v) and scrolled; Commits on the culprit.
READING_KEYS = {
    "predictions": ("1", "v", "pagedown"),
    "deployments": ("2", "v", "pagedown"),
    "models": ("3", "v", "pagedown"),
    "releases": ("4", "v", "pagedown"),
    "commits": ("5", "slash", *"Tidy", "enter", "v", "right_curly_bracket"),
    "compare": ("3", "c", "pagedown"),
}


@pytest.mark.parametrize("view", list(READING_KEYS))
def test_detail_snapshot(snap_compare: Any, demo: tuple[Path, DemoCase], view: str) -> None:
    """At 80×24: a pane's detail focused and scrolled (and the models compare)."""
    workspace, case = demo

    async def trace_then_read(pilot: Pilot[None]) -> None:
        await quiet(pilot)
        await pilot.press("enter")
        await quiet(pilot)
        for key in READING_KEYS[view]:
            await pilot.press(key)
            await quiet(pilot)

    app = demo_app(workspace, case)
    assert snap_compare(app, terminal_size=(80, 24), run_before=trace_then_read)
