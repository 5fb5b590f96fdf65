"""A bookmarked notebook commit goes into the case export as the Commits pane shows it: cell
by cell (Databricks MAGIC unwrapped, the one-line .ipynb's cells, its outputs hidden), by keys
in the console at 80x24 on the demo, and the export verifies."""

from __future__ import annotations

import asyncio
import json
import subprocess
from pathlib import Path

import pytest
from consoleapp import screen_text, settle
from test_case_console import _app, _note
from textual.pilot import Pilot

from tui.cases.case_folder import CaseStore
from tui.cases.embed import embedded_text
from tui.cases.verify import verify_file
from tui.demo.workspace import DemoCase

pytestmark = pytest.mark.timeout(180)


def test_a_bookmarked_notebook_commit_is_exported_cell_by_cell(
    demo: tuple[Path, DemoCase], tmp_path: Path
) -> None:
    workspace, info = demo
    store = CaseStore(tmp_path / "cases")
    sha = subprocess.run(
        ["git", "-C", str(workspace / "repo"), "log", "-1", "--format=%H", "--", "notebooks"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()

    async def investigate(pilot: Pilot[None]) -> None:
        await settle(pilot)
        await pilot.press("enter")  # trace the auditor's prediction
        await settle(pilot)
        await pilot.press("5", "colon", *sha[:10], "enter")  # Commits: the notebook commit
        await settle(pilot)
        assert f"{sha[:10]}  2026-07-08 11:20  Aisha Bello    Training set" in screen_text(pilot)
        await _note(pilot, "m", "training set narrowed")  # bookmark it: starts a case
        await pilot.press("e")
        await settle(pilot)
        await pilot.press("4")  # all three formats
        await settle(pilot)

    async def main() -> None:
        app = _app(workspace, info, store, None)
        async with app.run_test(size=(80, 24)) as pilot:
            await investigate(pilot)

    asyncio.run(main())
    exports = {p.suffix: p for p in store.exports_dir.iterdir()}
    assert set(exports) == {".md", ".html", ".json"}
    for path in exports.values():
        assert verify_file(path).ok, path
    doc = json.loads(exports[".json"].read_text())
    (diff,) = [i["data"] for i in doc["items"] if i["kind"] == "diff"]
    assert diff["sha"] == sha and diff["note"] == "training set narrowed"
    files = {f["path"]: f["diff"] for f in diff["files"]}
    source = files["notebooks/prepare_training_set.py"]
    assert source.startswith("notebook notebooks/prepare_training_set.py: cell by cell")
    assert "@@ cell 3 (code) changed @@\n eligible = applications.filter(" in source
    assert '+    " AND employment_years >= 1"' in source and "# COMMAND" not in source
    notebook = files["notebooks/train_mortgage.ipynb"]
    assert '+train["repaid"] = (train["max_days_past_due_24m"] < 60).astype(int)' in notebook
    assert "(only its outputs changed: hidden, o shows them)" in notebook
    assert '"cell_type"' not in notebook  # not git's one-line JSON patch
    markdown = embedded_text(exports[".md"].read_text(), "md")
    assert "cell by cell" in markdown  # the embedded evidence of the readable report too
    assert '+    " AND employment_years >= 1"' in exports[".md"].read_text()
