"""The demo's training notebooks: a Databricks source notebook and a one-line ``.ipynb``
changed between the training commits of mortgage:3 and mortgage:4, shown cell by cell in
the Commits pane at 80x24, while the threshold commit stays the cause."""

from __future__ import annotations

import asyncio
import subprocess
from pathlib import Path

import pytest
from consoleapp import demo_app, screen_text, settle
from textual.pilot import Pilot

from tui.demo.workspace import DemoCase

pytestmark = pytest.mark.timeout(180)

SOURCE = "notebooks/prepare_training_set.py"
IPYNB = "notebooks/train_mortgage.ipynb"


def git(repo: Path, *args: str) -> str:
    run = subprocess.run(
        ["git", "-C", str(repo), *args], capture_output=True, text=True, check=True
    )
    return run.stdout


def notebook_commit(repo: Path) -> str:
    return git(repo, "log", "--format=%H", "-1", "--", IPYNB, SOURCE).strip()


def test_both_notebooks_change_between_mortgage_3_and_4_and_not_the_threshold(
    demo: tuple[Path, DemoCase],
) -> None:
    workspace, case = demo
    repo = workspace / "repo"
    assert git(repo, "show", f"HEAD:{SOURCE}").startswith("# Databricks notebook source\n")
    assert git(repo, "show", f"HEAD:{IPYNB}").count("\n") == 0  # one line, as exported
    sha = notebook_commit(repo)
    assert git(repo, "show", "--format=", "--name-only", sha).split() == [SOURCE, IPYNB]
    # between the training commits of mortgage:3 (built 06-15) and mortgage:4 (08-10) ...
    first_parent = git(repo, "log", "--first-parent", "--format=%H %cI", "main").split("\n")
    built = {line.split()[0]: line.split()[1] for line in first_parent if line}
    assert "2026-06-15" < built[sha] < "2026-08-10"
    assert built[sha] < built[case.suspicious_commit]
    # ... and the threshold's history is still the tidy-up's and the fix's alone
    root = git(repo, "rev-list", "--max-parents=0", "main").strip()
    changed = git(repo, "log", "--format=%H", r"-Gthreshold: 0\.", "main").split()
    assert changed == [case.fix_commit, case.suspicious_commit, root]
    assert sha not in git(repo, "log", "--format=%H", "-Sthreshold", "main").split()


def test_the_notebook_commit_shows_its_cells_at_80x24(demo: tuple[Path, DemoCase]) -> None:
    workspace, case = demo
    sha = notebook_commit(workspace / "repo")

    async def press(pilot: Pilot[None], *keys: str) -> None:
        await pilot.press(*keys)
        await settle(pilot)

    async def main() -> None:
        app = demo_app(workspace, case)
        async with app.run_test(size=(80, 24)) as pilot:
            await settle(pilot)
            await press(pilot, "enter")  # trace the auditor's prediction
            await press(pilot, "5", "colon", *sha[:10], "enter")  # Commits, go to the sha
            await press(pilot, "v")  # into the detail
            assert "Training set: require a year of employment" in screen_text(pilot)
            await press(pilot, "right_curly_bracket")  # the first hunk: a cell
            text = screen_text(pilot)
            assert "@@ cell 3 (code) changed @@" in text, text
            assert '+    " AND employment_years >= 1"' in text, text
            assert "COMMAND ----------" not in text and "# MAGIC" not in text
            assert f"notebook {IPYNB}: cell by cell" in text, text
            await press(pilot, "B")  # blame the cell's new line: the file's line 18
            text = screen_text(pilot)
            assert f"Blame of {SOURCE}:18 (cell 3, line 4) at" in text, text
            assert f'{sha[:8]} 2026-07-08 Aisha Bello    18     " AND employment_years' in text
            await press(pilot, "escape", "right_curly_bracket")  # to the .ipynb
            text = screen_text(pilot)
            assert '+train["repaid"] = (train["max_days_past_due_24m"] < 60)' in text, text
            assert "(only its outputs changed: hidden, o shows them)" in text, text
            assert '"cell_type"' not in text  # not the JSON line git would show

    asyncio.run(main())
