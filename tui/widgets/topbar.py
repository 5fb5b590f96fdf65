"""The top bar, laid out for its width (see :mod:`tui.render.topbar`): at 80 columns the
profile's name stays in sight."""

from __future__ import annotations

from collections.abc import Sequence

from rich.text import Text
from textual.widget import Widget

from tui.render.topbar import top_bar


class TopBar(Widget):
    """One line: the panes, the case and the profile; laid out again when resized."""

    DEFAULT_CSS = "TopBar { height: 1; text-wrap: nowrap; text-overflow: ellipsis; }"

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._panes: Sequence[tuple[str, str]] = ()
        self._current: str | None = None
        self._case = self._profile = self._label = ""

    def show(
        self,
        panes: Sequence[tuple[str, str]],
        current: str | None,
        case: str,
        profile: str,
        label: str,
    ) -> None:
        """Show ``current`` highlighted among ``panes`` (id, title), the case's label (or
        ""), and the profile named ``profile`` with its whole ``label``."""
        self._panes, self._current, self._case = panes, current, case
        self._profile, self._label = profile, label
        self.refresh()

    def render(self) -> Text:
        return top_bar(
            self._panes,
            self._current,
            case=self._case,
            profile=self._profile,
            label=self._label,
            width=self.size.width,
        )
