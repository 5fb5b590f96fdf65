"""The console's case behaviour: record what is looked at, bookmark (``m``), notes (``a``),
export (``e``), open or start a case, and restore one (panes, trail, history)."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Protocol

from providers.errors import ProviderError
from tui.console.panedeck import PaneDeck
from tui.panes.base import Evidence, Fetched, Pane
from tui.panes.predictions import PredictionsPane
from tui.panes.session import Session
from tui.render.history import Location
from tui.render.plain import safe_text
from tui.widgets.caseexport import FormatChoice
from tui.widgets.notemodal import NoteModal

if TYPE_CHECKING:  # the case modules are imported when a case is first used (start-up)
    from providers.trail.resolver import Trail
    from tui.cases.availability import Missing
    from tui.cases.model import Case
    from tui.cases.recorder import CaseRecorder
    from tui.render.compare import Side


class Console(Protocol):
    """What the case behaviour needs of the console (the app, which owns it)."""

    @property
    def session(self) -> Session: ...
    @property
    def current_pane(self) -> Pane: ...
    @property
    def deck(self) -> PaneDeck: ...
    async def pane(self, pane_id: str) -> Pane: ...
    async def action_show_pane(self, pane_id: str) -> None: ...
    def display_trail(self, trail: Trail) -> None: ...
    def update_topbar(self) -> None: ...

    # Textual's own
    @property
    def notify(self) -> Callable[..., None]: ...
    @property
    def push_screen(self) -> Callable[..., Any]: ...
    @property
    def run_worker(self) -> Callable[..., Any]: ...
    @property
    def call_from_thread(self) -> Callable[..., Any]: ...


EXPORTER = "modeltrail console"


class CaseControl:
    """Everything the console does with the current case; the app delegates to it."""

    def __init__(self, app: Console) -> None:
        self.app = app
        self._compares: list[tuple[Side, Side]] = []  # made in this console, oldest first

    @property
    def recorder(self) -> CaseRecorder | None:
        """The case being investigated, if any."""
        return self.app.session.case

    def label(self) -> str:
        """What the top bar says about the case."""
        return f"case {self.recorder.name}" if self.recorder else ""

    def _notify_error(self, exc: ProviderError, title: str) -> None:
        self.app.notify(safe_text(str(exc)), title=title, severity="error", markup=False)

    def _save(self, change: Callable[[CaseRecorder], object]) -> None:
        """Apply a change to the case (if there is one) and say so when saving fails."""
        recorder = self.recorder
        if recorder is None:
            return
        try:
            change(recorder)
        except ProviderError as exc:
            self._notify_error(exc, "Case not saved")

    # -- recording -----------------------------------------------------------------

    def trail_shown(self, trail: Trail) -> None:
        """A trail was resolved: keep it."""
        self._save(lambda r: r.record_trail(trail))

    def visited(self, location: Location) -> None:
        """An object was opened: keep it, and the history."""
        self._save(lambda r: r.record_look(location))
        self.console_changed()

    def console_changed(self) -> None:
        """The pane on screen, the history or the predictions query changed: keep them."""
        pane, query = self.app.current_pane.pane_id, self._predictions().query_text
        self._save(lambda r: r.record_console(pane, self.app.session.history, query))

    def _predictions(self) -> PredictionsPane:
        found = self.app.deck.mounted(PredictionsPane.pane_id)  # the first, always mounted
        assert isinstance(found, PredictionsPane)
        return found

    def compare_made(self, left: Side, right: Side) -> None:
        """A Models compare came on screen: keep it (and in a case started later)."""
        self._compares.append((left, right))
        self._save(lambda r: r.record_compare(left, right))

    def marks_changed(self, good: str | None, bad: str | None) -> None:
        """The commit walk's marks changed: keep them."""
        self._save(lambda r: r.record_marks(good, bad))

    # -- starting and opening ------------------------------------------------------

    def _ensure_case(self) -> CaseRecorder:
        """The current case; one is started (and named after the time) if there is none.
        ProviderError when it cannot be started."""
        from tui.cases.model import utc_now  # noqa: PLC0415

        return self.recorder or self._begin(f"case-{utc_now():%Y%m%d-%H%M%S}")

    def start(self, name: str, question: str = "") -> None:
        """Start a case with what is on screen now (trail, history, pane)."""
        try:
            self._begin(name, question)
        except ProviderError as exc:
            self._notify_error(exc, "Case not started")

    def _begin(self, name: str, question: str = "") -> CaseRecorder:
        from tui.cases.model import Case  # noqa: PLC0415
        from tui.cases.recorder import CaseRecorder  # noqa: PLC0415

        session = self.app.session
        case = Case.new(
            name,
            question=question or session.question,  # the demo's, when none is given
            profile=session.profile_name,
            workspace=session.workspace,
        )
        recorder = CaseRecorder(session.case_store, case, session.case_settings)
        session.case_store.create(case)
        try:
            if session.trail is not None:
                recorder.record_trail(session.trail)
            for location in session.history.entries:  # looked at before the case began
                recorder.record_look(location)
            for left, right in self._compares:
                recorder.record_compare(left, right)
            recorder.record_console(self.app.current_pane.pane_id, session.history)
        except ProviderError as exc:  # the case exists; what it missed is saved later
            self._notify_error(exc, "Case not saved")
        session.case = recorder
        self.app.update_topbar()
        self.app.notify(
            safe_text(f"Started case {name}; reopen it with: modeltrail case open {name}"),
            markup=False,
        )
        return recorder

    def ask_start(self) -> None:
        """Ask for a name and a question, then start a case."""

        def named(name: str | None) -> None:
            if name and name.strip():
                self.app.push_screen(
                    NoteModal("The auditor's question (may be empty):"),
                    lambda question: self.start(name.strip(), question or ""),
                )

        self.app.push_screen(NoteModal("Name of the new case:", "e.g. mortgage-081734"), named)

    async def open(self, name: str) -> None:
        """Open a saved case and restore it."""
        from tui.cases.recorder import CaseRecorder  # noqa: PLC0415

        session = self.app.session
        try:
            case = session.case_store.load(name)
        except ProviderError as exc:
            self._notify_error(exc, "Case not opened")
            return
        session.case = CaseRecorder(session.case_store, case, session.case_settings)
        await self.restore()

    async def restore(self) -> None:
        """Show the case's trail, walk marks, history and pane again, then check which of
        its objects the backends (or the cache, offline) no longer have."""
        from tui.cases.model import BAD, GOOD  # noqa: PLC0415
        from tui.cases.recorder import history_of  # noqa: PLC0415
        from tui.cases.snapshot import trail_from_case  # noqa: PLC0415

        recorder = self.recorder
        if recorder is None:
            return
        case, app = recorder.case, self.app
        if case.profile and app.session.profile_name and case.profile != app.session.profile_name:
            app.notify(
                safe_text(f"Case {case.name} was recorded with profile {case.profile}."),
                severity="warning",
                markup=False,
            )
        if case.trail is not None:
            try:
                app.display_trail(trail_from_case(case.trail))
            except ProviderError as exc:
                self._notify_error(exc, "Trail not restored")
        app.session.history = history_of(case.console)
        current = app.session.history.current
        walked = current.key if current is not None and current.pane == "commits" else None
        from tui.panes.commits import CommitsPane  # noqa: PLC0415 - loaded as it mounts

        commits = await app.pane(CommitsPane.pane_id)
        if isinstance(commits, CommitsPane):
            commits.restore(case.mark_of(GOOD), case.mark_of(BAD), walked)
        await app.action_show_pane(case.console.pane)
        if current is not None and current.pane == case.console.pane != "commits":
            (await app.pane(current.pane)).go_to(current)
        if case.console.query != self._predictions().query_text:
            self._predictions().run_query(case.console.query)
        app.update_topbar()
        question = f": {case.question}" if case.question else ""
        app.notify(safe_text(f"Case {case.name}{question}"), markup=False, timeout=10)
        self._check_objects(case)

    def _check_objects(self, case: Case) -> None:
        from tui.cases.availability import missing_objects  # noqa: PLC0415

        backends = self.app.session.backends

        def job() -> None:
            missing = missing_objects(case, backends)
            self.app.call_from_thread(self._report_missing, missing)

        self.app.run_worker(job, thread=True, group="case-check", exit_on_error=False)

    def _report_missing(self, missing: list[Missing]) -> None:
        if missing:
            lines = "\n".join(f"{m.kind} {m.label}: {m.reason}" for m in missing)
            self.app.notify(
                safe_text(f"Shown from the case file; no longer available:\n{lines}"),
                title="Objects gone",
                severity="warning",
                markup=False,
                timeout=20,
            )

    # -- bookmarks, notes, export --------------------------------------------------

    def bookmark(self) -> None:
        """``m``: mark the selected object as evidence, with a note."""
        pane = self.app.current_pane
        target = pane.evidence()
        if target is None:
            self.app.notify("Nothing selected to bookmark.", timeout=3)
            return

        def noted(note: str | None) -> None:
            if note is not None:
                pane.call_provider(target.fetch, lambda got: self._bookmarked(target, note, got))

        self.app.push_screen(
            NoteModal(self._bookmark_prompt(target), "why it matters", save=self._case_for),
            noted,
        )

    @staticmethod
    def _bookmark_prompt(target: Evidence) -> str:
        return safe_text(f"Bookmark {target.kind} {target.label} as evidence. Note:")

    def _case_for(self, _text: str) -> CaseRecorder:
        return self._ensure_case()

    def _bookmarked(self, target: Evidence, note: str, fetched: Fetched) -> None:
        """Keep the fetched object; if saving fails, the note comes back in its dialog,
        with the error, to be saved again (Enter) or dropped (Escape)."""
        record, related = fetched

        def save(text: str) -> None:
            self._ensure_case().bookmark(
                target.kind, target.key, target.label, text, record, related
            )
            self.app.notify(safe_text(f"Bookmarked {target.kind} {target.label}"), markup=False)

        try:
            save(note)
        except ProviderError as exc:
            self.app.push_screen(
                NoteModal(
                    self._bookmark_prompt(target),
                    "why it matters",
                    value=note,
                    error=f"Not saved: {exc}",
                    save=save,
                )
            )

    def add_note(self) -> None:
        """``a``: add a free-text note to the case; the dialog stays open, with the text,
        until it is saved or cancelled."""

        def save(text: str) -> None:
            if text.strip():
                self._ensure_case().add_note(text)
                self.app.notify("Note added to the case.", timeout=3)

        self.app.push_screen(NoteModal("Note for the case:", "what you found", save=save))

    def export(self) -> None:
        """``e``: write the evidence report (asks the format) to the user data dir."""
        recorder = self.recorder
        if recorder is None:
            self.app.notify("No case open: bookmark something (m) or start one (Ctrl+P).")
            return

        def chosen(fmt: str | None) -> None:
            if fmt is None:
                return
            formats = ("md", "html", "json") if fmt == "all" else (fmt,)
            try:
                paths = [recorder.export(f, EXPORTER) for f in formats]
            except ProviderError as exc:
                self._notify_error(exc, "Not exported")
                return
            where = "\n".join(str(p) for p in paths)
            self.app.notify(
                safe_text(f"{where}\nCheck with: modeltrail case verify FILE"),
                title="Evidence exported",
                markup=False,
                timeout=20,
            )

        self.app.push_screen(FormatChoice(recorder.name), chosen)
