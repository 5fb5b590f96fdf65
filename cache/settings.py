"""Cache settings: the config file's ``[cache]`` table and a profile's ``cache`` table.

Example::

    [cache]                      # for every profile
    size_limit_mb = 1024         # default 1 GiB; least recently used entries go first
    ttl_seconds = 300            # how long a mutable answer counts as fresh
    directory = "~/.cache/modeltrail"   # default: the platform's user cache dir

    [profiles.prod]
    cache = { enabled = true, ttl_seconds = 60 }
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from platformdirs import user_cache_path

from providers.config import Config
from providers.errors import ConfigError
from providers.settings_check import check_table, unchecked

DEFAULT_SIZE_LIMIT = 1024**3
DEFAULT_TTL = 300.0
_PROFILE_KEYS = unchecked("ttl_seconds", "enabled")  # checked below
_GLOBAL_KEYS = unchecked("directory", "size_limit_mb") | _PROFILE_KEYS


def default_cache_dir() -> Path:
    """The platform's user cache dir for modeltrail (e.g. ``~/.cache/modeltrail``)."""
    return user_cache_path("modeltrail")


@dataclass(frozen=True, slots=True)
class CacheSettings:
    """How one profile uses the cache."""

    directory: Path
    size_limit: int = DEFAULT_SIZE_LIMIT
    ttl: float = DEFAULT_TTL
    enabled: bool = True
    offline: bool = False

    @property
    def records_dir(self) -> Path:
        """Where the record database lives (the SDKs' own caches sit beside it)."""
        return self.directory / "records"


def cache_settings(
    global_table: Mapping[str, Any] | None = None,
    profile_table: Mapping[str, Any] | None = None,
    *,
    offline: bool = False,
) -> CacheSettings:
    """Validate the two tables (profile wins) into settings; ConfigError if invalid."""
    glob = dict(global_table or {})
    prof = dict(profile_table or {})
    check_table(glob, _GLOBAL_KEYS, "[cache]")
    check_table(prof, _PROFILE_KEYS, "the profile's cache table")
    merged = {**glob, **prof}
    folder = merged.get("directory", default_cache_dir())
    if not isinstance(folder, str | Path) or not str(folder):
        raise ConfigError(f"[cache] directory must be a folder's path (a string), not {folder!r}")
    size_mb = _number(merged, "size_limit_mb", DEFAULT_SIZE_LIMIT / 1024**2)
    ttl = _number(merged, "ttl_seconds", DEFAULT_TTL)
    enabled = merged.get("enabled", True)
    if not isinstance(enabled, bool):
        raise ConfigError("cache: enabled must be true or false")
    if offline and not enabled:
        raise ConfigError(
            "offline mode needs the cache, but it is disabled for this profile",
            hint="set cache.enabled = true",
        )
    directory = Path(folder).expanduser()
    return CacheSettings(directory, int(size_mb * 1024**2), ttl, enabled, offline)


def check_cache_tables(config: Config) -> None:
    """Validate the ``[cache]`` table and every profile's cache table now, so a bad value
    is an error naming the file and the key before anything runs."""
    tables = [("", None), *((f"profile {n!r}: ", p.cache) for n, p in config.profiles.items())]
    for where, table in tables:
        try:
            cache_settings(config.cache, table)
        except ConfigError as exc:
            raise ConfigError(f"{config.path}: {where}{exc.message}", hint=exc.hint) from None


def _number(table: Mapping[str, Any], key: str, default: float) -> float:
    value = table.get(key, default)
    if isinstance(value, bool) or not isinstance(value, int | float) or value < 0:
        raise ConfigError(f"cache: {key} must be a number >= 0, not {value!r}")
    return float(value)
