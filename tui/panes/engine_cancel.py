"""A search's pages whose cancel also stops the engine's job behind them.

A provider that queries a remote engine (``spark``) offers ``cancel_searches()``; when the
pane leaves a search (a new query, the pane closed) :meth:`~tui.panes.base.Pane.cancel_stream`
cancels the stream, and the engine's running job is interrupted at once instead of
running on to its end.  Providers without it (local logs, Blob) are read as before.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any, TypeVar

from providers.streams import Cancel, Stream

T = TypeVar("T")


def cancellable(provider: Any, pages: Callable[[], Iterator[T]]) -> Iterator[T]:
    """``pages()``, as a :class:`Stream` whose cancel calls the provider's
    ``cancel_searches`` (seen through the cache's proxy) if it has one."""
    stop = getattr(provider, "cancel_searches", None)
    if not callable(stop):
        return pages()

    def produce(cancel: Cancel) -> Iterator[T]:
        with cancel.stopping(stop):
            yield from pages()

    return Stream(produce)
