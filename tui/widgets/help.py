"""The ``?`` help screen: the current pane's keys and those of the whole console."""

from __future__ import annotations

from typing import ClassVar

from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.keys import format_key
from textual.screen import ModalScreen
from textual.widgets import Static

from tui.widgets.detail import PANE_READING_BINDINGS, DetailView

# Keys shown as words; every other key as Textual writes it (":" for colon, "[" …).
_WORDS = {
    "backspace": "Backspace",
    "enter": "Enter",
    "pageup": "PageUp",
    "pagedown": "PageDown",
    "space": "Space",
    "home": "Home",
    "end": "End",
}


def _keys(binding: Binding) -> str:
    keys = (k.strip() for k in binding.key.split(","))
    return ", ".join(_WORDS.get(k) or format_key(k) for k in keys)


def bindings_table(title: str, bindings: list[BindingType]) -> Table:
    """A two-column table of keys and what they do."""
    table = Table(title=title, title_justify="left", show_header=False, box=None, pad_edge=False)
    table.add_column("key", style="bold", no_wrap=True)
    table.add_column("action")
    for binding in bindings:
        if isinstance(binding, Binding) and binding.description:
            table.add_row(_keys(binding), binding.description)
    return table


class HelpScreen(ModalScreen[None]):
    """A pane's help text and keys, then the keys of the whole console; any of ?, q or
    Enter closes it."""

    AUTO_FOCUS = "#help"  # PageUp/PageDown, arrows, Home/End scroll it (taller than 80x24)
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("question_mark,q,enter,escape", "dismiss", "Close"),
    ]

    def __init__(
        self, title: str, text: str, keys: list[BindingType], everywhere: list[BindingType]
    ) -> None:
        super().__init__()
        self.pane_title, self.text = title, text
        self.keys, self.everywhere = keys, everywhere

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="help"):
            yield Static(Text(f"{self.pane_title} — {self.text}"), markup=False)
            yield Static(bindings_table(f"{self.pane_title} keys", self.keys))
            yield Static(
                bindings_table(
                    "Reading (v moves into a pane's detail and back)",
                    [*PANE_READING_BINDINGS, *DetailView.BINDINGS],
                )
            )
            yield Static(bindings_table("Everywhere", list(self.everywhere)))
            yield Static(
                Text(
                    "Ctrl+P opens the command palette (trace by id, jump to a pane, refresh, "
                    "start or open a case).\n"
                    "m bookmarks the selected object as evidence in the current case (one is "
                    "started if none is open); a adds a note; e exports the evidence report.\n"
                    "Keys can be remapped in the config file's [keys] table by binding id.",
                    style="dim",
                )
            )
