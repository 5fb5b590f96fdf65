"""Browser-like navigation history: back, forward, and a new visit drops the forward part."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True, slots=True)
class Location:
    """Where the user was: a pane and the object selected in it."""

    pane: str
    key: str
    label: str = ""


@dataclass
class History:
    """Visited locations with a cursor; ``visit`` after ``back`` truncates the forward list."""

    entries: list[Location] = field(default_factory=list)
    cursor: int = -1

    @property
    def current(self) -> Location | None:
        """The location shown now."""
        return self.entries[self.cursor] if self.cursor >= 0 else None

    def visit(self, location: Location) -> None:
        """Record a jump to ``location`` (a repeat of the current one is ignored)."""
        if self.current == location:
            return
        del self.entries[self.cursor + 1 :]
        self.entries.append(location)
        self.cursor = len(self.entries) - 1

    def back(self) -> Location | None:
        """Step back; None when already at the oldest entry."""
        if self.cursor <= 0:
            return None
        self.cursor -= 1
        return self.entries[self.cursor]

    def forward(self) -> Location | None:
        """Step forward; None when at the newest entry."""
        if self.cursor >= len(self.entries) - 1:
            return None
        self.cursor += 1
        return self.entries[self.cursor]
