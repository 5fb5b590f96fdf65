"""The case carries the compare: a Models compare made by keys (before the case was started)
is kept in the case file and exported with its differences only, beside both versions'
metrics and parameters; the export verifies and an edited difference is caught."""

from __future__ import annotations

import asyncio
import dataclasses
import json
from pathlib import Path

from consoleapp import screen_text, settle
from textual.pilot import Pilot

from providers.config import workspace_profile
from tui.cases.case_folder import CaseStore
from tui.cases.verify import verify_file
from tui.console.launch import build_app
from tui.demo.workspace import DemoCase


async def press(pilot: Pilot[None], *keys: str) -> None:
    await pilot.press(*keys)
    await settle(pilot)


def test_a_compare_is_kept_and_exported(demo: tuple[Path, DemoCase], tmp_path: Path) -> None:
    workspace, info = demo
    store = CaseStore(tmp_path / "cases")
    day = info.logged_at[:10]
    profile = dataclasses.replace(workspace_profile(workspace, "demo"), description="demo")
    app = build_app(profile, initial_query=f"from:{day} to:{day}", initial_select=info.request_id)
    app.session.case_store = store

    async def investigate() -> None:
        async with app.run_test(size=(80, 24)) as pilot:
            await settle(pilot)
            await press(pilot, "enter")  # trace
            await press(pilot, "3", "c")  # the traced version against the one before
            assert "mortgage:3 (reference ◆) → mortgage:4" in screen_text(pilot)
            await press(pilot, "ctrl+p", *"case new audit", "enter")
            await press(pilot, "e", "4")  # every format

    asyncio.run(investigate())
    (case,) = (store.load(name) for name in store.names())
    (kept,) = case.compares
    assert (kept.left.record["version"], kept.right.record["version"]) == ("3", "4")
    assert kept.left_run is not None and kept.right_run is not None

    exports = sorted(store.exports_dir.iterdir())
    assert sorted(p.suffix for p in exports) == [".html", ".json", ".md"]
    for path in exports:
        assert verify_file(path).ok, path
    doc = json.loads(next(p for p in exports if p.suffix == ".json").read_text())
    (item,) = [i for i in doc["items"] if i["kind"] == "compare"]
    differences = item["data"]["differences"]
    assert differences and all(d["reference"] != d["compared"] for d in differences)
    threshold = [d for d in differences if d["setting"] == "threshold"]
    assert [(d["reference"], d["compared"]) for d in threshold] == [("0.50", "0.62")], differences
    params = {
        i["data"]["model"]: i["data"]["parameters"] for i in doc["items"] if i["kind"] == "metrics"
    }
    assert {"mortgage:3", "mortgage:4"} <= set(params)
    assert params["mortgage:3"]["threshold"] != params["mortgage:4"]["threshold"]

    markdown = next(p for p in exports if p.suffix == ".md")
    text = markdown.read_text()
    assert "## Model versions compared (differences only)" in text
    assert "| parameters | threshold | 0.50 | 0.62 | changed |" in text
    markdown.write_text(text.replace("| 0.50 | 0.62 |", "| 0.62 | 0.62 |", 1))
    (changed,) = verify_file(markdown).changed
    assert changed.startswith("item compare:mortgage:3:mortgage:4"), changed
