"""Streams of pages that a worker thread reads while another thread may cancel them.

A worker reading a stream checks for cancellation only between pages; a read blocked on a
process (``git log -S`` finding nothing for minutes) would keep the process running until
it prints again.  :class:`Stream` lets the thread that no longer wants the pages stop the
work behind them at once: its producer registers how (kill the process) with
:meth:`Cancel.stopping`, the blocked read returns, and the stream ends without an error.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Callable, Iterator
from typing import Generic, TypeVar

T = TypeVar("T")


class Cancel:
    """Set once, from any thread, by whoever no longer wants a stream's pages."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._stops: list[Callable[[], None]] = []
        self.is_set = False

    def set(self) -> None:
        """Cancel: run every stop registered (each once), and any registered later at once."""
        with self._lock:
            self.is_set = True
            stops, self._stops = self._stops, []
        for stop in stops:
            stop()

    @contextlib.contextmanager
    def stopping(self, stop: Callable[[], None]) -> Iterator[None]:
        """Within the block, a cancel runs ``stop`` (at once if already cancelled)."""
        with self._lock:
            cancelled = self.is_set
            if not cancelled:
                self._stops.append(stop)
        if cancelled:
            stop()
        try:
            yield
        finally:
            with self._lock, contextlib.suppress(ValueError):  # run and dropped by set()
                self._stops.remove(stop)


class Stream(Iterator[T], Generic[T]):
    """The pages ``produce(cancel)`` yields; :meth:`cancel` may be called from any thread."""

    def __init__(self, produce: Callable[[Cancel], Iterator[T]]) -> None:
        self._cancel = Cancel()
        self._pages = produce(self._cancel)

    def __iter__(self) -> Stream[T]:
        return self

    def __next__(self) -> T:
        return next(self._pages)

    def cancel(self) -> None:
        """Stop the work behind the stream now; the reader's next page ends it."""
        self._cancel.set()

    def close(self) -> None:
        """End the stream from the thread reading it (a generator's ``close``)."""
        close = getattr(self._pages, "close", None)
        if callable(close):
            close()
