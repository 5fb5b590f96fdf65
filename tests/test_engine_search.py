"""Cancelling an engine search from the console's thread never waits on the engine."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from providers.protocols import ProviderContext
from providers.spark.provider import SparkPredictionsProvider
from providers.spark.session import EngineSession
from tui.panes.engine_search import cancellable


def test_a_cancel_returns_at_once_and_reaches_the_engine(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The engine answers a cancel in seconds (gone, and retried): the console's cancel
    returns at once, and the engine is asked all the same."""
    asked = threading.Event()

    def slow(self: EngineSession, tag: str) -> None:
        time.sleep(3)
        asked.set()

    monkeypatch.setattr(EngineSession, "interrupt", slow)
    spark = SparkPredictionsProvider.from_settings(
        {"url": "sc://127.0.0.1:9", "path": "file:/nowhere"}, ProviderContext("t", tmp_path)
    )
    spark._searching.add("modeltrail-search-running")  # a search whose job runs

    def pages() -> Iterator[Any]:
        yield 1
        yield 2

    stream = cancellable(spark, pages)
    assert next(stream) == 1
    started = time.monotonic()
    stream.cancel()  # type: ignore[attr-defined]
    assert time.monotonic() - started < 1, "the cancel waited on the engine's answer"
    assert asked.wait(10), "the engine was never asked to cancel"
