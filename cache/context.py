"""How the current call should use the cache, and what the cache served it.

The console runs provider calls in thread workers; each worker sets a mode and an
observer with :func:`using`, then reads back which answers came from the cache and how
old they were.  Context variables keep concurrent workers apart.  Outside any
:func:`using` block the mode is :data:`VERIFY`.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field

#: Stale answers are refetched before returning (the CLI, the trail resolver).
VERIFY = "verify"
#: Stale answers are returned at once and marked, so the caller can revalidate them.
STALE_OK = "stale-ok"
#: Nothing is read from the cache (``r``); answers are fetched and stored again.
REFRESH = "refresh"

MODES = (VERIFY, STALE_OK, REFRESH)


@dataclass(frozen=True, slots=True)
class Served:
    """One answer that came from the cache instead of the backend."""

    what: str
    age: float  # seconds since it was fetched
    stale: bool  # past its time to live
    why: str = ""  # "offline" or the error that made the backend unreachable


@dataclass
class Observation:
    """What the cache served during one :func:`using` block."""

    served: list[Served] = field(default_factory=list)

    @property
    def stale(self) -> bool:
        """True when some answer was past its time to live."""
        return any(s.stale for s in self.served)

    @property
    def oldest(self) -> float:
        """Age in seconds of the oldest answer served from the cache (0 if none)."""
        return max((s.age for s in self.served), default=0.0)

    @property
    def fallback(self) -> str:
        """Why cached answers stood in for the backend ("" if they did not)."""
        return next((s.why for s in self.served if s.why), "")


_mode: ContextVar[str] = ContextVar("modeltrail_cache_mode", default=VERIFY)
_observation: ContextVar[Observation | None] = ContextVar("modeltrail_cache_seen", default=None)


@contextmanager
def using(mode: str = VERIFY) -> Iterator[Observation]:
    """Run the block's provider calls in ``mode``; yields what the cache served."""
    if mode not in MODES:
        raise ValueError(f"unknown cache mode {mode!r}")
    seen = Observation()
    mode_token = _mode.set(mode)
    seen_token = _observation.set(seen)
    try:
        yield seen
    finally:
        _mode.reset(mode_token)
        _observation.reset(seen_token)


def current_mode() -> str:
    """The mode of the innermost :func:`using` block (VERIFY outside any)."""
    return _mode.get()


def record(served: Served) -> None:
    """Note that the cache served an answer (ignored outside :func:`using`)."""
    seen = _observation.get()
    if seen is not None:
        seen.served.append(served)
