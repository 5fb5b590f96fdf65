"""Find provider classes by name through the ``modeltrail.providers`` entry points.

Built-in providers are registered the same way as third-party ones (see
``pyproject.toml``).  Listing names imports nothing; a plugin that fails to import
only fails the profile that uses it, with a message naming the plugin.
"""

from __future__ import annotations

from functools import cache
from importlib.metadata import EntryPoint, entry_points

from providers.errors import ConfigError
from providers.protocols import Provider

GROUP = "modeltrail.providers"


@cache
def available() -> dict[str, EntryPoint]:
    """Registered provider names and their entry points (nothing imported; scanned once)."""
    return {ep.name: ep for ep in entry_points(group=GROUP)}


def load(name: str) -> type[Provider]:
    """The provider class registered as ``name``; ConfigError if unknown or broken."""
    found = available()
    if name not in found:
        known = ", ".join(sorted(found)) or "none"
        raise ConfigError(f"unknown provider {name!r} (installed: {known})")
    try:
        cls = found[name].load()
    except Exception as exc:  # a broken plugin must not take the console down
        raise ConfigError(
            f"provider {name!r} failed to load: {type(exc).__name__}: {exc}",
            hint=f"check the package that provides {found[name].value}",
        ) from None
    if not (isinstance(cls, type) and issubclass(cls, Provider)):
        raise ConfigError(f"provider {name!r} ({found[name].value}) is not a Provider class")
    return cls
