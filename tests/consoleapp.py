"""Helpers for driving the console in tests."""

from __future__ import annotations

from textual.pilot import Pilot

from tui.cli.screenshots import demo_app, settle

__all__ = ["demo_app", "quiet", "screen_text", "settle"]


def screen_text(pilot: Pilot[None]) -> str:
    """The screen as the user sees it now: its rendered lines of text, top to bottom."""
    return "\n".join(strip.text for strip in pilot.app.screen._compositor.render_strips())


async def quiet(pilot: Pilot[None]) -> None:
    """Settle, then drop notifications and cursor blink so pictures are stable."""
    await settle(pilot)
    pilot.app.clear_notifications()
    for widget in pilot.app.query("Input"):
        widget.cursor_blink = False  # type: ignore[attr-defined]
    await pilot.pause()
