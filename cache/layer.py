"""The cache in front of a profile's providers: serve, mark, refetch, fall back.

:class:`ProviderCache` holds the policy of one call: a fresh answer is served from disk;
a stale one is refetched (or, in :data:`~cache.context.STALE_OK` mode, served at once and
marked so the console refreshes it in a worker); a backend that is unreachable or
throttled falls back to whatever the cache has, saying so; offline, only the cache
answers.  Providers never know: :func:`cached_backends` wraps each of them.
"""

from __future__ import annotations

import itertools
import time
from collections.abc import Callable, Iterator
from typing import Any, TypeVar

from cache.context import REFRESH, STALE_OK, Served, current_mode, record
from cache.keys import entry_key
from cache.record_store import Entry, RecordStore
from cache.settings import CacheSettings
from providers.errors import NotCached, ProviderError, Throttled, Unavailable
from providers.protocols import Provider
from providers.serialize import from_jsonable, to_jsonable

T = TypeVar("T")

#: Errors after which a cached answer, even stale, is better than nothing.
_FALLBACK_ERRORS = (Unavailable, Throttled)


class ProviderCache:
    """One profile's view of the record store, with the caching policy."""

    def __init__(
        self,
        profile: str,
        settings: CacheSettings,
        *,
        warn: Callable[[str], None] | None = None,
        store: RecordStore | None = None,
    ) -> None:
        self.profile = profile
        self.settings = settings
        self.offline = settings.offline
        self.warnings: list[str] = []

        def note(message: str) -> None:
            self.warnings.append(message)
            if warn is not None:
                warn(message)

        self.store = store or RecordStore(
            settings.records_dir, size_limit=settings.size_limit, warn=note
        )

    # -- single answers -------------------------------------------------------------

    def fetch(
        self,
        provider: Provider,
        call: Callable[[], T],
        *,
        kind: str,
        method: str,
        args: tuple[Any, ...],
        result: Any,
        settled: Callable[[T], bool],
        what: str,
    ) -> T:
        """The answer of ``call()``, from the cache when the policy allows.

        ``result`` is the type to rebuild from JSON; ``settled(answer)`` says whether the
        answer can never change (cached for good) or only for the time to live.
        """
        key = self._key(provider, kind, method, args)
        cached = self._load(key, result)
        if cached is not None and self._serve(cached[0], what):
            return cached[1]  # type: ignore[no-any-return]
        if self.offline:
            raise _not_cached(what)
        try:
            answer = call()
        except _FALLBACK_ERRORS as exc:
            if cached is None:
                raise
            record(Served(what, time.time() - cached[0].fetched_at, True, _reason(exc)))
            return cached[1]  # type: ignore[no-any-return]
        self._put(key, kind, to_jsonable(answer), self._fresh_until(settled(answer)))
        return answer

    # -- streams of pages -----------------------------------------------------------

    def pages(
        self,
        provider: Provider,
        call: Callable[[], Iterator[T]],
        *,
        kind: str,
        method: str,
        args: tuple[Any, ...],
        result: Any,
        settled: bool,
        what: str,
        max_pages: int = 10,
    ) -> Iterator[T]:
        """The pages of ``call()``; the first ``max_pages`` are cached as they stream."""
        key = self._key(provider, kind, method, args)
        index = self.store.get(key)
        if index is not None and isinstance(index.value, dict) and self._serve(index, what):
            yield from self._replay(key, index, result, call, what)
            return
        if self.offline:
            raise _not_cached(what)
        yield from self._stream(key, kind, call, settled, what, index, result, max_pages)

    def _replay(
        self, key: str, index: Entry, result: Any, call: Callable[[], Iterator[T]], what: str
    ) -> Iterator[T]:
        """The cached pages one by one, then (online) the rest from the backend."""
        count = int(index.value.get("pages", 0))
        served = 0
        for page in self._cached_pages(key, count, result):
            yield page
            served += 1
        if served == count and index.value.get("complete"):
            return
        if self.offline:
            raise NotCached(f"offline: only the first {served} page(s) of {what} are in the cache")
        yield from itertools.islice(call(), served, None)

    def _cached_pages(self, key: str, count: int, result: Any) -> Iterator[Any]:
        """The first ``count`` cached pages of a stream, up to the first one evicted."""
        for number in range(count):
            page = self._load(f"{key}#{number}", result)
            if page is None:
                return
            yield page[1]

    def _stream(
        self,
        key: str,
        kind: str,
        call: Callable[[], Iterator[T]],
        settled: bool,
        what: str,
        index: Entry | None,
        result: Any,
        max_pages: int,
    ) -> Iterator[T]:
        fresh_until = self._fresh_until(settled)
        count = 0
        try:
            for count, page in enumerate(call(), start=1):
                if count <= max_pages:
                    self._put(key + f"#{count - 1}", kind, to_jsonable(page), fresh_until)
                    self._put(key, kind, {"pages": count, "complete": False}, fresh_until)
                yield page
        except _FALLBACK_ERRORS as exc:
            if index is None or count or not isinstance(index.value, dict):
                raise  # nothing cached, or pages already given: cannot stand in
            wanted = int(index.value.get("pages", 0))
            served = list(self._cached_pages(key, wanted, result))
            if len(served) < wanted:
                raise
            record(Served(what, time.time() - index.fetched_at, True, _reason(exc)))
            yield from served
            return
        if count <= max_pages:
            self._put(key, kind, {"pages": count, "complete": True}, fresh_until)

    # -- plumbing -------------------------------------------------------------------

    def _key(self, provider: Provider, kind: str, method: str, args: tuple[Any, ...]) -> str:
        name = type(provider).name or type(provider).__name__
        return entry_key(self.profile, name, provider.identity(), kind, method, args)

    def _load(self, key: str, result: Any) -> tuple[Entry, Any] | None:
        entry = self.store.get(key)
        if entry is None:
            return None
        try:
            return entry, from_jsonable(result, entry.value)
        except (ValueError, TypeError, KeyError):
            self.store.delete(key)  # written by an older, incompatible version
            return None

    def _serve(self, entry: Entry, what: str) -> bool:
        """Whether ``entry`` may answer now (offline, fresh, or stale in STALE_OK mode);
        if so, note it as served."""
        now = time.time()
        fresh = entry.fresh(now)
        mode = current_mode()
        if not (self.offline or (mode != REFRESH and (fresh or mode == STALE_OK))):
            return False
        record(Served(what, now - entry.fetched_at, not fresh, "offline" if self.offline else ""))
        return True

    def _fresh_until(self, settled: bool) -> float | None:
        """None (for good) for a settled answer, else now plus the time to live."""
        return None if settled else time.time() + self.settings.ttl

    def _put(self, key: str, kind: str, value: Any, fresh_until: float | None) -> None:
        self.store.put(key, Entry(kind, value, time.time(), fresh_until), tag=self.profile)


def _not_cached(what: str) -> NotCached:
    return NotCached(
        f"offline: {what} is not in the cache", hint="it is cached once fetched while online"
    )


def _reason(exc: ProviderError) -> str:
    return f"{exc.kind}: {exc.message}"
