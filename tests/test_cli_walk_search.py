"""``modeltrail walk REV --repo R -S/-G/--path`` as a subprocess: its commits and their order
are git's own (``git log -S TEXT REV -- P``), in text and JSON, merges as git lists them."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from gitrepo import GitRepo

BIN = Path(sys.executable).parent / "modeltrail"


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(BIN), *args], check=False, capture_output=True, text=True, timeout=120, env=os.environ
    )


@pytest.fixture(scope="module")
def repo(tmp_path_factory: pytest.TempPathFactory) -> GitRepo:
    repo = GitRepo(tmp_path_factory.mktemp("walk") / "repo")
    repo.commit("Initial", {"cfg/a.yaml": "threshold: 0.50\n", "b.txt": "nothing\n"})
    repo.commit("Raise", {"cfg/a.yaml": "threshold: 0.62\n"})
    repo.git("checkout", "-q", "-b", "side")
    repo.commit("Side adds a threshold note", {"notes/n.md": "threshold matters\n"})
    repo.git("checkout", "-q", "main")
    repo.commit("Main doc", {"b.txt": "threshold here too\n"})
    repo.git("merge", "-q", "--no-ff", "--no-commit", "side")
    repo.commit("Merge side, adding a threshold", {"cfg/merge.yaml": "threshold: 1\n"})
    repo.commit("\x1b[31m[bold]Hostile[/bold]", {"b.txt": "no more t-word\n"})
    return repo


CASES = [
    ["-S", "threshold"],
    ["-S", "0.62"],
    ["-G", "threshold: 0\\.[56]"],
    ["-S", "thr.*ld", "--pickaxe-regex"],
    ["-S", "threshold", "--path", "cfg"],
    ["-S", "threshold", "--path", "notes", "--path", "b.txt"],
    ["--path", "cfg/a.yaml"],
]


def _git_args(options: list[str]) -> tuple[list[str], list[str]]:
    """git log's options and pathspecs for walk's options."""
    flags, paths = [], []
    rest = iter(options)
    for option in rest:
        if option == "--path":
            paths.append(next(rest))
        elif option in ("-S", "-G"):
            flags.append(option + next(rest))
        else:
            flags.append(option)
    return flags, paths


@pytest.mark.parametrize("options", CASES)
def test_walk_search_json_equals_git_log(repo: GitRepo, options: list[str]) -> None:
    flags, paths = _git_args(options)
    expected = repo.git("log", "--format=%H", *flags, "HEAD", "--", *paths).split()
    assert expected
    result = run("walk", "HEAD", "--repo", str(repo.path), *options, "--json")
    assert result.returncode == 0, result.stderr
    assert [c["sha"] for c in json.loads(result.stdout)] == expected


def test_walk_search_text_lists_git_s_commits_with_their_files(repo: GitRepo) -> None:
    expected = repo.git("log", "--format=%H", "-Sthreshold", "HEAD").split()
    result = run("walk", "HEAD", "--repo", str(repo.path), "-S", "threshold")
    heads = [line for line in result.stdout.splitlines() if not line.startswith(" ")]
    assert len(heads) == len(expected)
    for head, sha in zip(heads, expected, strict=True):
        assert sha.startswith(head.split()[0])
    assert "\x1b" not in result.stdout
    assert "\\x1b[31m[bold]Hostile[/bold]" in result.stdout
    assert "    b.txt | +1 -1" in result.stdout
    limited = run("walk", "HEAD", "--repo", str(repo.path), "-S", "threshold", "--steps", "2")
    assert len([x for x in limited.stdout.splitlines() if not x.startswith(" ")]) == 2


def test_walk_search_includes_merges_only_as_git_does(repo: GitRepo) -> None:
    """git log -S shows no merge by default; with the same arguments neither does walk."""
    result = run("walk", "HEAD", "--repo", str(repo.path), "-S", "threshold", "--json")
    subjects = [c["message"].splitlines()[0] for c in json.loads(result.stdout)]
    assert "Side adds a threshold note" in subjects
    assert not any(s.startswith("Merge") for s in subjects)


@pytest.mark.parametrize(
    ("options", "message"),
    [
        (["-G", "(unclosed"], "regex"),
        (["-S", "x", "-G", "y"], "not allowed with"),
        (["--pickaxe-regex"], "--pickaxe-regex goes with -S"),
        (["-G", "x", "--pickaxe-regex"], "--pickaxe-regex goes with -S"),
    ],
)
def test_walk_search_errors_are_one_line(repo: GitRepo, options: list[str], message: str) -> None:
    result = run("walk", "HEAD", "--repo", str(repo.path), *options)
    assert result.returncode == 2
    assert message in result.stderr
    assert "Traceback" not in result.stderr
