"""Commit messages holding NUL bytes (git writes such objects with hash-object; fsck only
warns): git log prints a message up to its first NUL, so the -z parsers never see one and
cannot mis-split fields or take text after it for another commit; the commit itself shows
its whole message, each NUL kept as a character (shown as ``\\x00``), never cut."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from consoleapp import screen_text, settle
from gitrepo import GitRepo

from providers.config import load_config
from providers.content_query import REGEX, ContentQuery
from providers.git.provider import GitCommitsProvider
from providers.safetext import safe_text
from tui.console.launch import build_app

# After the NUL: a record start, a made-up sha and header fields, as if another commit.
FAKE = "f" * 40
HIDDEN = (
    b"Tidy scoring config\0 and raise threshold to 0.62 on purpose\n\nbody\0\x1e"
    + FAKE.encode()
    + b"\0\0Mallory\0m@x\0"
    + b"2020-01-01T00:00:00+00:00\0" * 3
    + b"forged\n"
)


@pytest.fixture
def repo(tmp_path: Path) -> GitRepo:
    repo = GitRepo(tmp_path / "repo")
    repo.commit("Initial config", {"config.yaml": "threshold: 0.50\n"})
    (repo.path / "config.yaml").write_text("threshold: 0.62\n")
    repo.git("add", "--", "config.yaml")
    repo.commit_raw(HIDDEN)
    repo.commit("After", {"notes.txt": "threshold noted\n"})
    return repo


def test_lists_and_searches_keep_every_commit_and_field_in_place(repo: GitRepo) -> None:
    expected = repo.git("log", "--format=%H %P|%an|%s", "HEAD").splitlines()
    assert (
        len(expected) == 3
        and repo.git("log", "-Gthreshold", "--format=%H", "HEAD").count("\n") == 2
    )  # the search finds all three too
    provider = GitCommitsProvider(repo.path)
    try:
        for pages in (
            provider.history("HEAD"),
            provider.history("HEAD", stats=True),
            provider.search_content(ContentQuery("threshold", mode=REGEX), "HEAD"),
            provider.search_content(ContentQuery("threshold", mode=REGEX), "HEAD", stats=True),
        ):
            commits = [c for page in pages for c in page]
            shown = [
                f"{c.sha} {' '.join(c.parents)}|{c.author.name}|{c.message.splitlines()[0]}"
                for c in commits
            ]
            assert shown == expected
            assert FAKE not in {c.sha for c in commits}
            assert all(c.author.name != "Mallory" for c in commits)
    finally:
        provider.close()


def test_the_commit_shows_its_whole_message_with_the_nul_kept(repo: GitRepo) -> None:
    sha = repo.git("rev-parse", "HEAD~1")
    provider = GitCommitsProvider(repo.path)
    try:
        for with_diff in (True, False):
            commit = provider.get_commit(sha, with_diff=with_diff)
            assert commit.message == HIDDEN.decode()
            assert (commit.sha, commit.author.name) == (sha, "Ada Author")
            assert [f.path for f in commit.files] == ["config.yaml"]
        shown = safe_text(commit.message)
        assert shown.startswith("Tidy scoring config\\x00 and raise threshold to 0.62 on purpose")
        assert "\0" not in shown
    finally:
        provider.close()


def test_the_detail_shows_the_text_after_the_nul(repo: GitRepo, tmp_path: Path) -> None:
    config = tmp_path / "config.toml"
    config.write_text(f'[profiles.t.commits]\nprovider = "git"\npath = "{repo.path}"\n')
    app = build_app(load_config(config).profile("t"))

    async def main() -> None:
        async with app.run_test(size=(80, 24)) as pilot:
            await settle(pilot)
            await pilot.press("5")
            await settle(pilot)
            await pilot.press("down")  # the list: After, Tidy scoring config, Initial config
            await settle(pilot)
            text = screen_text(pilot)
            assert "Tidy scoring config\\x00 and raise threshold to 0.62 on purpose" in text, text

    asyncio.run(main())
