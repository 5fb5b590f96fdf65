"""Line history (L), blame (B) and the bisect midpoint (M) in the Commits pane, on real
repositories made by git, compared with git's own answers; the screen read at 80x24."""

from __future__ import annotations

import asyncio
import os
import re
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from consoleapp import screen_text
from gitrepo import GitRepo
from test_commits_pane import Host, Scenario, git_backends, press, settle, visits
from textual.pilot import Pilot
from timebox import bounded

from providers.git.provider import GitCommitsProvider
from providers.records import Commit, Person
from tui.panes.commits import CommitsPane
from tui.render.bisect import estimate_steps, first_parent_chain, next_to_test
from tui.render.difflines import DiffLine, diff_line_at
from tui.render.history import Location

pytestmark = pytest.mark.timeout(120)

HOSTILE = "limit = 1  # \x1b[2J[bold]wipe[/bold]"


@pytest.fixture(scope="module")
def lines_repo(tmp_path_factory: pytest.TempPathFactory) -> GitRepo:
    """config.py's threshold line changed three times, the file renamed on the way."""
    repo = GitRepo(tmp_path_factory.mktemp("lines") / "repo")
    repo.commit("Add config", {"conf.py": "name = 'm'\nthreshold = 0.40\nlimit = 1\n"})
    repo.commit("Raise threshold", {"conf.py": "name = 'm'\nthreshold = 0.50\nlimit = 1\n"})
    repo.git("mv", "conf.py", "config.py")
    repo.commit("Rename config")
    repo.commit("Unrelated", {"README": "hello\n"})
    repo.commit("Tidy scoring config", {"config.py": f"name = 'm'\nthreshold = 0.62\n{HOSTILE}\n"})
    return repo


@pytest.fixture
def provider(lines_repo: GitRepo) -> Iterator[GitCommitsProvider]:
    opened = GitCommitsProvider(lines_repo.path)
    yield opened
    opened.close()


def run80(provider: GitCommitsProvider, scenario: Scenario) -> None:
    async def main() -> None:
        app = Host(git_backends(provider))
        async with app.run_test(size=(80, 24), notifications=True) as pilot:
            await settle(pilot)
            await scenario(pilot, app.query_one(CommitsPane))

    asyncio.run(main())


def git_lines(repo: GitRepo, *args: str) -> list[str]:
    return repo.git(*args).splitlines()


# --- the provider against git --------------------------------------------------------------


def test_blame_names_the_commits_git_blame_names(
    lines_repo: GitRepo, provider: GitCommitsProvider
) -> None:
    blamed = provider.blame("HEAD", "config.py")
    porcelain = git_lines(lines_repo, "blame", "--porcelain", "HEAD", "--", "config.py")
    expected = [line.split()[0] for line in porcelain if re.match(r"[0-9a-f]{40} \d+ \d+", line)]
    assert [b.sha for b in blamed] == expected
    assert [b.line for b in blamed] == [1, 2, 3]
    assert blamed[1].summary == "Tidy scoring config" and blamed[2].text == HOSTILE
    assert blamed[0].original_path == "conf.py" and blamed[0].boundary


def test_line_history_is_git_log_L_following_the_rename(
    lines_repo: GitRepo, provider: GitCommitsProvider
) -> None:
    changes = provider.line_history("HEAD", "config.py", 2)
    expected = git_lines(lines_repo, "log", "-L2,2:config.py", "--format=%H", "--no-patch")
    assert [c.sha for c in changes] == [line for line in expected if line]
    assert [c.subject for c in changes] == ["Tidy scoring config", "Raise threshold", "Add config"]
    assert "-threshold = 0.50" in changes[0].patch and "+threshold = 0.62" in changes[0].patch
    assert "+++ b/conf.py" in changes[1].patch


def test_blame_of_an_unknown_file_says_so(provider: GitCommitsProvider) -> None:
    from providers.errors import NotFound

    with pytest.raises(NotFound, match=r"no-such\.py"):
        provider.blame("HEAD", "no-such.py")


def test_a_repository_ignore_revs_file_does_not_hide_commits(tmp_path: Path) -> None:
    repo = GitRepo(tmp_path / "r")
    repo.commit("one", {"f": "a\n"})
    two = repo.commit("two", {"f": "b\n"})
    (repo.path / "ignore").write_text(two + "\n")
    repo.git("config", "blame.ignoreRevsFile", "ignore")
    opened = GitCommitsProvider(repo.path)
    try:
        assert [b.sha for b in opened.blame("HEAD", "f")] == [two]
    finally:
        opened.close()


@pytest.mark.parametrize("kind", ["missing", "fifo", "device"])
def test_an_ignore_revs_file_git_cannot_read_is_refused_with_the_setting_named(
    tmp_path: Path, kind: str
) -> None:
    """git blame reads the configured file even with --ignore-revs-file=: a pipe would hang
    the worker and a device would never end, so blame is refused and the setting named."""
    from providers.errors import NotFound

    repo = GitRepo(tmp_path / "r")
    repo.commit("one", {"f": "a\n"})
    target = {"missing": "nowhere", "fifo": "pipe", "device": os.devnull}[kind]
    if kind == "fifo":
        os.mkfifo(repo.path / "pipe")
    repo.git("config", "blame.ignoreRevsFile", target)
    opened = GitCommitsProvider(repo.path)
    try:
        with pytest.raises(NotFound, match=r"blame\.ignoreRevsFile"):
            bounded(10, lambda: opened.blame("HEAD", "f"))
    finally:
        opened.close()


# --- the diff line under the view ----------------------------------------------------------


def test_the_line_at_a_hunk_header_is_its_first_changed_line(provider: GitCommitsProvider) -> None:
    commit = provider.get_commit("HEAD")
    text = "".join(f.diff or "" for f in commit.files).split("\n")
    hunk = next(i for i, line in enumerate(text) if line.startswith("@@"))
    new = DiffLine("config.py", 2, False, "threshold = 0.62")
    assert diff_line_at(commit, hunk) == new  # on a hunk header: the hunk's new value
    assert diff_line_at(commit, hunk + 4) == new
    assert diff_line_at(commit, hunk + 1) == DiffLine("config.py", 1, False, "name = 'm'")
    assert diff_line_at(commit, hunk + 2) == DiffLine("config.py", 2, True, "threshold = 0.50")
    assert isinstance(diff_line_at(commit, 999), str)


# --- on screen at 80x24 --------------------------------------------------------------------


def test_L_shows_the_line_history_and_enter_shows_a_commit(
    lines_repo: GitRepo, provider: GitCommitsProvider
) -> None:
    head = lines_repo.head()

    async def scenario(pilot: Pilot[None], pane: CommitsPane) -> None:
        pane.go_to(Location("commits", head))
        await settle(pilot)
        await press(pilot, "v", "right_curly_bracket", "L")
        screen = screen_text(pilot)
        assert "History of config.py:2 at" in screen
        assert "Tidy scoring config" in screen and "-threshold = 0.50" in screen
        await press(pilot, "right_curly_bracket", "right_curly_bracket", "enter")
        assert "History of" not in screen_text(pilot)
        raise_sha = lines_repo.git("rev-parse", "HEAD~3")
        assert pane._shown is not None and pane._shown.sha == raise_sha
        assert "Raise threshold" in screen_text(pilot)
        assert visits(pilot)[-1].key.endswith(raise_sha)

    run80(provider, scenario)


def test_B_blames_the_file_and_enter_jumps_to_the_blamed_commit(
    lines_repo: GitRepo, provider: GitCommitsProvider
) -> None:
    head = lines_repo.head()
    first = lines_repo.git("rev-parse", "HEAD~4")

    async def scenario(pilot: Pilot[None], pane: CommitsPane) -> None:
        pane.go_to(Location("commits", head))
        await settle(pilot)
        await press(pilot, "v", "right_curly_bracket", "B")
        screen = screen_text(pilot)
        assert f"Blame of config.py:2 at {head[:10]}" in screen
        assert f"{first[:8]}" in screen and "threshold = 0.62" in screen
        await press(pilot, "up", "enter")  # line 1: name = 'm', from the first commit
        assert pane._shown is not None and pane._shown.sha == first
        assert "Add config" in screen_text(pilot)
        assert visits(pilot)[-1].key.endswith(first)
        await press(pilot, "backspace")  # back to the commit the blame was asked on
        assert pane._shown.sha == head

    run80(provider, scenario)


def test_blame_of_the_new_side_shows_hostile_text_literally(
    lines_repo: GitRepo, provider: GitCommitsProvider
) -> None:
    head = lines_repo.head()

    async def scenario(pilot: Pilot[None], pane: CommitsPane) -> None:
        pane.go_to(Location("commits", head))
        await settle(pilot)
        await press(pilot, "v", "right_curly_bracket", "j", "j", "j", "j", "B")
        screen = screen_text(pilot)
        assert "Blame of config.py:2 at " + head[:10] in screen
        assert "\\x1b[2J[bold]wipe[/bold]" in screen and "\x1b" not in screen

    run80(provider, scenario)


# --- bisect --------------------------------------------------------------------------------


def _commit(sha: str, *parents: str) -> Commit:
    from datetime import UTC, datetime

    who = Person("A", "a@x")
    at = datetime(2026, 1, 1, tzinfo=UTC)
    return Commit(sha, parents, who, at, who, at, sha)


def git_bisect(repo: Path, bad: str, good: str) -> tuple[str, str]:
    """What ``git bisect start --first-parent bad good`` checks out and prints."""
    done = subprocess.run(
        ["git", "-C", str(repo), "bisect", "start", "--first-parent", bad, good],
        capture_output=True,
        text=True,
        check=True,
    )
    head = subprocess.run(
        ["git", "-C", str(repo), "rev-parse", "HEAD"], capture_output=True, text=True, check=True
    )
    subprocess.run(["git", "-C", str(repo), "bisect", "reset"], capture_output=True, check=True)
    said = next((line for line in done.stdout.splitlines() if "Bisecting" in line), done.stdout)
    return head.stdout.strip(), said


@pytest.fixture(scope="module")
def bisect_repo(tmp_path_factory: pytest.TempPathFactory) -> tuple[GitRepo, list[str]]:
    """40 commits on main with a feature branch merged in the middle."""
    repo = GitRepo(tmp_path_factory.mktemp("bisect") / "repo")
    shas = [repo.commit(f"c{n}", {"n.txt": f"{n}\n"}) for n in range(20)]
    repo.git("checkout", "-q", "-b", "side", shas[10])
    repo.commit("side work", {"s.txt": "s\n"})
    repo.git("checkout", "-q", "main")
    shas.append(repo.merge("side", "Merge side"))
    shas += [repo.commit(f"c{n}", {"n.txt": f"{n}\n"}) for n in range(21, 40)]
    return repo, shas


def test_next_to_test_is_git_bisects_choice_on_every_range(
    bisect_repo: tuple[GitRepo, list[str]], tmp_path: Path
) -> None:
    repo, shas = bisect_repo
    clone = tmp_path / "clone"
    subprocess.run(["git", "clone", "-q", str(repo.path), str(clone)], check=True)
    provider = GitCommitsProvider(clone)
    try:
        for good, bad in [(0, 39), (0, 1), (0, 2), (5, 8), (3, 24), (18, 21), (9, 30), (0, 20)]:
            commits = [c for page in provider.between(shas[good], shas[bad]) for c in page]
            step = next_to_test(first_parent_chain(commits, shas[bad]))
            assert step is not None
            chosen, said = git_bisect(clone, shas[bad], shas[good])
            if "Bisecting" not in said:  # one commit left: git names it the first bad one
                assert step.done and step.commit.sha == shas[bad]
                continue
            assert step.commit.sha == chosen, (good, bad)
            left, steps = map(int, re.findall(r"\d+", said)[:2])
            assert (step.left, step.steps) == (left, steps), (good, bad, said)
    finally:
        provider.close()


def test_estimate_steps_matches_git_for_small_counts() -> None:
    # git's estimate_bisect_steps: 0 below 3, then about log2
    assert [estimate_steps(n) for n in (1, 2, 3, 4, 5, 6, 7, 8, 9, 16, 17, 40)] == [
        0, 0, 1, 1, 1, 2, 2, 2, 2, 3, 3, 4,
    ]  # fmt: skip
    assert first_parent_chain([_commit("b", "a"), _commit("a", "g")], "b")[1].sha == "a"


def test_M_jumps_to_the_midpoint_and_says_the_steps_left(
    bisect_repo: tuple[GitRepo, list[str]], tmp_path: Path
) -> None:
    repo, shas = bisect_repo
    clone = tmp_path / "clone"
    subprocess.run(["git", "clone", "-q", str(repo.path), str(clone)], check=True)
    provider = GitCommitsProvider(clone)
    chosen, said = git_bisect(clone, shas[39], shas[0])
    left, steps = re.findall(r"\d+", said)[:2]

    async def scenario(pilot: Pilot[None], pane: CommitsPane) -> None:
        pane.go_to(Location("commits", shas[0]))
        await settle(pilot)
        await press(pilot, "g")
        pane.go_to(Location("commits", shas[39]))
        await settle(pilot)
        await press(pilot, "b", "M")
        screen = screen_text(pilot)
        assert pane._shown is not None and pane._shown.sha == chosen
        assert f"bisect {chosen[:10]}: {left} left after it, ~{steps} steps" in screen
        assert f"Bisecting: test {chosen[:10]}; {left}" in screen  # git's words, in the toast
        assert f"(roughly {steps} steps)" in screen
        assert visits(pilot)[-1].key.endswith(chosen)
        await press(pilot, "g", "M")  # the midpoint was good: the next one is later
        assert pane._shown.sha != chosen and f"bisect {pane._shown.sha[:10]}:" in screen_text(pilot)

    try:
        run80(provider, scenario)
    finally:
        provider.close()


def test_M_without_marks_says_what_is_missing(provider: GitCommitsProvider) -> None:
    async def scenario(pilot: Pilot[None], pane: CommitsPane) -> None:
        await press(pilot, "M")
        assert "Mark a good (g) and a bad (b)" in screen_text(pilot)

    run80(provider, scenario)
