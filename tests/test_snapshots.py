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
