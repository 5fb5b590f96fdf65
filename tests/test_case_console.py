"""The auditor's case in the console by keys: investigate, save, reopen in a new app
rebuilt from the file, export all three formats, verify, and catch a tampered export."""

from __future__ import annotations

import asyncio
import dataclasses
from pathlib import Path

from consoleapp import screen_text, settle
from textual.pilot import Pilot

from providers.config import workspace_profile
from tui.cases.case_folder import CaseStore
from tui.cases.model import BAD, GOOD, Case
from tui.cases.recorder import CaseRecorder
from tui.cases.verify import verify_file
from tui.console.app import ModeltrailApp
from tui.console.launch import build_app
from tui.demo.workspace import DemoCase

NOTE = "the [b]threshold[/b] change"  # typed text is data, never markup


def _app(workspace: Path, info: DemoCase, store: CaseStore, case: Case | None) -> ModeltrailApp:
    profile = dataclasses.replace(workspace_profile(workspace, "demo"), description="demo")
    day = info.logged_at[:10]
    recorder = CaseRecorder(store, case) if case is not None else None
    query = {} if case is not None else {"initial_query": f"from:{day} to:{day}"}
    app = build_app(profile, initial_select=info.request_id, case=recorder, **query)  # type: ignore[arg-type]
    app.session.case_store = store
    return app


async def _type(pilot: Pilot[None], text: str) -> None:
    await pilot.press(*[{" ": "space"}.get(ch, ch) for ch in text])


async def _note(pilot: Pilot[None], key: str, text: str) -> None:
    await pilot.press(key)
    await settle(pilot)
    assert pilot.app.screen.__class__.__name__ == "NoteModal"
    await _type(pilot, text)
    await pilot.press("enter")
    await settle(pilot)


async def _investigate(app: ModeltrailApp, info: DemoCase) -> None:
    async with app.run_test(size=(110, 32)) as pilot:
        await settle(pilot)
        await pilot.press("enter")  # trace the selected request
        await settle(pilot)
        assert app.session.trail is not None and app.session.trail.complete
        await _note(pilot, "m", "the rejected application")  # starts a case: none was open
        name = app.session.case.name  # type: ignore[union-attr]
        assert f"case {name}" in str(app.query_one("#topbar").render())
        await pilot.press("5")
        await settle(pilot)
        commits = app.query_one("#commits")
        for _ in range(10):
            if commits.shown.sha == info.suspicious_commit:  # type: ignore[attr-defined]
                break
            await pilot.press("p")
            await settle(pilot)
            if app.screen.__class__.__name__ == "ParentChoice":
                await pilot.press("1")
                await settle(pilot)
        assert commits.shown.sha == info.suspicious_commit  # type: ignore[attr-defined]
        await _note(pilot, "m", NOTE)
        await pilot.press("b")  # the suspicious commit is bad …
        await settle(pilot)
        await pilot.press("p")  # … its parent good
        await settle(pilot)
        await pilot.press("g")
        await settle(pilot)
        await _note(pilot, "a", "Threshold raised without review")


def test_investigate_save_reopen_export_verify(demo: tuple[Path, DemoCase], tmp_path: Path) -> None:
    workspace, info = demo
    store = CaseStore(tmp_path / "cases")

    first = _app(workspace, info, store, None)
    asyncio.run(_investigate(first, info))
    (name,) = store.names()
    saved = store.load(name)  # autosaved after each change
    assert saved.trail is not None and len(saved.trail.hops) == 8
    assert [b.kind for b in saved.bookmarks] == ["prediction", "commit"]
    commit_mark = saved.bookmarks[1]
    assert commit_mark.note == NOTE and commit_mark.key == info.suspicious_commit
    assert commit_mark.snapshot is not None and commit_mark.snapshot.record["files"][0]["diff"]
    parent = commit_mark.snapshot.record["parents"][0]
    assert saved.mark_of(BAD) == info.suspicious_commit and saved.mark_of(GOOD) == parent
    assert [n.text for n in saved.notes] == ["Threshold raised without review"]
    assert {x.pane for x in saved.looked_at} >= {"predictions", "commits"}
    assert saved.console.pane == "commits" and saved.console.history[-1].key == parent
    before = (
        [(h.kind, h.label, h.status) for h in first.session.trail.hops],  # type: ignore[union-attr]
        list(first.session.history.entries),
        first.session.history.cursor,
    )

    async def reopen() -> None:
        # A new app, rebuilt from the file only (no initial query or trace).
        app = _app(workspace, info, store, store.load(name))
        async with app.run_test(size=(110, 32)) as pilot:
            await settle(pilot)
            await settle(pilot)
            trail = app.session.trail
            assert trail is not None
            after = (
                [(h.kind, h.label, h.status) for h in trail.hops],
                list(app.session.history.entries),
                app.session.history.cursor,
            )
            assert after == before
            assert app.current_pane.pane_id == "commits"
            commits = app.query_one("#commits")
            assert commits.shown.sha == parent  # type: ignore[attr-defined]
            marks = commits.marks  # type: ignore[attr-defined]
            assert (marks.good, marks.bad) == (parent, info.suspicious_commit)
            assert f"case {name}" in str(app.query_one("#topbar").render())
            await pilot.press("e")
            await settle(pilot)
            assert app.screen.__class__.__name__ == "FormatChoice"
            await pilot.press("4")  # all three
            await settle(pilot)

    asyncio.run(reopen())
    exports = sorted(store.exports_dir.iterdir())
    assert sorted(p.suffix for p in exports) == [".html", ".json", ".md"]
    for path in exports:
        verdict = verify_file(path)
        assert verdict.ok, (path, verdict.changed)
    markdown = next(p for p in exports if p.suffix == ".md")
    text = markdown.read_text()
    assert "the \\[b\\]threshold\\[/b\\] change" in text  # the note, literally
    markdown.write_text(text.replace("Threshold raised without review", "Reviewed and fine", 1))
    assert verify_file(markdown).changed == ("item note:1 (report text)",)


def test_reopening_a_case_runs_its_query_again(demo: tuple[Path, DemoCase], tmp_path: Path) -> None:
    """The query is part of where the investigator was: reopening runs it again instead of
    an unfiltered scan of every row."""
    workspace, info = demo
    store = CaseStore(tmp_path / "cases")
    case = Case.new("q", question="why?", profile="demo")
    store.create(case)
    day = info.logged_at[:10]
    query = f"from:{day} to:{day} decision=rejected"

    async def first() -> None:
        app = _app(workspace, info, store, case)
        async with app.run_test(size=(80, 24)) as pilot:
            await settle(pilot)
            await pilot.press("slash", "ctrl+u")
            await _type(pilot, query)
            await pilot.press("enter")
            await settle(pilot)

    async def again() -> str:
        app = _app(workspace, info, store, store.load("q"))
        async with app.run_test(size=(80, 24)) as pilot:
            await settle(pilot)
            return screen_text(pilot)

    asyncio.run(first())
    assert store.load("q").console.query == query
    screen = asyncio.run(again())
    assert "decision=rejected" in screen  # in the query bar and the status, not a full scan
