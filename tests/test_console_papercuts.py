"""Papercuts of the console at 80×24, on the rendered screen: y's notice shows the whole
sha on one line (it wrapped inside the 40-column notice)."""

from __future__ import annotations

import asyncio
from pathlib import Path

from consoleapp import demo_app, screen_text, settle
from textual.pilot import Pilot

from tui.demo.workspace import DemoCase


async def press(pilot: Pilot[None], *keys: str) -> None:
    await pilot.press(*keys)
    await settle(pilot)


def test_the_copy_notice_shows_the_whole_sha_on_one_line(demo: tuple[Path, DemoCase]) -> None:
    workspace, info = demo

    async def main() -> None:
        app = demo_app(workspace, info)
        async with app.run_test(size=(80, 24), notifications=True) as pilot:
            await settle(pilot)
            await press(pilot, "5", "y")
            sha = app.query_one("#commits").shown.sha  # type: ignore[attr-defined]
            lines = screen_text(pilot).splitlines()
            notice = [line for line in lines if "commit:" not in line]  # not the detail's
            assert any("to copy by hand" in line for line in notice), "\n".join(lines)
            assert any(sha in line for line in notice), "\n".join(lines)

    asyncio.run(main())
