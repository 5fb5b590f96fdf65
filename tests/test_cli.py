"""The command line, run as a real subprocess through the installed console script."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tui.demo.workspace import DemoCase

BIN = Path(sys.executable).parent / "modeltrail"


def run(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(BIN), *args],
        check=False,
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, **(env or {})},
    )


def test_version() -> None:
    result = run("--version")
    assert result.returncode == 0 and result.stdout.startswith("modeltrail ")


def test_trace_json_resolves_every_hop(demo: tuple[Path, DemoCase]) -> None:
    workspace, case = demo
    result = run("trace", case.request_id, "--workspace", str(workspace), "--json")
    assert result.returncode == 0, result.stderr
    trail = json.loads(result.stdout)
    kinds = [h["kind"] for h in trail["hops"]]
    assert kinds == [
        "prediction",
        "deployment",
        "model",
        "run",
        "release",
        "build",
        "data",
        "commit",
    ]
    assert all(h["status"] == "resolved" and h["reason"] for h in trail["hops"])
    assert trail["hops"][0]["record"]["inputs"]["application_id"] == case.application_id
    assert trail["hops"][-1]["source"]["provider"] == "git"


def test_trace_text_output(demo: tuple[Path, DemoCase]) -> None:
    workspace, case = demo
    result = run("trace", case.request_id, "--workspace", str(workspace))
    assert result.returncode == 0
    assert "✓ deployment mortgage-prod/m4" in result.stdout
    assert "Trail complete." in result.stdout


def test_trace_unknown_id_is_one_line_on_stderr_and_exit_2(demo: tuple[Path, DemoCase]) -> None:
    result = run("trace", "no-such-request", "--workspace", str(demo[0]))
    assert result.returncode == 2
    assert result.stdout == ""
    assert len(result.stderr.strip().splitlines()) == 1
    assert "'no-such-request' is not in the prediction logs" in result.stderr


def test_trace_uses_a_profile_from_the_config(demo: tuple[Path, DemoCase], tmp_path: Path) -> None:
    config = tmp_path / "config.toml"
    config.write_text(f'[profiles.audit]\nworkspace = "{demo[0]}"\n')
    result = run(
        "trace", demo[1].request_id, "--config", str(config), "--profile", "audit", "--json"
    )
    assert result.returncode == 0, result.stderr
    bad = run("trace", demo[1].request_id, "--config", str(config), "--profile", "nope")
    assert bad.returncode == 2 and "unknown profile 'nope'" in bad.stderr


def test_no_profile_tells_a_newcomer_about_the_demo(tmp_path: Path) -> None:
    result = run(
        "trace", "x", env={"XDG_CONFIG_HOME": str(tmp_path), "XDG_DATA_HOME": str(tmp_path)}
    )
    assert result.returncode == 2 and "modeltrail demo" in result.stderr


def test_walk_prints_commit_and_first_parent_ancestors(demo: tuple[Path, DemoCase]) -> None:
    workspace, case = demo
    result = run("walk", case.suspicious_commit, "--workspace", str(workspace), "--steps", "3")
    assert result.returncode == 0, result.stderr
    heads = [line for line in result.stdout.splitlines() if not line.startswith(" ")]
    assert len(heads) == 4
    assert heads[0].startswith(case.suspicious_commit[:10]) and "Tidy scoring config" in heads[0]
    assert "    config/scoring.yaml | +" in result.stdout


def test_walk_json_on_any_repository(tmp_path: Path) -> None:
    repo = tmp_path / "r"
    env = {
        "GIT_AUTHOR_NAME": "A",
        "GIT_AUTHOR_EMAIL": "a@x",
        "GIT_COMMITTER_NAME": "A",
        "GIT_COMMITTER_EMAIL": "a@x",
    }
    subprocess.run(["git", "init", "-q", str(repo)], check=True)
    for n in range(3):
        (repo / "f.txt").write_text(f"{n}\n")
        subprocess.run(["git", "-C", str(repo), "add", "."], check=True)
        subprocess.run(
            ["git", "-C", str(repo), "commit", "-qm", f"[bold red]c{n}\x1b[31m"],
            check=True,
            env={**os.environ, **env},
        )
    result = run("walk", "HEAD", "--repo", str(repo), "--steps", "5", "--json")
    assert result.returncode == 0, result.stderr
    commits = json.loads(result.stdout)
    assert [c["message"].strip() for c in commits] == [f"[bold red]c{n}\x1b[31m" for n in (2, 1, 0)]
    text = run("walk", "HEAD", "--repo", str(repo)).stdout
    assert "\x1b" not in text and "[bold red]c2\\x1b[31m" in text


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["walk", "deadbeef"], "unknown commit"),
        (["walk", "HEAD", "--steps", "-1"], "--steps"),
    ],
)
def test_walk_errors(tmp_path: Path, args: list[str], message: str) -> None:
    repo = tmp_path / "r"
    subprocess.run(["git", "init", "-q", str(repo)], check=True)
    subprocess.run(
        ["git", "-C", str(repo), "commit", "-q", "--allow-empty", "-m", "x"],
        check=True,
        env={
            **os.environ,
            "GIT_AUTHOR_NAME": "A",
            "GIT_AUTHOR_EMAIL": "a@x",
            "GIT_COMMITTER_NAME": "A",
            "GIT_COMMITTER_EMAIL": "a@x",
        },
    )
    result = run(*args, "--repo", str(repo))
    assert result.returncode == 2 and message in result.stderr


def test_walk_on_a_folder_that_is_not_a_repository(tmp_path: Path) -> None:
    result = run("walk", "HEAD", "--repo", str(tmp_path))
    assert result.returncode == 2 and "is not a git repository" in result.stderr


def test_demo_no_tui_prints_the_case(demo: tuple[Path, DemoCase]) -> None:
    workspace, case = demo
    result = run("demo", "--path", str(workspace), "--no-tui")
    assert result.returncode == 0
    assert case.request_id in result.stdout and "Generating" not in result.stderr
