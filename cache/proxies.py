"""Providers behind the cache: one proxy class per concern, combined per provider.

Each proxy method is an entry of a table: :func:`_fetched` or :func:`_paged` builds it
from the concern's own method, the record kind, the type to rebuild from JSON, the words
naming the object (``str.format`` over the call's arguments) and the settledness rule
(``get_commit`` and ``get_task_log``, whose rule needs more than the answer, build theirs
per call).
The call goes to the wrapped provider through :class:`~cache.layer.ProviderCache`;
anything else (attributes a pane may read) is passed through to the provider unchanged.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Iterator, Mapping
from functools import cache
from pathlib import Path
from typing import Any, Concatenate, ParamSpec, Self, TypeVar, cast

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
from providers.content_query import ContentQuery
from providers.protocols import (
    CONCERNS,
    CommitsProvider,
    DataProvider,
    DeploymentsProvider,
    ModelsProvider,
    PredictionPage,
    PredictionsProvider,
    Provider,
    ProviderContext,
    ReleasesProvider,
)
from providers.records import (
    Build,
    Commit,
    DataFolder,
    Deployment,
    Endpoint,
    ModelVersion,
    Release,
    TrainingRun,
)

C = TypeVar("C")
P = ParamSpec("P")
T = TypeVar("T")


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


def _asked(
    proxy: object,
    method: Callable[..., T],
    signature: inspect.Signature,
    what: str,
    args: Any,
    kwargs: Any,
) -> tuple[ProviderCache, Provider, Callable[[], T], dict[str, Any]]:
    """The cache, the wrapped provider, its call and the key words of the cache's ask:
    the method's name, its arguments in the signature's order with the defaults filled in
    (the cache key's) and ``what`` formatted with them."""
    assert isinstance(proxy, CachedProvider)
    bound = signature.bind(proxy, *args, **kwargs)
    bound.apply_defaults()
    inner: Callable[..., T] = getattr(proxy.inner, method.__name__)
    values = tuple(bound.arguments.values())[1:]
    ask = {"method": method.__name__, "args": values, "what": what.format(*values)}
    return proxy.cache, proxy.inner, lambda: inner(*bound.args[1:], **bound.kwargs), ask


def _fetched(
    method: Callable[Concatenate[C, P], T],
    kind: str,
    result: Any,
    what: str,
    settled: Callable[[T], bool] = _never,
) -> Callable[Concatenate[C, P], T]:
    """A proxy method asking the cache for ``method``'s answer (``result`` the type to
    rebuild; ``what``, formatted with the arguments, names it; ``settled(answer)`` says
    whether it can never change)."""

    signature = inspect.signature(method)

    def proxy(self: C, /, *args: P.args, **kwargs: P.kwargs) -> T:
        cache, inner, call, ask = _asked(self, method, signature, what, args, kwargs)
        return cache.fetch(inner, call, kind=kind, result=result, settled=settled, **ask)

    proxy.__name__ = proxy.__qualname__ = method.__name__
    return proxy


def _paged(
    method: Callable[Concatenate[C, P], Iterator[T]],
    kind: str,
    result: Any,
    what: str,
    settled: Callable[..., bool],
    max_pages: int = 10,
) -> Callable[Concatenate[C, P], Iterator[T]]:
    """A proxy method streaming ``method``'s pages through the cache; ``settled(*args)``
    says whether the pages can never change."""

    signature = inspect.signature(method)

    def proxy(self: C, /, *args: P.args, **kwargs: P.kwargs) -> Iterator[T]:
        cache, inner, call, ask = _asked(self, method, signature, what, args, kwargs)
        done = settled(*ask["args"])
        return cache.pages(
            inner, call, kind=kind, result=result, settled=done, max_pages=max_pages, **ask
        )

    proxy.__name__ = proxy.__qualname__ = method.__name__
    return proxy


def _range_settled(old: str, new: str, _page_size: int) -> bool:
    return is_full_sha(old) and is_full_sha(new)


class CachedPredictions(CachedProvider, PredictionsProvider):
    """Predictions: closed days are cached for good, today's answers for the TTL."""

    find = _fetched(
        PredictionsProvider.find, "prediction", PredictionPage, "request {0}", page_closed
    )
    search = _paged(
        PredictionsProvider.search,
        "search",
        PredictionPage,
        "the prediction search",
        query_closed,
        max_pages=5,
    )


class CachedDeployments(CachedProvider, DeploymentsProvider):
    """Endpoints and deployments change (traffic, image): cached for the TTL only."""

    list_endpoints = _fetched(
        DeploymentsProvider.list_endpoints, "endpoints", list[Endpoint], "the endpoint list"
    )
    list_deployments = _fetched(
        DeploymentsProvider.list_deployments,
        "deployments",
        list[Deployment],
        "the deployments of {0}",
    )
    get_deployment = _fetched(
        DeploymentsProvider.get_deployment, "deployment", Deployment, "deployment {0}/{1}"
    )


class CachedModels(CachedProvider, ModelsProvider):
    """Model versions are immutable; a run is once it has ended; listings use the TTL."""

    list_models = _fetched(ModelsProvider.list_models, "models", list[str], "the model list")
    list_versions = _fetched(
        ModelsProvider.list_versions,
        "model-versions",
        list[ModelVersion],
        "the versions of model {0}",
    )
    get_version = _fetched(
        ModelsProvider.get_version, "model-version", ModelVersion, "model {0}:{1}", _always
    )
    get_run = _fetched(ModelsProvider.get_run, "run", TrainingRun, "run {0}", run_settled)
    get_registry_version = _fetched(
        ModelsProvider.get_registry_version,
        "registry-model-version",
        ModelVersion,
        "registry model {0}",
        _always,
    )


class CachedReleases(CachedProvider, ReleasesProvider):
    """Settled releases, completed builds and their task logs are cached for good."""

    list_releases = _fetched(
        ReleasesProvider.list_releases, "releases", list[Release], "the release list"
    )
    get_release = _fetched(
        ReleasesProvider.get_release, "release", Release, "release {0}", release_settled
    )
    list_builds = _fetched(ReleasesProvider.list_builds, "builds", list[Build], "the build list")
    get_build = _fetched(ReleasesProvider.get_build, "build", Build, "build {0}", build_settled)

    def get_task_log(self, release_id: int, env_id: int, phase_id: int, task_id: int) -> str:
        """A task's log, cached for good once its release is settled."""
        release = self.get_release(release_id)
        log = _fetched(
            ReleasesProvider.get_task_log,
            "task-log",
            str,
            "the log of task {3} of release {0}",
            lambda _log: release_settled(release),
        )
        return log(self, release_id, env_id, phase_id, task_id)


class CachedCommits(CachedProvider, CommitsProvider):
    """A commit named by its sha never changes; histories from a full sha neither."""

    def get_commit(self, sha: str, *, with_diff: bool = True) -> Commit:
        """A commit, cached for good when ``sha`` is its sha or a prefix of it (not a ref)."""
        ask = _fetched(
            CommitsProvider.get_commit,
            "commit",
            Commit,
            "commit {0:.12}",
            lambda found: found.sha.startswith(sha.lower()),
        )
        return ask(self, sha, with_diff=with_diff)

    history = _paged(
        CommitsProvider.history,
        "history",
        list[Commit],
        "the history of {0:.12}",
        lambda start, *_options: is_full_sha(start),
    )
    between = _paged(
        CommitsProvider.between,
        "history",
        list[Commit],
        "the commits between {0:.12} and {1:.12}",
        _range_settled,
    )

    def search_content(
        self,
        query: ContentQuery,
        start: str,
        *,
        since: str | None = None,
        page_size: int = 300,
        stats: bool = False,
    ) -> Iterator[list[Commit]]:
        """Not cached: a search streams from the repository (or its clone) every time."""
        inner = cast(CommitsProvider, self.inner)
        return inner.search_content(query, start, since=since, page_size=page_size, stats=stats)


class CachedData(CachedProvider, DataProvider):
    """A folder the store states immutable is cached for good (its locally computed hashes
    with it); any other for the TTL.  File contents are never cached."""

    list_folder = _fetched(
        DataProvider.list_folder,
        "data-folder",
        DataFolder,
        "training-data folder {0}",
        lambda found: found.immutable,
    )

    def read_head(self, folder: str, path: str, limit: int) -> Iterator[bytes]:
        """The wrapped provider's bytes (not cached)."""
        inner = self.inner
        assert isinstance(inner, DataProvider)
        return inner.read_head(folder, path, limit)

    def local_path(self, folder: str, path: str) -> Path | None:
        """The wrapped provider's local file, if any."""
        inner = self.inner
        assert isinstance(inner, DataProvider)
        return inner.local_path(folder, path)


_BY_CONCERN: dict[str, type[CachedProvider]] = {
    "predictions": CachedPredictions,
    "deployments": CachedDeployments,
    "models": CachedModels,
    "releases": CachedReleases,
    "commits": CachedCommits,
    "data": CachedData,
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
