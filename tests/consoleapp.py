"""Helpers for driving the console in tests."""

from __future__ import annotations

from pathlib import Path

from textual.pilot import Pilot

from providers.demo.workspace import DemoCase
from tui.app import ModeltrailApp
from tui.screenshots import demo_app, settle

__all__ = ["demo_console", "settle"]


def demo_console(workspace: Path, case: DemoCase) -> ModeltrailApp:
    """The console as ``modeltrail demo`` opens it (path-free profile label)."""
    return demo_app(workspace, case)


async def quiet(pilot: Pilot[None]) -> None:
    """Settle, then drop notifications and cursor blink so pictures are stable."""
    await settle(pilot)
    pilot.app.clear_notifications()
    for widget in pilot.app.query("Input"):
        widget.cursor_blink = False  # type: ignore[attr-defined]
    await pilot.pause()
