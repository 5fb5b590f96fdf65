"""Command-palette (Ctrl+P) commands: trace by id, jump to a pane, refresh, cases."""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual.command import Hit, Hits, Provider

from tui.casecommands import case_hits

if TYPE_CHECKING:
    from tui.app import ModeltrailApp


class ConsoleCommands(Provider):
    """The console's own commands."""

    async def search(self, query: str) -> Hits:
        app: ModeltrailApp = self.app  # type: ignore[assignment]
        matcher = self.matcher(query)
        from tui.app import PANES  # noqa: PLC0415 - avoid a circular import

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
        for hit in case_hits(app, matcher, query):
            yield hit
