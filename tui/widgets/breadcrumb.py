"""The trail breadcrumb: the hops resolved so far, on one line; focused (``T``), all of them
and the selected hop's status, why it links and where from; Enter jumps to its pane."""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

from rich.text import Text
from textual.binding import Binding, BindingType
from textual.message import Message
from textual.reactive import reactive
from textual.widget import Widget

from providers.trail.hop_status import RESOLVED, UNCERTAIN, UNRESOLVED
from tui.render.plain import safe_text
from tui.render.trail import MARKS, hop_lines

if TYPE_CHECKING:
    from providers.trail.resolver import Trail

_STYLE = {RESOLVED: "bold", UNCERTAIN: "bold yellow", UNRESOLVED: "dim strike"}


def hop_label(kind: str, label: str) -> str:
    """A short label for the breadcrumb (long ids shortened)."""
    if kind == "prediction" and len(label) > 12:
        return f"request {label[:8]}…"
    return label if len(label) <= 28 else label[:27] + "…"


class TrailBar(Widget, can_focus=True):
    """Shows the trail; ←/→ select a hop (its reason shown below) and Enter jumps to its
    pane.  ``profile`` names the config table an unresolved hop's advice points to."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("left,h", "move(-1)", "Prev hop", show=False),
        Binding("right,l", "move(1)", "Next hop", show=False),
        Binding("enter", "jump", "Jump to hop"),
    ]
    selected: reactive[int] = reactive(0)

    class Jump(Message):
        """The user picked a hop."""

        def __init__(self, kind: str) -> None:
            super().__init__()
            self.kind = kind

    def __init__(self, profile: str = "", **kwargs: object) -> None:
        super().__init__(**kwargs)  # type: ignore[arg-type]
        self.trail: Trail | None = None
        self.profile = profile

    def set_trail(self, trail: Trail | None) -> None:
        """Show a new trail."""
        self.trail = trail
        self.selected = 0
        self.refresh(layout=True)

    def render(self) -> Text:
        focused = self.has_focus
        text = Text("Trail ", style="bold")
        if self.trail is None:
            text.append("— select a prediction and press Enter (or t) to trace it", style="dim")
            return text
        for index, hop in enumerate(self.trail.hops):
            if index:
                text.append(" › ", style="dim")
            style = _STYLE.get(hop.status, "")
            if index == self.selected and focused:
                style += " reverse"
            text.append(f"{MARKS.get(hop.status, '?')} ", style=style)
            text.append(safe_text(hop_label(hop.kind, hop.label)), style=style)
        if focused and self.trail.hops:
            hop = self.trail.hops[self.selected]
            head, *details = hop_lines(hop, self.profile)
            text.append(f"\nHop {self.selected + 1} of {len(self.trail.hops)}: ", style="bold")
            text.append(head, style=_STYLE.get(hop.status, ""))
            for line in details:
                text.append(f"\n  {line}", style="bold" if line.startswith("to do:") else "")
        return text

    def action_move(self, step: int) -> None:
        if self.trail and self.trail.hops:
            self.selected = (self.selected + step) % len(self.trail.hops)

    def action_jump(self) -> None:
        if self.trail and self.trail.hops:
            self.post_message(self.Jump(self.trail.hops[self.selected].kind))

    def watch_selected(self) -> None:
        self.refresh(layout=True)

    def on_focus(self) -> None:
        self.refresh(layout=True)  # focused, it shows every hop and the selected one's reason

    def on_blur(self) -> None:
        self.refresh(layout=True)
