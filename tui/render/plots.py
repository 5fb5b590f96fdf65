"""Terminal curve plots in Braille dots: each character cell holds 2×4 dots.

Pure functions (no Textual, no Rich), so the rendering is unit-testable.  A plot is
returned as plain lines plus, for every character, the layer that drew it; a widget
styles each layer (frame, reference diagonal, first curve, second curve …) as it likes.
The second and later curves are drawn dotted, so overlaid curves differ without colour.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from itertools import pairwise

from providers.records import Curve

FRAME, REFERENCE, FIRST_CURVE = 0, 1, 2  # layers; curve i is drawn in layer FIRST_CURVE + i

_BRAILLE = 0x2800
# The dot bit of (column, row) inside a cell: columns 0–1, rows 0–3 from the top.
_DOT_BITS = ((0x01, 0x02, 0x04, 0x40), (0x08, 0x10, 0x20, 0x80))
_MARGIN = 4  # width of the y tick labels and the axis, e.g. "1.0┤"

Range = tuple[float, float]
Dot = tuple[int, int]


@dataclass(frozen=True, slots=True)
class Plot:
    """Rendered plot: ``lines`` of equal width and, per character, the layer that drew it."""

    lines: tuple[str, ...]
    layers: tuple[tuple[int, ...], ...]

    def runs(self, row: int) -> Iterator[tuple[str, int]]:
        """The text of line ``row`` cut into (text, layer) runs, for styling."""
        line, layers = self.lines[row], self.layers[row]
        start = 0
        for end in range(1, len(line) + 1):
            if end == len(line) or layers[end] != layers[start]:
                yield line[start:end], layers[start]
                start = end


class _Canvas:
    """A grid of cells, each with Braille dot bits and the top layer that set a dot."""

    def __init__(self, width: int, height: int) -> None:
        self.width, self.height = width, height
        self.bits = [[0] * width for _ in range(height)]
        self.layer = [[FRAME] * width for _ in range(height)]

    def dot(self, x: int, y: int, layer: int) -> None:
        """Set dot (x, y) in dot coordinates, (0, 0) top left."""
        col, row = x // 2, y // 4
        if 0 <= col < self.width and 0 <= row < self.height:
            self.bits[row][col] |= _DOT_BITS[x % 2][y % 4]
            self.layer[row][col] = max(self.layer[row][col], layer)

    def line(
        self, start: tuple[int, int], end: tuple[int, int], layer: int, *, dotted: bool
    ) -> None:
        """Bresenham's line between two dots; ``dotted`` sets every other dot only."""
        (x0, y0), (x1, y1) = start, end
        dx, dy = abs(x1 - x0), -abs(y1 - y0)
        sx, sy = (1 if x0 < x1 else -1), (1 if y0 < y1 else -1)
        err, n = dx + dy, 0
        while True:
            if not dotted or n % 2 == 0:
                self.dot(x0, y0, layer)
            if (x0, y0) == (x1, y1):
                return
            n += 1
            twice = 2 * err
            if twice >= dy:
                err, x0 = err + dy, x0 + sx
            if twice <= dx:
                err, y0 = err + dx, y0 + sy

    def cell(self, row: int, col: int) -> str:
        bits = self.bits[row][col]
        return chr(_BRAILLE + bits) if bits else " "


def _to_dot(value: float, bounds: Range, dots: int, *, flip: bool) -> int:
    low, high = bounds
    span = high - low or 1.0
    share = min(max((value - low) / span, 0.0), 1.0)
    if flip:
        share = 1.0 - share
    return round(share * (dots - 1))


def _draw(
    canvas: _Canvas, points: Sequence[tuple[float, float]], ranges: tuple[Range, Range], layer: int
) -> None:
    dots = [
        (
            _to_dot(x, ranges[0], canvas.width * 2, flip=False),
            _to_dot(y, ranges[1], canvas.height * 4, flip=True),
        )
        for x, y in points
    ]
    dotted = layer != FIRST_CURVE
    for start, end in pairwise(dots):
        canvas.line(start, end, layer, dotted=dotted)
    if len(dots) == 1:
        canvas.dot(*dots[0], layer)


def _tick(value: float) -> str:
    return f"{value:.1f}"[:3].rjust(3)


def _frame(canvas: _Canvas, ranges: tuple[Range, Range], labels: tuple[str, str]) -> Plot:
    """Wrap the canvas in a y label line, y ticks, an x axis and x ticks with the x label."""
    width = canvas.width + _MARGIN
    (x_low, x_high), (y_low, y_high) = ranges
    lines = [labels[1][:width].ljust(width)]
    layers = [[FRAME] * width]
    for row in range(canvas.height):
        tick = _tick(y_high) if row == 0 else _tick(y_low) if row == canvas.height - 1 else ""
        axis = tick.rjust(3) + ("┤" if tick else "│")
        lines.append(axis + "".join(canvas.cell(row, col) for col in range(canvas.width)))
        layers.append([FRAME] * _MARGIN + canvas.layer[row])
    lines.append("   └" + "─" * canvas.width)
    layers.append([FRAME] * width)
    low, high = _tick(x_low).strip(), _tick(x_high).strip()
    inner = canvas.width - len(low) - len(high)
    bottom = " " * _MARGIN + low + labels[0][: max(inner, 0)].center(max(inner, 0)) + high
    lines.append(bottom[:width].ljust(width))
    layers.append([FRAME] * width)
    return Plot(tuple(lines), tuple(tuple(layer) for layer in layers))


def render_curves(
    curves: Sequence[Curve],
    width: int,
    height: int,
    *,
    reference: bool = False,
    x_range: Range = (0.0, 1.0),
    y_range: Range = (0.0, 1.0),
) -> Plot:
    """Plot ``curves`` on a ``width``×``height``-cell Braille grid with axes and labels.

    The plot is ``width + 4`` characters wide and ``height + 3`` lines high (y label line,
    grid, x axis, x ticks).  ``reference`` adds the dotted diagonal of a ROC chance line.
    The grid is at least 6×2 cells; points outside the ranges are clipped to the border.
    Axis labels come from the first curve.
    """
    width, height = max(width, 6), max(height, 2)
    canvas = _Canvas(width, height)
    ranges = (x_range, y_range)
    if reference:
        _draw(canvas, [(x_range[0], y_range[0]), (x_range[1], y_range[1])], ranges, REFERENCE)
    for index, curve in enumerate(curves):
        _draw(canvas, curve.points, ranges, FIRST_CURVE + index)
    labels = (curves[0].x_label, curves[0].y_label) if curves else ("", "")
    return _frame(canvas, ranges, labels)
