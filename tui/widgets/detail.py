"""The detail area every pane shows below its list: the same reading keys everywhere.

A pane's ``v`` moves the focus from its list into its detail and back, ``z`` zooms the
focused part to the whole screen (see :class:`tui.panes.base.Pane`); inside the detail the
keys below scroll it and step through a diff's hunks.  The focused detail grows and the
list above it shrinks (see app.tcss), so at 80×24 both stay usable.
"""

from __future__ import annotations

from typing import ClassVar

from textual.binding import Binding, BindingType
from textual.containers import ScrollableContainer
from textual.widget import Widget

# A pane's keys between its list and its detail (bound on the base pane, so in every pane).
PANE_READING_BINDINGS: list[BindingType] = [
    Binding("v", "toggle_detail", "Detail", id="pane.detail"),
    Binding("z", "zoom", "Zoom", id="pane.zoom"),
]


class DetailView(ScrollableContainer):
    """A scrolling detail: line, page and end keys, mouse wheel, and hunk steps where the
    pane marks hunks (:meth:`mark_hunks`)."""

    ALLOW_MAXIMIZE = True
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("j,down", "scroll_down", "Line down", show=False, id="detail.down"),
        Binding("k,up", "scroll_up", "Line up", show=False, id="detail.up"),
        Binding(
            "pagedown,space,ctrl+d", "page_down", "Page down", show=False, id="detail.page_down"
        ),
        Binding("pageup,ctrl+u", "page_up", "Page up", show=False, id="detail.page_up"),
        Binding("home", "scroll_home", "Top", show=False, id="detail.top"),
        Binding("end", "scroll_end", "Bottom", show=False, id="detail.bottom"),
        Binding("right_curly_bracket", "hunk(1)", "Next hunk", id="detail.next_hunk"),
        Binding("left_curly_bracket", "hunk(-1)", "Prev hunk", id="detail.previous_hunk"),
    ]

    def __init__(self, *children: Widget, id: str | None = None) -> None:
        super().__init__(*children, id=id, classes="pane-detail")
        self._hunks: list[tuple[Widget, list[int]]] = []

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
