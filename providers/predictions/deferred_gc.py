"""Garbage collection held back while a batch of rows becomes records.

Turning a batch of a thousand rows into predictions allocates thousands of container
objects that the cycle collector tracks (row tuples, predictions), none of them in a
reference cycle.  Left alone, the collector runs every 700 such allocations, and the
survivors it promotes make its full passes over the whole heap frequent: ~7% of a
month-long field filter.  Inside :func:`collection_deferred` it waits for the batch's
end.  Blocks may overlap, in one thread or several: collection comes back on when the
last of them ends, and only if it was on when the first began.
"""

from __future__ import annotations

import contextlib
import gc
import threading
from collections.abc import Iterator

_lock = threading.Lock()
_depth = 0  # blocks open, in all threads
_restore = False  # whether the last block to end turns collection back on


@contextlib.contextmanager
def collection_deferred() -> Iterator[None]:
    """Hold back garbage collection (if it is on) until the block ends."""
    global _depth, _restore  # noqa: PLW0603  (one collector per process)
    with _lock:
        if _depth == 0:
            _restore = gc.isenabled()
            gc.disable()
        _depth += 1
    try:
        yield
    finally:
        with _lock:
            _depth -= 1
            if _depth == 0 and _restore:
                gc.enable()
