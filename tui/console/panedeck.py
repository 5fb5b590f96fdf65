"""The panes behind the number keys, each imported and mounted when first shown or asked
for: start-up composes only the pane on screen (all five took ~30 ms before the first frame)."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence

from textual.widgets import ContentSwitcher

from tui.panes.base import Pane
from tui.panes.registry import PaneEntry
from tui.panes.session import Session


class PaneDeck(ContentSwitcher):
    """A content switcher whose panes are made and mounted on demand.

    A pane mounted after a trail was shown selects the trail's objects as it mounts, as
    the mounted panes did when the trail came.
    """

    def __init__(self, session: Session, panes: Sequence[PaneEntry], *, id: str) -> None:
        first = panes[0].load()(session)
        super().__init__(first, initial=first.pane_id, id=id)
        self._session = session
        self._kinds = {entry.pane_id: entry for entry in panes}
        self._mounting: dict[str, tuple[Pane, asyncio.Task[None]]] = {}

    def mounted(self, pane_id: str) -> Pane | None:
        """The pane with this id if it is mounted (None if it never was asked for)."""
        if pane_id in self._mounting:
            pane, task = self._mounting[pane_id]
            return pane if task.done() else None
        for child in self.children:
            if isinstance(child, Pane) and child.pane_id == pane_id:
                return child
        return None

    @property
    def current_pane(self) -> Pane:
        """The pane on screen."""
        found = self.mounted(self.current or "")
        assert found is not None, "the current pane is always mounted"
        return found

    async def pane(self, pane_id: str) -> Pane:
        """The pane with this id, mounted (hidden) first if it never was."""
        found = self.mounted(pane_id)
        if found is not None:
            return found
        if pane_id not in self._mounting:
            pane = self._kinds[pane_id].load()(self._session)
            self._mounting[pane_id] = (pane, asyncio.create_task(self._mount(pane)))
        pane, task = self._mounting[pane_id]
        await task
        return pane

    async def _mount(self, pane: Pane) -> None:
        await self.add_content(pane)
        if self._session.trail is not None:
            pane.show_trail(self._session.trail)

    def mounted_panes(self) -> list[Pane]:
        """The panes mounted so far, in the order of their number keys."""
        return [p for p in (self.mounted(i) for i in self._kinds) if p is not None]

    async def show(self, pane_id: str) -> Pane:
        """Bring the pane to the screen, mounting it first if needed."""
        pane = await self.pane(pane_id)
        self.current = pane_id
        return pane
