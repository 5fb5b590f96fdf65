"""The trail view (``w``): the question, the decision explained, and every hop with why it
links, where it came from and, when unresolved, what to do — ``trace``'s text, scrollable."""

from __future__ import annotations

from typing import ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Footer, Static

from providers.trail.resolver import Trail
from tui.render.plain import safe_text
from tui.render.trail import trail_lines

_STYLES = (
    (r"(?m)^  ✗ .*$", "bold red"),
    (r"(?m)^  ~ .*$", "bold yellow"),
    (r"(?m)^  ✓ .*$", "bold"),
    (r"(?m)^ +to do: .*$", "bold"),
    (r"(?m)^  Decision: .*$", "bold"),
)


def trail_view_text(trail: Trail | None, question: str, profile: str) -> Text:
    """What the trail view shows (markup never read)."""
    lines = [f"Question: {safe_text(question)}", ""] if question else []
    if trail is None:
        lines.append("No trail yet: select a prediction and press Enter (or t) to trace it.")
    else:
        lines += trail_lines(trail, profile)
    text = Text("\n".join(lines))
    for pattern, style in _STYLES:
        text.highlight_regex(pattern, style)
    return text


class TrailView(ModalScreen[None]):
    """The whole trail on the whole screen (modal: the console's keys wait); j/k,
    PageUp/PageDown, Home/End scroll; w or q closes."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("j,down", "scroll('down')", "Down", show=False, id="trailview.down"),
        Binding("k,up", "scroll('up')", "Up", show=False, id="trailview.up"),
        Binding("pagedown,space,ctrl+d", "scroll('page_down')", "Page down", id="trailview.pgdn"),
        Binding("pageup,ctrl+u", "scroll('page_up')", "Page up", id="trailview.page_up"),
        Binding("home", "scroll('home')", "Top", id="trailview.top"),
        Binding("end", "scroll('end')", "Bottom", id="trailview.bottom"),
        Binding("w,q,escape", "dismiss", "Close", id="trailview.close"),
    ]

    def __init__(self, trail: Trail | None, question: str = "", profile: str = "") -> None:
        super().__init__()
        self.text = trail_view_text(trail, question, profile)

    def compose(self) -> ComposeResult:
        yield Static(" Trail view: each hop, why it links, where from ", id="trail-view-title")
        with VerticalScroll(id="trail-view"):
            yield Static(self.text)
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#trail-view").focus()

    def action_scroll(self, where: str) -> None:
        view = self.query_one("#trail-view", VerticalScroll)
        getattr(view, f"scroll_{where}")(animate=False)
