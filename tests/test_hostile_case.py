"""Cases never lose work: a logged value with a lone surrogate (valid JSON: ``"\\ud800"``)
goes through bookmark, note, case file, every export and verification; a save that fails
keeps the console up and what was typed; ``case export`` on a full or unwritable disk
says so in one line and leaves nothing half-written."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from consoleapp import settle
from logtree import V2Tree
from textual.pilot import Pilot

from providers.config import CaseSettings, Profile, ProviderSpec
from providers.local.predictions import LocalPredictionsProvider
from providers.records import Prediction
from tui.cases.case_folder import CaseStore
from tui.cases.exports import FORMATS, SUFFIX, export_case, write_report
from tui.cases.model import Case
from tui.cases.recorder import CaseRecorder
from tui.cases.verify import verify_file
from tui.console.app import ModeltrailApp
from tui.console.launch import build_app

ROOT = Path(__file__).resolve().parents[1]
WHEN = datetime(2026, 3, 4, 10, 0, tzinfo=UTC)
DAY = f"from:{WHEN:%Y-%m-%d} to:{WHEN:%Y-%m-%d}"
# Lone halves as a JSON log can hold them (a low one before a high one is no pair either).
ODD = {"comment": "Ann \ud800 Lee", "tags": ["x\udfffy", "\udc00\ud800"], "income": 1}


def _logs(root: Path) -> Path:
    tree = V2Tree(root / "logs")
    tree.add(WHEN, ODD, {"score": 0.5, "why": "\ud83d"}, request_id="req-1")
    tree.write()  # json.dumps writes each lone half as a \u escape: valid JSON
    return root


def _prediction(root: Path) -> Prediction:
    provider = LocalPredictionsProvider(_logs(root) / "logs", index_base=root / "index")
    try:
        (row,) = provider.find("req-1").rows
    finally:
        provider.close()
    assert row.inputs == ODD  # what the console shows, as logged
    return row


def test_case_file_and_every_export_keep_lone_surrogates(tmp_path: Path) -> None:
    store = CaseStore(tmp_path / "cases")
    recorder = CaseRecorder(store, Case.new("odd", question="why \udfff?"))
    store.create(recorder.case)
    prediction = _prediction(tmp_path)
    recorder.bookmark("prediction", "req-1", "req-1 \ud800", "note \ud800", prediction, [])
    recorder.add_note("typed \udfff text")

    raw = store.path("odd").read_bytes()
    assert "\\ud800" in raw.decode("utf-8")  # escaped, so the file is UTF-8
    saved = store.load("odd")
    assert saved.bookmarks[0].note == "note \ud800"
    assert saved.bookmarks[0].snapshot is not None
    assert saved.bookmarks[0].snapshot.record["inputs"] == ODD
    assert [n.text for n in saved.notes] == ["typed \udfff text"]
    assert saved.question == "why \udfff?"

    for personal in (False, True):
        for fmt in FORMATS:
            text = export_case(saved, fmt, CaseSettings(), include_personal_data=personal)
            path = write_report(tmp_path / f"odd-{personal}{SUFFIX[fmt]}", text)
            verdict = verify_file(path)
            assert verdict.ok, (fmt, personal, verdict.changed)
            if fmt == "md":
                assert "typed \\udfff text" in path.read_text(encoding="utf-8")


def test_two_halves_of_a_pair_hash_as_the_character_they_make(tmp_path: Path) -> None:
    """A string holding both halves of a pair separately reads back, from any JSON, as the
    one character they encode: its hash must be that character's."""
    case = Case.new("pair").with_note("smile \ud83d\ude00")
    for fmt in FORMATS:
        path = write_report(tmp_path / f"pair{SUFFIX[fmt]}", export_case(case, fmt, CaseSettings()))
        assert verify_file(path).ok, fmt
        assert "smile 😀" in path.read_text(encoding="utf-8")


# -- the console ---------------------------------------------------------------------


def _app(root: Path, store: CaseStore) -> ModeltrailApp:
    profile = Profile(
        "hostile", root, {"predictions": ProviderSpec("local-logs", {"path": "logs"})}
    )
    app = build_app(profile, initial_query=DAY, initial_select="req-1")
    app.session.case_store = store
    return app


def _screen(app: ModeltrailApp) -> str:
    return "\n".join(strip.text for strip in app.screen._compositor.render_strips())


async def _type(pilot: Pilot[Any], text: str) -> None:
    await pilot.press(*[{" ": "space"}.get(ch, ch) for ch in text])


async def _keys(pilot: Pilot[Any], *keys: str) -> None:
    await pilot.press(*keys)
    await settle(pilot)


def _run(app: ModeltrailApp, scenario: Any) -> None:
    async def go() -> None:
        async with app.run_test(size=(80, 24), notifications=True) as pilot:
            await settle(pilot)
            await asyncio.wait_for(scenario(pilot), timeout=60)

    asyncio.run(go())


def test_console_bookmarks_notes_and_exports_a_record_with_a_lone_surrogate(
    tmp_path: Path,
) -> None:
    store = CaseStore(tmp_path / "cases")
    app = _app(_logs(tmp_path), store)

    async def scenario(pilot: Pilot[Any]) -> None:
        await _keys(pilot, "m")
        await _type(pilot, "odd \\ud800 value")
        await _keys(pilot, "enter")
        screen = _screen(app)
        assert "Bookmarked prediction req-1" in screen, screen
        assert not app.current_pane.loading
        await _keys(pilot, "a")
        await _type(pilot, "still here")
        await _keys(pilot, "enter")
        assert "Note added to the case." in _screen(app)
        app.clear_notifications()
        await _keys(pilot, "e")
        await _keys(pilot, "4")  # all three formats
        screen = _screen(app)
        assert "Evidence exported" in screen and "Not exported" not in screen, screen

    _run(app, scenario)
    (name,) = store.names()
    case = store.load(name)
    assert case.bookmarks[0].snapshot is not None
    assert case.bookmarks[0].snapshot.record["inputs"] == ODD
    assert [n.text for n in case.notes] == ["still here"]
    exports = sorted(store.exports_dir.iterdir())
    assert len(exports) == 3
    for path in exports:
        assert verify_file(path).ok, path


def test_a_note_that_cannot_be_saved_stays_in_its_dialog(tmp_path: Path) -> None:
    blocker = tmp_path / "cases"
    blocker.write_text("a file where the cases folder should be")
    store = CaseStore(blocker)
    app = _app(_logs(tmp_path), store)

    async def scenario(pilot: Pilot[Any]) -> None:
        await _keys(pilot, "a")
        await _type(pilot, "remember this")
        await _keys(pilot, "enter")
        screen = _screen(app)
        assert app.screen.__class__.__name__ == "NoteModal"
        assert "remember this" in screen and "Not saved" in screen, screen
        blocker.unlink()  # the disk is fixed; Enter saves what was typed
        await _keys(pilot, "enter")
        assert app.screen.__class__.__name__ != "NoteModal"
        assert "Note added to the case." in _screen(app)

    _run(app, scenario)
    (name,) = store.names()
    assert [n.text for n in store.load(name).notes] == ["remember this"]


def test_a_bookmark_that_cannot_be_saved_comes_back_with_its_note(tmp_path: Path) -> None:
    root = tmp_path / "cases"
    store = CaseStore(root)
    app = _app(_logs(tmp_path), store)

    async def scenario(pilot: Pilot[Any]) -> None:
        await _keys(pilot, "a")
        await _type(pilot, "first")
        await _keys(pilot, "enter")  # the case is started and saved
        root.rename(tmp_path / "aside")
        root.write_text("the disk went away")
        await _keys(pilot, "m")
        await _type(pilot, "why it matters")
        await _keys(pilot, "enter")
        screen = _screen(app)
        assert app.screen.__class__.__name__ == "NoteModal"
        assert "why it matters" in screen and "Not saved" in screen, screen
        assert not app.current_pane.loading
        root.unlink()
        (tmp_path / "aside").rename(root)
        await _keys(pilot, "enter")
        assert "Bookmarked prediction req-1" in _screen(app)

    _run(app, scenario)
    (name,) = store.names()
    case = store.load(name)
    assert [b.note for b in case.bookmarks] == ["why it matters"]  # once, as typed
    assert [n.text for n in case.notes] == ["first"]


# -- case export on a full or unwritable disk ------------------------------------------


def _export(
    tmp_path: Path, out: Path, *, file_limit: int | None = None
) -> subprocess.CompletedProcess[str]:
    data = tmp_path / "data"
    store = CaseStore(data / "modeltrail" / "cases")
    store.create(Case.new("full", question="a question").with_note("a note"))
    limit = (
        f"import resource; resource.setrlimit(resource.RLIMIT_FSIZE, ({file_limit}, "
        f"resource.getrlimit(resource.RLIMIT_FSIZE)[1]))\n"
        if file_limit
        else ""
    )
    code = f"{limit}import sys; from tui.cli.main import main; sys.exit(main(sys.argv[1:]))"
    env = {**os.environ, "XDG_DATA_HOME": str(data), "PYTHONDONTWRITEBYTECODE": "1"}
    args = ["case", "export", "full", "--format", "html", "--out", str(out)]
    return subprocess.run(
        [sys.executable, "-c", code, *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def _says_in_one_line(result: subprocess.CompletedProcess[str], out: Path) -> None:
    assert result.returncode == 2, result.stderr
    assert "Traceback" not in result.stderr
    (line,) = result.stderr.splitlines()
    assert line.startswith("modeltrail: ") and f"cannot write {out}" in line, line
    assert not out.exists()
    if out.parent.is_dir():
        assert list(out.parent.iterdir()) == [], "a half-written file was left"


def test_case_export_on_a_full_disk(tmp_path: Path) -> None:
    out = tmp_path / "reports" / "full.html"
    out.parent.mkdir()
    result = _export(tmp_path, out, file_limit=2048)  # the HTML report is ~10 KB
    _says_in_one_line(result, out)
    assert "File too large" in result.stderr


def test_case_export_into_a_folder_that_is_a_file(tmp_path: Path) -> None:
    (tmp_path / "reports").write_text("not a folder")
    out = tmp_path / "reports" / "full.html"
    _says_in_one_line(_export(tmp_path, out), out)


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes into read-only folders")
def test_case_export_into_a_read_only_folder(tmp_path: Path) -> None:
    out = tmp_path / "reports" / "full.html"
    out.parent.mkdir(mode=0o500)
    _says_in_one_line(_export(tmp_path, out), out)


def test_personal_fields_are_masked_by_normalised_name_and_emails_in_text(
    tmp_path: Path,
) -> None:
    inputs = {
        "e-mail": "ann@example.org",
        "applicantName": "Ann Lee",
        "Date Of Birth": "1990-02-03",
        "comment": "call back on ann.lee+loan@mail.example.co.uk please",
        "input_data": {"columns": ["Applicant_Name", "income"], "data": [["Bob Roe", 1]]},
    }
    tree = V2Tree(tmp_path / "logs")
    tree.add(WHEN, inputs, {"score": 0.5}, request_id="req-2")
    tree.write()
    provider = LocalPredictionsProvider(tmp_path / "logs", index_base=tmp_path / "index")
    try:
        (row,) = provider.find("req-2").rows
    finally:
        provider.close()
    store = CaseStore(tmp_path / "cases")
    recorder = CaseRecorder(store, Case.new("pii"))
    store.create(recorder.case)
    recorder.bookmark("prediction", "req-2", "req-2", "", row, [])
    personal = ("ann@example.org", "Ann Lee", "1990-02-03", "ann.lee+loan@", "Bob Roe")
    for fmt in FORMATS:
        masked = export_case(recorder.case, fmt, CaseSettings())
        assert not [p for p in personal if p in masked], fmt
        assert "call back on [redacted] please" in masked, fmt
        shown = export_case(recorder.case, fmt, CaseSettings(), include_personal_data=True)
        assert all(p in shown for p in personal), fmt
