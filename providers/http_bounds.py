"""Bounds every HTTP client of the providers shares: a total deadline per request, a cap on
an answer's size and on the pages of a list, JSON that cannot nest deeply enough to crash.

Read timeouts apply per read: a server that sends its status and then one byte every few
seconds is never timed out by them.  :func:`bounded` runs a block under a wall-clock
deadline: sockets that the block uses (clients report them with :func:`watch_socket`) are
shut down when it passes, which ends a blocked read at once, and an error leaving the block
after that becomes :class:`~providers.errors.Unavailable` naming the host and the deadline.
This module imports no HTTP library; :mod:`providers.http_session` fits it to requests.
"""

from __future__ import annotations

import contextlib
import json
import socket
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, TypeVar

from providers.errors import BadData, Unavailable

T = TypeVar("T")

MAX_ANSWER_BYTES = 64 * 1024 * 1024  # one JSON or XML answer; larger ones are not read
MAX_PAGES = 1000  # pages of one list; a server may not page us forever
DEADLINE_HINT = (
    "the deadline covers the whole answer, not each read: the server is slow, down, or "
    "sends its answer a trickle at a time; try again later or raise 'timeout' in the profile"
)

_current = threading.local()


class Deadline:
    """A wall-clock limit shared by every socket one block of requests uses."""

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self.ends = time.monotonic() + seconds
        self.expired = False
        self._sockets: set[socket.socket] = set()
        self._lock = threading.Lock()

    def remaining(self) -> float:
        """Seconds left (0 once passed)."""
        return max(0.0, self.ends - time.monotonic())

    def watch(self, sock: socket.socket) -> None:
        """Shut ``sock`` down when the deadline passes (at once if it has)."""
        with self._lock:
            if self.expired:
                _shut(sock)
            else:
                self._sockets.add(sock)

    def expire(self) -> None:
        """Mark the deadline passed and shut every watched socket down."""
        with self._lock:
            self.expired = True
            for sock in self._sockets:
                _shut(sock)
            self._sockets.clear()


def _shut(sock: socket.socket) -> None:
    with contextlib.suppress(OSError):  # already closed
        sock.shutdown(socket.SHUT_RDWR)  # wakes a read blocked in another thread; close does not


def current_deadline() -> Deadline | None:
    """The deadline of the block this thread runs in, if any."""
    found: Deadline | None = getattr(_current, "deadline", None)
    return found


def watch_socket(sock: socket.socket | None) -> None:
    """Put ``sock`` under this thread's deadline (nothing outside :func:`bounded`)."""
    deadline = current_deadline()
    if deadline is not None and sock is not None:
        deadline.watch(sock)


class Overdue(Unavailable):
    """A request did not finish within its deadline."""


def overdue(what: str, host: str, seconds: float, provider: str) -> Overdue:
    """The error for a request that did not finish within its deadline."""
    return Overdue(
        f"{what}: {host} sent no answer in full within {seconds_text(seconds)}".lstrip(": "),
        hint=DEADLINE_HINT,
        provider=provider,
    )


@contextmanager
def bounded(seconds: float, *, what: str, host: str, provider: str) -> Iterator[Deadline]:
    """Run the block under a deadline of ``seconds``; nested blocks keep the outer one.

    Never wrap a ``yield`` in it: the deadline belongs to the thread while the block runs.
    """
    outer = current_deadline()
    if outer is not None:
        yield outer
        return
    deadline = Deadline(seconds)
    timer = threading.Timer(seconds, deadline.expire)
    timer.daemon = True
    timer.start()
    _current.deadline = deadline
    try:
        yield deadline
    except Exception:
        if deadline.expired:
            raise overdue(what, host, seconds, provider) from None
        raise
    finally:
        timer.cancel()
        _current.deadline = None


def bounded_steps(
    items: Iterator[T], seconds: float, *, what: str, host: str, provider: str
) -> Iterator[T]:
    """``items``, each step (the requests it makes) under its own deadline."""
    while True:
        with bounded(seconds, what=what, host=host, provider=provider):
            try:
                item = next(items)
            except StopIteration:
                return
        yield item


def too_large(what: str, host: str, limit: int, provider: str) -> BadData:
    """The error for an answer over ``limit`` bytes."""
    return BadData(
        f"{what}: {host} sent an answer over {limit / 2**20:g} MiB; it was not read".lstrip(": "),
        hint="the server answered far more than such a request needs; check the URL",
        provider=provider,
    )


def read_capped(
    chunks: Iterator[bytes],
    limit: int,
    *,
    what: str,
    host: str,
    provider: str,
    close: Callable[[], None] | None = None,
) -> bytes:
    """The bytes of ``chunks``; BadData as soon as they pass ``limit`` (``close`` called)."""
    parts: list[bytes] = []
    size = 0
    for chunk in chunks:
        size += len(chunk)
        if size > limit:
            if close is not None:
                close()
            raise too_large(what, host, limit, provider)
        parts.append(chunk)
    return b"".join(parts)


def parse_json(data: bytes | str, *, what: str, host: str, provider: str) -> Any:
    """The JSON value of ``data``; BadData if it is not JSON or nests too deeply to read."""
    try:
        return json.loads(data)
    except RecursionError:
        raise nested_too_deeply(what, host, provider) from None
    except (json.JSONDecodeError, UnicodeDecodeError):
        raise BadData(
            f"{what}: the server at {host} did not answer JSON", provider=provider
        ) from None


def nested_too_deeply(what: str, host: str, provider: str) -> BadData:
    """The error for a JSON answer nested beyond what the parser can read."""
    return BadData(
        f"{what}: {host} answered JSON nested too deeply to read",
        hint="no real answer nests that deep; the server or a proxy before it is broken",
        provider=provider,
    )


class PageGuard:
    """Stops a paged list whose server repeats a page token or pages without end."""

    def __init__(self, what: str, host: str, provider: str) -> None:
        self.what, self.host, self.provider = what, host, provider
        self.max_pages = MAX_PAGES
        self._seen: set[str] = set()

    def next(self, token: str) -> str:
        """``token``, once it is known to be new and the page count within the cap."""
        if token in self._seen:
            raise BadData(
                f"{self.what}: {self.host} sent the same page token twice "
                f"(after {len(self._seen)} page(s)); the list would never end",
                hint="the server's paging is broken; the pages read so far were dropped",
                provider=self.provider,
            )
        if len(self._seen) + 1 >= self.max_pages:
            raise BadData(
                f"{self.what}: {self.host} had more than {self.max_pages} pages; stopped",
                hint="narrow the request, or the server's paging is broken",
                provider=self.provider,
            )
        self._seen.add(token)
        return token


def wait_text(after: float | None, max_wait: float) -> str:
    """What the server asked about waiting, for a message: its own figure, never one of ours."""
    if after is None:
        return ""
    told = f"; it asks to wait {seconds_text(after)}"
    return told + (
        f", longer than the {seconds_text(max_wait)} we wait" if after > max_wait else ""
    )


def seconds_text(seconds: float) -> str:
    """``0.5s``, ``120s``, ``99999s``: whole seconds from 10 on, never an exponent."""
    return f"{seconds:.0f}s" if seconds >= 10 else f"{seconds:g}s"
