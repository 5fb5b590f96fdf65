"""The full trail of the demo's request with 200 ms of latency on every provider call:
cold (empty cache), then warm (a new process-like cache over the same directory).

Goals (issue 5): warm ≤ 50 ms for the whole trail; cold ≤ (dependent calls) × 200 ms +
100 ms, i.e. calls that do not depend on each other overlap.  The longest chain of
dependent calls is find → deployment → model version (with the build) → run (with the
commit): 4 calls; the release list is fetched alongside the deployment, and the model's
other versions and their runs (for the explanation) alongside the model version and run.
The cold figure is split into the providers' own work (the same cold trace with no
latency: the demo's log scan takes ~0.2 s until the logs-at-scale index exists) and the
time spent waiting, which is what the goal bounds.  Also printed: the same trace with no
cache, and what the calls would cost one after the other.

    .venv/bin/python bench/trail_bench.py [--latency 0.2] [--workspace DIR]
"""

from __future__ import annotations

import argparse
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from cache.layer import ProviderCache
from cache.proxies import cached_backends
from cache.settings import CacheSettings
from providers.backends import Backends, open_backends
from providers.config import workspace_profile
from providers.protocols import CONCERNS
from providers.trail.resolver import TrailResolver
from tui.demo.workspace import ensure_demo

DEPENDENT_CALLS = 4


class Slow:
    """Adds ``latency`` seconds to every call of the wrapped provider's methods."""

    name = "slow"

    def __init__(self, inner: Any, latency: float) -> None:
        self._inner = inner
        self._latency = latency
        self.calls = 0

    def identity(self) -> Any:
        return self._inner.identity()

    def __getattr__(self, name: str) -> Any:
        attr = getattr(self._inner, name)
        if not callable(attr):
            return attr

        def slow(*args: Any, **kwargs: Any) -> Any:
            self.calls += 1
            time.sleep(self._latency)
            return attr(*args, **kwargs)

        return slow


def slowed(backends: Backends, latency: float) -> Backends:
    """The same backends, each provider behind one ``Slow`` wrapper."""
    out = Backends(backends.profile)
    wrappers: dict[int, Slow] = {}
    for concern in CONCERNS:
        provider = getattr(backends, concern)
        if provider is not None:
            wrapper = wrappers.setdefault(id(provider), Slow(provider, latency))
            setattr(out, concern, wrapper)
    return out


def calls(backends: Backends) -> int:
    """Provider calls made so far through the ``Slow`` wrappers."""
    return sum(
        w.calls for w in {id(w): w for w in vars(backends).values() if isinstance(w, Slow)}.values()
    )


def timed(call: Callable[[], Any]) -> float:
    start = time.perf_counter()
    call()
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--latency", type=float, default=0.2)
    parser.add_argument("--workspace", type=Path, default=Path("bench/data/demo"))
    args = parser.parse_args()
    workspace = args.workspace.resolve()
    case, _ = ensure_demo(workspace)
    real = open_backends(workspace_profile(workspace, "bench"))
    slow = slowed(real, args.latency)
    TrailResolver(real).trace(case.request_id)  # warm the page cache and git processes

    overlapped = timed(lambda: TrailResolver(slow).trace(case.request_id))
    made = calls(slow)
    sequential = args.latency * made
    with tempfile.TemporaryDirectory() as folder:
        settings = CacheSettings(Path(folder))

        def trace() -> None:
            cache = ProviderCache("bench", settings)
            trail = TrailResolver(cached_backends(slow, cache)).trace(case.request_id)
            assert trail.complete, trail
            cache.store.close()

        cold = timed(trace)
        warm = min(timed(trace) for _ in range(5))
    with tempfile.TemporaryDirectory() as folder:
        settings = CacheSettings(Path(folder))
        slow = slowed(real, 0.0)
        work = timed(trace)  # the providers' own work: the log scan, git, JSON parsing
    goal_cold = DEPENDENT_CALLS * args.latency + 0.1
    print(f"latency per call: {args.latency * 1000:.0f} ms")
    print(f"{made} calls one after another would take {sequential * 1000:.0f} ms")
    print(f"no cache, independent calls overlapped: {overlapped * 1000:.0f} ms")
    waiting = cold - work
    print(
        f"cold (empty cache): {cold * 1000:.0f} ms = {work * 1000:.0f} ms of the providers' "
        f"own work (measured with no latency) + {waiting * 1000:.0f} ms waiting  "
        f"(goal for the waiting <= {goal_cold * 1000:.0f} ms: "
        f"{'PASS' if waiting <= goal_cold else 'FAIL'})"
    )
    print(
        f"warm (cached): {warm * 1000:.1f} ms  "
        f"(goal <= 50 ms: {'PASS' if warm <= 0.05 else 'FAIL'})"
    )
    print(f"ratio warm/cold {warm / cold:.3f}x; cold/sequential {cold / sequential:.2f}x")
    real.close()


if __name__ == "__main__":
    main()
