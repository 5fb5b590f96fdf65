"""Content search (git log -S / -G … -- paths) through the git provider, against git's own
answer on real repositories: pickaxe and regex, paths, renames, merges, binary files, a
hostile history, ranges, option-looking texts, and streaming before git has finished."""

from __future__ import annotations

import contextlib
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from gitrepo import GitRepo
from timebox import bounded

from providers.content_query import REGEX, ContentQuery, setting_regex, word_regex
from providers.errors import BadQuery, NotFound, Unavailable
from providers.git.command import pickaxe_options
from providers.git.provider import GitCommitsProvider
from providers.records import Commit

PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x01"


@pytest.fixture
def repo(tmp_path: Path) -> GitRepo:
    """A history with a pickaxe target moved between files, renamed, merged and binary."""
    repo = GitRepo(tmp_path / "repo")
    repo.commit("Initial config", {"config/scoring.yaml": "threshold: 0.50\nband: 0.03\n"})
    repo.commit("Unrelated docs", {"README.md": "Scoring service.\n"})
    repo.commit("Raise it quietly", {"config/scoring.yaml": "band: 0.03\nthreshold: 0.62\n"})
    repo.git("mv", "--", "config/scoring.yaml", "config/decision.yaml")
    repo.commit("Rename the config")
    repo.git("checkout", "-q", "-b", "side")
    repo.commit("Side: mention threshold in notes", {"notes.txt": "the threshold is 0.62\n"})
    repo.git("checkout", "-q", "main")
    repo.commit("Main: binary snapshot", {"model.bin": PNG + b"threshold\x00\xff"})
    repo.git("merge", "-q", "--no-ff", "--no-commit", "side")
    repo.commit("Merge branch 'side' (evil: adds a threshold)", {"evil.txt": "threshold 9\n"})
    repo.commit("Drop the binary", {"model.bin": None})
    return repo


@pytest.fixture
def provider(repo: GitRepo) -> Iterator[GitCommitsProvider]:
    opened = GitCommitsProvider(repo.path)
    yield opened
    opened.close()


@contextlib.contextmanager
def _opened(path: Path) -> Iterator[GitCommitsProvider]:
    provider = GitCommitsProvider(path)
    try:
        yield provider
    finally:
        provider.close()


def found(pages: Iterator[list[Commit]]) -> list[str]:
    return [commit.sha for page in pages for commit in page]


def git_says(repo: GitRepo, *args: str) -> list[str]:
    return repo.git("log", "--format=%H", *args).split()


@pytest.mark.parametrize(
    ("query", "git_args"),
    [
        (ContentQuery("threshold"), ["-Sthreshold"]),
        (ContentQuery("0.62"), ["-S0.62"]),
        (ContentQuery("thresh[a-z]+: 0\\.6", mode=REGEX), ["-Gthresh[a-z]+: 0\\.6"]),
        (ContentQuery("th.*d", pickaxe_regex=True), ["-Sth.*d", "--pickaxe-regex"]),
        (ContentQuery("threshold", paths=("config",)), ["-Sthreshold"]),
        (ContentQuery("threshold", paths=("notes.txt", "model.bin")), ["-Sthreshold"]),
        (ContentQuery(paths=("config/decision.yaml",)), []),
    ],
)
def test_search_equals_git_log(
    repo: GitRepo, provider: GitCommitsProvider, query: ContentQuery, git_args: list[str]
) -> None:
    expected = git_says(repo, *git_args, "HEAD", "--", *query.paths)
    assert expected, "the case must find something to compare"
    assert found(provider.search_content(query, "HEAD")) == expected


def test_pickaxe_finds_branch_and_binary_changes_but_not_the_merge_or_the_rename(
    repo: GitRepo, provider: GitCommitsProvider
) -> None:
    subjects = [
        c.subject
        for page in provider.search_content(ContentQuery("threshold"), "HEAD")
        for c in page
    ]
    assert subjects == [
        "Drop the binary",
        "Main: binary snapshot",
        "Side: mention threshold in notes",
        "Initial config",
    ]


def test_regex_skips_binary_files_as_git_does(repo: GitRepo, provider: GitCommitsProvider) -> None:
    query = ContentQuery("threshold", mode=REGEX)
    subjects = [c.subject for page in provider.search_content(query, "HEAD") for c in page]
    assert "Main: binary snapshot" not in subjects
    assert found(provider.search_content(query, "HEAD")) == git_says(repo, "-Gthreshold")


def test_a_setting_regex_finds_the_value_change_that_pickaxe_on_the_key_misses(
    repo: GitRepo, provider: GitCommitsProvider
) -> None:
    """The raise keeps the count of 'threshold' (-S misses it); -G on the setting does not."""
    raised = next(c for c in repo.git("log", "--format=%H %s").splitlines() if "quietly" in c)
    raised = raised[:40]
    assert raised not in found(provider.search_content(ContentQuery("threshold"), "HEAD"))
    setting = ContentQuery(setting_regex("threshold"), mode=REGEX)
    hits = found(provider.search_content(setting, "HEAD"))
    assert raised in hits
    assert hits == git_says(repo, f"-G{setting_regex('threshold')}")
    notes = ContentQuery(word_regex("threshold"), mode=REGEX, paths=("notes.txt",))
    assert len(found(provider.search_content(notes, "HEAD"))) == 1


def test_range_excludes_what_since_reaches(repo: GitRepo, provider: GitCommitsProvider) -> None:
    old = repo.git("rev-parse", "HEAD~4")
    query = ContentQuery("threshold")
    assert found(provider.search_content(query, "HEAD", since=old)) == git_says(
        repo, "-Sthreshold", f"{old}..HEAD"
    )


def test_stats_carry_every_file_of_the_commit(repo: GitRepo, provider: GitCommitsProvider) -> None:
    query = ContentQuery("threshold", paths=("config",))
    (first,) = next(provider.search_content(query, "HEAD", stats=True, page_size=1))
    assert first.subject == "Initial config"
    assert [f.path for f in first.files] == ["config/scoring.yaml"]
    assert (first.files[0].additions, first.files[0].deletions) == (2, 0)


def test_hostile_history_is_returned_literally(tmp_path: Path) -> None:
    repo = GitRepo(tmp_path / "hostile")
    repo.commit("base", {"a.txt": "x\n"})
    (repo.path / "a.txt").write_bytes(b"[bold red]needle[/] \x1b[31m\xff\xfe\n")
    repo.git("add", "--", "a.txt")
    sha = repo.commit_raw(b"[link=http://x]needle[/link] \x1b]52;c;aGk=\x07 caf\xe9\n")
    with _opened(repo.path) as provider:
        pages = provider.search_content(ContentQuery("needle"), "HEAD")
        (commit,) = [c for page in pages for c in page]
        assert commit.sha == sha
        assert commit.message.startswith("[link=http://x]needle[/link] \x1b]52;c;aGk=\x07 caf")
        assert "\ufffd" in commit.message  # the Latin-1 byte, replaced, not dropped silently


def test_option_like_text_and_paths_are_searched_literally(tmp_path: Path) -> None:
    repo = GitRepo(tmp_path / "opts")
    repo.commit("add", {"-x.txt": "--output=/tmp/pwned\n"})
    target = tmp_path / "written"
    with _opened(repo.path) as provider:
        query = ContentQuery(f"--output={target}", paths=("-x.txt",))
        assert found(provider.search_content(query, "HEAD")) == []
        query = ContentQuery("--output=/tmp/pwned", paths=("-x.txt",))
        assert len(found(provider.search_content(query, "HEAD"))) == 1
        with pytest.raises(NotFound):
            provider.search_content(ContentQuery("x"), f"--output={target}")
    assert not target.exists()
    assert pickaxe_options("--all", mode="S") == ["-S--all"]


def test_bad_queries_and_bad_regexes_are_said(repo: GitRepo, provider: GitCommitsProvider) -> None:
    for bad in ({}, {"text": "a\0b"}, {"text": "x", "mode": "G", "pickaxe_regex": True}):
        with pytest.raises(BadQuery):
            ContentQuery(**bad)  # type: ignore[arg-type]
    with pytest.raises(Unavailable, match="regex"):
        found(provider.search_content(ContentQuery("(unclosed", mode=REGEX), "HEAD"))


def test_first_results_arrive_while_git_is_still_searching(tmp_path: Path) -> None:
    """2,000 matching commits print more than a pipe holds: git cannot have finished
    when the first page is yielded, and that page holds what the first chunk held."""
    path = tmp_path / "many"
    GitRepo(path)
    lines = []
    for n in range(2000):
        body = f"needle {n}\n".encode()
        lines.append(
            b"commit refs/heads/main\ncommitter A <a@x> %d +0000\ndata 2\nc\n" % (1_700_000_000 + n)
            + b"M 100644 inline f.txt\ndata %d\n%s\n" % (len(body), body)
        )
    subprocess.run(
        ["git", "-C", str(path), "fast-import", "--quiet"], input=b"".join(lines), check=True
    )
    with _opened(path) as provider:
        pages = provider.search_content(ContentQuery("needle", mode=REGEX), "main")
        first = bounded(20, lambda: next(pages))
        running = [s.process.poll() is None for s in provider._streams]
        assert 0 < len(first) < 2000
        assert running == [True]
        rest = bounded(60, lambda: [c for page in pages for c in page])
        assert len(first) + len(rest) == 2000
