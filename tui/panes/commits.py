"""Commits: the history from the traced commit, a commit's detail and diff, parent steps,
bisect-style good/bad marks with the range between them, search and sha copy."""

from __future__ import annotations

import os
from collections.abc import Iterator
from functools import partial
from typing import TYPE_CHECKING, ClassVar, NamedTuple

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.message import Message
from textual.screen import ModalScreen
from textual.widgets import DataTable, Input, OptionList, Static
from textual.widgets.data_table import RowDoesNotExist
from textual.widgets.option_list import Option

from providers.lines import lines_of
from providers.protocols import CommitsProvider
from providers.records import Commit
from providers.trail.resolver import Trail
from tui.panes.base import Evidence, Pane
from tui.panes.blame import LINE_BINDINGS, open_line_view
from tui.panes.content_search import CONTENT_BINDINGS, ContentSearch
from tui.render.bisect import bisect_notice, bisect_status, first_parent_chain, next_to_test
from tui.render.commitview import (
    BAD,
    GOOD,
    Marks,
    ancestry_path,
    copy_notice,
    diff_order,
    diff_text,
    filter_commits,
    header_fields,
    hunk_lines,
    osc52,
    range_diff_text,
    range_status,
    row_cells,
)
from tui.render.history import Location
from tui.render.notebookdiff import notebook_commit
from tui.render.plain import safe_text
from tui.render.report import stat_line
from tui.widgets.detail import DetailView

if TYPE_CHECKING:
    from tui.panes.session import Session

PAGE_SIZE = 300
PRELOAD_ROWS = 50  # the next page is loaded when the cursor is this close to the end
MAX_RANGE_DIFF = 200  # commits whose patches D concatenates
COLUMNS = ("mark", "Sha", "Date", "Author", "Subject")
MARK_CELLS = {GOOD: Text("G", style="bold green"), BAD: Text("B", style="bold red")}

Pages = Iterator[list[Commit]]


class Range(NamedTuple):
    """The commits between a good and a bad mark, with both marks as full shas."""

    good: str
    bad: str
    commits: list[Commit]
    chain: list[Commit]  # bad's first-parent line down to good: what bisect halves


def _open_history(provider: CommitsProvider, start: str) -> tuple[Pages, list[Commit]]:
    pages = provider.history(start, page_size=PAGE_SIZE)
    return pages, next(pages, [])


def _collect_range(provider: CommitsProvider, good: str, bad: str) -> Range:
    good = provider.get_commit(good, with_diff=False).sha
    bad = provider.get_commit(bad, with_diff=False).sha
    commits = [c for page in provider.between(good, bad) for c in page]
    return Range(good, bad, ancestry_path(commits, good), first_parent_chain(commits, bad))


def _commit_shown(provider: CommitsProvider, sha: str, show_hidden: bool) -> Commit:
    """A commit with its diff, notebooks compared cell by cell where the provider reads files."""
    commit = provider.get_commit(sha)
    lines = lines_of(provider)
    return (
        commit if lines is None else notebook_commit(commit, lines.file_at, show_hidden=show_hidden)
    )


def _close(pages: Pages) -> None:
    """Stop a history stream (its git process) that will not be read further."""
    close = getattr(pages, "close", None)
    if callable(close):
        close()


def _ignore(_result: object) -> None:
    """The ``then`` of the page reads, which add their page themselves, even on error."""


class CommitTable(DataTable[Text]):
    """The commit list with vim-style movement; Home/End go to the first/last row."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("j", "cursor_down", "Down", show=False, id="commits.down"),
        Binding("k", "cursor_up", "Up", show=False, id="commits.up"),
        Binding("home", "scroll_top", "First commit", show=False, id="commits.top"),
        Binding("end,G", "scroll_bottom", "Last commit", show=False, id="commits.bottom"),
    ]


class SearchInput(Input):
    """The ``/`` search box; Escape closes it (so does Enter on an empty query)."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Close search", show=False, id="commits.search_close"),
    ]

    class Cancelled(Message):
        """The user closed the search box without applying it."""

    def action_cancel(self) -> None:
        self.post_message(self.Cancelled())


class ParentChoice(ModalScreen[str | None]):
    """Choose a parent of a merge commit: 1–9 or Enter; Backspace cancels."""

    BINDINGS: ClassVar[list[BindingType]] = [
        *(
            Binding(str(n), f"pick({n - 1})", f"Parent {n}", show=False, id=f"commits.pick{n}")
            for n in range(1, 10)
        ),
        Binding("backspace,escape", "cancel", "Cancel", id="commits.pick_cancel"),
    ]

    def __init__(self, commit: Commit, parents: list[Commit]) -> None:
        super().__init__()
        self.commit = commit
        self.parents = parents

    def compose(self) -> ComposeResult:
        with Vertical(id="parent-choice"):
            yield Static(
                f"{self.commit.short_sha} is a merge: which parent? (1–{len(self.parents)}, Enter)",
                markup=False,
            )
            yield OptionList(
                *(
                    Option(Text(f"{n}  {p.short_sha}  {safe_text(p.subject)}"), id=p.sha)
                    for n, p in enumerate(self.parents, start=1)
                ),
                id="parent-options",
            )

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        self.dismiss(event.option.id)

    def action_pick(self, index: int) -> None:
        if index < len(self.parents):
            self.dismiss(self.parents[index].sha)

    def action_cancel(self) -> None:
        self.dismiss(None)


class CommitsPane(Pane):
    """Commit history and details, with parent steps, bisect marks and search."""

    pane_id = "commits"
    title = "Commits"
    hops = ("commit",)
    help_text = (
        "The history from the traced commit (or HEAD), newest first; the highlighted commit's "
        "detail and diff against its first parent below.  j/k move, Home/End first/last, "
        "G last (g is 'good').  Enter shows a commit and records it in the history; p steps "
        "to the parent (a merge asks which, 1/2 or Enter), Backspace returns.  g/b mark the "
        "shown commit good/bad: the commits between are highlighted and D shows their diff.  "
        "/ filters by message or author, n/N next/previous; : goes to a sha (abbreviated is "
        "fine) or a ref; y sends the full sha to the clipboard (OSC 52).  s searches the "
        "changes (git log -S TEXT, -G REGEX, -- PATH …) between the marks or in the history "
        "shown, results as git finds them; an empty s (or r) gives the history back."
    )
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("enter", "open", "Show commit", show=False, id="commits.open"),
        Binding("p", "parent", "Parent", id="commits.parent"),
        Binding("backspace", "back", "Previous commit", show=False, id="commits.back"),
        Binding("g", f"mark('{GOOD}')", "Mark good", show=False, id="commits.good"),
        Binding("b", f"mark('{BAD}')", "Mark bad", show=False, id="commits.bad"),
        Binding("D", "range_diff", "Range diff", show=False, id="commits.range_diff"),
        Binding("slash", "search", "Search", show=False, id="commits.search"),
        Binding("colon", "go_to_prompt", "Go to sha/ref", show=False, id="commits.goto"),
        Binding("n", "next_match(1)", "Next match", show=False, id="commits.next"),
        Binding("N", "next_match(-1)", "Previous match", show=False, id="commits.previous"),
        Binding("y", "copy_sha", "Copy sha", show=False, id="commits.copy"),
        Binding("M", "bisect_next", "Bisect: next to test", show=False, id="commits.bisect"),
        *LINE_BINDINGS,
        *CONTENT_BINDINGS,
        Binding("o", "toggle_hidden", "Notebook outputs", show=False, id="commits.notebook"),
        Binding("r", "reload", "Refresh", show=False, id="commits.refresh"),
    ]

    class MarksChanged(Message):
        """The walk's good/bad marks changed."""

        def __init__(self, good: str | None, bad: str | None) -> None:
            super().__init__()
            self.good = good
            self.bad = bad

    def __init__(self, session: Session) -> None:
        super().__init__(session)
        self._start = "HEAD"
        self._select: str | None = None  # the sha to put the cursor on once the list loads
        self._commits: list[Commit] = []  # loaded, newest first
        self._rows: list[Commit] = []  # the rows of the table (loaded commits that match)
        self._pages: Pages | None = None
        self._fetching = False
        self._exhausted = True
        self._query = ""
        self._prompt = "filter"  # what the input box does: filter, goto or content
        self.content = ContentSearch(self)
        self._marks = Marks()
        self._range: Range | None = None
        self._wanted: str | None = None  # the sha whose detail was asked for last
        self._record = False  # record the wanted commit in the history when it arrives
        self._shown: Commit | None = None
        self._back: list[str] = []
        self._busy = False
        self._show_hidden = False  # notebook outputs, execution counts and metadata
        self._bisect = ""  # what the bisect key said last

    def compose(self) -> ComposeResult:
        yield self.compose_error()
        yield Static("", id="commits-status", markup=False)
        yield SearchInput(placeholder="search message or author …", id="commits-search")
        yield CommitTable(id="commits-table", cursor_type="row")
        with DetailView(id="commits-detail"):
            yield Static("", id="commits-header", markup=False)
            yield Static("", id="commits-diff", markup=False)

    def on_mount(self) -> None:
        self._search.display = False
        for label in COLUMNS:
            self._table.add_column("" if label == "mark" else label, key=label)
        super().on_mount()

    @property
    def _table(self) -> CommitTable:
        return self.query_one("#commits-table", CommitTable)

    @property
    def _search(self) -> SearchInput:
        return self.query_one("#commits-search", SearchInput)

    def focus_body(self) -> None:
        self._table.focus()

    @property
    def shown(self) -> Commit | None:
        """The commit whose detail is on screen."""
        return self._shown

    @property
    def marks(self) -> Marks:
        """The good/bad marks of the walk."""
        return self._marks

    def restore(self, good: str | None, bad: str | None, shown: str | None) -> None:
        """Put back a saved walk: its marks, and the commit it showed (after show_trail)."""
        self._marks, self._range = Marks(good=good, bad=bad), None
        if shown:
            self._select = shown
            self._jump(shown, record=False, remember=False)
        if self.is_mounted:
            self._rebuild(keep=shown)
        self._narrow()

    def set_loading(self, loading: bool) -> None:
        """Cover the pane only while the list is empty; otherwise say so in the status line."""
        self._busy = loading
        super().set_loading(loading and not self._rows)
        if self.is_mounted:
            self._update_status()

    def _provider(self) -> CommitsProvider | None:
        """The commits provider; None (with the reason shown in the pane) if there is none."""
        provider = self.session.backends.commits
        if provider is None:
            self.report_missing("commits")
        return provider

    # -- the content search's hooks (tui/panes/content_search.py) -------------------------

    def commits_provider(self) -> CommitsProvider | None:
        """The commits provider (its absence said in the pane)."""
        return self._provider()

    def search_scope(self) -> tuple[str, str | None, str]:
        """Where a search runs: good..bad when both are marked, else the history shown."""
        good, bad = self._marks.good, self._marks.bad
        if good is not None and bad is not None:
            return bad, good, f"good {good[:10]} .. bad {bad[:10]}"
        return self._start, None, f"the history of {self._start[:10]}"

    def clear_list(self) -> None:
        """Empty the list (and stop the history stream) for search results."""
        if self._pages is not None and not self._fetching:
            _close(self._pages)
        self._pages, self._fetching, self._exhausted = None, False, True
        self._commits, self._query = [], ""
        self._rebuild()

    def add_results(self, page: list[Commit], *, first: bool) -> None:
        """Add found commits to the list; the first one found is shown at once."""
        self._commits += page
        self._add_rows(page)
        if first and self._rows:
            self._table.move_cursor(row=0)
            self._preview(self._rows[0].sha)
        self._update_status()

    def refresh_status(self) -> None:
        """Say again what the list shows (a search finished)."""
        self._update_status()

    # -- the list ------------------------------------------------------------------------

    def reload(self) -> None:
        self.content.stop()
        provider = self._provider()
        if provider is None:
            return
        start = self._start
        self.call_provider(
            lambda: _open_history(provider, start),
            self._history_loaded,
            discard=lambda loaded: _close(loaded[0]),
        )

    def show_trail(self, trail: Trail) -> None:
        hop = trail.hop("commit")
        if hop is not None and isinstance(hop.record, Commit):
            self._start = self._select = hop.record.sha
            self.reload()

    def show_range(self, old: str, new: str) -> None:
        """Mark ``old`` good and ``new`` bad, list the history from ``new`` and narrow it;
        an earlier ``/`` filter is cleared (it hid commits of the range asked for)."""
        self._start = self._select = new
        self._marks, self._range = Marks(good=old, bad=new), None
        self._query = ""
        self.reload()
        self._narrow()

    def _history_loaded(self, loaded: tuple[Pages, list[Commit]]) -> None:
        pages, first = loaded
        if self.content.active:  # a search started meanwhile owns the list
            _close(pages)
            return
        if self._pages is not None and not self._fetching:
            _close(self._pages)
        self._pages, self._fetching = pages, False
        self._commits = list(first)
        self._exhausted = len(first) < PAGE_SIZE
        keep, self._select = self._select, None
        self._rebuild(keep=keep)
        if self._rows:
            self._preview(self._rows[self._table.cursor_row].sha)

    def _maybe_load_more(self, row: int) -> None:
        pages = self._pages
        if pages is None or self._fetching or self._exhausted:
            return
        if row >= self._table.row_count - PRELOAD_ROWS:
            self._fetching = True
            self.call_provider(lambda: self._fetch_page(pages), _ignore, group="page")

    def _fetch_page(self, pages: Pages) -> None:
        """In the worker: read the next page, then add it on the UI thread (even on error)."""
        page: list[Commit] | None = None
        try:
            page = next(pages, None)
        finally:
            self.app.call_from_thread(self._add_page, pages, page)

    def _add_page(self, pages: Pages, page: list[Commit] | None) -> None:
        if pages is not self._pages:
            _close(pages)  # a reload replaced it while this page was read
            return
        self._fetching = False
        self._exhausted = page is None or len(page) < PAGE_SIZE
        if page:
            self._commits += page
            self._add_rows(page)
        self._update_status()

    def _rebuild(self, keep: str | None = None) -> None:
        """Fill the table again (after a new history, filter or marks), keeping the cursor."""
        table = self._table
        keep = keep or (self._rows[table.cursor_row].sha if self._rows else None)
        table.clear()
        self._rows = []
        self._add_rows(self._commits)
        if keep:
            self._select_row(keep)
        self._update_status()

    def _add_rows(self, commits: list[Commit]) -> None:
        rows = filter_commits(commits, self._query)
        in_range = {c.sha for c in self._range.commits} if self._range else None
        for commit in rows:
            self._table.add_row(*self._cells(commit, in_range), key=commit.sha)
        self._rows += rows

    def _cells(self, commit: Commit, in_range: set[str] | None) -> list[Text]:
        style = "" if in_range is None else "bold" if commit.sha in in_range else "dim"
        mark = self._marks.of(commit.sha)
        if mark is not None:
            first = MARK_CELLS[mark]
        else:
            first = Text("•" if style == "bold" else " ", style="yellow")
        return [first, *(Text(cell, style=style) for cell in row_cells(commit))]

    def _select_row(self, sha: str) -> None:
        try:
            index = self._table.get_row_index(sha)
        except RowDoesNotExist:
            return
        self._table.move_cursor(row=index)

    def _update_status(self) -> None:
        loaded = f"{len(self._commits)} commits from {safe_text(self._start[:10])}"
        parts = [self.content.status() or loaded + ("" if self._exhausted else " (more below)")]
        if self._query:
            parts.append(f"filter “{safe_text(self._query)}”: {len(self._rows)} shown")
        marks = range_status(self._marks, len(self._range.commits) if self._range else None)
        if self._bisect and self._range is not None:
            parts.append(self._bisect)  # the range's count is in it; 80 columns hold one
        elif marks:
            parts.append(marks)
        if self._busy:
            parts.append("loading …")
        self.query_one("#commits-status", Static).update("  ·  ".join(parts))

    def on_data_table_row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        event.stop()
        if event.cursor_row != self._table.cursor_row or not self._rows:
            return  # an older highlight, already moved past
        self._maybe_load_more(event.cursor_row)
        self._preview(self._rows[event.cursor_row].sha)

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        event.stop()
        self.action_open()

    # -- the detail ----------------------------------------------------------------------

    def _preview(self, sha: str) -> None:
        """Show the detail of the highlighted commit (not recorded in the history)."""
        if sha != self._wanted:
            self._load_detail(sha, record=False)

    def _jump(self, sha: str, *, record: bool = True, remember: bool = True) -> None:
        """Show ``sha``; ``remember`` the commit shown now for Backspace."""
        shown = self._shown
        if shown is not None and shown.sha == sha == self._wanted:
            if record:
                self._visit(shown)
            return
        if remember and shown is not None and shown.sha != sha:
            self._back.append(shown.sha)
        self._load_detail(sha, record=record)

    def _load_detail(self, sha: str, *, record: bool) -> None:
        provider = self._provider()
        if provider is None:
            return
        self._wanted, self._record = sha, record
        hidden = self._show_hidden
        self.call_provider(
            lambda: _commit_shown(provider, sha, hidden),
            partial(self._display, sha),
            group="detail",
        )

    def _display(self, requested: str, commit: Commit) -> None:
        if requested != self._wanted:
            return
        self._wanted, self._shown = commit.sha, commit
        if self._record:
            self._record = False
            self._visit(commit)
        self._select_row(commit.sha)
        self._show_detail(_header_text(commit), diff_text(commit))

    def _show_detail(self, header: Text, diff: str) -> None:
        from rich.syntax import Syntax  # noqa: PLC0415 - pygments loads on the first diff shown

        self.query_one("#commits-header", Static).update(header)
        syntax = Syntax(diff, "diff", theme="ansi_dark", word_wrap=False)
        patch = self.query_one("#commits-diff", Static)
        detail = self.query_one("#commits-detail", DetailView)
        self.content.mark_match(syntax, diff, detail, patch)
        patch.update(syntax)
        detail.mark_hunks((patch, hunk_lines(diff)))
        detail.scroll_home(animate=False)

    def _visit(self, commit: Commit) -> None:
        self.post_message(
            self.Visited(Location(self.pane_id, commit.sha, safe_text(commit.subject)))
        )

    def evidence(self) -> Evidence | None:
        commit, provider = self._shown, self.session.backends.commits
        if commit is None or provider is None:
            return None
        sha = commit.sha
        return Evidence(
            "commit", sha, commit.subject, lambda: (_commit_shown(provider, sha, False), [])
        )

    def go_to(self, location: Location) -> None:
        self._jump(location.key.removeprefix("commit:"), record=False)
        self.focus_body()

    def action_open(self) -> None:
        if self._rows:
            self._jump(self._rows[self._table.cursor_row].sha)

    def action_back(self) -> None:
        if not self._back:
            self.notify("No previous commit.", timeout=2)
            return
        self._jump(self._back.pop(), record=False, remember=False)

    def action_parent(self) -> None:
        commit, provider = self._shown, self._provider()
        if commit is None or provider is None:
            return
        if not commit.parents:
            self.notify(f"{commit.short_sha} is a root commit.", timeout=2)
        elif len(commit.parents) == 1:
            self._jump(commit.parents[0])
        else:
            parents = commit.parents
            self.call_provider(
                lambda: [provider.get_commit(p, with_diff=False) for p in parents],
                partial(self._choose_parent, commit),
                group="parents",
            )

    def _choose_parent(self, commit: Commit, parents: list[Commit]) -> None:
        def chosen(sha: str | None) -> None:
            if sha:
                self._jump(sha)

        self.app.push_screen(ParentChoice(commit, parents), chosen)

    def action_copy_sha(self) -> None:
        commit = self._shown
        if commit is None:
            self.notify("No commit shown.", timeout=2)
            return
        driver = self.app._driver  # Textual has no public way to write a raw sequence
        if driver is not None:
            driver.write(osc52(commit.sha))
        notice = copy_notice(commit.sha, in_tmux=bool(os.environ.get("TMUX")))
        self.notify(notice, title="Sha sent (OSC 52)", markup=False, timeout=15)

    # -- bisect marks --------------------------------------------------------------------

    def action_mark(self, kind: str) -> None:
        commit = self._shown
        if commit is None:
            self.notify("No commit shown.", timeout=2)
            return
        self._marks, self._range = self._marks.mark(kind, commit.sha), None
        self._rebuild()
        self._marks_changed()
        self._narrow()

    def _marks_changed(self) -> None:
        """Tell the console (which keeps the walk in a case) about the marks."""
        self.post_message(self.MarksChanged(self._marks.good, self._marks.bad))

    def _narrow(self) -> None:
        """Load the commits between the marks, once both are set."""
        marks, provider = self._marks, self._provider()
        if marks.good is None or marks.bad is None or provider is None:
            return
        good, bad = marks.good, marks.bad
        self.call_provider(
            lambda: _collect_range(provider, good, bad),
            partial(self._range_loaded, marks),
            group="range",
        )

    def _range_loaded(self, marks: Marks, found: Range) -> None:
        if marks != self._marks:
            return
        self._marks, self._range, self._bisect = Marks(good=found.good, bad=found.bad), found, ""
        self._rebuild()
        self._marks_changed()

    def action_bisect_next(self) -> None:
        """Show the commit git bisect would test next between the marks, and the steps left."""
        if self._range is None:
            self.action_range_diff()  # says what is missing
            return
        step = next_to_test(self._range.chain)
        self._bisect = bisect_status(step)
        self._update_status()
        self.notify(bisect_notice(step), timeout=6, markup=False)
        if step is not None:
            self._jump(step.commit.sha)

    def action_line_history(self) -> None:
        open_line_view(self, "history", self._shown, self._diff_index(), self._jump)

    def action_blame(self) -> None:
        open_line_view(self, "blame", self._shown, self._diff_index(), self._jump)

    def _diff_index(self) -> int:
        """The line of the diff text at the top of the detail (0 above the diff)."""
        detail = self.query_one("#commits-detail", DetailView)
        patch = self.query_one("#commits-diff", Static)
        return max(0, round(detail.scroll_y) - patch.virtual_region.y)

    def action_toggle_hidden(self) -> None:
        self._show_hidden = not self._show_hidden
        shown = "shown" if self._show_hidden else "hidden"
        self.notify(f"Notebook outputs, execution counts and metadata {shown}.", timeout=3)
        if self._shown is not None:
            self._load_detail(self._shown.sha, record=False)

    def action_range_diff(self) -> None:
        found, provider = self._range, self._provider()
        if found is None or provider is None:
            waiting = self._marks.complete and provider is not None
            why = (
                "Still narrowing the range …" if waiting else "Mark a good (g) and a bad (b) first."
            )
            self.notify(why, timeout=3)
            return
        order = diff_order(found.commits, found.good, found.bad)
        shas = [c.sha for c in order[:MAX_RANGE_DIFF]]
        self.call_provider(
            lambda: [provider.get_commit(sha) for sha in shas],
            partial(self._show_range_diff, found, len(order)),
            group="range-diff",
        )

    def _show_range_diff(self, found: Range, total: int, commits: list[Commit]) -> None:
        if found is not self._range:
            return
        self._wanted = None  # the highlighted commit's detail is shown again on request
        header = Text(f"Diff of good {found.good[:10]} .. bad {found.bad[:10]}: ", style="bold")
        header.append(f"the patches of {len(commits)} commits, oldest first", style="")
        if total > len(commits):
            header.append(f" ({total - len(commits)} later commits not shown)", style="")
        self._show_detail(header, range_diff_text(commits))

    # -- search --------------------------------------------------------------------------

    def action_search(self) -> None:
        self.open_prompt(self._query, "search message or author …", mode="filter")

    def action_go_to_prompt(self) -> None:
        self.open_prompt("", "go to a sha (abbreviated is fine) or a ref: main, v1.2, HEAD~3 …",
                         mode="goto")  # fmt: skip

    def action_content_search(self) -> None:
        self.content.open_prompt()

    def open_prompt(self, value: str, placeholder: str, *, mode: str) -> None:
        """Open the input box to ``filter``, ``goto`` a ref or search ``content``."""
        search = self._search
        search.value, search.placeholder, self._prompt = value, placeholder, mode
        search.display = True
        search.focus()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self._close_search()
        if self._prompt == "content":
            self.content.submitted(event.value)
            return
        if self._prompt == "goto":
            if event.value.strip():
                self.go_to_ref(event.value)
            return
        self._query = event.value.strip()
        self._rebuild()
        if self._query and not self._rows:
            self.notify("No loaded commit matches.", timeout=3)

    def go_to_ref(self, rev: str) -> None:
        """Show the commit ``rev`` names (a sha, abbreviated or not, or any ref), recorded
        in the history; an unknown or ambiguous one is said in the pane."""
        self._jump(rev.strip())

    def on_search_input_cancelled(self, event: SearchInput.Cancelled) -> None:
        event.stop()
        self._close_search()

    def _close_search(self) -> None:
        self._search.display = False
        self.focus_body()

    def action_next_match(self, step: int) -> None:
        if not self._query:
            self.notify("No search: press / first.", timeout=2)
            return
        if self._rows:
            table = self._table
            table.move_cursor(row=(table.cursor_row + step) % len(self._rows))


def _header_text(commit: Commit) -> Text:
    """Header lines, the full message and the diffstat; data text never parsed as markup."""
    text = Text()
    for label, value in header_fields(commit):
        text.append(f"{label + ':':<12}", style="bold")
        text.append(value + "\n", style="yellow" if label == "commit" else "")
    text.append("\n" + safe_text(commit.message.rstrip("\n")) + "\n")
    if commit.files:
        text.append("\n" + "\n".join(stat_line(f) for f in commit.files) + "\n", style="dim")
    return text
