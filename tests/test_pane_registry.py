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
    print(sorted(sys.modules))
    p.app.exit()
app.run(headless=True, auto_pilot=pilot)
"""


def loaded_at_first_frame(workspace: Path) -> str:
    """The modules a fresh console on ``workspace`` has imported when its first frame is up."""
    done = subprocess.run(
        [sys.executable, "-c", START, str(workspace)],
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    return done.stdout.strip().splitlines()[-1]


def test_start_up_imports_only_the_first_pane(demo: tuple[Path, DemoCase]) -> None:
    loaded = loaded_at_first_frame(demo[0])
    assert "tui.panes.predictions" in loaded
    for other in ("commits", "deployments", "models", "releases"):
        assert f"tui.panes.{other}'" not in loaded, loaded


def test_start_up_leaves_the_trail_and_cases_for_their_first_use(
    demo: tuple[Path, DemoCase],
) -> None:
    """The first frame needs neither the resolver nor the case files (nor what they bring:
    the data folders' diff, the compare): they load when a trail is resolved or a case used;
    nor the TOML reader when no config file is read."""
    loaded = loaded_at_first_frame(demo[0])
    for module in (
        "providers.trail.resolver",
        "tui.cases.model",
        "tui.cases.recorder",
        "tui.cases.case_folder",
        "tui.cases.availability",
        "providers.datafolders.diff",
        "tui.render.compare",
        "tomllib",
    ):
        assert f"'{module}'" not in loaded, module


def test_start_up_leaves_the_providers_for_their_first_use(demo: tuple[Path, DemoCase]) -> None:
    """The profile's settings are checked at start (providers.builtin_settings), but the
    providers the first pane does not ask (git, the documents, the data folders) load when
    first used."""
    loaded = loaded_at_first_frame(demo[0])
    assert "'providers.builtin_settings'" in loaded
    for module in (
        "providers.git.provider",
        "providers.git.batch",
        "providers.local.documents",
        "providers.datafolders.local",
        "providers.azureml.parse",
        "providers.mlflow.parse",
    ):
        assert f"'{module}'" not in loaded, module
