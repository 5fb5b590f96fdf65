"""Line history and blame of the diff line at the top of the Commits pane's detail.

``L`` shows the commits that changed that line (``git log -L``), each with its hunk;
``B`` blames the file at the commit shown (at its parent for a removed line).  In both,
Enter shows the commit under the cursor in the pane, recorded in the history.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option

from providers.lines import BlameLine, LineChange, lines_of
from providers.records import Commit
from providers.timeutil import date_text
from tui.render.commitview import hunk_lines
from tui.render.difflines import DiffLine, diff_line_at
from tui.render.notebooklines import CellLine, locate
from tui.render.plain import safe_text
from tui.widgets.detail import DetailView

if TYPE_CHECKING:
    from tui.panes.base import Pane

LINE_BINDINGS: list[BindingType] = [
    Binding("L", "line_history", "Line history", show=False, id="commits.line_history"),
    Binding("B", "blame", "Blame file", show=False, id="commits.blame"),
]
_CLOSE = Binding("backspace,escape", "close", "Close", id="lines.close")

Jump = Callable[[str], None]


class LineHistoryScreen(ModalScreen[str | None]):
    """The commits that changed a line, newest first, each with its hunk; Enter shows the
    commit at the top of the view."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("enter", "show", "Show this commit", id="lines.history_show"),
        _CLOSE,
    ]

    def __init__(self, title: str, changes: list[LineChange]) -> None:
        super().__init__(classes="line-view")
        self._title = title
        self._changes = changes
        self._text = "".join(
            f"commit {c.sha[:10]} {date_text(c.authored_at, '%Y-%m-%d')} {safe_text(c.author)}: "
            f"{safe_text(c.subject)}\n{safe_text(c.patch)}\n"
            for c in changes
        )

    def compose(self) -> ComposeResult:
        with Vertical(classes="line-view-box"):
            yield Static(self._title, markup=False, classes="line-view-title")
            with DetailView(id="line-history"):
                yield Static(Text(self._text), id="line-history-text", markup=False)

    def on_mount(self) -> None:
        detail = self.query_one(DetailView)
        detail.mark_hunks((self.query_one("#line-history-text"), hunk_lines(self._text)))
        detail.focus()

    def action_show(self) -> None:
        detail = self.query_one(DetailView)
        top = round(detail.scroll_y)
        starts = [
            n for n in hunk_lines(self._text) if self._text.split("\n")[n].startswith("commit ")
        ]
        index = max((i for i, n in enumerate(starts) if n <= top), default=0)
        if self._changes:
            self.dismiss(self._changes[index].sha)

    def action_close(self) -> None:
        self.dismiss(None)


class BlameScreen(ModalScreen[str | None]):
    """A file's lines with the commit that last changed each; Enter shows that commit."""

    BINDINGS: ClassVar[list[BindingType]] = [_CLOSE]

    def __init__(self, title: str, lines: list[BlameLine], line: int) -> None:
        super().__init__(classes="line-view")
        self._title = title
        self._lines = lines
        self._line = line

    def compose(self) -> ComposeResult:
        with Vertical(classes="line-view-box"):
            yield Static(self._title, markup=False, classes="line-view-title")
            yield OptionList(*(_blame_option(b) for b in self._lines), id="blame-lines")

    def on_mount(self) -> None:
        options = self.query_one(OptionList)
        options.focus()
        if self._lines:
            options.highlighted = min(max(self._line - 1, 0), len(self._lines) - 1)
            self.call_after_refresh(options.scroll_to_highlight, top=True)  # once laid out

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        self.dismiss(self._lines[event.option_index].sha)

    def action_close(self) -> None:
        self.dismiss(None)


def _blame_option(line: BlameLine) -> Option:
    text = Text(no_wrap=True, overflow="ellipsis")
    text.append(f"{line.sha[:8]} ", style="yellow")
    date = date_text(line.authored_at, "%Y-%m-%d")
    text.append(f"{date} {safe_text(line.author)[:12]:<12} ", style="dim")
    text.append(f"{line.line:>4} {safe_text(line.text)}")
    return Option(text)


def open_line_view(pane: Pane, kind: str, commit: Commit | None, index: int, jump: Jump) -> None:
    """Show the line history (``kind`` "history") or blame ("blame") of line ``index`` of
    ``commit``'s diff text in a dialog; what was chosen there goes to ``jump``.  A notebook
    cell's line is first found in the file (in the worker: it reads the file)."""
    if commit is None:
        pane.notify("No commit shown.", timeout=2)
        return
    found = diff_line_at(commit, index)
    provider = lines_of(pane.session.backends.commits)
    if isinstance(found, str) or provider is None:
        why = found if isinstance(found, str) else "This commits provider has no blame."
        pane.notify(why, timeout=4, markup=False)
        return
    line: DiffLine | CellLine = found
    rev = commit.sha
    if line.removed:
        if not commit.parents:
            return
        rev = commit.parents[0]
    cell = f" (cell {line.cell or '?'}, line {line.line})" if isinstance(line, CellLine) else ""

    def in_file() -> DiffLine | str:
        if not isinstance(line, CellLine):
            return line
        at = locate(line, provider.file_at(rev, line.path))
        return at if isinstance(at, str) else DiffLine(line.path, at, line.removed, line.text)

    def where(at: DiffLine) -> str:
        return f"{safe_text(at.path)}:{at.line}{cell} at {rev[:10]}"

    def push(screen: ModalScreen[str | None]) -> None:
        pane.app.push_screen(screen, lambda sha: jump(sha) if sha else None)

    def work() -> tuple[DiffLine, list[LineChange] | list[BlameLine]] | str:
        at = in_file()
        if isinstance(at, str):
            return at
        if kind == "history":
            return at, provider.line_history(rev, at.path, at.line)
        return at, provider.blame(rev, at.path)

    def show(result: tuple[DiffLine, list[LineChange] | list[BlameLine]] | str) -> None:
        if isinstance(result, str):
            pane.notify(result, timeout=6, markup=False)
            return
        at, found = result
        if kind == "history":
            changes = [c for c in found if isinstance(c, LineChange)]
            push(LineHistoryScreen(f"History of {where(at)} (Enter shows)", changes))
        else:
            lines = [b for b in found if isinstance(b, BlameLine)]
            push(BlameScreen(f"Blame of {where(at)} (Enter shows)", lines, at.line))

    pane.call_provider(work, show, group="lines")
