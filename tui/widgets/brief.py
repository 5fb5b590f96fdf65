"""The lines under the top bar: the question the console is answering and, after a trace,
the decision explained — what the engineer reads first."""

from __future__ import annotations

from rich.console import Group
from rich.text import Text
from textual.widgets import Static

from providers.trail.explanation import Explanation
from tui.render.plain import safe_text
from tui.render.trail import decision_lines


class Brief(Static):
    """``Question: …`` (one line, cut with …) and ``Decision: …`` (wrapped); hidden when
    there is neither."""

    def show(self, question: str, explanation: Explanation | None) -> None:
        """Show the question (if any) and the decision of the trail on screen (if any)."""
        lines = []
        if question:
            line = Text("Question: ", style="bold", no_wrap=True, overflow="ellipsis")
            lines.append(line.append(safe_text(question).replace("\n", " ")))
        if explanation is not None:
            label, _, sentence = decision_lines(explanation)[0].partition(" ")
            lines.append(Text.assemble((f"{label} ", "bold"), sentence))
        self.update(Group(*lines))
        self.display = bool(lines)
