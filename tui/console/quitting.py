"""Quitting never waits for a provider call still in flight.

Textual runs thread workers on the event loop's default executor; asyncio waits for that
executor when the loop closes, and Python waits for pool threads once more at exit.  So
one slow answer (a server trickling its body) kept the process up after ``q`` until the
answer ended.  The console makes :class:`DaemonExecutor` the loop's default executor (its
threads are daemons and nothing waits for them), and :func:`leave` ends the process at
once if threads of a provider's own pool are still busy a moment after the console has
closed.  What those threads may be writing is safe to cut short: case files and mirrored
blobs are written to a temporary file and renamed, the caches are SQLite transactions.
"""

from __future__ import annotations

import os
import sys
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any, TypeVar

T = TypeVar("T")

GRACE_SECONDS = 0.5


class DaemonExecutor(ThreadPoolExecutor):
    """Runs each task on a new daemon thread; shutting it down waits for none of them.

    A ThreadPoolExecutor only by type (asyncio accepts no other default executor): its
    pool is never used.
    """

    def submit(self, fn: Callable[..., T], /, *args: Any, **kwargs: Any) -> Future[T]:
        """Start ``fn(*args, **kwargs)`` on a daemon thread; its future."""
        future: Future[T] = Future()

        def run() -> None:
            if not future.set_running_or_notify_cancel():
                return
            try:
                future.set_result(fn(*args, **kwargs))
            except BaseException as exc:  # handed to whoever awaits the future
                future.set_exception(exc)

        threading.Thread(target=run, name="modeltrail-worker", daemon=True).start()
        return future

    def shutdown(self, wait: bool = True, *, cancel_futures: bool = False) -> None:
        """Nothing to wait for: the threads end with their task, or with the process."""


def _busy() -> list[threading.Thread]:
    main = threading.main_thread()
    return [t for t in threading.enumerate() if t is not main and not t.daemon and t.is_alive()]


def leave(code: int) -> int:
    """``code``, after the console closed; the process ends here instead if threads
    that Python would wait for are still busy after a short grace."""
    deadline = time.monotonic() + GRACE_SECONDS
    for thread in _busy():
        thread.join(max(0.0, deadline - time.monotonic()))
    if _busy():
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(code)
    return code
