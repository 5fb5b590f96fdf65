"""Helpers for driving the console in tests."""

from __future__ import annotations

from textual.pilot import Pilot

from tui.cli.screenshots import demo_app, settle

__all__ = ["demo_app", "quiet", "settle"]


async def quiet(pilot: Pilot[None]) -> None:
    """Settle, then drop notifications and cursor blink so pictures are stable."""
    await settle(pilot)
    pilot.app.clear_notifications()
    for widget in pilot.app.query("Input"):
        widget.cursor_blink = False  # type: ignore[attr-defined]
    await pilot.pause()
