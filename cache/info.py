"""``modeltrail cache info`` and ``modeltrail cache clear``."""

from __future__ import annotations

import shutil
from collections import Counter
from collections.abc import Callable

from cache.keys import key_kind
from cache.record_store import RecordStore
from cache.settings import CacheSettings

#: Folders beside the record store that hold copies of immutable data (blob mirror,
#: log index, the Azure DevOps SDK's own cache); cleared with every profile's entries.
MIRRORS = ("blobs", "log-index", "azure-devops")


def _store(settings: CacheSettings, warn: Callable[[str], None] | None) -> RecordStore:
    return RecordStore(settings.records_dir, size_limit=settings.size_limit, warn=warn)


def cache_report(settings: CacheSettings, *, warn: Callable[[str], None] | None = None) -> str:
    """A few lines: where the cache is, its size against the limit, entries, hit rate."""
    store = _store(settings, warn)
    try:
        if not store.available:
            return f"Cache: {settings.records_dir} (unusable, see the warning above)"
        kinds: Counter[str] = Counter()
        foreign = 0
        for key in store.all_keys():
            kind = key_kind(key)
            if kind is None:
                foreign += 1
            elif "#" not in key:  # pages of a stream count once, with their index
                kinds[kind] += 1
        hits, misses = store.stats()
        lookups = hits + misses
        rate = f"{hits / lookups:.0%} of {lookups:,} lookups" if lookups else "no lookups yet"
        lines = [
            f"Cache: {settings.records_dir}",
            f"Size: {_mib(store.volume())} of {_mib(settings.size_limit)} "
            "(least recently used entries are evicted first)",
            f"Hit rate: {rate}",
            f"Entries: {sum(kinds.values()):,}",
        ]
        lines += [f"  {kind:<16}{count:>8,}" for kind, count in sorted(kinds.items())]
        if foreign:
            lines.append(f"  {'(older schema)':<16}{foreign:>8,}")
        for name in MIRRORS:
            folder = settings.directory / name
            if folder.is_dir():
                size = sum(p.stat().st_size for p in folder.rglob("*") if p.is_file())
                lines.append(f"Copies in {folder}: {_mib(size)}")
        return "\n".join(lines)
    finally:
        store.close()


def clear_cache(
    settings: CacheSettings, profile: str | None, *, warn: Callable[[str], None] | None = None
) -> int:
    """Remove the entries of ``profile`` (every entry, and the mirrors, with None).

    Returns how many record entries were removed.
    """
    store = _store(settings, warn)
    try:
        if profile:
            return store.evict(profile)
        removed = store.clear()
    finally:
        store.close()
    for name in MIRRORS:
        shutil.rmtree(settings.directory / name, ignore_errors=True)
    return removed


def _mib(size: int) -> str:
    return f"{size / 1024**2:,.1f} MiB"
