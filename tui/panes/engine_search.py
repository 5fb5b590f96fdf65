"""A search run by a remote engine: what it cannot run itself, and a cancel that stops
its job.

A provider that queries an engine says, before a search runs, what of it the engine does
not run (``can_push_down``: modeltrail reads those folders itself; the answers are the
same), and the pane's status says so.  It also offers ``cancel_searches()``: when the
pane leaves a search (a new query, the pane closed),
:meth:`~tui.panes.base.Pane.cancel_stream` cancels the stream, and the engine's running
job is interrupted at once instead of running on to its end; the pane says so
(:func:`left_note`).  Providers without either
(local logs, Blob) are read as before.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any, TypeVar

from providers.query import PredictionQuery
from providers.streams import Cancel, Stream

T = TypeVar("T")


def cancellable(provider: Any, pages: Callable[[], Iterator[T]]) -> Iterator[T]:
    """``pages()``, as a :class:`Stream` whose cancel calls the provider's
    ``cancel_searches`` (seen through the cache's proxy) if it has one: it returns at
    once, the searches running then marked, the round trip to the engine on a thread of
    its own (the console cancels from its UI thread)."""
    stop = getattr(provider, "cancel_searches", None)
    if not callable(stop):
        return pages()

    def produce(cancel: Cancel) -> Iterator[T]:
        with cancel.stopping(stop):
            yield from pages()

    return Stream(produce)


def left_note(provider: Any, query_text: str) -> str | None:
    """What to say when a search of ``provider`` still running is left for another: its
    engine job is cancelled (None if the provider has no engine)."""
    if not callable(getattr(provider, "cancel_searches", None)):
        return None
    return f"Left the search for {query_text!r}: its job on the engine is cancelled."


def interrupted_note(provider: Any) -> str:
    """What to say when a command reading ``provider`` is interrupted (Ctrl-C) and the
    provider closed: its engine's job, if it had one, is cancelled with the session."""
    if not callable(getattr(provider, "cancel_searches", None)):
        return "interrupted"
    return "interrupted; its jobs on the engine, if any, are cancelled"


def engine_note(provider: Any, query: PredictionQuery) -> str:
    """What of ``query`` the provider's engine does not run itself, as a status suffix
    ("" if it runs it all, or the provider has no engine)."""
    ask = getattr(provider, "can_push_down", None)
    why = ask(query) if callable(ask) else None
    return f" (not all in the engine: {why})" if why else ""
