"""Keys remapped from the config file's [keys] table, and the terminal tuning over SSH."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from pathlib import Path

import pytest
from consoleapp import settle
from textual.widgets import ContentSwitcher

from providers.config import load_config, workspace_profile
from tui.console.launch import build_app, tune_for_terminal
from tui.demo.workspace import DemoCase


def test_keys_table_remaps_bindings_by_id(demo: tuple[Path, DemoCase], tmp_path: Path) -> None:
    config_file = tmp_path / "config.toml"
    config_file.write_text('[keys]\n"pane.deployments" = "f2"\n"pane.commits" = "f5"\n')
    keys = load_config(config_file).keys
    day = demo[1].logged_at[:10]
    app = build_app(
        workspace_profile(demo[0], "demo"), keymap=keys, initial_query=f"from:{day} to:{day}"
    )

    async def scenario() -> None:
        async with app.run_test(size=(100, 30)) as pilot:
            await settle(pilot)
            switcher = app.query_one("#panes", ContentSwitcher)
            await pilot.press("f2")
            await settle(pilot)
            assert switcher.current == "deployments"
            await pilot.press("f5")
            await settle(pilot)
            assert switcher.current == "commits"
            await pilot.press("2")  # the old key no longer switches
            await settle(pilot)
            assert switcher.current == "commits"

    asyncio.run(scenario())


def test_over_ssh_frames_are_fewer_and_animations_off(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("TEXTUAL_FPS", raising=False)
    monkeypatch.delenv("TEXTUAL_ANIMATIONS", raising=False)
    tune_for_terminal({"TERM": "xterm"})
    assert "TEXTUAL_FPS" not in os.environ
    tune_for_terminal({"SSH_CONNECTION": "10.0.0.2 52110 10.0.0.9 22"})
    assert os.environ["TEXTUAL_FPS"] == "15" and os.environ["TEXTUAL_ANIMATIONS"] == "none"


def test_every_binding_id_can_be_remapped_before_the_console_starts() -> None:
    """In a fresh process (as the CLI checks [keys] before the console starts, when the
    panes and on-demand screens are not imported yet), ids of every kind are known."""
    ids = ["pane.commits", "commits.copy", "models.compare", "releases.log", "lines.close"]
    ids += ["detail.search", "trailview.close", "case.note_cancel", "predictions.row_cancel"]
    code = (
        "import sys; from tui.console.keymap import check_keymap; "
        f"check_keymap({dict.fromkeys(ids, 'f9')!r}, 'config.toml'); print('ok')"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=False
    )
    assert done.returncode == 0 and done.stdout.strip() == "ok", done.stderr
