"""The git commits provider against real repositories, and its pure output parsers."""

from __future__ import annotations

from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from pathlib import Path

import pytest
from gitrepo import AUTHOR, COMMITTER, GitRepo

from providers.errors import BadData, ConfigError, NotFound
from providers.git import provider as provider_module
from providers.git.command import GitProcess
from providers.git.logparse import (
    MAX_DIFF_LINES,
    LogParser,
    cap_diff,
    parse_diff_tree,
    split_patch,
)
from providers.git.provider import GitCommitsProvider
from providers.protocols import ProviderContext
from providers.records import Commit

PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x01\x00\x01"


@pytest.fixture
def repo(tmp_path: Path) -> GitRepo:
    return GitRepo(tmp_path / "repo")


@pytest.fixture
def provider(repo: GitRepo) -> Iterator[GitCommitsProvider]:
    opened = GitCommitsProvider(repo.path)
    yield opened
    opened.close()


def shas(pages: Iterator[list[Commit]]) -> list[str]:
    return [commit.sha for page in pages for commit in page]


# --- single commits -------------------------------------------------------------------


def test_root_commit_diffs_against_the_empty_tree(
    repo: GitRepo, provider: GitCommitsProvider
) -> None:
    sha = repo.commit("first\n\nbody text\n", {"a.txt": "one\ntwo\n"})

    commit = provider.get_commit(sha)

    assert commit.sha == sha
    assert commit.parents == ()
    assert commit.subject == "first"
    assert commit.message == "first\n\nbody text\n"
    assert commit.author.name == AUTHOR[0] and commit.author.email == AUTHOR[1]
    assert commit.committer.name == COMMITTER[0]
    assert commit.authored_at.utcoffset() == timedelta(hours=1)
    assert commit.source is not None and commit.source.native_id == sha
    (file,) = commit.files
    assert (file.path, file.change, file.additions, file.deletions) == ("a.txt", "added", 2, 0)
    assert file.diff is not None
    assert "--- /dev/null" in file.diff and file.diff.endswith("+one\n+two\n")


def test_modified_and_deleted_files(repo: GitRepo, provider: GitCommitsProvider) -> None:
    repo.commit("one", {"a.txt": "a\n", "b.txt": "b\n"})
    sha = repo.commit("two", {"a.txt": "a\nmore\n", "b.txt": None})

    files = {f.path: f for f in provider.get_commit(sha).files}

    assert files["a.txt"].change == "modified" and files["a.txt"].additions == 1
    assert files["b.txt"].change == "deleted" and files["b.txt"].deletions == 1
    assert files["b.txt"].diff is not None and "-b" in files["b.txt"].diff


def test_without_diff_files_have_counts_only(repo: GitRepo, provider: GitCommitsProvider) -> None:
    sha = repo.commit("one", {"a.txt": "a\n"})

    (file,) = provider.get_commit(sha, with_diff=False).files

    assert (file.additions, file.diff) == (1, None)


def test_merge_commit_diffs_against_first_parent(
    repo: GitRepo, provider: GitCommitsProvider
) -> None:
    base = repo.commit("base", {"main.txt": "m\n", "side.txt": "s\n"})
    repo.git("checkout", "-q", "-b", "side")
    side = repo.commit("side work", {"side.txt": "s\nside\n"})
    repo.git("checkout", "-q", "main")
    main = repo.commit("main work", {"main.txt": "m\nmain\n"})
    merge = repo.merge("side", "merge side")

    commit = provider.get_commit(merge)

    assert commit.parents == (main, side)
    assert [f.path for f in commit.files] == ["side.txt"]
    assert commit.files[0].diff is not None and "+side" in commit.files[0].diff
    assert base in shas(provider.history(merge))


def test_rename_sets_old_path(repo: GitRepo, provider: GitCommitsProvider) -> None:
    text = "".join(f"line {i}\n" for i in range(20))
    repo.commit("add", {"old name.txt": text})
    repo.git("mv", "old name.txt", "new name.txt")
    sha = repo.commit("rename", {"new name.txt": text + "extra\n"})

    (file,) = provider.get_commit(sha).files

    assert (file.path, file.old_path, file.change) == ("new name.txt", "old name.txt", "renamed")
    assert (file.additions, file.deletions) == (1, 0)
    assert file.diff is not None and "rename from old name.txt" in file.diff


def test_binary_file_has_no_counts_and_no_diff(repo: GitRepo, provider: GitCommitsProvider) -> None:
    sha = repo.commit("image", {"logo.png": PNG, "notes.txt": "hi\n"})

    files = {f.path: f for f in provider.get_commit(sha).files}

    png = files["logo.png"]
    assert (png.binary, png.additions, png.deletions, png.diff) == (True, None, None, None)
    assert files["notes.txt"].diff is not None and not files["notes.txt"].binary


def test_type_change_keeps_both_patch_sections(repo: GitRepo, provider: GitCommitsProvider) -> None:
    repo.commit("file", {"link": "target\n", "z.txt": "z\n"})
    (repo.path / "link").unlink()
    (repo.path / "link").symlink_to("z.txt")
    repo.git("add", "link")
    sha = repo.commit("now a symlink", {"z.txt": "z\nz\n"})

    files = provider.get_commit(sha).files

    assert [(f.path, f.change) for f in files] == [("link", "type-changed"), ("z.txt", "modified")]
    assert files[0].diff is not None and files[0].diff.count("diff --git") == 2
    assert files[1].diff is not None and files[1].diff.startswith("diff --git a/z.txt")


def test_odd_paths_survive(repo: GitRepo, provider: GitCommitsProvider) -> None:
    names = ["tab\tname.txt", "ünïcödé.txt", 'quote"d.txt', "dir/sp ace.txt"]
    sha = repo.commit("odd", dict.fromkeys(names, "x\n"))

    files = provider.get_commit(sha).files

    assert sorted(f.path for f in files) == sorted(names)
    assert all(f.diff is not None and f.additions == 1 for f in files)


def test_hostile_message_is_stored_verbatim(repo: GitRepo, provider: GitCommitsProvider) -> None:
    repo.commit("one", {"a.txt": "a\n"})
    message = b"[bold red]alert[/] \x1b[31mred\x1b[0m bad \xff\xfe bytes\n\nmore\n"
    sha = repo.commit_raw(message)

    commit = provider.get_commit(sha)
    listed = next(provider.history(sha))[0]

    expected = "[bold red]alert[/] \x1b[31mred\x1b[0m bad \ufffd\ufffd bytes\n\nmore\n"
    assert commit.message == expected
    assert listed.message == expected


def test_empty_commit_has_no_files(repo: GitRepo, provider: GitCommitsProvider) -> None:
    repo.commit("one", {"a.txt": "a\n"})
    sha = repo.commit("nothing")

    assert provider.get_commit(sha).files == ()


def test_long_diff_is_truncated(repo: GitRepo, provider: GitCommitsProvider) -> None:
    sha = repo.commit("big", {"big.txt": "".join(f"{i}\n" for i in range(5000))})

    (file,) = provider.get_commit(sha).files

    assert file.additions == 5000
    assert file.diff is not None
    assert file.diff.count("\n") == MAX_DIFF_LINES + 1
    assert file.diff.endswith("… diff truncated (1006 more lines)\n")


def test_abbreviated_sha_and_revisions(repo: GitRepo, provider: GitCommitsProvider) -> None:
    first = repo.commit("one", {"a.txt": "a\n"})
    second = repo.commit("two", {"a.txt": "b\n"})
    repo.git("tag", "v1", first)

    assert provider.get_commit(first[:7]).sha == first
    assert provider.get_commit("HEAD").sha == second
    assert provider.get_commit("HEAD~1").sha == first
    assert provider.get_commit("v1").sha == first


@pytest.mark.parametrize("rev", ["0" * 40, "deadbeef", "no-such-branch", "--all", "HEAD\nHEAD", ""])
def test_unknown_commit_is_not_found(repo: GitRepo, provider: GitCommitsProvider, rev: str) -> None:
    repo.commit("one", {"a.txt": "a\n"})

    with pytest.raises(NotFound, match="unknown commit"):
        provider.get_commit(rev)
    with pytest.raises(NotFound):
        provider.history(rev)
    assert provider.get_commit("HEAD").subject == "one"  # the batch process survived


def test_tree_is_not_a_commit(repo: GitRepo, provider: GitCommitsProvider) -> None:
    repo.commit("one", {"a.txt": "a\n"})

    with pytest.raises(NotFound):
        provider.get_commit("HEAD^{tree}")


def test_sees_commits_made_after_opening(repo: GitRepo, provider: GitCommitsProvider) -> None:
    repo.commit("one", {"a.txt": "a\n"})
    assert provider.get_commit("HEAD").subject == "one"

    sha = repo.commit("two", {"a.txt": "b\n"})

    assert provider.get_commit("HEAD").sha == sha
    assert provider.get_commit(sha[:8]).sha == sha


def test_shallow_clone_boundary_has_no_parents(repo: GitRepo, tmp_path: Path) -> None:
    repo.commit("one", {"a.txt": "a\n"})
    sha = repo.commit("two", {"a.txt": "b\n", "b.txt": "b\n"})
    clone = tmp_path / "shallow"
    repo.git("clone", "-q", "--depth", "1", repo.path.as_uri(), str(clone))
    opened = GitCommitsProvider(clone)

    commit = opened.get_commit(sha)

    assert commit.parents == ()
    assert {f.path: f.change for f in commit.files} == {"a.txt": "added", "b.txt": "added"}
    assert shas(opened.history("HEAD")) == [sha]
    opened.close()


def test_concurrent_lookups(repo: GitRepo, provider: GitCommitsProvider) -> None:
    made = [repo.commit(f"c{i}", {"a.txt": f"{i}\n"}) for i in range(6)]

    with ThreadPoolExecutor(4) as pool:
        got = list(pool.map(lambda sha: provider.get_commit(sha).sha, made * 5))

    assert got == made * 5


# --- opening ---------------------------------------------------------------------------


def test_missing_folder_is_not_found(tmp_path: Path) -> None:
    with pytest.raises(NotFound, match="no such folder"):
        GitCommitsProvider(tmp_path / "nowhere")


def test_plain_folder_is_not_a_repository(tmp_path: Path) -> None:
    with pytest.raises(NotFound, match="is not a git repository") as caught:
        GitCommitsProvider(tmp_path)
    assert "--repo" in caught.value.hint


def test_from_settings_resolves_relative_paths(repo: GitRepo) -> None:
    context = ProviderContext(profile="test", base_dir=repo.path.parent)

    opened = GitCommitsProvider.from_settings({"path": "repo"}, context)

    assert opened.identity() == {"path": str(repo.path.resolve())}
    with pytest.raises(ConfigError):
        GitCommitsProvider.from_settings({}, context)


def test_from_settings_expands_home(repo: GitRepo, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HOME", str(repo.path.parent))
    context = ProviderContext(profile="test", base_dir=Path("/elsewhere"))

    opened = GitCommitsProvider.from_settings({"path": "~/repo"}, context)

    assert opened.identity() == {"path": str(repo.path.resolve())}


# --- history -----------------------------------------------------------------------------


def test_history_pages_newest_first(repo: GitRepo, provider: GitCommitsProvider) -> None:
    made = [repo.commit(f"commit {i}", {"a.txt": f"{i}\n"}) for i in range(25)]

    pages = list(provider.history("HEAD", page_size=10))

    assert [len(page) for page in pages] == [10, 10, 5]
    assert [c.sha for page in pages for c in page] == made[::-1]
    assert all(c.files == () for page in pages for c in page)
    assert pages[0][0].parents == (made[-2],)
    assert pages[-1][-1].parents == ()


def test_history_with_stats(repo: GitRepo, provider: GitCommitsProvider) -> None:
    repo.commit("one", {"a.txt": "a\n", "logo.png": PNG})
    repo.git("mv", "a.txt", "b.txt")
    repo.commit("two", {"c.txt": "c\nc\n"})

    newest, oldest = next(provider.history("HEAD", stats=True))

    assert [(f.path, f.old_path, f.change, f.additions) for f in newest.files] == [
        ("b.txt", "a.txt", "renamed", 0),
        ("c.txt", None, "added", 2),
    ]
    assert {f.path: f.binary for f in oldest.files} == {"a.txt": False, "logo.png": True}
    assert all(f.diff is None for f in newest.files + oldest.files)


def merge_history(repo: GitRepo) -> dict[str, str]:
    made = {"base": repo.commit("base", {"a.txt": "a\n"})}
    repo.git("checkout", "-q", "-b", "side")
    made["side1"] = repo.commit("side 1", {"s.txt": "1\n"})
    made["side2"] = repo.commit("side 2", {"s.txt": "2\n"})
    repo.git("checkout", "-q", "main")
    made["main1"] = repo.commit("main 1", {"a.txt": "b\n"})
    made["merge"] = repo.merge("side", "merge side")
    made["after"] = repo.commit("after", {"a.txt": "c\n"})
    return made


def test_first_parent_skips_merged_branch(repo: GitRepo, provider: GitCommitsProvider) -> None:
    made = merge_history(repo)

    full = set(shas(provider.history("HEAD")))
    first = shas(provider.history("HEAD", first_parent=True))

    assert full == set(made.values())
    assert first == [made[k] for k in ("after", "merge", "main1", "base")]


def test_history_stats_on_merge_use_first_parent(
    repo: GitRepo, provider: GitCommitsProvider
) -> None:
    made = merge_history(repo)

    commits = {c.sha: c for page in provider.history("HEAD", stats=True) for c in page}

    assert [f.path for f in commits[made["merge"]].files] == ["s.txt"]


def test_between_returns_exactly_the_range(repo: GitRepo, provider: GitCommitsProvider) -> None:
    made = merge_history(repo)

    shipped = shas(provider.between(made["main1"], "HEAD"))

    assert set(shipped) == {made[k] for k in ("side1", "side2", "merge", "after")}
    assert shipped[0] == made["after"]
    assert shas(provider.between("HEAD", "HEAD")) == []
    with pytest.raises(NotFound):
        provider.between("nope", "HEAD")


@pytest.fixture
def spawned(monkeypatch: pytest.MonkeyPatch) -> list[GitProcess]:
    """Every history stream the provider starts."""
    started: list[GitProcess] = []

    class Spy(GitProcess):
        def __init__(self, repo: Path, args: list[str], *, interactive: bool = False) -> None:
            super().__init__(repo, args, interactive=interactive)
            started.append(self)

    monkeypatch.setattr(provider_module, "GitProcess", Spy)
    return started


def test_stopping_early_reaps_git(
    repo: GitRepo, provider: GitCommitsProvider, spawned: list[GitProcess]
) -> None:
    for i in range(12):
        repo.commit(f"c{i}", {"a.txt": f"{i}\n"})
    pages = provider.history("HEAD", page_size=5)
    assert len(next(pages)) == 5
    (git,) = spawned

    pages.close()

    assert git.process.returncode is not None  # killed or exited, and reaped
    assert git.process.stdout is not None and git.process.stdout.closed


def test_close_stops_open_streams(
    repo: GitRepo, provider: GitCommitsProvider, spawned: list[GitProcess]
) -> None:
    for i in range(4):
        repo.commit(f"c{i}")
    pages = provider.history("HEAD", page_size=1)
    next(pages)
    provider.get_commit("HEAD")

    provider.close()

    assert spawned[0].process.returncode is not None
    pages.close()
    assert provider.get_commit("HEAD").subject == "c3"  # batch processes restart on demand


# --- pure parsers ---------------------------------------------------------------------------

SHA1 = "1" * 40
SHA2 = "2" * 40
DATE = b"2024-05-01T12:00:00+02:00"


def record(sha: str, parents: str, message: bytes, changes: bytes = b"") -> bytes:
    fields = [sha.encode(), parents.encode(), b"A", b"a@x", DATE, b"C", b"c@x", DATE, message]
    return b"\x1e" + b"\0".join(fields) + b"\0" + changes


RAW_M = b":100644 100644 " + b"a" * 40 + b" " + b"b" * 40 + b" M\0f.txt\0"
RAW_R = b":100644 100644 " + b"a" * 40 + b" " + b"c" * 40 + b" R087\0old\0new\0"
STATS = b"3\t1\tf.txt\0" + b"2\t0\t\0old\0new\0"
LOG = record(SHA1, SHA2, b"two\n", b"\n" + RAW_M + RAW_R + STATS) + record(SHA2, "", b"one\n")


def parse_log(data: bytes) -> list[Commit]:
    parser = LogParser()
    parser.feed(data)
    return parser.finish()


def test_parse_log_structures() -> None:
    commits = parse_log(LOG)

    assert [c.sha for c in commits] == [SHA1, SHA2]
    assert commits[0].parents == (SHA2,) and commits[1].parents == ()
    assert [(f.path, f.old_path, f.change, f.additions, f.deletions) for f in commits[0].files] == [
        ("f.txt", None, "modified", 3, 1),
        ("new", "old", "renamed", 2, 0),
    ]
    assert commits[0].authored_at.utcoffset() == timedelta(hours=2)


def test_log_parser_waits_for_complete_records() -> None:
    parser = LogParser()
    parser.feed(LOG)

    assert [c.sha for c in parser.take(5)] == [SHA1]  # the last one may still get files
    assert [c.sha for c in parser.finish()] == [SHA2]


def test_log_parser_fed_byte_by_byte() -> None:
    parser = LogParser()
    commits = []
    for i in range(len(LOG)):
        parser.feed(LOG[i : i + 1])
        commits += parser.take(100)
    commits += parser.finish()

    assert commits == parse_log(LOG)


def test_log_parser_take_respects_limit() -> None:
    parser = LogParser()
    parser.feed(LOG + record("3" * 40, "", b"three\n"))

    assert [c.sha for c in parser.take(1)] == [SHA1]
    assert [c.sha for c in parser.take(5)] == [SHA2]
    assert parser.take(5) == []
    assert [c.sha for c in parser.finish()] == ["3" * 40]


def test_separators_inside_message_and_paths() -> None:
    data = record(SHA1, "", b"a\x1eb\tc\n", b"\n:000000 100644 " + b"0" * 40 + b" " + b"d" * 40)
    data += b" A\0\x1e9\t9\tx\0" + b"1\t0\t\x1e9\t9\tx\0"

    (commit,) = parse_log(data)

    assert commit.message == "a\x1eb\tc\n"
    assert [(f.path, f.additions) for f in commit.files] == [("\x1e9\t9\tx", 1)]


def test_garbage_is_bad_data() -> None:
    with pytest.raises(BadData):
        parse_log(b"fatal: nonsense\n\0")
    parser = LogParser()
    parser.feed(LOG[:-3])
    assert len(parser.take(5)) == 1
    with pytest.raises(BadData):
        parser.finish()


def test_split_patch() -> None:
    patch = b"diff --git a/x b/x\n+diff --git no\ndiff --git a/y b/y\n-y\n"

    assert split_patch(patch) == [
        b"diff --git a/x b/x\n+diff --git no\n",
        b"diff --git a/y b/y\n-y\n",
    ]
    assert split_patch(b"") == []


def test_cap_diff_by_lines_and_bytes() -> None:
    short = b"diff --git a/x b/x\n+1\n"
    assert cap_diff(short) == short.decode()

    many = b"".join(b"+%d\n" % i for i in range(MAX_DIFF_LINES + 10))
    capped = cap_diff(many)
    assert capped.endswith("+3999\n… diff truncated (10 more lines)\n")

    wide = b"+" + b"x" * 600_000 + b"\n+" + b"y" * 600_000 + b"\n+z\n"
    assert cap_diff(wide).endswith("x\n… diff truncated (2 more lines)\n")


def test_parse_diff_tree_rejects_mismatched_patch() -> None:
    answer = record(SHA1, SHA2, b"m\n", b"\n" + RAW_M + b"3\t1\tf.txt\0")

    commit = parse_diff_tree(answer, (SHA2, "3" * 40), with_diff=False)
    assert commit.parents == (SHA2, "3" * 40)
    with pytest.raises(BadData, match="patch does not match"):
        parse_diff_tree(answer + b"\0", (SHA2,), with_diff=True)
