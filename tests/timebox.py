"""Time limits for tests that could hang on the code they test: run the work in a daemon
thread and fail the test, instead of hanging the suite, when it does not return in time."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any, TypeVar

import pytest

T = TypeVar("T")


def bounded(seconds: float, work: Callable[[], T]) -> T:
    """``work()``, failing the test if it has not returned within ``seconds``."""
    outcome: list[Any] = []

    def run() -> None:
        try:
            outcome.append((True, work()))
        except BaseException as exc:
            outcome.append((False, exc))

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    thread.join(seconds)
    if not outcome:
        pytest.fail(f"did not finish within {seconds} s")
    done, value = outcome[0]
    if not done:
        raise value
    return value  # type: ignore[no-any-return]
