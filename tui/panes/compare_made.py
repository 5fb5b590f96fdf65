"""What the Models pane tells the console when a compare comes on screen: the two sides,
so the case keeps the compare (differences only) and both versions' parameters."""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual.message import Message

if TYPE_CHECKING:
    from tui.render.compare import Side


class CompareMade(Message):
    """A compare of ``left`` (the reference) and ``right`` is on screen."""

    def __init__(self, left: Side, right: Side) -> None:
        super().__init__()
        self.left = left
        self.right = right
