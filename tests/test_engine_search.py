"""Cancelling an engine search from the console's thread never waits on the engine."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator

from tui.panes.engine_search import cancellable


class _SlowEngine:
    """An engine whose cancel takes seconds to answer (gone, and retried)."""

    def __init__(self) -> None:
        self.cancelled = threading.Event()

    def cancel_searches(self) -> None:
        time.sleep(3)
        self.cancelled.set()


def test_a_cancel_returns_at_once_and_reaches_the_engine() -> None:
    engine = _SlowEngine()

    def pages() -> Iterator[int]:
        yield 1
        yield 2

    stream = cancellable(engine, pages)
    assert next(stream) == 1
    started = time.monotonic()
    stream.cancel()  # type: ignore[attr-defined]
    assert time.monotonic() - started < 1, "the cancel waited on the engine's answer"
    assert engine.cancelled.wait(10), "the engine was never asked to cancel"
