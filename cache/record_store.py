"""The record store: JSON entries in a diskcache database, safe under faults.

* Values are JSON (diskcache's ``JSONDisk``), never pickle, so a cache file can be read
  by anyone auditing it and cannot execute code.
* The directory is created 0700 and the database files are 0600.
* A corrupt or truncated database is moved aside and recreated, with a warning.
* A write that fails (disk full, read-only directory) turns caching off for the rest of
  the process, with a warning; reads keep working where they can.
* diskcache is process-safe (SQLite in WAL mode), so two consoles can share one store.
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from providers.private import private_dir

#: Bump when the envelope below changes; older databases are cleared on open.
STORE_FORMAT = 1
_FORMAT_KEY = "__modeltrail_store_format__"
_DB_FILES = ("cache.db", "cache.db-wal", "cache.db-shm")


@dataclass(frozen=True, slots=True)
class Entry:
    """A cached answer: its JSON value, when it was fetched, and until when it is fresh."""

    kind: str
    value: Any
    fetched_at: float
    fresh_until: float | None  # None: immutable, fresh for good

    def fresh(self, now: float) -> bool:
        """True while the entry may be served without asking the backend."""
        return self.fresh_until is None or now < self.fresh_until


class RecordStore:
    """A JSON key-value store on disk with eviction by size (least recently used first)."""

    def __init__(
        self,
        directory: Path,
        *,
        size_limit: int,
        warn: Callable[[str], None] | None = None,
    ) -> None:
        self.directory = directory
        self.size_limit = size_limit
        self._warn = warn or (lambda _message: None)
        self._lock = threading.Lock()
        self._cache: Any = None
        self.writable = True
        self._open()

    # -- opening and recovery -------------------------------------------------------

    def _open(self) -> None:
        try:
            self._cache = self._connect()
        except sqlite3.DatabaseError as exc:
            if _is_corruption(exc):
                self._recover(exc)
            else:
                self._disable(f"cannot open the cache at {self.directory}: {exc}")
        except OSError as exc:
            self._disable(f"cannot open the cache at {self.directory}: {exc}")

    def _connect(self) -> Any:
        import diskcache  # noqa: PLC0415 - only commands that fetch pay for it

        old_umask = os.umask(0o077)
        try:
            private_dir(self.directory)
            cache = diskcache.Cache(
                str(self.directory),
                disk=diskcache.JSONDisk,
                disk_compress_level=6,
                disk_min_file_size=1 << 30,  # every value stays inside the 0600 database
                size_limit=self.size_limit,
                eviction_policy="least-recently-used",
                statistics=True,
                timeout=10,
            )
            if cache.get(_FORMAT_KEY) != STORE_FORMAT:
                cache.clear()
                cache.set(_FORMAT_KEY, STORE_FORMAT)
        finally:
            os.umask(old_umask)
        for name in _DB_FILES:
            with contextlib.suppress(FileNotFoundError):
                (self.directory / name).chmod(0o600)
        return cache

    def _recover(self, exc: BaseException) -> None:
        """Move a corrupt database aside and start an empty one."""
        if self._cache is not None:
            with contextlib.suppress(Exception):
                self._cache.close()
            self._cache = None
        aside = self.directory.with_name(
            f"{self.directory.name}.corrupt-{time.strftime('%Y%m%d-%H%M%S')}"
        )
        try:
            self.directory.rename(aside)
            self._cache = self._connect()
        except (OSError, sqlite3.Error) as again:
            self._disable(f"the cache at {self.directory} is corrupt ({exc}) and {again}")
            return
        self._warn(
            f"the cache database was corrupt ({exc}); moved it to {aside} and started afresh"
        )

    def _disable(self, why: str) -> None:
        self._cache = None
        self.writable = False
        self._warn(f"{why}; working without the cache")

    # -- reading and writing --------------------------------------------------------

    @property
    def available(self) -> bool:
        """False when the cache could not be opened at all."""
        return self._cache is not None

    def get(self, key: str) -> Entry | None:
        """The entry stored under ``key``, or None (also when the store is unusable)."""
        raw = self._guard(lambda cache: cache.get(key))
        if not isinstance(raw, dict):
            return None
        try:
            return Entry(str(raw["k"]), raw["v"], float(raw["t"]), raw["x"])
        except (KeyError, TypeError, ValueError):
            self.delete(key)
            return None

    def put(self, key: str, entry: Entry, *, tag: str) -> None:
        """Store ``entry`` under ``key``; ``tag`` groups entries for :meth:`evict`."""
        if not self.writable:
            return
        value = {"k": entry.kind, "v": entry.value, "t": entry.fetched_at, "x": entry.fresh_until}
        try:
            self._guard(lambda cache: cache.set(key, value, tag=tag), writing=True)
        except _WriteFailed as exc:
            self.writable = False
            self._warn(f"cannot write to the cache ({exc.__cause__}); caching is off from now")

    def delete(self, key: str) -> None:
        """Forget one entry."""
        self._guard(lambda cache: cache.delete(key))

    def all_keys(self) -> Iterator[str]:
        """Every key (a snapshot), without the store's own bookkeeping."""
        found = self._guard(lambda cache: list(cache.iterkeys())) or []
        return (k for k in found if isinstance(k, str) and k != _FORMAT_KEY)

    def evict(self, tag: str) -> int:
        """Remove every entry stored with ``tag``; returns how many."""
        return int(self._guard(lambda cache: cache.evict(tag)) or 0)

    def clear(self) -> int:
        """Remove every entry; returns how many."""
        removed = int(self._guard(lambda cache: cache.clear()) or 0)
        self._guard(lambda cache: cache.set(_FORMAT_KEY, STORE_FORMAT))
        return max(removed - 1, 0)

    def volume(self) -> int:
        """Bytes on disk."""
        return int(self._guard(lambda cache: cache.volume()) or 0)

    def stats(self) -> tuple[int, int]:
        """(hits, misses) counted since the database was created."""
        found = self._guard(lambda cache: cache.stats())
        return (int(found[0]), int(found[1])) if found else (0, 0)

    def close(self) -> None:
        """Close the database connections."""
        if self._cache is not None:
            self._cache.close()

    def _guard(self, op: Callable[[Any], Any], *, writing: bool = False) -> Any:
        """Run ``op`` on the database; recover from corruption once, report write failures."""
        for attempt in (1, 2):
            cache = self._cache
            if cache is None:
                return None
            try:
                return op(cache)
            except sqlite3.DatabaseError as exc:
                if _is_corruption(exc) and attempt == 1:
                    with self._lock:
                        if self._cache is cache:
                            self._recover(exc)
                    continue
                if writing:
                    raise _WriteFailed from exc
                return None
            except OSError as exc:
                if writing:
                    raise _WriteFailed from exc
                return None
        return None


class _WriteFailed(Exception):
    """A write to the cache failed (disk full, read-only directory…)."""


def _is_corruption(exc: BaseException) -> bool:
    text = str(exc).lower()
    return isinstance(exc, sqlite3.DatabaseError) and (
        "malformed" in text or "not a database" in text or "corrupt" in text
    )
