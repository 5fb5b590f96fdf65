"""The pane registry: each entry names its class's id and title, and start-up imports only
the first pane's module (the others load when first shown)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from tui.demo.workspace import DemoCase
from tui.panes.registry import PANES, pane_of_hop


def test_each_entry_matches_its_class() -> None:
    for entry in PANES:
        cls = entry.load()
        assert (cls.pane_id, cls.title) == (entry.pane_id, entry.title), entry
    assert pane_of_hop()["commit"] == "commits" and pane_of_hop()["model"] == "models"


START = """
import sys
from pathlib import Path
from providers.config import workspace_profile
from tui.console.launch import build_app
app = build_app(workspace_profile(Path(sys.argv[1]), "demo"))
async def pilot(p):
    await p.pause()
    print(sorted(m for m in sys.modules if m.startswith("tui.panes.")))
    p.app.exit()
app.run(headless=True, auto_pilot=pilot)
"""


def test_start_up_imports_only_the_first_pane(demo: tuple[Path, DemoCase]) -> None:
    workspace, _ = demo
    done = subprocess.run(
        [sys.executable, "-c", START, str(workspace)],
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    loaded = done.stdout.strip().splitlines()[-1]
    assert "tui.panes.predictions" in loaded
    for other in ("commits", "deployments", "models", "releases"):
        assert f"tui.panes.{other}'" not in loaded, loaded
