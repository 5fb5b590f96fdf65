"""A provider built on its first use: its settings are checked when the profile is opened
(:mod:`providers.builtin_settings`), its module is imported and its instance made when a
pane or the trail first asks it something.

Building may fail (a folder that is not there, a repository git refuses): every call then
raises that error, so the pane that asked says why, and the next call tries again.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping
from functools import cache
from typing import Any, Self

from providers.errors import ProviderError
from providers.protocols import Provider, ProviderContext


class LazyProvider(Provider):
    """Stands for the provider ``build()`` makes, and makes it on first use."""

    def __init__(self, build: Callable[[], Provider]) -> None:
        self._build = build
        self._built: Provider | None = None
        self._lock = threading.Lock()

    @classmethod
    def from_settings(cls, settings: Mapping[str, Any], context: ProviderContext) -> Self:
        """Made by :func:`lazy_provider`, never from settings."""
        raise TypeError("use lazy_provider()")

    def built(self) -> Provider:
        """The provider, built now if it was not yet; its ProviderError if it cannot be."""
        with self._lock:
            if self._built is None:
                self._built = self._build()
            return self._built

    def identity(self) -> Mapping[str, str]:
        """The built provider's identity."""
        return self.built().identity()

    def close(self) -> None:
        """Close the provider if it was built."""
        if self._built is not None:
            self._built.close()

    def __getattr__(self, name: str) -> Any:
        """Another attribute of the provider; absent while it cannot be built (the calls of
        its concerns say why)."""
        if name.startswith("_"):
            raise AttributeError(name)
        try:
            provider = self.built()
        except ProviderError:
            raise AttributeError(name) from None
        return getattr(provider, name)


def lazy_provider(
    name: str,
    interfaces: Mapping[str, type],
    build: Callable[[], Provider],
    *,
    extras: tuple[type, ...] = (),
) -> LazyProvider:
    """A lazy provider registered as ``name`` serving the concerns of ``interfaces``
    (concern: its interface class) and the optional ``extras`` interfaces the built one
    offers beside them (e.g. blame and file contents for git)."""
    return _lazy_class(name, tuple(interfaces.items()), extras)(build)


@cache
def _lazy_class(
    name: str, interfaces: tuple[tuple[str, type], ...], extras: tuple[type, ...]
) -> type[LazyProvider]:
    """A LazyProvider subclass that is each concern's interface and each extra one, every
    method of which calls the built provider's."""
    concerns = frozenset(concern for concern, _ in interfaces)
    methods: dict[str, Any] = {"name": name, "concerns": concerns}
    bases = (*(interface for _, interface in interfaces), *extras)
    for interface in bases:
        for method in vars(interface):
            if not method.startswith("_") and callable(getattr(interface, method)):
                methods[method] = _forward(method)
    return type(f"Lazy{name.title().replace('-', '')}", (LazyProvider, *bases), methods)


def _forward(method: str) -> Callable[..., Any]:
    def forward(self: LazyProvider, /, *args: Any, **kwargs: Any) -> Any:
        return getattr(self.built(), method)(*args, **kwargs)

    forward.__name__ = forward.__qualname__ = method
    return forward
