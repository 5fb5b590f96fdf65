"""A one-line text dialog (bookmark notes, case notes, case names).  What is typed is
data: it is shown and stored as typed, never read as markup."""

from __future__ import annotations

from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Static


class NoteModal(ModalScreen[str | None]):
    """Asks for one line of text: Enter keeps it, Escape cancels (dismisses None)."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Cancel", id="case.note_cancel"),
    ]

    def __init__(self, prompt: str, placeholder: str = "") -> None:
        super().__init__()
        self.prompt = prompt
        self.placeholder = placeholder

    def compose(self) -> ComposeResult:
        with Vertical(id="note-modal"):
            yield Static(self.prompt, markup=False)
            yield Input(placeholder=self.placeholder, id="note-input")
            yield Static("Enter: save · Escape: cancel", classes="case-hint", markup=False)

    def on_mount(self) -> None:
        self.query_one("#note-input", Input).focus()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.dismiss(event.value)

    def action_cancel(self) -> None:
        self.dismiss(None)
