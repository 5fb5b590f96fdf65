"""Find provider classes by name through the ``modeltrail.providers`` entry points.

Built-in providers are registered the same way as third-party ones (see
``pyproject.toml``).  Listing names imports nothing; a plugin that fails to import
only fails the profile that uses it, with a message naming the plugin.  A built-in name is
found in modeltrail's own entry points first (reading every installed package's took
~14 ms of start-up); the others are scanned for any other name.
"""

from __future__ import annotations

from functools import cache
from importlib.metadata import EntryPoint, PackageNotFoundError, distribution, entry_points

from providers.errors import ConfigError
from providers.protocols import Provider

GROUP = "modeltrail.providers"


@cache
def available() -> dict[str, EntryPoint]:
    """Registered provider names and their entry points (nothing imported; scanned once)."""
    return {ep.name: ep for ep in entry_points(group=GROUP)}


@cache
def built_in() -> dict[str, EntryPoint]:
    """The providers modeltrail itself registers (none if it is not installed as a package)."""
    try:
        points = distribution("modeltrail").entry_points
    except PackageNotFoundError:
        return {}
    return {ep.name: ep for ep in points if ep.group == GROUP}


def load(name: str) -> type[Provider]:
    """The provider class registered as ``name``; ConfigError if unknown or broken."""
    found = built_in()
    if name not in found:
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
