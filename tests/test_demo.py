"""The demo workspace: realistic, complete and deterministic."""

from __future__ import annotations

import dataclasses
import subprocess
from pathlib import Path

from tui.demo.workspace import DemoCase, generate_demo, load_case


def git(repo: Path, *args: str) -> str:
    return subprocess.run(
        ["git", "-C", str(repo), *args], capture_output=True, text=True, check=True
    ).stdout


def test_demo_has_everything_the_story_needs(demo: tuple[Path, DemoCase]) -> None:
    workspace, case = demo
    assert case.predictions >= 200_000
    repo = workspace / "repo"
    commits = int(git(repo, "rev-list", "--count", "HEAD"))
    assert 90 <= commits <= 150
    assert int(git(repo, "rev-list", "--count", "--merges", "HEAD")) >= 5
    authors = set(git(repo, "log", "--format=%an", "--no-merges").split("\n")) - {""}
    assert 4 <= len(authors) <= 6
    assert git(repo, "log", "-1", "--format=%s", case.suspicious_commit).strip() == (
        "Tidy scoring config"
    )
    assert (workspace / "blobs/modeldata").is_dir()
    assert any((workspace / "blobs").rglob("modelDataCollector"))
    assert len(list((workspace / "docs/azureml/models/mortgage/versions").glob("*.json"))) >= 4
    assert len(list((workspace / "training-data/applications").iterdir())) >= 4


def test_generation_is_deterministic(demo: tuple[Path, DemoCase], tmp_path: Path) -> None:
    again = generate_demo(tmp_path / "again")
    ignore = {"workspace", "seconds"}
    first = {k: v for k, v in dataclasses.asdict(demo[1]).items() if k not in ignore}
    second = {k: v for k, v in dataclasses.asdict(again).items() if k not in ignore}
    assert first == second
    assert load_case(tmp_path / "again") == again
    assert not (tmp_path / "again.partial").exists()


def test_a_damaged_case_file_means_regenerate(tmp_path: Path) -> None:
    (tmp_path / "demo-case.json").write_text("{ not json")
    assert load_case(tmp_path) is None
    assert load_case(tmp_path / "missing") is None
