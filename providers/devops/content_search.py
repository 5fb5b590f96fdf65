"""Content search for Azure DevOps commits: its REST API has none, so a search runs with
git in a local clone of the same repository (the ``local_clone`` setting); without one, only
a search by one path is possible, which the API's commit criteria can do (``itemPath``).

The clone is opened at the first search and checked to be a clone of the configured
repository: one of its remotes must name it (organization, project and repository, as
:mod:`providers.devops.remote_url` reads the URLs).  Where the settings name the project or
repository by id, which no URL spells, the commits searched from must be in the clone.
"""

from __future__ import annotations

import os
import re
import threading
from collections.abc import Iterator
from pathlib import Path

from providers.content_query import ContentQuery
from providers.devops.remote_url import (
    is_guid,
    organization_of,
    repository_of,
    without_credentials,
)
from providers.devops.settings import PROVIDER, DevOpsSettings
from providers.errors import ConfigError, NotFound, ProviderError, Unavailable
from providers.git.command import run_git
from providers.git.provider import GitCommitsProvider
from providers.records import Commit

_REMOTE_URL = re.compile(rb"^remote\.(.+)\.url (.*)$")
_PATHSPEC_MAGIC = re.compile(r"[*?\[]|^:")


def set_local_clone_hint(settings: DevOpsSettings) -> str:
    """How to configure a clone for content searches."""
    return (
        f'set local_clone = "<a clone of {settings.repository or "the repository"}>" in the '
        f"{PROVIDER} table to search there with git; without it, s -- PATH lists the commits "
        "that touch one path (the API can filter by path)"
    )


def devops_path(paths: tuple[str, ...], settings: DevOpsSettings) -> str:
    """The one repository path (``/config``) the API filters by, for git pathspecs
    ``paths``; Unavailable for several, and for wildcards and pathspec magic."""
    if len(paths) != 1:
        raise Unavailable(
            f"Azure DevOps filters commits by one path, not {len(paths)}",
            hint=set_local_clone_hint(settings),
            provider=PROVIDER,
        )
    path = paths[0].strip()
    parts = [p for p in path.replace("\\", "/").split("/") if p not in ("", ".")]
    if _PATHSPEC_MAGIC.search(path) or ".." in parts:
        raise Unavailable(
            f"Azure DevOps cannot filter commits by the pattern {path!r}: give a file or folder",
            hint=set_local_clone_hint(settings),
            provider=PROVIDER,
        )
    return "/" + "/".join(parts)


class CloneSearch:
    """The configured clone, opened and checked at the first search."""

    def __init__(self, settings: DevOpsSettings, path: Path) -> None:
        self._settings = settings
        self._path = path
        self._lock = threading.Lock()
        self._clone: GitCommitsProvider | None = None

    def close(self) -> None:
        """Stop the clone's git processes."""
        with self._lock:
            clone, self._clone = self._clone, None
        if clone is not None:
            clone.close()

    def search(
        self,
        query: ContentQuery,
        start: str,
        *,
        since: str | None,
        page_size: int,
        stats: bool,
    ) -> Iterator[list[Commit]]:
        """``git log -S``/``-G`` in the clone; NotFound, with how to fetch, for a commit
        searched from that the clone lacks."""
        clone = self._opened()
        try:
            return clone.search_content(query, start, since=since, page_size=page_size, stats=stats)
        except NotFound as exc:
            raise NotFound(
                f"the local clone {self._path} lacks a commit searched from ({exc.message})",
                hint=f"fetch it: git -C '{self._path}' fetch --all",
                provider=PROVIDER,
            ) from None

    def _opened(self) -> GitCommitsProvider:
        with self._lock:
            if self._clone is None:
                try:
                    clone = GitCommitsProvider(self._path)
                except ProviderError as exc:
                    raise ConfigError(
                        f"local_clone {self._path}: {exc.message}",
                        hint=exc.hint or "set local_clone to a clone of the repository",
                        provider=PROVIDER,
                    ) from None
                try:
                    self._check_remotes(Path(clone.identity()["path"]))
                except BaseException:
                    clone.close()
                    raise
                self._clone = clone
            return self._clone

    def _check_remotes(self, repo: Path) -> None:
        """ConfigError unless a remote names the configured repository (names given as
        ids cannot be compared: then the commits searched from are the check)."""
        settings = self._settings
        project, repository = settings.project, settings.repository or ""
        if is_guid(project) or is_guid(repository):
            return
        found = run_git(repo, "config", "--get-regexp", r"^remote\..*\.url$")
        remotes = [
            (m[1].decode(errors="replace"), os.fsdecode(m[2]))
            for line in found.stdout.splitlines()
            if (m := _REMOTE_URL.match(line))
        ]
        wanted = (organization_of(settings.organization_url), project.lower(), repository.lower())
        if any(repository_of(url) == wanted for _name, url in remotes):
            return
        listed = "; ".join(f"{name} {without_credentials(url)}" for name, url in remotes)
        raise ConfigError(
            f"local_clone {repo} is not a clone of {project}/{repository}: "
            + (f"its remotes are {listed}" if remotes else "it has no remote"),
            hint=f"set local_clone to a clone of {settings.organization_url}/{project}/_git/"
            f"{repository}",
            provider=PROVIDER,
        )
