"""Content search in the Commits pane at 80×24, asserted on the rendered screen: ``s`` then
a text or ``-G`` regex lists the commits git finds, the first opens with the matching
hunk in view, marks limit it to good..bad, an empty search gives the history back, and
results stream in before git has finished."""

from __future__ import annotations

import asyncio
import re
import subprocess
import time
from collections.abc import Awaitable, Callable
from pathlib import Path

import pytest
from consoleapp import demo_app, screen_text, settle
from gitrepo import GitRepo
from textual.pilot import Pilot

from providers.config import load_config
from tui.console.launch import build_app
from tui.demo.workspace import DemoCase

Scenario = Callable[[Pilot[None]], Awaitable[None]]


def run_traced(demo: tuple[Path, DemoCase], scenario: Scenario) -> None:
    workspace, case = demo

    async def main() -> None:
        app = demo_app(workspace, case)
        async with app.run_test(size=(80, 24)) as pilot:
            await settle(pilot)
            await press(pilot, "enter")  # trace the auditor's prediction
            await press(pilot, "5")  # Commits
            await scenario(pilot)

    asyncio.run(main())


async def press(pilot: Pilot[None], *keys: str) -> None:
    await pilot.press(*keys)
    await settle(pilot)


async def type_search(pilot: Pilot[None], text: str) -> None:
    await press(pilot, "s", "ctrl+u", *text, "enter")


def test_s_finds_the_quiet_threshold_change_with_its_line_in_view(
    demo: tuple[Path, DemoCase],
) -> None:
    async def scenario(pilot: Pilot[None]) -> None:
        await type_search(pilot, "-G threshold: 0.6")
        text = screen_text(pilot)
        assert "1 commit -G “threshold: 0.6” in the history of" in text, text
        assert "Tidy scoring config" in text
        await press(pilot, "v")  # into the detail: it grows, the match stays in view
        text = screen_text(pilot)
        assert re.search(r"^ *\+ +threshold: 0\.62", text, re.M), text
        await press(pilot, "s", "ctrl+u", "enter")  # an empty search: the history again
        text = screen_text(pilot)
        assert re.search(r"\d+ commits from ", text), text
        assert "Tidy scoring config" not in text.split("\n")[6]  # the list starts at the top

    run_traced(demo, scenario)


def test_l_after_a_search_names_the_first_line_with_text_not_the_blank_row_above(
    demo: tuple[Path, DemoCase],
) -> None:
    """The search lands on the hunk with ``decision:`` (line 6) at the detail's top; ``v``
    grows the detail and its end comes up a row, so the top row is the blank context line
    5 above it, which looks like padding: ``L`` gives the history of ``decision:``, the
    first line with text, not of the blank line."""

    async def scenario(pilot: Pilot[None]) -> None:
        await type_search(pilot, "threshold: 0.62")
        await press(pilot, "v")
        rows = screen_text(pilot).split("\n")
        top = next(n for n, row in enumerate(rows) if row.startswith("▀▀▀▀")) + 1
        assert not rows[top].strip() and rows[top + 1].strip() == "decision:", rows
        await press(pilot, "L")
        text = screen_text(pilot)
        assert "History of config/scoring.yaml:6 at 356d7c2484" in text, text
        assert "+decision:" in text  # the line's first commit, not a blank line's

    run_traced(demo, scenario)


def test_s_pickaxe_lists_every_commit_in_git_s_order_and_marks_limit_it(
    demo: tuple[Path, DemoCase],
) -> None:
    workspace, _case = demo
    git = ["git", "-C", str(workspace / "repo"), "log", "--format=%s", "-Sthreshold", "HEAD"]
    expected = subprocess.run(git, capture_output=True, text=True, check=True).stdout.split("\n")

    async def scenario(pilot: Pilot[None]) -> None:
        await type_search(pilot, "threshold -- config docs")
        text = screen_text(pilot)
        found = [s for s in expected if s and s[:30] in text]
        assert len(found) >= 2, text
        rows = [line for line in text.splitlines() if any(s[:30] in line for s in found)]
        assert [next(s for s in found if s[:30] in row) for row in rows] == found[: len(rows)]
        assert "-- config docs" in text

    run_traced(demo, scenario)


@pytest.fixture(scope="module")
def slow_repo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A match at the tip, then 40,000 commits git must read before the root's match."""
    path = tmp_path_factory.mktemp("slow") / "repo"
    GitRepo(path)
    chunks = [
        b"commit refs/heads/main\ncommitter A <a@x> 1 +0000\ndata 5\nroot\n"
        b"M 100644 inline f\ndata 7\nneedle\n"
    ]
    for n in range(40_000):
        body = b"line %d\n" % n
        chunks.append(
            b"commit refs/heads/main\ncommitter A <a@x> %d +0000\ndata 2\nc\n" % (2 + n)
            + b"M 100644 inline g\ndata %d\n%s\n" % (len(body), body)
        )
    tip = b"needle and more\n"
    chunks.append(
        b"commit refs/heads/main\ncommitter A <a@x> 99999 +0000\ndata 4\ntip\n"
        + b"M 100644 inline f\ndata %d\n%s\n" % (len(tip), tip)
    )
    subprocess.run(
        ["git", "-C", str(path), "fast-import", "--quiet"], input=b"".join(chunks), check=True
    )
    return path


def test_the_first_result_is_on_screen_before_git_has_finished(
    slow_repo: Path, tmp_path: Path
) -> None:
    config = tmp_path / "config.toml"
    config.write_text(f'[profiles.t.commits]\nprovider = "git"\npath = "{slow_repo}"\n')
    app = build_app(load_config(config).profile("t"))

    async def main() -> None:
        async with app.run_test(size=(80, 24)) as pilot:
            await settle(pilot)
            await press(pilot, "5")
            await pilot.press("s", *"-G needle", "enter")
            started = time.monotonic()
            while "tip" not in screen_text(pilot) and time.monotonic() - started < 30:
                await pilot.pause(0.01)
            text = screen_text(pilot)
            assert "tip" in text and "(searching …)" in text, text
            assert "root" not in text
            while "(searching …)" in screen_text(pilot) and time.monotonic() - started < 60:
                await pilot.pause(0.1)
            await settle(pilot)
            text = screen_text(pilot)
            assert "2 commits -G “needle”" in text and "root" in text, text

    asyncio.run(main())


def test_enter_on_the_changed_threshold_in_the_compare_lands_on_its_commit(
    demo: tuple[Path, DemoCase],
) -> None:
    workspace, case = demo

    async def main() -> None:
        app = demo_app(workspace, case)
        async with app.run_test(size=(80, 24)) as pilot:
            await settle(pilot)
            await press(pilot, "enter")  # trace the auditor's prediction
            await press(pilot, "3", "c")  # Models; c compares the traced version with the last
            await press(pilot, "enter")  # the changed settings, parameters first
            text = screen_text(pilot)
            assert "parameters: threshold  0.50 → 0.62" in text, text
            await press(pilot, "enter")
            text = screen_text(pilot)
            assert "Tidy scoring config" in text, text
            assert re.search(r"^ *\+ +threshold: 0\.62", text, re.M), text
            assert "1 commit changing a line that sets threshold in mortgage:3 .. mortgage:4" in (
                text
            )
            assert "Document decision threshold governance" not in text  # the red herring

    asyncio.run(main())
