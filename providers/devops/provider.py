"""The Azure DevOps provider: releases, builds and their artifacts, and repository history.

Built on the ``azure-devops`` SDK (imported on first use, never at module import).  It
only reads: every call is a GET (and the SDK's discovery OPTIONS request).  Commits are
read by :mod:`providers.devops.commits`.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import replace
from typing import Any, ClassVar, Self, TypeVar
from urllib.parse import quote, urlsplit

from providers.content_query import ContentQuery
from providers.devops.artifacts import read_metadata
from providers.devops.calls import Calls, parsed
from providers.devops.commits import RepositoryCommits
from providers.devops.content_search import CloneSearch, devops_path, set_local_clone_hint
from providers.devops.parse import parse_artifact, parse_build, parse_release
from providers.devops.sdk import (
    area_url,
    as_rest_dict,
    client_class,
    identity_credentials,
    pat_credentials,
    read_all,
    read_limited,
)
from providers.devops.settings import PROVIDER, DevOpsSettings, parse_settings
from providers.devops.timeline import BuildStep, parse_timeline
from providers.errors import BadData, ConfigError, NotFound, Unavailable
from providers.http_bounds import PageGuard
from providers.protocols import CommitsProvider, Provider, ProviderContext, ReleasesProvider
from providers.records import Build, BuildArtifact, Commit, Release, ReleaseTarget
from providers.redaction import secret_from_env

T = TypeVar("T")

RELEASE_SCOPE = "Release (Read)"
BUILD_SCOPE = "Build (Read)"
CODE_SCOPE = "Code (Read)"
LIST_PAGE = 100  # items per list request
MAX_ARTIFACT_BYTES = 64 * 1024 * 1024  # larger artifacts are not downloaded for metadata
_RELEASE_EXPAND = "environments,artifacts,variables"


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
            host=urlsplit(settings.organization_url).netloc,
            secrets=(pat,) if pat else (),
            sleep=sleep,
        )
        self._lock = threading.Lock()
        self._areas: list[Any] | None = None
        self._clients: dict[str, Any] = {}
        self._definitions: dict[str, int] = {}
        self._commits = RepositoryCommits(settings, self._git)
        clone = settings.local_clone
        self._clone = CloneSearch(settings, clone) if clone is not None else None

    @classmethod
    def from_settings(cls, settings: Mapping[str, Any], context: ProviderContext) -> Self:
        """Build from a profile table (see :mod:`providers.devops.settings`).

        The PAT is read from the environment variable ``pat_env`` names, here, once.
        """
        config = parse_settings(settings)
        if config.local_clone is not None:
            config = replace(config, local_clone=context.base_dir / config.local_clone)
        pat = None
        if config.pat_env:
            pat = secret_from_env(config.pat_env)
            if not pat:
                raise ConfigError(
                    f"the environment variable {config.pat_env} (pat_env) is empty or not set",
                    hint=f"export {config.pat_env}=<a PAT with {BUILD_SCOPE}, {RELEASE_SCOPE} "
                    f"and {CODE_SCOPE}>, or remove pat_env to sign in with azure-identity",
                    provider=PROVIDER,
                )
        return cls(config, pat=pat)

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

    def _git(self, what: str, call: Callable[[Any], T]) -> T:
        return self._run(what, CODE_SCOPE, "git", call)

    def _web(self, path: str) -> str:
        return f"{self.settings.organization_url}/{quote(self.settings.project)}/{path}"

    def _paged(
        self, what: str, scope: str, kind: str, top: int, fetch: Callable[[Any, int, Any], Any]
    ) -> list[Any]:
        """Up to ``top`` items of a list, following the X-MS-ContinuationToken header."""
        items: list[Any] = []
        token: Any = None
        guard = PageGuard(what, urlsplit(self.settings.organization_url).netloc, PROVIDER)
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
            guard.next(str(token))
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
        return [self._release(as_rest_dict(r)) for r in found]

    def get_release(self, release_id: int) -> Release:
        """One release with its environments, tasks, variables and target."""
        found = self._run(
            f"release {release_id}",
            RELEASE_SCOPE,
            "release",
            lambda c: c.get_release(self.settings.project, release_id),
        )
        return self._release(as_rest_dict(found))

    def _release(self, doc: Mapping[str, Any]) -> Release:
        what = f"release {doc.get('id', '?')}"
        release = parsed(what, lambda: parse_release(doc, PROVIDER, self.settings.rule))
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
            lambda c: read_all(
                c.get_task_log(self.settings.project, release_id, env_id, phase_id, task_id)
            ),
        )
        return data.decode("utf-8", errors="replace")

    def get_release_logs_zip(self, release_id: int) -> bytes:
        """The zip of all logs of a release, as the web UI's "Download all logs" gives it."""
        return self._run(
            f"the logs of release {release_id}",
            RELEASE_SCOPE,
            "release",
            lambda c: read_all(c.get_logs(self.settings.project, release_id)),
        )

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
        return [self._build(as_rest_dict(b), ()) for b in found]

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
        artifacts = tuple(self._artifact(build_id, as_rest_dict(a)) for a in listed)
        return self._build(as_rest_dict(doc), artifacts)

    def _build(self, doc: Mapping[str, Any], artifacts: tuple[BuildArtifact, ...]) -> Build:
        build = parsed(f"build {doc.get('id', '?')}", lambda: parse_build(doc, PROVIDER, artifacts))
        if build.source.url is None:
            url = self._web(f"_build/results?buildId={build.build_id}")
            build = replace(build, source=replace(build.source, url=url))
        return build

    def _artifact(self, build_id: int, doc: Mapping[str, Any]) -> BuildArtifact:
        """An artifact entry with its metadata file read from its zip, when worth reading.

        Artifacts named in ``metadata_artifacts`` are always read (BadData if over
        MAX_ARTIFACT_BYTES); without that setting every artifact is tried, and big ones
        (a model, say) are skipped without downloading more than the limit.
        """
        name = str(doc.get("name", ""))
        keys = self.settings.metadata_keys
        named = name in self.settings.metadata_artifacts
        size = str(((doc.get("resource") or {}).get("properties") or {}).get("artifactsize"))
        big = size.isdigit() and int(size) > MAX_ARTIFACT_BYTES
        metadata = None
        if name and (named or not (self.settings.metadata_artifacts or big)):
            what = f"artifact {name} of build {build_id}"
            data = self._run(
                what,
                BUILD_SCOPE,
                "build",
                lambda c: read_limited(
                    c.get_artifact_content_zip(self.settings.project, build_id, name),
                    MAX_ARTIFACT_BYTES,
                ),
            )
            if isinstance(data, bytes):
                metadata = read_metadata(data, keys.file, what)
            elif named:
                raise BadData(
                    f"{what} is over {MAX_ARTIFACT_BYTES:,} bytes; not read for {keys.file}",
                    hint="publish the metadata file in a small artifact of its own",
                    provider=PROVIDER,
                )
        return parsed(f"artifact {name}", lambda: parse_artifact(doc, metadata, keys, PROVIDER))

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
        doc = as_rest_dict(found)
        return parsed(f"timeline of build {build_id}", lambda: parse_timeline(doc))

    # -- commits -----------------------------------------------------------------------

    def get_commit(self, sha: str, *, with_diff: bool = True) -> Commit:
        """One commit (a full or unique abbreviated sha, a branch or HEAD) and its files.

        See :meth:`providers.devops.commits.RepositoryCommits.get_commit`.
        """
        return self._commits.get_commit(sha, with_diff=with_diff)

    def history(
        self, start: str, *, first_parent: bool = False, page_size: int = 300, stats: bool = False
    ) -> Iterator[list[Commit]]:
        """Commits reachable from ``start``, newest first, in pages of ``page_size``."""
        return self._commits.history(
            start, first_parent=first_parent, page_size=page_size, stats=stats
        )

    def between(self, old: str, new: str, *, page_size: int = 300) -> Iterator[list[Commit]]:
        """Commits reachable from ``new`` but not from ``old``, newest first."""
        return self._commits.between(old, new, page_size=page_size)

    def search_content(
        self,
        query: ContentQuery,
        start: str,
        *,
        since: str | None = None,
        page_size: int = 300,
        stats: bool = False,
    ) -> Iterator[list[Commit]]:
        """With ``local_clone``, git's search in that clone; else only a search by one path
        (the API's ``itemPath``): a text or regex is Unavailable, saying how to search it."""
        if self._clone is not None:
            return self._clone.search(query, start, since=since, page_size=page_size, stats=stats)
        if query.text:
            raise Unavailable(
                "Azure DevOps cannot search what commits changed (its API has no content search)",
                hint=set_local_clone_hint(self.settings),
                provider=PROVIDER,
            )
        path = devops_path(query.paths, self.settings)
        return self._commits.by_path(path, start, since=since, page_size=page_size, stats=stats)

    def close(self) -> None:
        """Stop the threads that fetch commits and file versions, and the clone's git."""
        self._commits.close()
        if self._clone is not None:
            self._clone.close()
