"""The command line, run as a real subprocess through the installed console script."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from cache.settings import cache_settings
from providers.backends import open_backends
from providers.config import workspace_profile
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


# -- the query bar's language on the command line ---------------------------------------


def test_search_streams_the_matching_predictions(demo: tuple[Path, DemoCase]) -> None:
    workspace, case = demo
    day = case.logged_at[:10]
    query = f"from:{day} 14:00 to:{day} 15:00 decision=rejected"
    result = run("search", query, "--workspace", str(workspace), "--limit", "3")
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert len(lines) == 3 and all("decision=rejected" in line for line in lines)
    assert lines[0].startswith(f"{day} 14:")
    assert "3 predictions for from" in result.stderr
    as_json = run("search", query, "--workspace", str(workspace), "--limit", "2", "--json")
    rows = json.loads(as_json.stdout)
    assert [r["outputs"]["decision"] for r in rows] == ["rejected", "rejected"]


def test_search_reports_a_bad_query_and_exits_2(demo: tuple[Path, DemoCase]) -> None:
    result = run("search", "from:yesterday", "--workspace", str(demo[0]))
    assert result.returncode == 2 and result.stdout == ""
    assert "not a date or time: 'yesterday'" in result.stderr


def test_search_names_a_misspelled_field_without_scanning(demo: tuple[Path, DemoCase]) -> None:
    result = run("search", "decison=rejected", "--workspace", str(demo[0]))
    assert result.returncode == 2 and result.stdout == ""
    assert "unknown field 'decison' (did you mean decision?" in result.stderr
    assert "application_id" in result.stderr


def test_trace_by_a_business_key(demo: tuple[Path, DemoCase]) -> None:
    workspace, case = demo
    day = case.logged_at[:10]
    query = f"from:{day} to:{day} application_id={case.application_id}"
    result = run("trace", query, "--workspace", str(workspace), "--json")
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["hops"][0]["label"] == case.request_id


def test_trace_query_matching_several_lists_them_and_exits_2(
    demo: tuple[Path, DemoCase],
) -> None:
    workspace, case = demo
    day = case.logged_at[:10]
    result = run("trace", f"from:{day} 14:00 to:{day} 14:10", "--workspace", str(workspace))
    assert result.returncode == 2 and result.stdout == ""
    listed = [line for line in result.stderr.splitlines() if f". {day} 14:0" in line]
    assert len(listed) > 1 and listed[1].lstrip().startswith("2. ")  # numbered for --row
    assert "matches" in result.stderr and "narrow the query" in result.stderr


def test_trace_query_matching_none_says_what_was_searched(demo: tuple[Path, DemoCase]) -> None:
    workspace, case = demo
    day = case.logged_at[:10]
    query = f"from:{day} 14:00 to:{day} 14:10 application_id=APP-NOPE"
    result = run("trace", query, "--workspace", str(workspace))
    assert result.returncode == 2
    assert f"no prediction matches {query!r}" in result.stderr
    assert "log file(s) for from" in result.stderr
    assert "application_id = 'APP-NOPE'" in result.stderr


def test_unknown_id_says_what_the_index_answered(demo: tuple[Path, DemoCase]) -> None:
    directory = cache_settings(None, None).directory
    backends = open_backends(workspace_profile(demo[0]), {"cache_dir": str(directory)})
    backends.predictions.find("no-such-request")  # type: ignore[union-attr]
    backends.predictions.indexer.wait()  # type: ignore[union-attr]
    backends.close()
    result = run("trace", "no-such-request", "--workspace", str(demo[0]))
    assert result.returncode == 2
    assert "log file(s)" not in result.stderr
    searched = r"\(searched the id index of \d+ closed day\(s\) in [^;]+/blobs;"
    assert re.search(searched, result.stderr)
    assert "search by its field: FIELD=VALUE" in result.stderr


@pytest.mark.parametrize(
    ("table", "named"),
    [
        ('provider = "gitt"\npath = "repo"', "[commits]: unknown provider 'gitt'"),
        (
            'provider = "git"\npath = "repo"\ncolour = "red"',
            "[commits]: unknown setting(s) for git: colour",
        ),
    ],
)
def test_a_provider_table_mistake_is_a_config_error(
    demo: tuple[Path, DemoCase], tmp_path: Path, table: str, named: str
) -> None:
    config = tmp_path / "config.toml"
    config.write_text(
        f'[profiles.audit]\nworkspace = "{demo[0]}"\n[profiles.audit.commits]\n{table}\n'
    )
    result = run("trace", demo[1].request_id, "--config", str(config), "--profile", "audit")
    assert result.returncode == 2 and result.stdout == ""
    assert f"{config}: profile 'audit' {named}" in result.stderr
