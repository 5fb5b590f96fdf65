"""The console's panes, in the order of their number keys: adding a pane is one entry here
(plus its module).  The app, the trail breadcrumb, help and the command palette read it."""

from __future__ import annotations

import sys
from pathlib import Path

from tui.panes.base import Pane
from tui.panes.commits import CommitsPane
from tui.panes.deployments import DeploymentsPane
from tui.panes.models import ModelsPane
from tui.panes.predictions import PredictionsPane
from tui.panes.releases import ReleasesPane

PANES: tuple[type[Pane], ...] = (
    PredictionsPane,
    DeploymentsPane,
    ModelsPane,
    ReleasesPane,
    CommitsPane,
)

# the trail's hops (kinds) and the pane that shows each
PANE_OF_HOP = {hop: pane.pane_id for pane in PANES for hop in pane.hops}


def stylesheets() -> list[str]:
    """The ``.tcss`` file beside each pane's module, for those that have one."""
    paths = (
        Path(str(sys.modules[pane.__module__].__file__)).with_suffix(".tcss") for pane in PANES
    )
    return [str(path) for path in paths if path.is_file()]
