"""DuckDB reading ahead of the reader, in a thread.

DuckDB releases the GIL while it scans, so checking and filtering the next partitions
overlaps the Python work (building the predictions) on the current one, and the search
thread holds the GIL less.  At most :data:`AHEAD` batches wait in a bounded queue, so
memory stays flat.
"""

from __future__ import annotations

import logging
import queue
import threading
from collections.abc import Iterator
from typing import Any

from providers.predictions.duck import DuckSearch, Prepared
from providers.predictions.layout import Partition
from providers.predictions.store import LogStore
from providers.query import PredictionQuery
from providers.records import DataIssue, Prediction

log = logging.getLogger(__name__)

AHEAD = 8  # batches of rows waiting for the reader
FileRun = tuple[str, Iterator[Prediction | DataIssue], int]  # name, items, skewed rows
_DONE = ("done", "", None)


class ReadAhead:
    """The partitions of one search, prepared and filtered by DuckDB in order."""

    def __init__(
        self, store: LogStore, provider: str, query: PredictionQuery, partitions: list[Partition]
    ) -> None:
        self.search = DuckSearch(store, provider)
        self._query = query
        self._events: queue.Queue[tuple[str, str, Any]] = queue.Queue(AHEAD)
        self._stop = threading.Event()
        self._thread = threading.Thread(
            target=self._produce, args=(partitions,), name="duckdb-read-ahead", daemon=True
        )

    def start(self) -> None:
        """Start reading ahead (once; :meth:`partition` starts it if need be)."""
        if self._thread.ident is None:
            self._thread.start()

    def close(self) -> None:
        """Stop reading ahead and close DuckDB."""
        self._stop.set()
        con = self.search._con
        if con is not None:
            con.interrupt()
        while self._thread.ident is not None and self._thread.is_alive():
            self._drain()
            self._thread.join(0.05)
        self.search.close()

    def partition(self, partition: Partition) -> list[FileRun] | None:
        """Per inputs file, its predictions prefiltered by DuckDB (to be checked again
        with the whole query) and its rows outside the folder's time; None if the
        partition must be read in Python.  Runs must be read in order, to their end."""
        self.start()
        while True:
            kind, folder, value = self._events.get()
            if kind == "error":
                raise value
            if kind == "done":
                self._events.put(_DONE)
                return None
            if kind == "part" and folder == partition.folder:
                break
        if value is None:
            return None
        prepared: Prepared = value
        return [
            (name, self._run(prepared, name), skew)
            for name, skew in zip(prepared.inputs.names, prepared.skewed, strict=True)
        ]

    def _run(self, prepared: Prepared, name: str) -> Iterator[Prediction | DataIssue]:
        while True:
            kind, _, value = self._events.get()
            if kind == "rows":
                yield from prepared.predictions(name, value)
            elif kind == "failed":
                yield DataIssue(name, f"DuckDB stopped reading this file: {value}")
                return
            elif kind == "end":
                return
            else:
                raise RuntimeError(f"read-ahead out of step: {kind}")

    def _produce(self, partitions: list[Partition]) -> None:
        try:
            for partition in partitions:
                prepared = self.search.prepare(partition, self._query)
                if not self._put("part", partition.folder, prepared):
                    return
                if prepared is None:
                    continue
                for name, path in zip(prepared.inputs.names, prepared.inputs.paths, strict=True):
                    if not self._stream(prepared, name, path):
                        return
            self._put(*_DONE)
        except Exception as exc:  # handed to the reader's thread
            if not self._stop.is_set():
                self._put("error", "", exc)

    def _stream(self, prepared: Prepared, name: str, path: str) -> bool:
        try:
            for batch in self.search.batches(prepared, path):
                if not self._put("rows", name, batch):
                    return False
        except Exception as exc:  # duckdb.Error after the checks passed: say so, go on
            if self._stop.is_set():
                return False
            log.warning("DuckDB stopped reading %s: %s", name, exc)
            return self._put("failed", name, exc)
        return self._put("end", name, None)

    def _put(self, kind: str, name: str, value: Any) -> bool:
        while not self._stop.is_set():
            try:
                self._events.put((kind, name, value), timeout=0.1)
            except queue.Full:
                continue
            return True
        return False

    def _drain(self) -> None:
        while True:
            try:
                self._events.get_nowait()
            except queue.Empty:
                return
