"""Command-palette (Ctrl+P) commands: trace by id, jump to a pane, refresh, cases."""

from __future__ import annotations

from typing import Protocol, cast

from textual.command import Hit, Hits, Provider

from tui.console.casecommands import case_hits
from tui.console.casecontrol import CaseControl
from tui.panes.base import Pane
from tui.panes.registry import PANES


class Console(Protocol):
    """What the palette needs of the console (the app)."""

    @property
    def current_pane(self) -> Pane: ...
    @property
    def cases(self) -> CaseControl: ...
    def action_show_pane(self, pane_id: str) -> None: ...
    def trace_id(self, request_id: str) -> None: ...


class ConsoleCommands(Provider):
    """The console's own commands."""

    async def search(self, query: str) -> Hits:
        app = cast(Console, self.app)
        matcher = self.matcher(query)
        for pane in PANES:
            title = f"Go to {pane.title}"
            if (score := matcher.match(title)) > 0:
                yield Hit(
                    score, matcher.highlight(title), lambda p=pane.pane_id: app.action_show_pane(p)
                )
        refresh = "Refresh the current pane"
        if (score := matcher.match(refresh)) > 0:
            yield Hit(score, matcher.highlight(refresh), app.current_pane.reload)
        words = query.split()
        if len(words) == 2 and words[0].lower() == "trace":
            request_id = words[1]
            yield Hit(100, f"Trace request {request_id}", lambda: app.trace_id(request_id))
        for hit in case_hits(app.cases, matcher, query):
            yield hit
