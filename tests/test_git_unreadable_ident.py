"""A commit whose author and committer lines hold a NUL byte (written with ``git hash-object
--literally``): git cannot read them and prints the ``%aI``/``%cI`` placeholders as they are.
The commit is listed with its sha, parents and subject as git prints them and its dates
flagged unreadable (never made up), and every older commit stays reachable: in the history,
the commit detail, the content search, blame and a line's history, ``walk`` and the console."""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, datetime
from pathlib import Path

import pytest
from consoleapp import screen_text, settle
from gitrepo import GitRepo
from test_cli import run

from providers.config import CaseSettings, load_config
from providers.content_query import REGEX, ContentQuery
from providers.git.provider import GitCommitsProvider
from tui.cases.exports import export_case
from tui.cases.model import Bookmark, Case
from tui.cases.snapshot import snapshot_of
from tui.cases.verify import verify_text
from tui.console.launch import build_app
from tui.render.commitview import header_fields, row_cells

pytestmark = pytest.mark.timeout(120)

HOSTILE_SUBJECT = "Raise threshold to 0.62"


@pytest.fixture
def repo(tmp_path: Path) -> GitRepo:
    """Initial config <- the hostile commit (changes config.yaml) <- After."""
    repo = GitRepo(tmp_path / "repo")
    repo.commit("Initial config", {"config.yaml": "threshold: 0.50\n"})
    (repo.path / "config.yaml").write_text("threshold: 0.62\n")
    repo.git("add", "--", "config.yaml")
    body = (
        f"tree {repo.git('write-tree')}\nparent {repo.head()}\n".encode()
        + b"author Ev\0il <e@x> 1700000000 +0000\n"
        + b"committer C\0D <c@x> 1700000000 +0000\n\n"
        + HOSTILE_SUBJECT.encode()
        + b"\n"
    )
    sha = repo.git("hash-object", "-t", "commit", "-w", "--literally", "--stdin", stdin=body)
    repo.git("update-ref", "HEAD", sha)
    repo.commit("After", {"notes.txt": "noted\n"})
    return repo


def test_every_listing_keeps_the_commit_and_the_older_ones(repo: GitRepo) -> None:
    expected = repo.git("log", "--format=%H %P|%s", "HEAD").splitlines()
    assert len(expected) == 3 and repo.git("log", "--format=%aI", "-1", "HEAD~1") == "%aI"
    searched = repo.git("log", "-Gthreshold", "--format=%H %P|%s", "HEAD").splitlines()
    assert len(searched) == 2  # the hostile commit and the initial one
    query = ContentQuery("threshold", mode=REGEX)
    provider = GitCommitsProvider(repo.path)
    try:
        for pages, wanted in (
            (provider.history("HEAD"), expected),
            (provider.history("HEAD", stats=True), expected),
            (provider.history("HEAD", first_parent=True), expected),
            (provider.search_content(query, "HEAD"), searched),
            (provider.search_content(query, "HEAD", stats=True), searched),
        ):
            commits = [c for page in pages for c in page]
            assert [f"{c.sha} {' '.join(c.parents)}|{c.subject}" for c in commits] == wanted
            hostile = next(c for c in commits if c.subject == HOSTILE_SUBJECT)
            assert (hostile.authored_at, hostile.committed_at) == (None, None)
            assert all(c.authored_at is not None for c in commits if c is not hostile)
    finally:
        provider.close()


def test_the_detail_shows_the_commit_flagged(repo: GitRepo) -> None:
    sha = repo.git("rev-parse", "HEAD~1")
    provider = GitCommitsProvider(repo.path)
    try:
        for with_diff in (True, False):
            commit = provider.get_commit(sha, with_diff=with_diff)
            assert (commit.sha, commit.subject) == (sha, HOSTILE_SUBJECT)
            assert commit.parents == (repo.git("rev-parse", "HEAD~2"),)
            assert (commit.authored_at, commit.committed_at) == (None, None)
            assert [f.path for f in commit.files] == ["config.yaml"]
        fields = dict(header_fields(commit))
        assert fields["Author"] == fields["Commit"] == "(unreadable)"
        assert fields["AuthorDate"] == fields["CommitDate"] == "(unreadable date)"
        assert row_cells(commit)[1] == "(unreadable date)"
    finally:
        provider.close()


def test_blame_and_line_history_flag_the_date(repo: GitRepo) -> None:
    hostile, initial = repo.git("rev-parse", "HEAD~1", "HEAD~2").split()
    provider = GitCommitsProvider(repo.path)
    try:
        [line] = provider.blame("HEAD", "config.yaml")
        assert (line.sha, line.authored_at) == (hostile, None)  # git says author-time 0
        changes = provider.line_history("HEAD", "config.yaml", 1)
        assert [(c.sha, c.subject) for c in changes] == [
            (hostile, HOSTILE_SUBJECT),
            (initial, "Initial config"),
        ]
        assert changes[0].authored_at is None and changes[1].authored_at is not None
    finally:
        provider.close()


def test_walk_text_and_json_list_it_flagged_and_go_on(repo: GitRepo) -> None:
    hostile = repo.git("rev-parse", "HEAD~1")
    done = run("walk", "HEAD", "--repo", str(repo.path), "--json")
    assert done.returncode == 0, done.stderr
    commits = json.loads(done.stdout)
    assert [c["message"] for c in commits] == ["After", f"{HOSTILE_SUBJECT}\n", "Initial config"]
    assert (commits[1]["sha"], commits[1]["authored_at"], commits[1]["committed_at"]) == (
        hostile,
        None,
        None,
    )
    text = run("walk", "HEAD", "--repo", str(repo.path)).stdout
    assert f"{hostile[:10]}  (unreadable date)    {HOSTILE_SUBJECT}" in text, text
    assert "Initial config" in text
    found = run("walk", "HEAD", "--repo", str(repo.path), "-G", "threshold", "--json")
    assert found.returncode == 0, found.stderr
    listed = [(c["sha"], c["authored_at"]) for c in json.loads(found.stdout)]
    assert listed[0] == (hostile, None) and len(listed) == 2


def test_the_console_lists_it_flagged_and_reaches_the_older_commit(
    repo: GitRepo, tmp_path: Path
) -> None:
    config = tmp_path / "config.toml"
    config.write_text(f'[profiles.t.commits]\nprovider = "git"\npath = "{repo.path}"\n')
    app = build_app(load_config(config).profile("t"))
    hostile, initial = repo.git("rev-parse", "HEAD~1", "HEAD~2").split()

    async def main() -> None:
        async with app.run_test(size=(80, 24)) as pilot:
            await settle(pilot)
            await pilot.press("5")
            await settle(pilot)
            text = screen_text(pilot)
            assert f"{hostile[:10]}  (unreadable date)" in text, text
            assert f"{initial[:10]}  2023-11-14 23:14   Ada Author  Initial config" in text, text
            await pilot.press("down")  # the list: After, the hostile commit, Initial config
            await settle(pilot)
            text = screen_text(pilot)
            assert f"commit:     {hostile}" in text, text
            assert " Author:     (unreadable)" in text, text
            assert " AuthorDate: (unreadable date)" in text, text
            assert " CommitDate: (unreadable date)" in text, text
            assert f" Parents:    {initial[:10]}" in text, text
            await pilot.press("p")  # its parent: the older commit
            await settle(pilot)
            text = screen_text(pilot)
            assert f"commit:     {initial}" in text, text
            assert " AuthorDate: 2023-11-14 23:14:20 +0100" in text, text

    asyncio.run(main())


@pytest.mark.parametrize("fmt", ["md", "html"])
def test_an_exported_case_bookmarking_it_flags_the_date_and_verifies(
    repo: GitRepo, fmt: str
) -> None:
    hostile = repo.git("rev-parse", "HEAD~1")
    provider = GitCommitsProvider(repo.path)
    try:
        commit = provider.get_commit(hostile, with_diff=True)
    finally:
        provider.close()
    now = datetime(2026, 8, 28, 9, 30, tzinfo=UTC)
    bookmark = Bookmark("commit", hostile, commit.subject, "why?", now, snapshot_of(commit))
    case = Case.new("unreadable", question="q", now=now).with_bookmark(bookmark)
    text = export_case(case, fmt, CaseSettings(), exporter="test", now=now)
    shown = "Author: (unreadable), (unreadable date)"
    if fmt == "html":
        shown = "<tr><th>Author</th><td>(unreadable), (unreadable date)</td></tr>"
    assert shown in text, text
    assert "-threshold: 0.50" in text and verify_text(text).ok
