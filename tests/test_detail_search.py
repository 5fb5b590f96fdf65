"""Searching inside a detail at 80×24 by keys only: / asks for text, the first match below
the top is brought on screen and marked, n and N step through the matches (wrapping), a
search that finds nothing says so; asserted on the rendered screen (text and colours)."""

from __future__ import annotations

import re
from pathlib import Path

from consoleapp import screen_text
from test_reading_details import press, run_traced
from textual.pilot import Pilot

from tui.console.app import ModeltrailApp
from tui.demo.workspace import DemoCase

SIZE = (80, 24)


async def search(pilot: Pilot[None], text: str) -> None:
    await press(pilot, "slash", *text, "enter")


def search_line(pilot: Pilot[None]) -> str:
    """The detail's search line on screen ("" if none shows)."""
    said = r"^ /.*: (match \d+ of \d+|no match in this detail).*?(?= *[▁▂▃▄▅▆▇█]* *$)"
    found = re.search(said, screen_text(pilot), re.M)
    return found.group(0).strip() if found else ""


def marked(pilot: Pilot[None], text: str) -> list[bool]:
    """For each place ``text`` is drawn on screen as a piece of its own: is it bold (the
    current match's mark is)?"""
    strips = pilot.app.screen._compositor.render_strips()
    return [
        bool(segment.style and segment.style.bold)
        for strip in strips
        for segment in strip
        if segment.text == text
    ]


def test_search_brings_the_culprits_threshold_line_on_screen(demo: tuple[Path, DemoCase]) -> None:
    async def scenario(app: ModeltrailApp, pilot: Pilot[None]) -> None:
        await press(pilot, "5")
        await press(pilot, "slash", *"Tidy", "enter")
        await press(pilot, "v")
        line = r"^ *\+ +threshold: 0\.62"
        assert not re.search(line, screen_text(pilot), re.M)  # below the fold at first
        await search(pilot, "threshold: 0.62")
        text = screen_text(pilot)
        assert re.search(line, text, re.M), text
        assert search_line(pilot) == "/threshold: 0.62: match 1 of 1  (n next, N previous)"
        assert "Tidy scoring config" in text  # still the commit asked for, list above
        assert marked(pilot, "threshold: 0.62") == [True]

    run_traced(demo, SIZE, scenario)


def test_n_and_shift_n_step_through_the_matches_and_wrap(demo: tuple[Path, DemoCase]) -> None:
    async def scenario(app: ModeltrailApp, pilot: Pilot[None]) -> None:
        await press(pilot, "1", "v")
        await search(pilot, "mortgage:")
        first = search_line(pilot)
        count = int(re.search(r"match 1 of (\d+)", first).group(1))  # type: ignore[union-attr]
        assert count >= 3, first
        await press(pilot, "n")
        assert search_line(pilot).startswith(f"/mortgage:: match 2 of {count} ")
        await press(pilot, "N", "N")
        assert f"match {count} of {count}, wrapped round" in search_line(pilot)
        await press(pilot, "n")
        assert f"match 1 of {count}, wrapped round" in search_line(pilot)

    run_traced(demo, SIZE, scenario)


def test_a_search_that_finds_nothing_says_so(demo: tuple[Path, DemoCase]) -> None:
    async def scenario(app: ModeltrailApp, pilot: Pilot[None]) -> None:
        await press(pilot, "2", "v")
        await search(pilot, "no-such-text")
        assert search_line(pilot) == "/no-such-text: no match in this detail  (/ to search again)"
        await press(pilot, "v")  # back in the list: the search line goes
        assert search_line(pilot) == ""

    run_traced(demo, SIZE, scenario)


def test_search_is_in_the_footer_and_in_help(demo: tuple[Path, DemoCase]) -> None:
    async def scenario(app: ModeltrailApp, pilot: Pilot[None]) -> None:
        await press(pilot, "5")
        await press(pilot, "slash", *"Tidy", "enter")
        await press(pilot, "v")
        footer = screen_text(pilot).splitlines()[-1]
        assert "/ Search" in footer and "{} Hunks" in footer and "? Help" in footer, footer
        await press(pilot, "question_mark")
        for _ in range(6):
            text = screen_text(pilot)
            if "N" in text and "Prev match" in text:
                break
            await press(pilot, "pagedown")
        assert re.search(r"/ +Search", text) and re.search(r"n +Next match", text), text
        assert re.search(r"N +Prev match", text), text

    run_traced(demo, SIZE, scenario)
