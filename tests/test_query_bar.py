"""The query bar of Predictions at 80×24, typed by keys: what a user who mistypes is told."""

from __future__ import annotations

import asyncio
from pathlib import Path

from consoleapp import demo_app, screen_text, settle
from textual.pilot import Pilot

from tui.demo.workspace import DemoCase


async def search(pilot: Pilot[None], text: str) -> str:
    """Type ``text`` into the query bar (/, Ctrl+U clears it), press Enter; the screen."""
    await settle(pilot)
    await pilot.press("slash", "ctrl+u", *[" " if c == " " else c for c in text], "enter")
    await settle(pilot)
    return screen_text(pilot)


def run(demo: tuple[Path, DemoCase], text: str) -> str:
    shown: list[str] = []

    async def scenario() -> None:
        app = demo_app(*demo)
        async with app.run_test(size=(80, 24)) as pilot:
            shown.append(await search(pilot, text))

    asyncio.run(scenario())
    return shown[0]


def test_the_short_id_of_the_table_asks_for_the_whole_id(
    demo: tuple[Path, DemoCase],
) -> None:
    screen = run(demo, demo[1].request_id[:13])
    assert "0 predictions for" in screen and "give the whole id (the detail shows it)" in screen


def test_a_misspelled_field_is_named_with_the_known_ones(demo: tuple[Path, DemoCase]) -> None:
    screen = run(demo, "decison=rejected")
    assert "unknown field 'decison'" in screen and "did you mean decision?" in screen
    assert "Press r to retry" not in screen and "press / to edit" in screen


def test_a_date_and_a_time_written_apart_are_one_time(demo: tuple[Path, DemoCase]) -> None:
    day = demo[1].logged_at[:10]
    screen = run(demo, f"from:{day} 14:30 to:{day} 14:33")
    assert "predictions for 'from:" in screen and "14:3" in screen
    assert "cannot read" not in screen


def test_a_syntax_error_has_no_retry_hint(demo: tuple[Path, DemoCase]) -> None:
    screen = run(demo, "income<")
    assert "no value after '<'" in screen and "Press r to retry" not in screen


def test_one_prediction_is_singular(demo: tuple[Path, DemoCase]) -> None:
    screen = run(demo, f"id:{demo[1].request_id}")
    assert "1 prediction for" in screen and "1 predictions" not in screen


def test_offline_an_uncached_search_says_so_once_and_stops_searching(
    demo: tuple[Path, DemoCase],
) -> None:
    shown: list[str] = []

    async def scenario() -> None:
        app = demo_app(*demo)
        async with app.run_test(size=(80, 24)) as pilot:
            await settle(pilot)
            await pilot.press("O")
            shown.append(await search(pilot, "from:2026-08-20 to:2026-08-20"))

    asyncio.run(scenario())
    screen = shown[0]
    assert "the prediction search is not in the cache" in screen
    assert "press O to go online" in screen and "work offline" not in screen
    assert "Searching" not in screen and "stopped" in screen


def test_the_palette_lists_the_consoles_commands_before_textuals(
    demo: tuple[Path, DemoCase],
) -> None:
    shown: list[str] = []

    async def scenario() -> None:
        app = demo_app(*demo)
        async with app.run_test(size=(80, 24)) as pilot:
            await settle(pilot)
            await pilot.press("ctrl+p")
            await settle(pilot)
            shown.append(screen_text(pilot))
            await pilot.press(*"the")
            await settle(pilot)
            shown.append(screen_text(pilot))

    asyncio.run(scenario())
    opened, searched = shown
    assert "Trace a request" in opened and "Go to Predictions" in opened
    assert "Quit the application" not in opened  # below ours, off the list's first screen
    assert searched.index("Trail: every hop") < searched.index("Theme")
