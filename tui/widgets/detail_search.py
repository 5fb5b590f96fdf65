"""Search inside a detail (``/``, then ``n``/``N``): matches are found in the text the
detail shows (its rendered lines, so JSON, diffs and tables alike) and marked where they
are, the current one brighter, without touching the widgets the panes fill.

A match must sit on one screen line; case is ignored.
"""

from __future__ import annotations

from dataclasses import dataclass

from rich.text import Text
from textual.geometry import Offset, Region
from textual.widget import Widget
from textual.widgets import Static

MAX_MARKS = 200  # matches marked at once (the count says how many there are)


@dataclass(frozen=True, slots=True)
class Match:
    """Where a match is in the detail's scrolled content (line ``y``, column ``x``)."""

    y: int
    x: int
    text: str


class MatchMark(Static):
    """A match, drawn over the detail's text at the match's place."""

    DEFAULT_CSS = """
    MatchMark {
        position: absolute;
        layer: search;
        width: auto;
        height: 1;
        background: $warning 50%;
        color: $text;
    }
    MatchMark.-current {
        background: $accent;
        text-style: bold;
    }
    """


class SearchStatus(Static):
    """The search's line at the foot of the detail: the text, which match, or none."""

    DEFAULT_CSS = """
    SearchStatus {
        dock: bottom;
        layer: status;
        height: 1;
        background: $panel;
        color: $text;
    }
    """

    def say(self, needle: str, current: int, count: int, wrapped: bool = False) -> None:
        """Show where the search is (``count`` 0: no match)."""
        if not count:
            said = "no match in this detail  (/ to search again)"
        else:
            turn = ", wrapped round" if wrapped else ""
            said = f"match {current + 1} of {count}{turn}  (n next, N previous)"
        self.update(Text(f"/{needle}: {said}", no_wrap=True, overflow="ellipsis"))
        self.display = True


def _offset_in(widget: Widget, container: Widget) -> Offset:
    """The widget's place in ``container``'s scrolled content (through plain containers)."""
    offset = Offset(0, 0)
    node: Widget | None = widget
    while node is not None and node is not container:
        offset += node.virtual_region.offset
        parent = node.parent
        node = parent if isinstance(parent, Widget) else None
    return offset


def _lines(widget: Widget) -> list[str]:
    """The lines a widget shows now, as plain text."""
    width, height = widget.virtual_region.size
    if width <= 0 or height <= 0:
        return []
    return [strip.text for strip in widget.render_lines(Region(0, 0, width, height))]


def find_matches(container: Widget, needle: str) -> list[Match]:
    """Every place ``needle`` shows in the text widgets inside ``container``, top to bottom."""
    wanted = needle.lower()
    found: list[Match] = []
    if not wanted:
        return found
    for widget in container.query(Static):
        shown = widget.display and widget.visible
        if isinstance(widget, (MatchMark, SearchStatus)) or not shown:
            continue
        if any(not node.display for node in widget.ancestors if node is not container):
            continue
        origin = _offset_in(widget, container)
        for row, line in enumerate(_lines(widget)):
            lowered, start = line.lower(), 0
            while (x := lowered.find(wanted, start)) >= 0:
                found.append(Match(origin.y + row, origin.x + x, line[x : x + len(wanted)]))
                start = x + len(wanted)
    return sorted(found, key=lambda m: (m.y, m.x))


def next_index(matches: list[Match], current: int, step: int, top: int) -> int:
    """The match to go to: after (``step`` 1) or before (-1) ``current``, wrapping; with no
    current one, the first at or below the line ``top`` on show (or the first)."""
    if current >= 0:
        return (current + step) % len(matches)
    below = [i for i, m in enumerate(matches) if m.y >= top]
    first_below = below[0] if below else len(matches)
    return first_below % len(matches) if step > 0 else (first_below - 1) % len(matches)


def marks(matches: list[Match], current: int) -> list[MatchMark]:
    """Marks for the matches (the current one and those nearest it, at most MAX_MARKS)."""
    low = max(0, min(current - MAX_MARKS // 2, len(matches) - MAX_MARKS))
    made = []
    for index in range(low, min(len(matches), low + MAX_MARKS)):
        match = matches[index]
        mark = MatchMark(Text(match.text), classes="-current" if index == current else "")
        mark.styles.offset = (match.x, match.y)
        made.append(mark)
    return made
