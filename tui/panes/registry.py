"""The console's panes, in the order of their number keys: adding a pane is one entry here
(plus its module).  The app, the trail breadcrumb, help and the command palette read it.

A pane's module is imported when the pane is first shown (start-up imports only the first
pane's: the other four took ~18 ms); the entry names its id and title for the top bar and
the keys, which must match the class's (tests/test_hygiene.py checks it).
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from functools import cache
from importlib.util import find_spec
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from tui.panes.base import Pane


@dataclass(frozen=True, slots=True)
class PaneEntry:
    """A pane: its id and title, and where its class is (``module:Class``)."""

    pane_id: str
    title: str
    where: str

    def load(self) -> type[Pane]:
        """The pane's class (its module imported now if it was not)."""
        module, name = self.where.split(":")
        found: type[Pane] = getattr(importlib.import_module(module), name)
        return found

    def stylesheet(self) -> Path | None:
        """The ``.tcss`` file beside the pane's module, if it has one (nothing imported)."""
        spec = find_spec(self.where.split(":")[0])
        origin = Path(spec.origin).with_suffix(".tcss") if spec and spec.origin else None
        return origin if origin is not None and origin.is_file() else None


PANES: tuple[PaneEntry, ...] = (
    PaneEntry("predictions", "Predictions", "tui.panes.predictions:PredictionsPane"),
    PaneEntry("deployments", "Deployments", "tui.panes.deployments:DeploymentsPane"),
    PaneEntry("models", "Models", "tui.panes.models:ModelsPane"),
    PaneEntry("releases", "Releases", "tui.panes.releases:ReleasesPane"),
    PaneEntry("commits", "Commits", "tui.panes.commits:CommitsPane"),
)


@cache
def pane_of_hop() -> dict[str, str]:
    """The trail's hops (kinds) and the id of the pane that shows each (imports them all)."""
    return {hop: entry.pane_id for entry in PANES for hop in entry.load().hops}


def stylesheets() -> list[str]:
    """The ``.tcss`` file beside each pane's module, for those that have one."""
    return [str(path) for entry in PANES if (path := entry.stylesheet()) is not None]
