"""Process-wide interpreter tuning for long reads, each step undone by its counterpart.

- :func:`collection_deferred`: garbage collection held back while a batch of rows becomes
  records.  A batch of a thousand rows allocates thousands of container objects the cycle
  collector tracks (row tuples, predictions), none of them in a reference cycle; left
  alone, the collector runs every 700 such allocations, and the survivors it promotes make
  its full passes over the whole heap frequent (~7% of a month-long field filter).  Blocks
  may overlap, in one thread or several: collection comes back on when the last of them
  ends, and only if it was on when the first began.
- :func:`short_switches`: while any block runs, a thread switch comes every 0.2 ms (default
  5 ms), so a UI thread waiting for the GIL behind a parsing thread gets it back promptly
  (a frame needs it several times: bench/pagedown_bench.py).  The last block to end puts
  the interval back.
- :func:`freeze_heap` / :func:`thaw_heap`: what is alive now (the rows a console keeps)
  leaves the cyclic collector's view, so its full passes stop walking millions of objects
  (~0.2 s each over 200k rows, every thread stalled); thawing brings it all back.
"""

from __future__ import annotations

import contextlib
import gc
import sys
import threading
from collections.abc import Iterator

SEARCH_SWITCH_INTERVAL = 0.0002  # s

_lock = threading.Lock()
_deferring = 0  # collection_deferred blocks open, in all threads
_restore = False  # whether the last of them to end turns collection back on
_switching = 0  # short_switches blocks open, in all threads
_saved_interval = sys.getswitchinterval()


@contextlib.contextmanager
def collection_deferred() -> Iterator[None]:
    """Hold back garbage collection (if it is on) until the block ends."""
    global _deferring, _restore  # noqa: PLW0603  (one collector per process)
    with _lock:
        if _deferring == 0:
            _restore = gc.isenabled()
            gc.disable()
        _deferring += 1
    try:
        yield
    finally:
        with _lock:
            _deferring -= 1
            if _deferring == 0 and _restore:
                gc.enable()


@contextlib.contextmanager
def short_switches(seconds: float = SEARCH_SWITCH_INTERVAL) -> Iterator[None]:
    """Shorten the interpreter's thread switch interval until the block ends."""
    global _switching, _saved_interval  # noqa: PLW0603  (one interpreter per process)
    with _lock:
        if not _switching:
            _saved_interval = sys.getswitchinterval()
            sys.setswitchinterval(seconds)
        _switching += 1
    try:
        yield
    finally:
        with _lock:
            _switching -= 1
            if not _switching:
                sys.setswitchinterval(_saved_interval)


def freeze_heap() -> None:
    """Leave every object alive now out of the cyclic collector's passes."""
    gc.freeze()


def thaw_heap() -> None:
    """Give the collector back every object :func:`freeze_heap` left out."""
    gc.unfreeze()
