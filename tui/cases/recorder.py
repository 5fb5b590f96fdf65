"""The case being investigated in the console: every change is applied and saved at once.

No Textual here.  Saving is atomic (see :mod:`tui.cases.case_folder`).  A change that
cannot be written at all (BadData) is refused and the case stays as it was.  When writing
fails (Unavailable: disk full, folder unwritable) a recorded change (trail, objects
opened, console, marks) stays in memory and is saved with the next change, while a typed
one (a note, a bookmark) is undone, so its text stays with the user to save again; either
way the error is raised for the console to show.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any

from providers.config import CaseSettings
from providers.errors import Unavailable
from providers.trail.resolver import Trail
from tui.cases.case_folder import CaseStore
from tui.cases.codec import encode_case
from tui.cases.model import Bookmark, Case, Comparison, ConsoleState, LookedAt, Place, utc_now
from tui.cases.snapshot import case_trail, snapshot_of
from tui.render.compare import Side
from tui.render.history import History, Location


def history_of(state: ConsoleState) -> History:
    """The console history a case recorded."""
    entries = [Location(p.pane, p.key, p.label) for p in state.history]
    cursor = min(max(state.cursor, -1), len(entries) - 1)
    return History(entries, cursor if entries else -1)


def console_state(pane: str, history: History, query: str = "") -> ConsoleState:
    """The pane on screen, the history and the predictions query, as a case keeps them."""
    places = tuple(Place(e.pane, e.key, e.label) for e in history.entries)
    return ConsoleState(pane, places, history.cursor, query)


class CaseRecorder:
    """Applies changes to a case and saves it after each one."""

    def __init__(self, store: CaseStore, case: Case, settings: CaseSettings | None = None) -> None:
        self.store = store
        self.case = case
        self.settings = settings or CaseSettings()

    @property
    def name(self) -> str:
        """The case's name."""
        return self.case.name

    def _apply(self, case: Case, *, typed: bool = False) -> None:
        if case is self.case:
            return
        data = encode_case(case)
        before, self.case = self.case, case
        try:
            self.store.write(case.name, data)
        except Unavailable:
            if typed:
                self.case = before
            raise

    def record_trail(self, trail: Trail, now: datetime | None = None) -> None:
        """Keep the trail just resolved (each hop's record and when it was retrieved)."""
        when = now or utc_now()
        self._apply(self.case.with_trail(case_trail(trail, when), when))

    def record_look(self, location: Location, now: datetime | None = None) -> None:
        """Keep an object the investigator opened."""
        look = LookedAt(location.pane, location.key, location.label, now or utc_now())
        self._apply(self.case.with_look(look))

    def record_console(self, pane: str, history: History, query: str = "") -> None:
        """Keep the pane on screen, the history and the query, so reopening restores them."""
        self._apply(self.case.with_console(console_state(pane, history, query)))

    def record_marks(self, good: str | None, bad: str | None) -> None:
        """Keep the commit walk's good/bad marks."""
        self._apply(self.case.with_commit_marks(good, bad))

    def bookmark(
        self, kind: str, key: str, label: str, note: str, record: Any, related: list[Any]
    ) -> None:
        """Mark an object as evidence with a note (its record and related ones kept)."""
        snaps = tuple(snapshot_of(r) for r in related if r is not None)
        mark = Bookmark(kind, key, label, note, utc_now(), snapshot_of(record), snaps)
        self._apply(self.case.with_bookmark(mark), typed=True)

    def record_compare(self, left: Side, right: Side, now: datetime | None = None) -> None:
        """Keep a Models compare: both versions and their training runs as seen."""
        (left_version, left_run), (right_version, right_run) = left, right
        compared = Comparison(
            snapshot_of(left_version),
            snapshot_of(right_version),
            now or utc_now(),
            snapshot_of(left_run) if left_run is not None else None,
            snapshot_of(right_run) if right_run is not None else None,
        )
        self._apply(self.case.with_compare(compared))

    def add_note(self, text: str) -> None:
        """Add a free-text note."""
        self._apply(self.case.with_note(text), typed=True)

    def export(self, fmt: str, exporter: str, *, include_personal_data: bool = False) -> Path:
        """Write the evidence report in ``fmt`` to the exports folder; its path."""
        from tui.cases.exports import SUFFIX, export_case, write_report  # noqa: PLC0415 - ~10 ms

        now = utc_now()
        text = export_case(
            self.case,
            fmt,
            self.settings,
            include_personal_data=include_personal_data,
            exporter=exporter,
            now=now,
        )
        path = self.store.export_path(f"{self.name}-{now:%Y%m%d-%H%M%S}{SUFFIX[fmt]}")
        return write_report(path, text)
