"""Reading every detail by keyboard at 80×24 and 120×40: after tracing the demo's prediction,
each decisive line is brought on screen with the documented keys (v into the detail, then
j/k, PageDown, End, }) and asserted on the rendered screen text, never on widget state."""

from __future__ import annotations

import asyncio
import re
from collections.abc import Awaitable, Callable
from pathlib import Path

import pytest
from consoleapp import demo_app, screen_text, settle
from textual.pilot import Pilot

from providers.records import Build
from tui.console.app import ModeltrailApp
from tui.demo.workspace import DemoCase

SIZES = [(80, 24), (120, 40)]
Scenario = Callable[[ModeltrailApp, Pilot[None]], Awaitable[None]]


def run_traced(demo: tuple[Path, DemoCase], size: tuple[int, int], scenario: Scenario) -> None:
    """Open the demo at ``size``, trace the auditor's prediction (Enter), run ``scenario``."""
    workspace, case = demo

    async def main() -> None:
        app = demo_app(workspace, case)
        async with app.run_test(size=size) as pilot:
            await settle(pilot)
            await press(pilot, "enter")
            await scenario(app, pilot)

    asyncio.run(main())


async def press(pilot: Pilot[None], *keys: str) -> None:
    await pilot.press(*keys)
    await settle(pilot)


async def page_until(pilot: Pilot[None], *patterns: str, limit: int = 8) -> set[str]:
    """PageDown until each of ``patterns`` has matched a line on screen (at most ``limit``
    pages); the patterns that did."""
    seen: set[str] = set()
    for page in range(limit + 1):
        text = screen_text(pilot)
        seen |= {p for p in patterns if re.search(p, text, re.M)}
        if seen == set(patterns) or page == limit:
            return seen
        await press(pilot, "pagedown")
    return seen


@pytest.mark.parametrize("size", SIZES, ids=["80x24", "120x40"])
def test_the_culprit_commits_threshold_line(
    demo: tuple[Path, DemoCase], size: tuple[int, int]
) -> None:
    async def scenario(app: ModeltrailApp, pilot: Pilot[None]) -> None:
        await press(pilot, "5")
        await press(pilot, "slash", *"Tidy", "enter")
        assert "Tidy scoring config" in screen_text(pilot)
        await press(pilot, "v", "right_curly_bracket")  # into the diff, to its first hunk
        text = screen_text(pilot)
        assert re.search(r"^ *@@ -\d", text, re.M), text  # the hunk starts the detail
        line = r"^ *\+ +threshold: 0\.62"
        assert await page_until(pilot, line) == {line}, screen_text(pilot)
        assert "Tidy scoring config" in screen_text(pilot)  # the list stays above the diff

    run_traced(demo, size, scenario)


@pytest.mark.parametrize("size", SIZES, ids=["80x24", "120x40"])
def test_the_builds_commit_and_training_data(
    demo: tuple[Path, DemoCase], size: tuple[int, int]
) -> None:
    async def scenario(app: ModeltrailApp, pilot: Pilot[None]) -> None:
        trail = app.session.trail
        hop = trail.hop("build") if trail else None
        assert hop is not None and isinstance(hop.record, Build)
        build = hop.record
        folders = [f for artifact in build.artifacts for f in artifact.data_folders]
        assert build.source_commit and folders
        await press(pilot, "4")
        await press(pilot, "v")
        assert "▶ 4" in screen_text(pilot)  # the traced release's row is still listed
        lines = [rf"Commit: {build.source_commit}", *(f"data folder: {f}" for f in folders)]
        assert await page_until(pilot, *lines) == set(lines), screen_text(pilot)

    run_traced(demo, size, scenario)


@pytest.mark.parametrize("size", SIZES, ids=["80x24", "120x40"])
def test_the_predictions_full_inputs(demo: tuple[Path, DemoCase], size: tuple[int, int]) -> None:
    async def scenario(app: ModeltrailApp, pilot: Pilot[None]) -> None:
        await press(pilot, "v", "z", "end")  # the detail, zoomed, at its end
        text = screen_text(pilot)
        for field in ("credit_score", "debt_to_income", "annual_income"):
            assert re.search(rf'"{field}": [\d.]+', text), (field, text)
        await press(pilot, "z")
        assert demo[1].request_id[:13] in screen_text(pilot)  # unzoomed: the list is back

    run_traced(demo, size, scenario)


@pytest.mark.parametrize("size", SIZES, ids=["80x24", "120x40"])
def test_the_served_deployments_image(demo: tuple[Path, DemoCase], size: tuple[int, int]) -> None:
    async def scenario(app: ModeltrailApp, pilot: Pilot[None]) -> None:
        await press(pilot, "2")
        await press(pilot, "v", "end")
        text = screen_text(pilot)
        assert re.search(r"Image: crmortgageml\.azurecr\.io/mortgage-score:14\b", text), text
        assert "deployments/m4" in text  # the end of the detail's last line, its source
        assert "▶ mortgage-prod" in text

    run_traced(demo, size, scenario)


@pytest.mark.parametrize("size", SIZES, ids=["80x24", "120x40"])
def test_the_models_parameters(demo: tuple[Path, DemoCase], size: tuple[int, int]) -> None:
    async def scenario(app: ModeltrailApp, pilot: Pilot[None]) -> None:
        await press(pilot, "3")
        await press(pilot, "v")
        assert "●  mortgage:4" in screen_text(pilot)  # the traced version, in the list
        rows = [r"^ *parameter {2,}value", r"^ *threshold {2,}0\.62\b"]
        rows += [rf"^ *{name} {{2,}}\S" for name in ("learning_rate", "max_depth", "max_iter")]
        assert await page_until(pilot, *rows) == set(rows), screen_text(pilot)

    run_traced(demo, size, scenario)


def test_the_compare_shows_both_versions_at_80x24(demo: tuple[Path, DemoCase]) -> None:
    async def scenario(app: ModeltrailApp, pilot: Pilot[None]) -> None:
        await press(pilot, "3")
        await press(pilot, "c")  # the traced version against the one before
        text = screen_text(pilot)
        assert re.search(r"◆ mortgage:3 +mortgage:4", text), text
        row = r"^ *parameters +threshold +changed +0\.50 +0\.62\b"
        assert await page_until(pilot, row) == {row}, screen_text(pilot)

    run_traced(demo, (80, 24), scenario)


@pytest.mark.parametrize("pane", ["1", "2", "3", "4", "5"])
def test_the_footer_fits_80_columns(demo: tuple[Path, DemoCase], pane: str) -> None:
    async def scenario(app: ModeltrailApp, pilot: Pilot[None]) -> None:
        for keys in ((pane,), ("v",)):  # the list focused, then the detail
            await press(pilot, *keys)
            footer = screen_text(pilot).splitlines()[-1]
            assert "v Detail" in footer and "z Zoom" in footer and "? Help" in footer, footer

    run_traced(demo, (80, 24), scenario)


def test_zoom_shows_the_detail_alone_and_back(demo: tuple[Path, DemoCase]) -> None:
    async def scenario(app: ModeltrailApp, pilot: Pilot[None]) -> None:
        await press(pilot, "4")
        await press(pilot, "v", "z")
        text = screen_text(pilot)
        assert "Release: mortgage-deploy-2026.08.11.1" in text
        assert "Id   Release" not in text and "Predictions" not in text  # the detail alone
        await press(pilot, "z")
        text = screen_text(pilot)
        assert "Id   Release" in text and "Release: mortgage-deploy-2026.08.11.1" in text

    run_traced(demo, (80, 24), scenario)
