"""Providers behind the cache: one proxy class per concern, combined per provider.

A proxy implements the concern's interface by asking :class:`~cache.layer.ProviderCache`
with the right kind, settledness rule and record type; anything else (attributes a
pane may read) is passed through to the provider unchanged.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from functools import cache
from typing import Any, Self

from cache.layer import ProviderCache
from cache.policy import (
    build_settled,
    is_full_sha,
    page_closed,
    query_closed,
    release_settled,
    run_settled,
)
from providers.backends import Backends
from providers.protocols import (
    CONCERNS,
    CommitsProvider,
    DeploymentsProvider,
    ModelsProvider,
    PredictionPage,
    PredictionsProvider,
    Provider,
    ProviderContext,
    ReleasesProvider,
)
from providers.query import PredictionQuery
from providers.records import (
    Build,
    Commit,
    Deployment,
    Endpoint,
    ModelVersion,
    Release,
    TrainingRun,
)


def _always(_answer: object) -> bool:
    return True


def _never(_answer: object) -> bool:
    return False


class CachedProvider(Provider):
    """A provider seen through the cache."""

    def __init__(self, inner: Provider, cache: ProviderCache) -> None:
        self.inner = inner
        self.cache = cache

    @classmethod
    def from_settings(cls, settings: Mapping[str, Any], context: ProviderContext) -> Self:
        """Proxies wrap a provider; they are never built from settings."""
        raise TypeError("wrap a provider with cached_backends() instead")

    def identity(self) -> Mapping[str, str]:
        """The wrapped provider's identity."""
        return self.inner.identity()

    def close(self) -> None:
        """Close the wrapped provider."""
        self.inner.close()

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)


class CachedPredictions(CachedProvider, PredictionsProvider):
    """Predictions: closed days are cached for good, today's answers for the TTL."""

    def find(self, request_id: str) -> PredictionPage:
        inner: PredictionsProvider = self.inner  # type: ignore[assignment]
        return self.cache.fetch(
            self.inner,
            lambda: inner.find(request_id),
            kind="prediction",
            method="find",
            args=(request_id,),
            result=PredictionPage,
            settled=page_closed,
            what=f"request {request_id}",
        )

    def search(self, query: PredictionQuery) -> Iterator[PredictionPage]:
        inner: PredictionsProvider = self.inner  # type: ignore[assignment]
        return self.cache.pages(
            self.inner,
            lambda: inner.search(query),
            kind="search",
            method="search",
            args=(query,),
            result=PredictionPage,
            settled=query_closed(query),
            what="the prediction search",
            max_pages=5,
        )


class CachedDeployments(CachedProvider, DeploymentsProvider):
    """Endpoints and deployments change (traffic, image): cached for the TTL only."""

    def list_endpoints(self) -> list[Endpoint]:
        inner: DeploymentsProvider = self.inner  # type: ignore[assignment]
        return self.cache.fetch(
            self.inner,
            inner.list_endpoints,
            kind="endpoints",
            method="list_endpoints",
            args=(),
            result=list[Endpoint],
            settled=_never,
            what="the endpoint list",
        )

    def list_deployments(self, endpoint: str) -> list[Deployment]:
        inner: DeploymentsProvider = self.inner  # type: ignore[assignment]
        return self.cache.fetch(
            self.inner,
            lambda: inner.list_deployments(endpoint),
            kind="deployments",
            method="list_deployments",
            args=(endpoint,),
            result=list[Deployment],
            settled=_never,
            what=f"the deployments of {endpoint}",
        )

    def get_deployment(self, endpoint: str, name: str) -> Deployment:
        inner: DeploymentsProvider = self.inner  # type: ignore[assignment]
        return self.cache.fetch(
            self.inner,
            lambda: inner.get_deployment(endpoint, name),
            kind="deployment",
            method="get_deployment",
            args=(endpoint, name),
            result=Deployment,
            settled=_never,
            what=f"deployment {endpoint}/{name}",
        )


class CachedModels(CachedProvider, ModelsProvider):
    """Model versions are immutable; a run is once it has ended; listings use the TTL."""

    def list_models(self) -> list[str]:
        inner: ModelsProvider = self.inner  # type: ignore[assignment]
        return self.cache.fetch(
            self.inner,
            inner.list_models,
            kind="models",
            method="list_models",
            args=(),
            result=list[str],
            settled=_never,
            what="the model list",
        )

    def list_versions(self, name: str) -> list[ModelVersion]:
        inner: ModelsProvider = self.inner  # type: ignore[assignment]
        return self.cache.fetch(
            self.inner,
            lambda: inner.list_versions(name),
            kind="model-versions",
            method="list_versions",
            args=(name,),
            result=list[ModelVersion],
            settled=_never,
            what=f"the versions of model {name}",
        )

    def get_version(self, name: str, version: str) -> ModelVersion:
        inner: ModelsProvider = self.inner  # type: ignore[assignment]
        return self.cache.fetch(
            self.inner,
            lambda: inner.get_version(name, version),
            kind="model-version",
            method="get_version",
            args=(name, version),
            result=ModelVersion,
            settled=_always,
            what=f"model {name}:{version}",
        )

    def get_run(self, run_id: str) -> TrainingRun:
        inner: ModelsProvider = self.inner  # type: ignore[assignment]
        return self.cache.fetch(
            self.inner,
            lambda: inner.get_run(run_id),
            kind="run",
            method="get_run",
            args=(run_id,),
            result=TrainingRun,
            settled=run_settled,
            what=f"run {run_id}",
        )


class CachedReleases(CachedProvider, ReleasesProvider):
    """Settled releases, completed builds and their task logs are cached for good."""

    def list_releases(self, top: int = 100) -> list[Release]:
        inner: ReleasesProvider = self.inner  # type: ignore[assignment]
        return self.cache.fetch(
            self.inner,
            lambda: inner.list_releases(top=top),
            kind="releases",
            method="list_releases",
            args=(top,),
            result=list[Release],
            settled=_never,
            what="the release list",
        )

    def get_release(self, release_id: int) -> Release:
        inner: ReleasesProvider = self.inner  # type: ignore[assignment]
        return self.cache.fetch(
            self.inner,
            lambda: inner.get_release(release_id),
            kind="release",
            method="get_release",
            args=(release_id,),
            result=Release,
            settled=release_settled,
            what=f"release {release_id}",
        )

    def list_builds(self, top: int = 100) -> list[Build]:
        inner: ReleasesProvider = self.inner  # type: ignore[assignment]
        return self.cache.fetch(
            self.inner,
            lambda: inner.list_builds(top=top),
            kind="builds",
            method="list_builds",
            args=(top,),
            result=list[Build],
            settled=_never,
            what="the build list",
        )

    def get_build(self, build_id: int) -> Build:
        inner: ReleasesProvider = self.inner  # type: ignore[assignment]
        return self.cache.fetch(
            self.inner,
            lambda: inner.get_build(build_id),
            kind="build",
            method="get_build",
            args=(build_id,),
            result=Build,
            settled=build_settled,
            what=f"build {build_id}",
        )

    def get_task_log(self, release_id: int, env_id: int, phase_id: int, task_id: int) -> str:
        inner: ReleasesProvider = self.inner  # type: ignore[assignment]
        release = self.get_release(release_id)
        return self.cache.fetch(
            self.inner,
            lambda: inner.get_task_log(release_id, env_id, phase_id, task_id),
            kind="task-log",
            method="get_task_log",
            args=(release_id, env_id, phase_id, task_id),
            result=str,
            settled=lambda _log: release_settled(release),
            what=f"the log of task {task_id} of release {release_id}",
        )


class CachedCommits(CachedProvider, CommitsProvider):
    """A commit named by its sha never changes; histories from a full sha neither."""

    def get_commit(self, sha: str, *, with_diff: bool = True) -> Commit:
        inner: CommitsProvider = self.inner  # type: ignore[assignment]
        return self.cache.fetch(
            self.inner,
            lambda: inner.get_commit(sha, with_diff=with_diff),
            kind="commit",
            method="get_commit",
            args=(sha, with_diff),
            result=Commit,
            settled=lambda commit: commit.sha.startswith(sha.lower()),
            what=f"commit {sha[:12]}",
        )

    def history(
        self, start: str, *, first_parent: bool = False, page_size: int = 300, stats: bool = False
    ) -> Iterator[list[Commit]]:
        inner: CommitsProvider = self.inner  # type: ignore[assignment]
        return self.cache.pages(
            self.inner,
            lambda: inner.history(
                start, first_parent=first_parent, page_size=page_size, stats=stats
            ),
            kind="history",
            method="history",
            args=(start, first_parent, page_size, stats),
            result=list[Commit],
            settled=is_full_sha(start),
            what=f"the history of {start[:12]}",
        )

    def between(self, old: str, new: str, *, page_size: int = 300) -> Iterator[list[Commit]]:
        inner: CommitsProvider = self.inner  # type: ignore[assignment]
        return self.cache.pages(
            self.inner,
            lambda: inner.between(old, new, page_size=page_size),
            kind="history",
            method="between",
            args=(old, new, page_size),
            result=list[Commit],
            settled=is_full_sha(old) and is_full_sha(new),
            what=f"the commits between {old[:12]} and {new[:12]}",
        )


_BY_CONCERN: dict[str, type[CachedProvider]] = {
    "predictions": CachedPredictions,
    "deployments": CachedDeployments,
    "models": CachedModels,
    "releases": CachedReleases,
    "commits": CachedCommits,
}


@cache
def proxy_class(concerns: frozenset[str]) -> type[CachedProvider]:
    """The proxy class serving exactly ``concerns``."""
    bases = tuple(_BY_CONCERN[c] for c in CONCERNS if c in concerns)
    if len(bases) == 1:
        return bases[0]
    return type("Cached" + "".join(c.title() for c in sorted(concerns)), bases, {})


def cached_backends(backends: Backends, cache: ProviderCache) -> Backends:
    """The same backends, each provider behind ``cache`` (one proxy per provider)."""
    wrapped = Backends(backends.profile, problems=dict(backends.problems))
    proxies: dict[int, CachedProvider] = {}
    for concern in CONCERNS:
        provider = getattr(backends, concern)
        if provider is None:
            continue
        if id(provider) not in proxies:
            served = frozenset(c for c in CONCERNS if getattr(backends, c) is provider)
            proxies[id(provider)] = proxy_class(served)(provider, cache)
        setattr(wrapped, concern, proxies[id(provider)])
    return wrapped
