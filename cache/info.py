"""``modeltrail cache info`` and ``modeltrail cache clear``."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable

from cache.keys import key_kind
from cache.settings import CacheSettings
from cache.store import RecordStore


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
        return "\n".join(lines)
    finally:
        store.close()


def clear_cache(
    settings: CacheSettings, profile: str | None, *, warn: Callable[[str], None] | None = None
) -> int:
    """Remove the entries of ``profile`` (every entry with None); returns how many."""
    store = _store(settings, warn)
    try:
        return store.evict(profile) if profile else store.clear()
    finally:
        store.close()


def _mib(size: int) -> str:
    return f"{size / 1024**2:,.1f} MiB"
