"""The Azure DevOps provider: releases, builds and their artifacts, and repository history.

Built on the ``azure-devops`` SDK (imported on first use, never at module import).  It
only reads: every call is a GET (and the SDK's discovery OPTIONS request).  Commits have
no text diff in the REST API, so both versions of each changed file are fetched and
diffed locally (:mod:`providers.devops.linediff`).
"""

from __future__ import annotations

import os
import re
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import replace
from typing import Any, ClassVar, Self, TypeVar
from urllib.parse import quote

from providers.devops.artifacts import read_metadata
from providers.devops.calls import Calls
from providers.devops.gitparse import Change, parse_changes, parse_commit
from providers.devops.linediff import MAX_FILE_BYTES, Content, TooLarge, file_change, unread
from providers.devops.parse import parse_artifact, parse_build, parse_release
from providers.devops.sdk import area_url, client_class, identity_credentials, pat_credentials
from providers.devops.settings import PROVIDER, DevOpsSettings, parse_settings
from providers.devops.timeline import BuildStep, parse_timeline
from providers.errors import BadData, ConfigError, NotFound
from providers.protocols import CommitsProvider, Provider, ProviderContext, ReleasesProvider
from providers.records import Build, BuildArtifact, Commit, Release, ReleaseTarget

T = TypeVar("T")

RELEASE_SCOPE = "Release (Read)"
BUILD_SCOPE = "Build (Read)"
CODE_SCOPE = "Code (Read)"
LIST_PAGE = 100  # items per list request
CHANGES_PAGE = 1000
MAX_ARTIFACT_BYTES = 64 * 1024 * 1024  # larger artifacts are not downloaded for metadata
_FULL_SHA = re.compile(r"[0-9a-fA-F]{40}")
_SHORT_SHA = re.compile(r"[0-9a-fA-F]{4,39}")
_RELEASE_EXPAND = "environments,artifacts,variables"


def _joined(chunks: Iterable[bytes], limit: int | None = None) -> bytes | TooLarge:
    """The streamed bytes, or TooLarge as soon as they exceed ``limit``."""
    parts: list[bytes] = []
    size = 0
    for chunk in chunks:
        parts.append(chunk)
        size += len(chunk)
        if limit is not None and size > limit:
            close = getattr(chunks, "close", None)
            if close is not None:
                close()
            return TooLarge(size)
    return b"".join(parts)


def _as_dict(model: Any) -> dict[str, Any]:
    """An SDK model back in its REST (camelCase) shape, for the pure parsers."""
    doc: dict[str, Any] = model.serialize(keep_readonly=True)
    return doc


class AzureDevOpsProvider(Provider, ReleasesProvider, CommitsProvider):
    """Releases, builds (with artifact metadata) and commits from one Azure DevOps project."""

    name: ClassVar[str] = PROVIDER
    concerns: ClassVar[frozenset[str]] = frozenset({"releases", "commits"})

    def __init__(
        self,
        settings: DevOpsSettings,
        *,
        credentials: Any = None,
        pat: str | None = None,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        """Use ``credentials`` (msrest), else ``pat``, else an azure-identity token."""
        self.settings = settings
        self._credentials = credentials
        self._pat = pat
        self._calls = Calls(
            timeout=settings.timeout,
            retries=settings.retries,
            max_retry_wait=settings.max_retry_wait,
            secrets=(pat,) if pat else (),
            sleep=sleep,
        )
        self._lock = threading.Lock()
        self._areas: list[Any] | None = None
        self._clients: dict[str, Any] = {}
        self._definitions: dict[str, int] = {}

    @classmethod
    def from_settings(cls, settings: Mapping[str, Any], context: ProviderContext) -> Self:
        """Build from a profile table (see :mod:`providers.devops.settings`).

        The PAT is read from the environment variable ``pat_env`` names, here, once.
        """
        parsed = parse_settings(settings)
        pat = None
        if parsed.pat_env:
            pat = os.environ.get(parsed.pat_env, "").strip()
            if not pat:
                raise ConfigError(
                    f"the environment variable {parsed.pat_env} (pat_env) is empty or not set",
                    hint=f"export {parsed.pat_env}=<a PAT with {BUILD_SCOPE}, {RELEASE_SCOPE} "
                    f"and {CODE_SCOPE}>, or remove pat_env to sign in with azure-identity",
                    provider=PROVIDER,
                )
        return cls(parsed, pat=pat)

    def identity(self) -> Mapping[str, str]:
        """Organization, project, repository, definitions and parsing rules (no secret)."""
        return self.settings.identity()

    # -- SDK plumbing ------------------------------------------------------------------

    def _client(self, kind: str) -> Any:
        """The configured SDK client of ``kind`` (release, build, git).

        The first call asks the organization where each resource area lives.
        """
        with self._lock:
            if kind not in self._clients:
                base = self.settings.organization_url
                if self._credentials is None:
                    self._credentials = (
                        pat_credentials(self._pat) if self._pat else identity_credentials()
                    )
                if self._areas is None:
                    locations = self._calls.configure(
                        client_class("location")(base, self._credentials)
                    )
                    self._areas = list(locations.get_resource_areas() or [])
                cls = client_class(kind)
                url = area_url(self._areas, cls, base)
                self._clients[kind] = self._calls.configure(cls(url, self._credentials))
            return self._clients[kind]

    def _run(self, what: str, scope: str, kind: str, call: Callable[[Any], T]) -> T:
        return self._calls.run(what, lambda: call(self._client(kind)), scope=scope)

    def _parsed(self, what: str, parse: Callable[[], T]) -> T:
        try:
            return parse()
        except BadData as exc:
            raise BadData(f"{what}: {exc.message}", provider=PROVIDER) from None
        except (KeyError, TypeError, ValueError, AttributeError) as exc:
            raise BadData(
                f"{what}: unexpected shape ({type(exc).__name__}: {exc})", provider=PROVIDER
            ) from None

    def _web(self, path: str) -> str:
        return f"{self.settings.organization_url}/{quote(self.settings.project)}/{path}"

    def _paged(
        self, what: str, scope: str, kind: str, top: int, fetch: Callable[[Any, int, Any], Any]
    ) -> list[Any]:
        """Up to ``top`` items of a list, following the X-MS-ContinuationToken header."""
        items: list[Any] = []
        token: Any = None
        while len(items) < top:
            size = min(LIST_PAGE, top - len(items))

            def page(client: Any, size: int = size, token: Any = token) -> tuple[Any, Any]:
                found = fetch(client, size, token)
                answer = self._calls.last_answer()
                return found, answer.continuation if answer else None

            found, token = self._run(what, scope, kind, page)
            items += found
            if not found or not token:
                break
        return items[:top]

    def _definition_id(self, kind: str, name: str | None) -> int | None:
        """The id of the release or build definition called ``name`` (looked up once)."""
        if name is None:
            return None
        key = f"{kind}:{name}"
        if key not in self._definitions:
            if kind == "release":
                found = self._run(
                    f"release definition {name!r}",
                    RELEASE_SCOPE,
                    "release",
                    lambda c: c.get_release_definitions(
                        self.settings.project, search_text=name, is_exact_name_match=True
                    ),
                )
            else:
                found = self._run(
                    f"build definition {name!r}",
                    BUILD_SCOPE,
                    "build",
                    lambda c: c.get_definitions(self.settings.project, name=name),
                )
            matching = [d for d in found if str(d.name).lower() == name.lower()]
            if not matching:
                raise NotFound(
                    f"no {kind} definition named {name!r} in project {self.settings.project}",
                    hint=f"check {kind}_definition in the profile",
                    provider=PROVIDER,
                )
            self._definitions[key] = int(matching[0].id)
        return self._definitions[key]

    # -- releases ----------------------------------------------------------------------

    def list_releases(self, top: int = 100) -> list[Release]:
        """The newest releases first (of ``release_definition`` if set), paged by 100.

        With a ``release_log`` rule, releases whose variables name no target have the
        logs of the rule's tasks read: one request per task, so name the task.
        """
        definition = self._definition_id("release", self.settings.release_definition)
        project = self.settings.project
        found = self._paged(
            "the release list",
            RELEASE_SCOPE,
            "release",
            top,
            lambda c, size, token: c.get_releases(
                project,
                definition_id=definition,
                top=size,
                continuation_token=int(token) if token else None,
                expand=_RELEASE_EXPAND,
                query_order="descending",
            ),
        )
        return [self._release(_as_dict(r)) for r in found]

    def get_release(self, release_id: int) -> Release:
        """One release with its environments, tasks, variables and target."""
        found = self._run(
            f"release {release_id}",
            RELEASE_SCOPE,
            "release",
            lambda c: c.get_release(self.settings.project, release_id),
        )
        return self._release(_as_dict(found))

    def _release(self, doc: Mapping[str, Any]) -> Release:
        what = f"release {doc.get('id', '?')}"
        release = self._parsed(what, lambda: parse_release(doc, PROVIDER, self.settings.rule))
        if release.source.url is None:
            url = self._web(f"_releaseProgress?releaseId={release.release_id}")
            release = replace(release, source=replace(release.source, url=url))
        if release.target is None and self.settings.log_rule is not None:
            release = replace(release, target=self._target_from_logs(release))
        return release

    def _target_from_logs(self, release: Release) -> ReleaseTarget | None:
        """The first target the profile's log rule finds in the release's task logs."""
        rule = self.settings.log_rule
        assert rule is not None
        for env in release.environments:
            for task in env.tasks:
                if task.phase_id is None or not rule.wants(task.name):
                    continue
                try:
                    log = self.get_task_log(
                        release.release_id, env.env_id, task.phase_id, task.task_id
                    )
                except NotFound:
                    continue
                target = rule.apply(log, task.name)
                if target is not None:
                    return target
        return None

    def get_task_log(self, release_id: int, env_id: int, phase_id: int, task_id: int) -> str:
        """The log text of one release task."""
        data = self._run(
            f"the log of task {task_id} of release {release_id}",
            RELEASE_SCOPE,
            "release",
            lambda c: _joined(
                c.get_task_log(self.settings.project, release_id, env_id, phase_id, task_id)
            ),
        )
        assert isinstance(data, bytes)
        return data.decode("utf-8", errors="replace")

    def get_release_logs_zip(self, release_id: int) -> bytes:
        """The zip of all logs of a release, as the web UI's "Download all logs" gives it."""
        data = self._run(
            f"the logs of release {release_id}",
            RELEASE_SCOPE,
            "release",
            lambda c: _joined(c.get_logs(self.settings.project, release_id)),
        )
        assert isinstance(data, bytes)
        return data

    # -- builds ------------------------------------------------------------------------

    def list_builds(self, top: int = 100) -> list[Build]:
        """The newest builds first (of ``build_definition`` if set), without artifacts.

        Reading artifacts downloads them, so only :meth:`get_build` does it.
        """
        definition = self._definition_id("build", self.settings.build_definition)
        project = self.settings.project
        found = self._paged(
            "the build list",
            BUILD_SCOPE,
            "build",
            top,
            lambda c, size, token: c.get_builds(
                project,
                definitions=[definition] if definition is not None else None,
                top=size,
                continuation_token=token,
                query_order="queueTimeDescending",
            ),
        )
        return [self._build(_as_dict(b), ()) for b in found]

    def get_build(self, build_id: int) -> Build:
        """One build with each artifact's metadata file read from its downloaded zip."""
        project = self.settings.project
        what = f"build {build_id}"
        doc = self._run(what, BUILD_SCOPE, "build", lambda c: c.get_build(project, build_id))
        listed = self._run(
            f"the artifacts of {what}",
            BUILD_SCOPE,
            "build",
            lambda c: c.get_artifacts(project, build_id),
        )
        artifacts = tuple(self._artifact(build_id, _as_dict(a)) for a in listed)
        return self._build(_as_dict(doc), artifacts)

    def _build(self, doc: Mapping[str, Any], artifacts: tuple[BuildArtifact, ...]) -> Build:
        build = self._parsed(
            f"build {doc.get('id', '?')}", lambda: parse_build(doc, PROVIDER, artifacts)
        )
        if build.source.url is None:
            url = self._web(f"_build/results?buildId={build.build_id}")
            build = replace(build, source=replace(build.source, url=url))
        return build

    def _artifact(self, build_id: int, doc: Mapping[str, Any]) -> BuildArtifact:
        name = str(doc.get("name", ""))
        keys = self.settings.metadata_keys
        wanted = self.settings.metadata_artifacts
        size = ((doc.get("resource") or {}).get("properties") or {}).get("artifactsize")
        metadata = None
        too_big = str(size).isdigit() and int(str(size)) > MAX_ARTIFACT_BYTES
        if (name in wanted if wanted else not too_big) and name:
            what = f"artifact {name} of build {build_id}"
            data = self._run(
                what,
                BUILD_SCOPE,
                "build",
                lambda c: _joined(
                    c.get_artifact_content_zip(self.settings.project, build_id, name),
                    MAX_ARTIFACT_BYTES,
                ),
            )
            if isinstance(data, TooLarge):
                raise BadData(
                    f"{what} is over {MAX_ARTIFACT_BYTES:,} bytes; not read for {keys.file}",
                    hint="list the small metadata artifact in metadata_artifacts",
                    provider=PROVIDER,
                )
            metadata = read_metadata(data, keys.file, what)
        return self._parsed(
            f"artifact {name}", lambda: parse_artifact(doc, metadata, keys, PROVIDER)
        )

    def get_build_timeline(self, build_id: int) -> tuple[BuildStep, ...]:
        """The stages, jobs and tasks of a build in the order they ran."""
        found = self._run(
            f"the timeline of build {build_id}",
            BUILD_SCOPE,
            "build",
            lambda c: c.get_build_timeline(self.settings.project, build_id),
        )
        if found is None:
            return ()
        doc = _as_dict(found)
        return self._parsed(f"timeline of build {build_id}", lambda: parse_timeline(doc))

    # -- commits -----------------------------------------------------------------------

    @property
    def _repository(self) -> str:
        if self.settings.repository is None:
            raise ConfigError(
                "the azure-devops provider needs 'repository' to read commits",
                hint='add repository = "<repository name>" to the profile table',
                provider=PROVIDER,
            )
        return self.settings.repository

    def _git(self, what: str, call: Callable[[Any], T]) -> T:
        return self._run(what, CODE_SCOPE, "git", call)

    def _criteria(self, **fields: Any) -> Any:
        from azure.devops.v7_0.git.models import (  # noqa: PLC0415
            GitQueryCommitsCriteria,
            GitVersionDescriptor,
        )

        for key in ("item_version", "compare_version"):
            if isinstance(fields.get(key), tuple):
                version, version_type = fields[key]
                fields[key] = GitVersionDescriptor(version=version, version_type=version_type)
        return GitQueryCommitsCriteria(**fields)

    def _list_commits(self, what: str, **criteria: Any) -> list[dict[str, Any]]:
        repo, project = self._repository, self.settings.project
        found = self._git(
            what,
            lambda c: c.get_commits(repo, self._criteria(**criteria), project=project),
        )
        return [_as_dict(ref) for ref in found]

    def _resolve(self, rev: str) -> str:
        """The full sha ``rev`` names: a full sha, a branch name or ``HEAD``."""
        if _FULL_SHA.fullmatch(rev):
            return rev.lower()
        unknown = NotFound(
            f"unknown commit {rev!r} in repository {self.settings.repository}",
            hint="Azure DevOps needs a full 40-character sha or a branch name"
            if _SHORT_SHA.fullmatch(rev)
            else "give a full sha or a branch name",
            provider=PROVIDER,
        )
        if not rev or rev.startswith("-") or any(c in rev for c in "\n\r\0"):
            raise unknown
        version = None if rev == "HEAD" else (rev.removeprefix("refs/heads/"), "branch")
        try:
            found = self._list_commits(f"branch {rev!r}", item_version=version, top=1)
        except NotFound:
            raise unknown from None
        if not found:
            raise unknown
        return str(found[0]["commitId"])

    def _commit_doc(self, sha: str) -> dict[str, Any]:
        repo, project = self._repository, self.settings.project
        found = self._git(f"commit {sha}", lambda c: c.get_commit(sha, repo, project=project))
        return _as_dict(found)

    def _summary(self, sha: str) -> Commit:
        return self._parsed(f"commit {sha}", lambda: parse_commit(self._commit_doc(sha)))

    def _changes(self, sha: str) -> list[Change]:
        repo, project = self._repository, self.settings.project
        entries: list[Any] = []

        def fetch(client: Any) -> list[Any]:
            found = client.get_changes(
                sha, repo, project=project, top=CHANGES_PAGE, skip=len(entries)
            )
            return [c if isinstance(c, Mapping) else _as_dict(c) for c in found.changes or []]

        while True:
            page = self._git(f"the changes of commit {sha}", fetch)
            entries += page
            if len(page) < CHANGES_PAGE:
                break
        return self._parsed(f"changes of commit {sha}", lambda: parse_changes(entries))

    def _content(self, path: str, sha: str) -> Content:
        from azure.devops.v7_0.git.models import GitVersionDescriptor  # noqa: PLC0415

        repo, project = self._repository, self.settings.project
        version = GitVersionDescriptor(version=sha, version_type="commit")
        return self._git(
            f"{path} at {sha[:10]}",
            lambda c: _joined(
                c.get_item_content(
                    repo, "/" + path, project=project, version_descriptor=version, download=True
                ),
                MAX_FILE_BYTES,
            ),
        )

    def _with_files(self, commit: Commit, *, contents: bool, with_diff: bool) -> Commit:
        """``commit`` with its files against the first parent (counts only if ``contents``)."""
        parent = commit.parents[0] if commit.parents else None
        files = []
        for change in self._changes(commit.sha):
            if not contents:
                files.append(unread(change))
                continue
            old = None
            if change.change != "added" and parent is not None:
                old = self._content(change.old_path or change.path, parent)
            new = None if change.change == "deleted" else self._content(change.path, commit.sha)
            files.append(file_change(change, old, new, with_diff=with_diff))
        return replace(commit, files=tuple(files))

    def get_commit(self, sha: str, *, with_diff: bool = True) -> Commit:
        """One commit (full sha, branch or HEAD) with its files against its first parent.

        With ``with_diff`` every text file is diffed locally from both fetched versions
        (with counts); without, files carry their change kind only (no counts).
        """
        commit = self._summary(self._resolve(sha))
        return self._with_files(commit, contents=with_diff, with_diff=with_diff)

    def history(
        self, start: str, *, first_parent: bool = False, page_size: int = 300, stats: bool = False
    ) -> Iterator[list[Commit]]:
        """Commits reachable from ``start``, newest first, in pages of ``page_size``.

        Azure DevOps has no first-parent history of a whole repository, so that walk goes
        one ``get_commit`` per commit.  With ``stats`` each commit's files are fetched and
        counted (slow: every changed file is downloaded twice).
        """
        if page_size < 1:
            raise ValueError(f"page_size must be positive, not {page_size}")
        head = self._summary(self._resolve(start))
        if first_parent:
            return self._first_parent(head, page_size, stats)
        version = (head.sha, "commit")
        return self._listed(page_size, stats, item_version=version)

    def between(self, old: str, new: str, *, page_size: int = 300) -> Iterator[list[Commit]]:
        """Commits reachable from ``new`` but not from ``old``, newest first.

        Uses ``searchCriteria.compareVersion`` (where the history walk starts) with
        ``itemVersion`` (where it stops), as documented for GitQueryCommitsCriteria.
        """
        if page_size < 1:
            raise ValueError(f"page_size must be positive, not {page_size}")
        old_sha = self._summary(self._resolve(old)).sha
        new_sha = self._summary(self._resolve(new)).sha
        return self._listed(
            page_size, False, item_version=(old_sha, "commit"), compare_version=(new_sha, "commit")
        )

    def _complete(self, doc: Mapping[str, Any], stats: bool) -> Commit:
        """A listed commit made whole: lists may lack parents or cut long messages."""
        listed = self._parsed("commit list", lambda: parse_commit(doc))
        whole = "parents" in doc and not doc.get("commentTruncated")
        commit = listed if whole else self._summary(listed.sha)
        return self._with_files(commit, contents=True, with_diff=False) if stats else commit

    def _listed(self, page_size: int, stats: bool, **criteria: Any) -> Iterator[list[Commit]]:
        skip = 0
        while True:
            docs = self._list_commits("the commit history", skip=skip, top=page_size, **criteria)
            if docs:
                yield [self._complete(doc, stats) for doc in docs]
            if len(docs) < page_size:
                return
            skip += len(docs)

    def _first_parent(self, head: Commit, page_size: int, stats: bool) -> Iterator[list[Commit]]:
        commit: Commit | None = head
        page: list[Commit] = []
        while commit is not None:
            full = self._with_files(commit, contents=True, with_diff=False) if stats else commit
            page.append(full)
            if len(page) == page_size:
                yield page
                page = []
            commit = self._summary(commit.parents[0]) if commit.parents else None
        if page:
            yield page
