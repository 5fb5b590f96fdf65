"""``modeltrail screenshots``: drive the console on the demo and save an SVG of each pane.

Also used by the tests, so the pictures in ``screenshots/`` are what the app really shows.
"""

from __future__ import annotations

import asyncio
import dataclasses
from pathlib import Path

from textual.pilot import Pilot

from providers.config import workspace_profile
from tui.console.app import ModeltrailApp
from tui.console.launch import build_app
from tui.demo.workspace import DemoCase
from tui.panes.registry import PANES


async def settle(pilot: Pilot[None], rounds: int = 20) -> None:
    """Wait until no worker runs and the screen has caught up."""
    app = pilot.app
    for _ in range(rounds):
        await pilot.pause()
        if not any(w.is_running for w in app.workers):
            break
        await app.workers.wait_for_complete()
    await pilot.pause(0.05)


def demo_app(workspace: Path, case: DemoCase) -> ModeltrailApp:
    """The console as ``modeltrail demo`` opens it."""
    day = case.logged_at[:10]
    profile = dataclasses.replace(workspace_profile(workspace, "demo"), description="demo")
    return build_app(
        profile,
        initial_query=f"from:{day} to:{day}",
        initial_select=case.request_id,
        question=case.question,
    )


async def take_screenshots(
    workspace: Path, case: DemoCase, out: Path, size: tuple[int, int] = (120, 36)
) -> list[Path]:
    """Save ``predictions.svg`` … ``commits.svg`` and ``trace.svg`` into ``out``."""
    out.mkdir(parents=True, exist_ok=True)
    app = demo_app(workspace, case)
    saved: list[Path] = []

    def save(name: str) -> None:
        saved.append(Path(app.save_screenshot(filename=f"{name}.svg", path=str(out))))

    async with app.run_test(size=size) as pilot:
        await settle(pilot)
        save("predictions")
        await pilot.press("enter")
        await settle(pilot)
        save("trace")
        for number, pane in enumerate(PANES[1:], start=2):
            await pilot.press(str(number))
            await settle(pilot)
            save(pane.pane_id)
    return saved


def main(workspace: Path, case: DemoCase, out: Path) -> list[Path]:
    """Run :func:`take_screenshots` to completion."""
    return asyncio.run(take_screenshots(workspace, case, out))
