"""Helpers for driving the console in tests."""

from __future__ import annotations

import dataclasses
from pathlib import Path

from textual.pilot import Pilot

from providers.config import workspace_profile
from providers.demo.workspace import DemoCase
from tui.app import ModeltrailApp
from tui.launch import build_app
from tui.screenshots import settle

__all__ = ["demo_console", "settle"]


def demo_console(workspace: Path, case: DemoCase) -> ModeltrailApp:
    """The console as ``modeltrail demo`` opens it, with a path-free profile label."""
    profile = dataclasses.replace(workspace_profile(workspace, "demo"), description="demo")
    day = case.logged_at[:10]
    return build_app(profile, initial_query=f"from:{day} to:{day}", initial_select=case.request_id)


async def quiet(pilot: Pilot[None]) -> None:
    """Settle, then drop notifications and cursor blink so pictures are stable."""
    await settle(pilot)
    pilot.app.clear_notifications()
    for widget in pilot.app.query("Input"):
        widget.cursor_blink = False  # type: ignore[attr-defined]
    await pilot.pause()
