"""The git commits provider: history and commit details from a repository on disk."""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator, Mapping
from dataclasses import replace
from pathlib import Path
from typing import Any, ClassVar, Self

from providers.builtin_settings import check_git
from providers.content_query import ContentQuery
from providers.errors import NotFound, Unauthorized
from providers.git import blame
from providers.git.batch import DiffReader, ObjectReader
from providers.git.command import GitProcess, pickaxe_options, run_git
from providers.git.logparse import (
    LOG_FORMAT,
    HeaderParser,
    LogParser,
    commit_parents,
    nul_message,
    parse_diff_tree,
)
from providers.lines import BlameLine, LineChange, LinesProvider
from providers.protocols import CommitsProvider, Provider, ProviderContext
from providers.records import Commit
from providers.streams import Cancel, Stream

_CHUNK = 1 << 20
MAX_FILE_BYTES = 32 << 20  # file_at reads no larger blob


class GitCommitsProvider(Provider, CommitsProvider, LinesProvider):
    """Commits of a local git repository, read through the ``git`` command line.

    History streams from one ``git log`` process per call; single commits are answered
    by long-lived ``git cat-file --batch`` and ``git diff-tree --stdin`` processes.
    """

    name: ClassVar[str] = "git"
    concerns: ClassVar[frozenset[str]] = frozenset({"commits"})

    def __init__(self, repo: Path) -> None:
        """Open ``repo``; NotFound if it is not a folder inside a git repository."""
        path = repo.expanduser()
        if not path.is_dir():
            raise NotFound(f"no such folder: {path}", provider="git")
        self._repo = path.resolve()
        found = run_git(self._repo, "rev-parse", "--git-dir", "--git-path", "shallow")
        if b"dubious ownership" in found.stderr:
            raise Unauthorized(
                f"{self._repo} is owned by another user, and git refuses to read it",
                hint="if you trust it: git config --global --add safe.directory "
                f"'{self._repo}'; modeltrail runs none of a repository's commands either way",
                provider="git",
            )
        if found.returncode != 0:
            raise NotFound(
                f"{self._repo} is not a git repository",
                hint="point --repo at a folder with a .git",
                provider="git",
            )
        self._shallow = self._repo / os.fsdecode(found.stdout.splitlines()[-1])
        self._objects = ObjectReader(self._repo)
        self._summaries = DiffReader(self._repo, patch=False)
        self._patches = DiffReader(self._repo, patch=True)
        self._streams: set[GitProcess] = set()
        self._streams_lock = threading.Lock()

    @classmethod
    def from_settings(cls, settings: Mapping[str, Any], context: ProviderContext) -> Self:
        """Build from ``settings["path"]``, relative to the profile's folder, ``~`` expanded."""
        check_git(settings)
        return cls(context.base_dir / Path(str(settings["path"])).expanduser())

    def identity(self) -> Mapping[str, str]:
        """The resolved repository path."""
        return {"path": str(self._repo)}

    def close(self) -> None:
        """Stop the batch processes and any history stream still running."""
        for batch in (self._objects, self._summaries, self._patches):
            batch.close()
        with self._streams_lock:
            streams = list(self._streams)
        for stream in streams:
            stream.stop()

    def get_commit(self, sha: str, *, with_diff: bool = True) -> Commit:
        """One commit, its files against its first parent and, if asked, their patches."""
        full, raw = self._objects.commit_object(sha)
        parents = commit_parents(raw)
        if parents and full in self._shallow_commits():
            parents = ()  # as git itself sees it: the parents were not fetched
        reader = self._patches if with_diff else self._summaries
        answer = reader.diff(full, parents[0] if parents else None)
        commit = parse_diff_tree(answer, parents, with_diff=with_diff)
        message = nul_message(raw)  # git cut it at the NUL
        return commit if message is None else replace(commit, message=message)

    def blame(self, rev: str, path: str) -> list[BlameLine]:
        """``git blame`` of ``path`` at ``rev``."""
        return blame.blame(self._repo, rev, path)

    def line_history(self, rev: str, path: str, line: int) -> list[LineChange]:
        """``git log -L line,line:path rev``."""
        return blame.line_history(self._repo, rev, path, line)

    def file_at(self, rev: str, path: str) -> bytes | None:
        """The blob of ``path`` at ``rev`` (BadData over MAX_FILE_BYTES)."""
        return self._objects.blob(rev, path, MAX_FILE_BYTES)

    def _shallow_commits(self) -> set[str]:
        """The commits a shallow clone was cut at (read each time: fetches change it)."""
        try:
            return set(self._shallow.read_text("ascii").split())
        except FileNotFoundError:
            return set()

    def history(
        self, start: str, *, first_parent: bool = False, page_size: int = 300, stats: bool = False
    ) -> Iterator[list[Commit]]:
        """Commits reachable from ``start``, newest first, in pages of ``page_size``.

        With ``stats`` every commit carries its files with numstat counts (merges against
        their first parent).  ``start`` is checked before this returns.
        """
        head, _parents = self._objects.commit(start)
        options = ["--first-parent"] if first_parent else []
        if stats:
            options += ["--raw", "--numstat", "-M", "--diff-merges=first-parent"]
        return self._pages([*options, head], page_size)

    def between(self, old: str, new: str, *, page_size: int = 300) -> Iterator[list[Commit]]:
        """Commits reachable from ``new`` but not from ``old``, newest first."""
        old_sha, _parents = self._objects.commit(old)
        new_sha, _parents = self._objects.commit(new)
        return self._pages([new_sha, f"^{old_sha}"], page_size)

    def _pages(self, revisions: list[str], page_size: int) -> Iterator[list[Commit]]:
        if page_size < 1:
            raise ValueError(f"page_size must be positive, not {page_size}")
        args = ["log", "-z", "--no-color", "--encoding=UTF-8"]
        return self._stream([*args, f"--format={LOG_FORMAT}", *revisions, "--"], page_size)

    def search_content(
        self,
        query: ContentQuery,
        start: str,
        *,
        since: str | None = None,
        page_size: int = 300,
        stats: bool = False,
    ) -> Iterator[list[Commit]]:
        """Commits reachable from ``start`` and not from ``since`` whose diff ``query``
        matches (``git log -S``/``-G`` … ``-- paths``), newest first, in the pages git's
        output arrives in: each commit is yielded as soon as git prints it.

        With ``stats`` every commit carries all its files with numstat counts.  ``start``
        and ``since`` are checked before this returns.
        """
        revisions = [self._objects.commit(start)[0]]
        if since is not None:
            revisions.append("^" + self._objects.commit(since)[0])
        args = ["log", "-z", "--no-color", "--encoding=UTF-8", f"--format={LOG_FORMAT}"]
        if query.text:
            args += pickaxe_options(query.text, mode=query.mode, pickaxe_regex=query.pickaxe_regex)
        if stats:
            args += ["--raw", "--numstat", "--pickaxe-all"]
        parser = LogParser() if stats else HeaderParser()
        return self._stream([*args, *revisions, "--", *query.paths], page_size, parser)

    def _stream(
        self, args: list[str], page_size: int, parser: LogParser | HeaderParser | None = None
    ) -> Stream[list[Commit]]:
        """Pages of ``page_size`` from git's output; with a ``parser`` given, each chunk's
        complete commits are yielded at once (a search's results as git finds them).
        Cancelling the stream kills git at once, even while a read waits on it."""
        return Stream(lambda cancel: self._read(args, page_size, parser, cancel))

    def _read(
        self,
        args: list[str],
        page_size: int,
        parser: LogParser | HeaderParser | None,
        cancel: Cancel,
    ) -> Iterator[list[Commit]]:
        if cancel.is_set:
            return
        eager = parser is not None
        git = GitProcess(self._repo, args)
        with self._streams_lock:
            self._streams.add(git)
        try:
            with cancel.stopping(git.process.kill):
                parser = parser or LogParser()
                page: list[Commit] = []
                while chunk := git.stdout.read1(_CHUNK):
                    parser.feed(chunk)
                    while True:
                        page += parser.take(page_size - len(page))
                        if len(page) < page_size and not (eager and page):
                            break
                        yield page
                        page = []
                if git.process.wait() != 0:
                    if cancel.is_set:  # killed on purpose: the reader wants no more
                        return
                    raise git.failure()
            page += parser.finish()
            for begin in range(0, len(page), page_size):
                yield page[begin : begin + page_size]
        finally:
            with self._streams_lock:
                self._streams.discard(git)
            git.stop()
