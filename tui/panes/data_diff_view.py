"""The training-data diff inside the Models compare: t reads both versions' data (their
trails' data hops) in a worker and shows what changed, flags first, in place of the
parameter table; t again goes back to the parameters.  While shown, m bookmarks it."""

from __future__ import annotations

from typing import Any

from rich.text import Text
from textual.widgets import Static

from providers.datafolders.diff import DataDiff
from providers.trail.version_data import diff_versions
from tui.panes.base import Evidence, Pane
from tui.render.compare import Side
from tui.render.data_diff import diff_text
from tui.render.models import version_key

SHOWING = "-data"  # the compare view's class while the data diff is shown


class DataDiffView(Static):
    """The data diff of the two compared versions (empty until t is pressed)."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__("", markup=False, **kwargs)
        self.diff: DataDiff | None = None

    def toggle(self, pane: Pane, sides: tuple[Side, Side] | None) -> None:
        """Show the data diff of ``sides`` (read in a worker), or hide it when shown."""
        if sides is None:
            pane.notify("Compare two versions first (c), then t shows their data diff.")
            return
        if self.diff is not None or self.parent_view.has_class(SHOWING):
            self.clear()
            return
        left, right = (version_key(version) for version, _ in sides)
        names = tuple(tuple(key.rsplit(":", 1)) for key in (left, right))
        backends = pane.session.backends
        self.update(Text(f"Reading the training data of {left} and {right} …"))
        self.parent_view.add_class(SHOWING)
        pane.call_provider(
            lambda: diff_versions(backends, names[0], names[1]),  # type: ignore[arg-type]
            self._show,
            group="data-diff",
        )

    @property
    def parent_view(self) -> Any:
        """The compare view this diff is shown in."""
        return self.parent

    def _show(self, diff: DataDiff) -> None:
        self.diff = diff
        self.update(Text("\n".join(diff_text(diff)) + "\n(t: back to the parameters)"))
        self.parent_view.scroll_home(animate=False)
        self.parent_view.focus()  # PageDown and j/k scroll the diff

    def clear(self) -> None:
        """Hide the diff; the compare shows its parameters again."""
        self.diff = None
        self.update("")
        if self.parent is not None:
            self.parent_view.remove_class(SHOWING)
            self.parent_view.focus()

    def evidence(self) -> Evidence | None:
        """The shown diff, to bookmark (both versions' manifests inside it)."""
        diff = self.diff
        if diff is None:
            return None
        key = f"{diff.left}..{diff.right}"
        return Evidence(
            "data-diff", key, f"training data {diff.left} -> {diff.right}", lambda: (diff, [])
        )
