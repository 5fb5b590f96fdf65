"""The ``e`` dialog: which format to export the case's evidence in."""

from __future__ import annotations

from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option

CHOICES = (
    ("md", "Markdown (.md)"),
    ("html", "HTML, one self-contained file that prints well (.html)"),
    ("json", "JSON evidence (.json)"),
    ("all", "All three"),
)


class FormatChoice(ModalScreen[str | None]):
    """Pick a format with 1–4 or Enter; Backspace or Escape cancels."""

    BINDINGS: ClassVar[list[BindingType]] = [
        *(
            Binding(str(n), f"pick({n - 1})", label, show=False, id=f"case.export_{fmt}")
            for n, (fmt, label) in enumerate(CHOICES, start=1)
        ),
        Binding("backspace,escape", "cancel", "Cancel", id="case.export_cancel"),
    ]

    def __init__(self, case_name: str) -> None:
        super().__init__()
        self.case_name = case_name

    def compose(self) -> ComposeResult:
        with Vertical(id="format-choice"):
            yield Static(f"Export the evidence of case {self.case_name} as:", markup=False)
            yield OptionList(
                *(
                    Option(f"{n}  {label}", id=fmt)
                    for n, (fmt, label) in enumerate(CHOICES, start=1)
                ),
                id="format-options",
            )
            yield Static(
                "Personal fields are masked; use 'modeltrail case export "
                "--include-personal-data' to include them.",
                classes="case-hint",
                markup=False,
            )

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        self.dismiss(event.option.id)

    def action_pick(self, index: int) -> None:
        self.dismiss(CHOICES[index][0])

    def action_cancel(self) -> None:
        self.dismiss(None)
