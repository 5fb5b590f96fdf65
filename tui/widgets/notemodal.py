"""A one-line text dialog (bookmark notes, case notes, case names).  What is typed is
data: it is shown and stored as typed, never read as markup."""

from __future__ import annotations

from collections.abc import Callable
from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Static

from providers.errors import ProviderError
from tui.render.plain import safe_text


class NoteModal(ModalScreen[str | None]):
    """Asks for one line of text: Enter keeps it, Escape cancels (dismisses None).

    With ``save``, Enter first saves the text; when that fails the dialog stays open with
    the text as typed and says why, so nothing typed is lost (Enter tries again).
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Cancel", id="case.note_cancel"),
    ]

    def __init__(
        self,
        prompt: str,
        placeholder: str = "",
        *,
        value: str = "",
        error: str = "",
        save: Callable[[str], object] | None = None,
    ) -> None:
        super().__init__()
        self.prompt = prompt
        self.placeholder = placeholder
        self.value = value
        self.error = error
        self.save = save

    def compose(self) -> ComposeResult:
        with Vertical(id="note-modal"):
            yield Static(self.prompt, markup=False)
            yield Input(self.value, placeholder=self.placeholder, id="note-input")
            yield Static(safe_text(self.error), id="note-error", markup=False)
            yield Static("Enter: save · Escape: cancel", classes="case-hint", markup=False)

    def on_mount(self) -> None:
        self.query_one("#note-input", Input).focus()
        self.query_one("#note-error").display = bool(self.error)

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        if self.save is not None:
            try:
                self.save(event.value)
            except ProviderError as exc:
                self.show_error(f"Not saved: {exc}")
                return
        self.dismiss(event.value)

    def show_error(self, message: str) -> None:
        """Say in the dialog why what was typed is not saved yet."""
        error = self.query_one("#note-error", Static)
        error.update(safe_text(message))
        error.display = True

    def action_cancel(self) -> None:
        self.dismiss(None)
