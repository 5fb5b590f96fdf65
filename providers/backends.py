"""Open the providers a profile names, one instance per distinct provider spec."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from providers.builtin_settings import CHECKS
from providers.config import Profile, ProviderSpec
from providers.errors import ConfigError, ProviderError
from providers.lazy import lazy_provider
from providers.protocols import (
    CommitsProvider,
    DataProvider,
    DeploymentsProvider,
    ModelsProvider,
    PredictionsProvider,
    Provider,
    ProviderContext,
    ReleasesProvider,
)

_INTERFACES: dict[str, type] = {
    "predictions": PredictionsProvider,
    "deployments": DeploymentsProvider,
    "models": ModelsProvider,
    "releases": ReleasesProvider,
    "commits": CommitsProvider,
    "data": DataProvider,
}


@dataclass
class Backends:
    """The provider serving each concern of one profile (None where none is configured).

    ``problems`` says, per concern, why its provider could not be opened.
    """

    profile: str
    predictions: PredictionsProvider | None = None
    deployments: DeploymentsProvider | None = None
    models: ModelsProvider | None = None
    releases: ReleasesProvider | None = None
    commits: CommitsProvider | None = None
    data: DataProvider | None = None
    problems: dict[str, str] = field(default_factory=dict)

    def missing(self, concern: str) -> str:
        """Why ``concern`` has no provider: the error met opening it, or that none is set."""
        return self.problems.get(concern) or (
            f"no {concern} provider is configured in profile {self.profile!r}"
        )

    def close(self) -> None:
        """Close every distinct provider."""
        seen: set[int] = set()
        for concern in _INTERFACES:
            provider = getattr(self, concern)
            if isinstance(provider, Provider) and id(provider) not in seen:
                seen.add(id(provider))
                provider.close()


def open_backends(profile: Profile, extra: Mapping[str, Any] | None = None) -> Backends:
    """Instantiate the profile's providers (the built-ins of :mod:`providers.builtin_settings`
    on first use); a failing one is recorded, not raised (a lazy one raises on each call), but
    a mistake in the profile's provider table (an unknown provider, an unknown or invalid
    setting) is a ConfigError naming the table and its file.

    ``extra`` reaches every provider as ``ProviderContext.extra`` (e.g. ``cache_dir``).
    """
    backends = Backends(profile.name)
    context = ProviderContext(profile=profile.name, base_dir=profile.base_dir, extra=extra or {})
    built: dict[str, Provider] = {}
    for concern, spec in profile.concerns.items():
        key = _spec_key(spec)
        try:
            if key not in built:
                built[key] = _build(spec, context)
            provider = built[key]
            if concern not in type(provider).concerns or not isinstance(
                provider, _INTERFACES[concern]
            ):
                raise ConfigError(f"provider {spec.provider!r} does not serve {concern}")
            setattr(backends, concern, provider)
        except ConfigError as exc:
            where = profile.where or f"profile {profile.name!r}"
            said = f"{exc.provider}: {exc.message}" if exc.provider else exc.message
            raise ConfigError(f"{where} [{concern}]: {said}", hint=exc.hint) from None
        except ProviderError as exc:
            backends.problems[concern] = str(exc)
    return backends


def _build(spec: ProviderSpec, context: ProviderContext) -> Provider:
    """The provider of ``spec``; a built-in one whose settings are checked without its
    module (:mod:`providers.builtin_settings`) is checked now and built on first use."""
    checked = CHECKS.get(spec.provider)
    if checked is None:
        return _built(spec, context)
    checked.check(spec.settings)
    interfaces = {c: _INTERFACES[c] for c in _INTERFACES if c in checked.concerns}
    return lazy_provider(
        spec.provider, interfaces, lambda: _built(spec, context), extras=checked.extras
    )


def _built(spec: ProviderSpec, context: ProviderContext) -> Provider:
    from providers import registry  # noqa: PLC0415 - importlib.metadata: ~8 ms, on first use

    cls = registry.load(spec.provider)
    return cls.from_settings(spec.settings, context)


def _spec_key(spec: ProviderSpec) -> str:
    return f"{spec.provider}|{sorted(spec.settings.items())!r}"
