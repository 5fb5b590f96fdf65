"""Shared fixtures: a demo workspace generated once per session, and isolation from the
developer's own config, data and cache directories."""

from __future__ import annotations

from pathlib import Path

import pytest

from tui.demo.workspace import DemoCase, ensure_demo

pytest_plugins = ["spark_server"]  # the session's Spark Connect server (spark_connect)


@pytest.fixture(autouse=True)
def _isolated_dirs(
    tmp_path_factory: pytest.TempPathFactory, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Keep the user's real config/data/cache out of every test; each test starts with an
    empty cache, so no test sees answers another one cached."""
    home = tmp_path_factory.getbasetemp() / "home"
    monkeypatch.setenv("XDG_CONFIG_HOME", str(home / "config"))
    monkeypatch.setenv("XDG_DATA_HOME", str(home / "data"))
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg-cache"))


@pytest.fixture(scope="session")
def demo(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, DemoCase]:
    """The demo workspace (generated once per test session) and its case."""
    path = tmp_path_factory.mktemp("demo") / "workspace"
    case, _ = ensure_demo(path)
    return path, case
