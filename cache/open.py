"""Open a profile's providers behind the cache: what the console and the CLI call."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from cache.layer import ProviderCache
from cache.proxies import cached_backends
from cache.settings import cache_settings
from providers.backends import Backends, open_backends
from providers.config import Profile
from providers.errors import ConfigError
from providers.private import NotPrivate, private_dir


def open_cached(
    profile: Profile,
    global_cache: Mapping[str, Any] | None = None,
    *,
    offline: bool = False,
    warn: Callable[[str], None] | None = None,
) -> tuple[Backends, ProviderCache | None]:
    """The profile's backends, wrapped by the cache unless the profile turns it off.

    Raises ConfigError for an invalid cache table, or a cache folder that is open to
    other users and cannot be made private (its records, mirrors and indexes live there).
    With ``offline`` only the cache answers: every provider is still opened (cheaply) to
    know its identity.
    """
    settings = cache_settings(global_cache, profile.cache, offline=offline)
    try:
        private_dir(settings.directory)
    except NotPrivate as exc:
        raise ConfigError(
            f"the cache folder is not private: {exc.strerror}",
            hint="or set [cache] directory to a folder of yours",
        ) from None
    except OSError:
        pass  # cannot be created: the record store says so and works without it
    backends = open_backends(profile, {"cache_dir": str(settings.directory)})
    if not settings.enabled:
        return backends, None
    cache = ProviderCache(profile.name, settings, warn=warn)
    if not cache.store.available:
        if offline:
            raise_offline_unusable(cache)
        return backends, None
    return cached_backends(backends, cache), cache


def raise_offline_unusable(cache: ProviderCache) -> None:
    """Offline without a usable cache cannot show anything: say why."""
    why = "; ".join(cache.warnings) or "the cache could not be opened"
    raise ConfigError(f"offline mode needs the cache, but {why}")
