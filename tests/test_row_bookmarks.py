"""Rows of one batched record share a correlation id, so the console remembers a
prediction by its row: two rows bookmarked are two bookmarks, reopening a case shows the
row it left on, and a case file of the previous schema is read with its bookmarks keyed
by row.  Console tests at 80x24 on the demo's batched record."""

from __future__ import annotations

import asyncio
import dataclasses
import json
from pathlib import Path
from typing import Any

import pytest
from consoleapp import screen_text, settle
from textual.pilot import Pilot

from providers.config import workspace_profile
from tui.cases.case_folder import CaseStore
from tui.cases.model import Bookmark, Case, Snapshot, utc_now
from tui.cases.recorder import CaseRecorder
from tui.console.app import ModeltrailApp
from tui.console.launch import build_app
from tui.demo.workspace import DemoCase

HOUR = "mortgage-prod/m4/model_inputs/2026/08/27/15"


def batched(workspace: Path) -> dict[str, Any]:
    """The demo's batched record (two rows, one correlation id)."""
    [path] = (workspace / "blobs").glob(f"*/modelDataCollector/{HOUR}/*.jsonl")
    record: dict[str, Any] = json.loads(path.read_text().splitlines()[0])
    assert len(record["data"]) == 2
    return record


def console(workspace: Path, store: CaseStore, name: str | None = None) -> ModeltrailApp:
    profile = dataclasses.replace(workspace_profile(workspace, "demo"), description="demo")
    recorder = CaseRecorder(store, store.load(name)) if name else None
    query = {} if name else {"initial_query": "from:2026-08-27 to:2026-08-27"}
    app = build_app(profile, case=recorder, **query)  # type: ignore[arg-type]
    app.session.case_store = store
    return app


async def trace_row(pilot: Pilot[None], correlation_id: str, row: int) -> None:
    await pilot.press("ctrl+p", *f"trace {correlation_id}")
    await settle(pilot)
    await pilot.press("enter")
    await settle(pilot)
    assert pilot.app.screen.__class__.__name__ == "RowChoice"
    await pilot.press(str(row))
    await settle(pilot)


async def bookmark(pilot: Pilot[None], note: str) -> None:
    await pilot.press("m")
    await settle(pilot)
    assert pilot.app.screen.__class__.__name__ == "NoteModal"
    await pilot.press(*[{" ": "space"}.get(ch, ch) for ch in note])
    await pilot.press("enter")
    await settle(pilot)


def shown_inputs(screen: str, first: dict[str, Any], second: dict[str, Any]) -> str:
    """Which row's application id is on screen (its detail), and not the other's."""
    one, two = (f'"application_id": "{r["application_id"]}"' for r in (first, second))
    return {(True, False): "first", (False, True): "second"}.get(
        (one in screen, two in screen), "neither or both"
    )


@pytest.mark.timeout(400)
def test_two_rows_of_a_batched_record_are_two_bookmarks_and_the_case_reopens_on_row_2(
    demo: tuple[Path, DemoCase], tmp_path: Path
) -> None:
    workspace, _ = demo
    record = batched(workspace)
    first, second = record["data"]
    store = CaseStore(tmp_path / "cases")

    async def investigate() -> None:
        app = console(workspace, store)
        async with app.run_test(size=(80, 24)) as pilot:
            await settle(pilot)
            await trace_row(pilot, record["correlationid"], 1)
            await bookmark(pilot, "first applicant")
            await trace_row(pilot, record["correlationid"], 2)
            await bookmark(pilot, "second applicant")

    asyncio.run(investigate())
    (name,) = store.names()
    marks = store.load(name).bookmarks
    assert [(m.note, m.key.rsplit("#", 1)[-1]) for m in marks] == [
        ("first applicant", "0"),
        ("second applicant", "1"),
    ]
    assert all(m.key.startswith(f"{record['correlationid']} @ ") for m in marks)
    kept = [m.snapshot.record["inputs"]["application_id"] for m in marks if m.snapshot]
    assert kept == [first["application_id"], second["application_id"]]

    async def reopen() -> str:
        app = console(workspace, store, name)
        async with app.run_test(size=(80, 24)) as pilot:
            await settle(pilot)
            await settle(pilot)
            await pilot.press("v", "z")  # the selected prediction's detail, zoomed
            await settle(pilot)
            return screen_text(pilot)

    assert shown_inputs(asyncio.run(reopen()), first, second) == "second"


@pytest.mark.timeout(400)
def test_going_back_to_a_chosen_row_in_the_history_shows_that_row(
    demo: tuple[Path, DemoCase], tmp_path: Path
) -> None:
    """Row 1 traced, then row 2: going back in the history shows row 1 again, forward row
    2 (the rows' common id alone would show the first for both)."""
    workspace, _ = demo
    record = batched(workspace)
    first, second = record["data"]
    store = CaseStore(tmp_path / "cases")
    seen: list[str] = []

    async def walk() -> None:
        app = console(workspace, store)
        async with app.run_test(size=(80, 24)) as pilot:
            await settle(pilot)
            await trace_row(pilot, record["correlationid"], 1)
            await trace_row(pilot, record["correlationid"], 2)
            for key in ("", "left_square_bracket", "right_square_bracket"):
                if key:
                    await pilot.press(key)
                    await settle(pilot)
                await pilot.press("v", "z")
                await settle(pilot)
                seen.append(shown_inputs(screen_text(pilot), first, second))
                await pilot.press("z")
                await settle(pilot)

    asyncio.run(walk())
    assert seen == ["second", "first", "second"]


def test_a_case_of_schema_3_reads_its_row_bookmarks_keyed_by_row(tmp_path: Path) -> None:
    """Schema 3 keyed a prediction bookmark by correlation id: read, the row its snapshot
    holds joins the key (bookmarking that row again replaces it); others are kept as
    they are."""

    def mark(key: str, kind: str, native_id: str) -> Bookmark:
        snap = Snapshot("local-logs", native_id, None, "Prediction", {})
        return Bookmark(kind, key, key, "why", utc_now(), snap)

    row = "modelDataCollector/ep/blue/model_inputs/2026/08/27/15/instance-0.jsonl:1#1"
    marks = (
        mark("c-1", "prediction", row),
        mark("c-2", "prediction", "modeldata/inputs/2026/08/27/data.csv:7"),
        mark("0123abc", "commit", "0123abc#1"),
    )
    store = CaseStore(tmp_path)
    case = Case.new("old", question="why?", profile="demo")
    path = store.save(dataclasses.replace(case, bookmarks=marks))
    data = json.loads(path.read_text())
    data["schema_version"] = 3
    path.write_text(json.dumps(data))
    loaded = store.load("old")
    assert [m.key for m in loaded.bookmarks] == [f"c-1 @ {row}", "c-2", "0123abc"]
    again = loaded.with_bookmark(dataclasses.replace(loaded.bookmarks[0], note="again"))
    assert [m.note for m in again.bookmarks] == ["why", "why", "again"]
