"""The detail area every pane shows below its list: the same reading keys everywhere.

A pane's ``v`` moves the focus from its list into its detail and back, ``z`` zooms the
focused part to the whole screen (see :class:`tui.panes.base.Pane`); inside the detail the
keys below scroll it, step through a diff's hunks and search its text (``/``, ``n``/``N``:
see :mod:`tui.widgets.detail_search`).  The focused detail grows and the
list above it shrinks (see app.tcss), so at 80×24 both stay usable.
"""

from __future__ import annotations

from typing import ClassVar

from textual import events
from textual.binding import Binding, BindingType
from textual.containers import ScrollableContainer
from textual.geometry import Region, Spacing
from textual.widget import Widget

from tui.widgets.detail_search import (
    Match,
    MatchMark,
    SearchStatus,
    find_matches,
    marks,
    next_index,
)

# A pane's keys between its list and its detail (bound on the base pane, so in every pane).
PANE_READING_BINDINGS: list[BindingType] = [
    Binding("v", "toggle_detail", "Detail", id="pane.detail"),
    Binding("z", "zoom", "Zoom", id="pane.zoom"),
]


_HUNKS = Binding.Group("Hunks", compact=True)  # one footer entry, "{} Hunks", at 80 columns


class DetailView(ScrollableContainer):
    """A scrolling detail: line, page and end keys, mouse wheel, and hunk steps where the
    pane marks hunks (:meth:`mark_hunks`)."""

    ALLOW_MAXIMIZE = True
    DEFAULT_CSS = """
    DetailView {
        layers: default search status;
    }
    """
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("j,down", "scroll_down", "Line down", show=False, id="detail.down"),
        Binding("k,up", "scroll_up", "Line up", show=False, id="detail.up"),
        Binding(
            "pagedown,space,ctrl+d", "page_down", "Page down", show=False, id="detail.page_down"
        ),
        Binding("pageup,ctrl+u", "page_up", "Page up", show=False, id="detail.page_up"),
        Binding("home", "scroll_home", "Top", show=False, id="detail.top"),
        Binding("end", "scroll_end", "Bottom", show=False, id="detail.bottom"),
        Binding(
            "left_curly_bracket", "hunk(-1)", "Prev hunk", id="detail.previous_hunk", group=_HUNKS
        ),
        Binding("right_curly_bracket", "hunk(1)", "Next hunk", id="detail.next_hunk", group=_HUNKS),
        Binding("slash", "search", "Search", id="detail.search"),
        Binding("n", "search_next(1)", "Next match", show=False, id="detail.next_match"),
        Binding("N", "search_next(-1)", "Prev match", show=False, id="detail.previous_match"),
    ]

    def __init__(self, *children: Widget, id: str | None = None) -> None:
        super().__init__(*children, id=id, classes="pane-detail")
        self._hunks: list[tuple[Widget, list[int]]] = []
        self._needle = ""
        self._match = -1  # the current match's index, -1 before the first

    def mark_hunks(self, *marks: tuple[Widget, list[int]]) -> None:
        """Where the hunks start: lines of child widgets (none: the hunk keys are hidden)."""
        self._hunks = [(widget, lines) for widget, lines in marks if lines]
        self.refresh_bindings()

    def hunk_offsets(self) -> list[int]:
        """The hunks' first lines, as offsets into the scrolled content."""
        return sorted(
            widget.virtual_region.y + line for widget, lines in self._hunks for line in lines
        )

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "hunk":
            return bool(self._hunks)
        if action == "search_next":
            return bool(self._needle)
        return True

    def action_hunk(self, step: int) -> None:
        """Scroll the next (``step`` 1) or previous (-1) hunk to the top."""
        offsets = self.hunk_offsets()
        y = round(self.scroll_y)
        after = [o for o in offsets if o > y] if step > 0 else [o for o in offsets if o < y]
        if not after or (step > 0 and y >= self.max_scroll_y):
            self.notify("No further hunk.", timeout=2)
            return
        self.scroll_to(y=after[0] if step > 0 else after[-1], animate=False)

    # -- search --------------------------------------------------------------------

    def action_search(self) -> None:
        """Ask for the text to find in this detail; Enter on an empty line clears it."""
        from tui.widgets.notemodal import NoteModal  # noqa: PLC0415 - built when asked for

        prompt = "Search this detail for (then n: next match, N: previous):"
        self.app.push_screen(NoteModal(prompt, value=self._needle), self._search_for)

    def _search_for(self, needle: str | None) -> None:
        if needle is None:
            return
        self._needle, self._match = needle.strip(), -1
        self.refresh_bindings()
        if self._needle:
            self.action_search_next(1)
        else:
            self.on_blur(events.Blur())

    def action_search_next(self, step: int) -> None:
        """Go to the next (``step`` 1) or previous (-1) match, wrapping round."""
        matches = find_matches(self, self._needle)
        before, self._match = self._match, -1
        if matches:
            top = round(self.scroll_y)
            self._match = next_index(matches, min(before, len(matches) - 1), step, top)
            found = matches[self._match]
            region = Region(found.x, found.y, len(found.text), 1)
            self.scroll_to_region(region, spacing=Spacing(1, 0, 2, 0), animate=False)
        self._mark(matches)
        wrapped = before >= 0 and (self._match - before) * step < 0
        self._status().say(self._needle, self._match, len(matches), wrapped)

    def _status(self) -> SearchStatus:
        found = self.query(SearchStatus)
        if found:
            return found.first()
        status = SearchStatus(markup=False)
        self.mount(status)
        return status

    def _mark(self, matches: list[Match]) -> None:
        self.query(MatchMark).remove()
        if matches:
            self.mount_all(marks(matches, self._match))

    def on_blur(self, _event: events.Blur) -> None:
        """Back in the list (not in the search prompt): the marks and the search line go;
        n and N go on from the top of what is on show."""
        if self.screen.is_current:
            self._match = -1
            self._mark([])
            for status in self.query(SearchStatus):
                status.display = False
