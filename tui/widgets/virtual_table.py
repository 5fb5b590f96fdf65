"""A table that renders only the rows on screen (Line API), for millions of predictions.

Textual's ``DataTable`` builds every row up front (≈ 6 s to first paint at 100k rows on
our target machine); this widget keeps the rows in a plain list and turns only the
visible ones into segments, so paging costs the same at any size.
"""

from __future__ import annotations

import time
from typing import ClassVar

from rich.segment import Segment
from rich.style import Style
from textual.binding import Binding, BindingType
from textual.geometry import Size
from textual.message import Message
from textual.reactive import reactive
from textual.scroll_view import ScrollView
from textual.strip import Strip

from providers.records import Prediction
from tui.render.rows import PREDICTION_COLUMNS, fit, prediction_cells

_HEADER = Style(bold=True, underline=True)
_CURSOR = Style(reverse=True)
_MARKED = Style(bold=True)


class PredictionTable(ScrollView, can_focus=True):
    """Virtual table of predictions with a cursor; the header row stays on top."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("down,j", "move(1)", "Down", show=False),
        Binding("up,k", "move(-1)", "Up", show=False),
        Binding("pagedown,ctrl+d", "page(1)", "Page down", show=False),
        Binding("pageup,ctrl+u", "page(-1)", "Page up", show=False),
        Binding("home,g", "jump(0)", "Top", show=False),
        Binding("end,G", "jump(-1)", "Bottom", show=False),
    ]
    cursor: reactive[int] = reactive(0, always_update=True)

    class Highlighted(Message):
        """The cursor moved to a row."""

        def __init__(self, prediction: Prediction) -> None:
            super().__init__()
            self.prediction = prediction

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.rows: list[Prediction] = []
        self.marked: str | None = None  # where the traced prediction was logged (native id)
        self.moved_at = 0.0  # time.monotonic() of the user's last cursor move

    # -- data ------------------------------------------------------------------------

    def clear(self) -> None:
        """Remove every row."""
        self.rows = []
        self.cursor = 0
        self._resize()

    def extend(self, rows: list[Prediction]) -> None:
        """Append rows (as pages stream in)."""
        first = not self.rows
        self.rows.extend(rows)
        self._resize()
        if first and self.rows:
            self.cursor = 0

    def select(self, correlation_id: str, request_id: str, where: str | None = None) -> bool:
        """Put the cursor on a prediction (the one logged at ``where``, a source's native
        id, when given: a batched record's rows share their ids); False if not loaded."""
        for index, row in enumerate(self.rows):
            if (
                row.correlation_id == correlation_id
                and row.request_id == request_id
                and where in (None, row.source.native_id)
            ):
                self.cursor = index
                middle = max(index - self.scrollable_content_region.height // 2, 0)
                self.scroll_to(y=middle, animate=False, immediate=True)
                return True
        return False

    @property
    def current(self) -> Prediction | None:
        """The prediction under the cursor."""
        return self.rows[self.cursor] if 0 <= self.cursor < len(self.rows) else None

    def _resize(self) -> None:
        self.virtual_size = Size(self.scrollable_content_region.width, len(self.rows) + 1)
        self.refresh()

    # -- rendering -------------------------------------------------------------------

    def render_line(self, y: int) -> Strip:
        width = self.scrollable_content_region.width
        widths = [w for _, w in PREDICTION_COLUMNS]
        if y == 0:
            header = fit([name for name, _ in PREDICTION_COLUMNS], widths, width)
            return Strip([Segment(header, _HEADER)], width)
        index = int(self.scroll_offset.y) + y - 1
        if index >= len(self.rows):
            return Strip.blank(width)
        row = self.rows[index]
        text = fit(prediction_cells(row), widths, width)
        style = Style()
        if row.source.native_id == self.marked:
            style += _MARKED
            text = text[:-2] + " ◀"
        if index == self.cursor:
            style += _CURSOR
        return Strip([Segment(text, style)], width)

    def on_resize(self) -> None:
        self._resize()
        self._reveal_cursor()

    # -- cursor ----------------------------------------------------------------------

    @property
    def _page(self) -> int:
        return max(self.scrollable_content_region.height - 2, 1)

    def watch_cursor(self, old: int, new: int) -> None:
        if not self.rows:
            return
        clamped = min(max(new, 0), len(self.rows) - 1)
        if clamped != new:
            self.cursor = clamped
            return
        self._reveal_cursor()
        self.refresh()
        current = self.current
        if current is not None:
            self.post_message(self.Highlighted(current))

    def _reveal_cursor(self) -> None:
        """Scroll as little as needed to show the cursor's row (after a move or a resize)."""
        top = int(self.scroll_offset.y)
        visible = max(self.scrollable_content_region.height - 1, 1)
        if self.cursor < top:
            self.scroll_to(y=self.cursor, animate=False)
        elif self.cursor >= top + visible:
            self.scroll_to(y=self.cursor - visible + 1, animate=False)

    def action_move(self, step: int) -> None:
        self.moved_at = time.monotonic()
        self.cursor += step

    def action_page(self, direction: int) -> None:
        self.moved_at = time.monotonic()
        self.cursor += direction * self._page

    def action_jump(self, where: int) -> None:
        self.moved_at = time.monotonic()
        self.cursor = 0 if where == 0 else len(self.rows) - 1
