"""Switch profile from the command palette at 80×24: the configured profiles are listed,
switching opens the other profile's providers as start-up does and shows its data, and a
profile that cannot be opened is said while the console stays on the one it has."""

from __future__ import annotations

import asyncio
import dataclasses
from pathlib import Path

from consoleapp import screen_text, settle
from textual.pilot import Pilot

from providers.config import Profile, ProviderSpec, workspace_profile
from tui.console.launch import build_app
from tui.demo.workspace import DemoCase


async def press(pilot: Pilot[None], *keys: str) -> None:
    await pilot.press(*keys)
    await settle(pilot)


async def palette(pilot: Pilot[None], text: str) -> str:
    """Open the palette and type ``text``; the screen then."""
    await press(pilot, "ctrl+p", *[{" ": "space"}.get(c, c) for c in text])
    await pilot.pause(0.3)  # the palette searches in the background
    return screen_text(pilot)


def topbar(pilot: Pilot[None]) -> str:
    """The top bar's whole line (at 80 columns the profile's description is cut off)."""
    return str(pilot.app.query_one("#topbar").render())


def said(pilot: Pilot[None]) -> str:
    return "\n".join(n.message for n in pilot.app._notifications)


def test_switch_profile(demo: tuple[Path, DemoCase]) -> None:
    workspace, info = demo
    day = info.logged_at[:10]
    start = dataclasses.replace(workspace_profile(workspace, "demo"), description="demo")
    second = dataclasses.replace(workspace_profile(workspace, "second"), description="2nd")
    broken = Profile("broken", workspace, {"commits": ProviderSpec("gitt", {"path": "repo"})})
    app = build_app(
        start,
        initial_query=f"from:{day} to:{day}",
        profiles={"second": second, "broken": broken},
    )

    async def main() -> None:
        async with app.run_test(size=(80, 24)) as pilot:
            await settle(pilot)
            assert "profile demo: demo" in topbar(pilot)
            listed = await palette(pilot, "switch profile")
            assert "Switch profile: second" in listed and "Switch profile: broken" in listed
            await press(pilot, "escape")

            await palette(pilot, "profile broken")
            await press(pilot, "enter")
            assert "unknown provider 'gitt'" in said(pilot)
            assert "Still on profile demo." in said(pilot)
            text = screen_text(pilot)
            assert "profile demo: demo" in topbar(pilot)
            assert f"predictions for 'from:{day} to:{day}'" in text  # still working

            await palette(pilot, "switch profile: second")
            await press(pilot, "enter")
            await settle(pilot)
            text = screen_text(pilot)
            assert "profile second: 2nd" in topbar(pilot)
            assert "profile second" in text.splitlines()[0]
            assert "Switched to profile second: 2nd." in said(pilot)
            assert f"predictions for 'from:{day} to:{day}'" in text, text  # the query kept
            assert app.session.backends.profile == "second"

    asyncio.run(main())


def test_the_profile_is_on_screen_at_80_columns(demo: tuple[Path, DemoCase]) -> None:
    """At 80x24 the top line says which profile the console is on (the other panes' titles
    shortened to make room); at 120x40 the titles are whole."""
    workspace, _ = demo
    profile = dataclasses.replace(workspace_profile(workspace, "demo"), description="demo")

    async def main(size: tuple[int, int], other_pane: str) -> None:
        async with build_app(profile).run_test(size=size) as pilot:
            await settle(pilot)
            top = screen_text(pilot).splitlines()[0]
            assert "1 Predictions" in top and other_pane in top, top
            assert "profile demo" in top, top

    asyncio.run(main((80, 24), " 2 Dep "))
    asyncio.run(main((120, 40), " 2 Deployments "))
