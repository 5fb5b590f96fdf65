"""Which of several predictions an id names: the rows of a batched collector record share
its correlation id (so may every request of a scoring script that sets its own id), and a
request may be logged twice.  The console asks (:class:`RowChoice`) instead of taking the
first, and the chosen row is recorded in the history by where it was logged."""

from __future__ import annotations

from collections.abc import Sequence
from typing import ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option

from providers.records import Prediction
from tui.render.history import Location
from tui.render.plain import safe_text
from tui.render.row_keys import prediction_key
from tui.render.rows import when

MOST_NUMBERED = 9  # rows chosen by a digit key; the others by the cursor and Enter


def location_of(prediction: Prediction) -> Location:
    """The history location of a prediction: its correlation id (and request id as the
    label), with where it was logged when that names a row of a record of several."""
    key = prediction_key(prediction.correlation_id, prediction.source.native_id)
    return Location("predictions", key, prediction.request_id)


class RowChoice(ModalScreen[Prediction | None]):
    """Choose one of the predictions an id names: 1–9 or the cursor and Enter;
    Backspace cancels."""

    BINDINGS: ClassVar[list[BindingType]] = [
        *(
            Binding(str(n), f"pick({n - 1})", f"Row {n}", show=False, id=f"predictions.row{n}")
            for n in range(1, MOST_NUMBERED + 1)
        ),
        Binding("backspace,escape", "cancel", "Cancel", id="predictions.row_cancel"),
    ]
    DEFAULT_CSS = """
    RowChoice { align: center middle; }
    #row-choice {
        width: 90%; height: auto; max-height: 80%;
        border: round $accent; background: $surface; padding: 0 1;
    }
    #row-options { height: auto; max-height: 12; }
    """

    def __init__(self, request_id: str, rows: Sequence[Prediction]) -> None:
        super().__init__()
        self.request_id = request_id
        self.rows = tuple(rows)

    def compose(self) -> ComposeResult:
        width = max(self.app.size.width - 16, 30)  # the option list's, within the dialog
        with Vertical(id="row-choice"):
            yield Static(
                f"{safe_text(self.request_id)} names {len(self.rows)} logged predictions"
                " (a batched record's rows share one id): which one? (1–9, Enter)",
                markup=False,
            )
            yield OptionList(
                *(
                    Option(_choice_text(n, row, width), id=str(n - 1))
                    for n, row in enumerate(self.rows, start=1)
                ),
                id="row-options",
            )

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        self.dismiss(self.rows[int(event.option.id or 0)])

    def action_pick(self, index: int) -> None:
        if index < len(self.rows):
            self.dismiss(self.rows[index])

    def action_cancel(self) -> None:
        self.dismiss(None)


def _choice_text(number: int, row: Prediction, width: int) -> Text:
    """Two lines of up to ``width`` characters telling rows of one record apart: when,
    where it was logged (the file's name, line and row) and the outputs, then its inputs."""
    outputs = " ".join(f"{k}={v}" for k, v in row.outputs.items())
    inputs = " ".join(f"{k}={v}" for k, v in row.inputs.items())
    logged = row.source.native_id.rsplit("/", 1)[-1]
    lines = [f"{number}  {when(row.timestamp)}  {logged}  {outputs}", f"   {inputs}"]
    cut = [safe_text(line)[: width - 1] + "…" if len(line) > width else line for line in lines]
    return Text("\n".join(cut))
