"""Commits of an Azure DevOps repository, shaped like the git provider's records.

The REST API gives commit headers, their changed paths and file contents, but no text
diff and (in lists) no parents: list entries are completed with one ``get_commit`` each,
and diffs are computed locally from both versions of each file.  Those per-commit and
per-file requests run on small thread pools, in order.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Callable, Iterable, Iterator, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from typing import Any, Protocol, TypeVar
from urllib.parse import urlsplit

from providers.devops.calls import parsed
from providers.devops.gitparse import Change, parse_changes, parse_commit
from providers.devops.linediff import MAX_FILE_BYTES, Content, file_change, unread
from providers.devops.sdk import as_rest_dict, read_limited
from providers.devops.settings import PROVIDER, DevOpsSettings
from providers.errors import Ambiguous, ConfigError, NotFound
from providers.http_bounds import PageGuard
from providers.records import Commit, FileChange

T = TypeVar("T")
U = TypeVar("U")

CHANGES_PAGE = 1000
WORKERS = 8  # concurrent requests per pool (commits; file versions)
_FULL_SHA = re.compile(r"[0-9a-fA-F]{40}")
_SHORT_SHA = re.compile(r"[0-9a-fA-F]{4,39}")


class GitRunner(Protocol):
    """Runs ``call(git_client)`` with retries and typed errors; ``what`` names the object."""

    def __call__(self, what: str, call: Callable[[Any], T]) -> T: ...


class RepositoryCommits:
    """History, single commits, changes and local diffs of the profile's repository."""

    def __init__(self, settings: DevOpsSettings, run: GitRunner) -> None:
        self._settings = settings
        self._run = run
        self._lock = threading.Lock()
        self._pools: dict[str, ThreadPoolExecutor] = {}

    def close(self) -> None:
        """Stop the worker threads (requests in flight finish first)."""
        with self._lock:
            pools, self._pools = list(self._pools.values()), {}
        for pool in pools:
            pool.shutdown(wait=True, cancel_futures=True)

    def _map(self, pool: str, fn: Callable[[T], U], items: Iterable[T]) -> list[U]:
        """``[fn(i) for i in items]`` on the named pool (commit tasks use the file pool)."""
        todo = list(items)
        if len(todo) < 2:
            return [fn(item) for item in todo]
        with self._lock:
            if pool not in self._pools:
                self._pools[pool] = ThreadPoolExecutor(WORKERS, f"modeltrail-ado-{pool}")
            executor = self._pools[pool]
        return list(executor.map(fn, todo))

    # -- REST calls --------------------------------------------------------------------

    @property
    def _repository(self) -> str:
        if self._settings.repository is None:
            raise ConfigError(
                "the azure-devops provider needs 'repository' to read commits",
                hint='add repository = "<repository name>" to the profile table',
                provider=PROVIDER,
            )
        return self._settings.repository

    def _list(self, what: str, **fields: Any) -> list[dict[str, Any]]:
        """``get_commits`` with GitQueryCommitsCriteria ``fields`` (versions as tuples)."""
        from azure.devops.v7_0.git.models import (  # noqa: PLC0415
            GitQueryCommitsCriteria,
            GitVersionDescriptor,
        )

        for key in ("item_version", "compare_version"):
            if isinstance(fields.get(key), tuple):
                version, version_type = fields[key]
                fields[key] = GitVersionDescriptor(version=version, version_type=version_type)
        criteria = GitQueryCommitsCriteria(**fields)
        repo, project = self._repository, self._settings.project
        found = self._run(what, lambda c: c.get_commits(repo, criteria, project=project))
        return [as_rest_dict(ref) for ref in found]

    def _summary(self, sha: str) -> Commit:
        """One commit's header, with its parents and whole message."""
        repo, project = self._repository, self._settings.project
        found = self._run(f"commit {sha}", lambda c: c.get_commit(sha, repo, project=project))
        doc = as_rest_dict(found)
        return parsed(f"commit {sha}", lambda: parse_commit(doc))

    def _changes(self, sha: str) -> list[Change]:
        repo, project = self._repository, self._settings.project
        entries: list[Any] = []

        def fetch(client: Any) -> list[Any]:
            found = client.get_changes(
                sha, repo, project=project, top=CHANGES_PAGE, skip=len(entries)
            )
            changes = found.changes or []
            return [c if isinstance(c, Mapping) else as_rest_dict(c) for c in changes]

        what = f"the changes of commit {sha}"
        guard = PageGuard(what, urlsplit(self._settings.organization_url).netloc, PROVIDER)
        while True:
            page = self._run(what, fetch)
            entries += page
            if len(page) < CHANGES_PAGE:
                break
            guard.next(str(len(entries)))
        return parsed(f"changes of commit {sha}", lambda: parse_changes(entries))

    def _content(self, path: str, sha: str) -> Content:
        """A file's bytes at ``sha``, or TooLarge past MAX_FILE_BYTES (not read further)."""
        from azure.devops.v7_0.git.models import GitVersionDescriptor  # noqa: PLC0415

        repo, project = self._repository, self._settings.project
        version = GitVersionDescriptor(version=sha, version_type="commit")
        return self._run(
            f"{path} at {sha[:10]}",
            lambda c: read_limited(
                c.get_item_content(
                    repo, "/" + path, project=project, version_descriptor=version, download=True
                ),
                MAX_FILE_BYTES,
            ),
        )

    # -- revisions ---------------------------------------------------------------------

    def resolve(self, rev: str) -> str:
        """The full sha ``rev`` names: a sha (full or a unique prefix), a branch or HEAD."""
        if _FULL_SHA.fullmatch(rev):
            return rev.lower()
        unknown = NotFound(
            f"unknown commit {rev!r} in repository {self._settings.repository}",
            hint="give a sha (abbreviated ones are searched on the default branch) "
            "or a branch name",
            provider=PROVIDER,
        )
        if not rev or rev.startswith("-") or any(c in rev for c in "\n\r\0"):
            raise unknown
        if _SHORT_SHA.fullmatch(rev):
            found = self._by_prefix(rev.lower())
            if found:
                return found
        version = None if rev == "HEAD" else (rev.removeprefix("refs/heads/"), "branch")
        try:
            listed = self._list(f"branch {rev!r}", item_version=version, top=1)
        except NotFound:
            raise unknown from None
        if not listed:
            raise unknown
        return str(listed[0]["commitId"])

    def _by_prefix(self, prefix: str) -> str | None:
        """The one commit of the default branch whose sha starts with ``prefix``.

        ``fromCommitId``/``toCommitId`` bound commit ids alphabetically (documented for
        GitQueryCommitsCriteria), so the prefix padded with 0s and fs spans its matches.
        """
        pad = 40 - len(prefix)
        found = self._list(
            f"commits starting {prefix}",
            from_commit_id=prefix + "0" * pad,
            to_commit_id=prefix + "f" * pad,
            top=2,
        )
        if len(found) > 1:
            raise Ambiguous(
                f"{prefix!r} matches several commits in {self._settings.repository}",
                hint="use more characters of the sha",
                provider=PROVIDER,
            )
        return str(found[0]["commitId"]) if found else None

    # -- records -----------------------------------------------------------------------

    def _with_files(self, commit: Commit, *, contents: bool, with_diff: bool) -> Commit:
        """``commit`` with its files against the first parent (counts only if ``contents``)."""
        parent = commit.parents[0] if commit.parents else None
        changes = self._changes(commit.sha)
        if not contents:
            return replace(commit, files=tuple(unread(c) for c in changes))

        def read(change: Change) -> FileChange:
            old = None
            if change.change != "added" and parent is not None:
                old = self._content(change.old_path or change.path, parent)
            new = None if change.change == "deleted" else self._content(change.path, commit.sha)
            return file_change(change, old, new, with_diff=with_diff)

        return replace(commit, files=tuple(self._map("files", read, changes)))

    def get_commit(self, rev: str, *, with_diff: bool = True) -> Commit:
        """One commit with its files against its first parent.

        With ``with_diff`` every text file is diffed locally from both fetched versions
        (with counts); without, files carry their change kind only (no counts).
        """
        commit = self._summary(self.resolve(rev))
        return self._with_files(commit, contents=with_diff, with_diff=with_diff)

    def history(
        self, start: str, *, first_parent: bool = False, page_size: int = 300, stats: bool = False
    ) -> Iterator[list[Commit]]:
        """Commits reachable from ``start``, newest first, in pages of ``page_size``.

        Azure DevOps has no first-parent history of a whole repository, so that walk goes
        one ``get_commit`` per commit.  With ``stats`` each commit's files are fetched and
        counted (every changed file is downloaded twice).  ``start`` is checked first.
        """
        if page_size < 1:
            raise ValueError(f"page_size must be positive, not {page_size}")
        head = self._summary(self.resolve(start))
        if first_parent:
            return self._first_parent(head, page_size, stats)
        return self._listed(page_size, stats, item_version=(head.sha, "commit"))

    def between(self, old: str, new: str, *, page_size: int = 300) -> Iterator[list[Commit]]:
        """Commits reachable from ``new`` but not from ``old``, newest first.

        ``compareVersion`` is where the history walk starts and ``itemVersion`` where it
        stops, as documented for GitQueryCommitsCriteria.
        """
        if page_size < 1:
            raise ValueError(f"page_size must be positive, not {page_size}")
        old_sha = self._summary(self.resolve(old)).sha
        new_sha = self._summary(self.resolve(new)).sha
        versions = {"item_version": (old_sha, "commit"), "compare_version": (new_sha, "commit")}
        return self._listed(page_size, False, **versions)

    def by_path(
        self, path: str, start: str, *, since: str | None, page_size: int, stats: bool
    ) -> Iterator[list[Commit]]:
        """Commits reachable from ``start`` and not from ``since`` that change ``path``
        (a file or folder, ``/``-rooted), newest first: ``itemPath`` in the history mode
        documented as ``git log``'s (``git log start ^since -- path``)."""
        if page_size < 1:
            raise ValueError(f"page_size must be positive, not {page_size}")
        head = self._summary(self.resolve(start)).sha
        criteria: dict[str, Any] = {"item_path": path, "history_mode": "simplifiedHistory"}
        if since is None:
            criteria["item_version"] = (head, "commit")
        else:
            old = self._summary(self.resolve(since)).sha
            criteria |= {"item_version": (old, "commit"), "compare_version": (head, "commit")}
        return self._listed(page_size, stats, **criteria)

    def _complete(self, doc: Mapping[str, Any], stats: bool) -> Commit:
        """A listed commit made whole: lists may lack parents or cut long messages."""
        listed = parsed("commit list", lambda: parse_commit(doc))
        whole = "parents" in doc and not doc.get("commentTruncated")
        commit = listed if whole else self._summary(listed.sha)
        return self._with_files(commit, contents=True, with_diff=False) if stats else commit

    def _listed(self, page_size: int, stats: bool, **criteria: Any) -> Iterator[list[Commit]]:
        skip = 0
        while True:
            docs = self._list("the commit history", skip=skip, top=page_size, **criteria)
            if docs:
                yield self._map("commits", lambda doc: self._complete(doc, stats), docs)
            if len(docs) < page_size:
                return
            skip += len(docs)

    def _first_parent(self, head: Commit, page_size: int, stats: bool) -> Iterator[list[Commit]]:
        """Walk first parents one request each; a page's files are then read together."""
        commit: Commit | None = head
        page: list[Commit] = []
        while commit is not None:
            page.append(commit)
            parent = commit.parents[0] if commit.parents else None
            if len(page) == page_size or parent is None:
                if stats:
                    page = self._map(
                        "commits",
                        lambda c: self._with_files(c, contents=True, with_diff=False),
                        page,
                    )
                yield page
                page = []
            commit = self._summary(parent) if parent else None
