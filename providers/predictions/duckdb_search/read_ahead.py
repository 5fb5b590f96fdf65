"""DuckDB reading ahead of the page search, in a thread.

DuckDB releases the GIL while it scans, so querying the next partitions overlaps the
Python work (building the predictions) on the current one: one thread runs the queries,
:data:`QUERIES` ahead of the one whose rows another thread hands over.  At most
:data:`AHEAD` batches wait in a bounded queue, so memory stays flat.
"""

from __future__ import annotations

import logging
import queue
import threading
from collections import deque
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any

from providers.predictions.duckdb_search.csv_search import DuckSearch, Opened
from providers.predictions.duckdb_search.jsonl_search import JsonRun
from providers.predictions.folder_layout import Partition
from providers.predictions.log_store import LogStore
from providers.query import PredictionQuery
from providers.records import DataIssue, Prediction

log = logging.getLogger(__name__)

AHEAD = 8  # batches of rows waiting for the page search
QUERIES = 2  # partitions queried ahead (their results wait in DuckDB)
# name, items, rows outside the folder's time (all of the file's once the items are read;
# None: the page search counts them, and checks the field filters, as for a file read in
# Python)
FileRun = tuple[str, Iterator[Prediction | DataIssue], Callable[[], int] | None]
_DONE = ("done", "", None)
_Job = tuple[Partition, int, int]  # a partition, its first inputs file, the line after
_Read = list[Opened] | list[JsonRun] | None  # what DuckDB made of a partition


class ReadAhead:
    """The partitions of one search, queried by DuckDB in order."""

    def __init__(
        self, store: LogStore, provider: str, query: PredictionQuery, partitions: list[Partition]
    ) -> None:
        self.search = DuckSearch(store, provider)
        self._query = query
        self._jobs: list[_Job] = [(partition, 0, 0) for partition in partitions]
        self._events: queue.Queue[tuple[str, str, Any]] = queue.Queue(AHEAD)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._produce, name="duckdb-read-ahead", daemon=True)

    @property
    def started(self) -> bool:
        """True once reading ahead has begun."""
        return self._thread.ident is not None

    def start(self) -> None:
        """Start reading ahead (once; :meth:`partition` starts it if need be)."""
        if not self.started:
            self._thread.start()

    def rest(self, partition: Partition, first: int, after: int) -> list[FileRun] | None:
        """Before :meth:`start`: the rest of a partition the page search began in Python,
        from inputs file number ``first``, line ``after + 1`` (as :meth:`partition`)."""
        assert not self.started, "the rest of a partition must be read first"
        self._jobs.insert(0, (partition, first, after))
        return self.partition(partition)

    def close(self) -> None:
        """Stop reading ahead and close DuckDB."""
        self._stop.set()
        self.search.interrupt()
        while self.started and self._thread.is_alive():
            self._drain()
            self._thread.join(0.05)
        self.search.close()

    def partition(self, partition: Partition) -> list[FileRun] | None:
        """Per inputs file, its predictions matching the query's field filters (the rest
        of the query is left to the page search) and its rows outside the folder's time;
        None if the partition must be read in Python.  Runs must be read in order, to their end."""
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
        return [(opened.name, self._run(opened.name), opened.counted) for opened in value]

    def _run(self, name: str) -> Iterator[Prediction | DataIssue]:
        while True:
            kind, _, value = self._events.get()
            if kind == "rows":
                yield from value[0].predictions(value[1])
            elif kind == "failed":
                yield DataIssue(name, f"DuckDB stopped reading this file: {value}")
                return
            elif kind == "end":
                return
            else:
                raise RuntimeError(f"read-ahead out of step: {kind}")

    def _produce(self) -> None:
        try:
            with ThreadPoolExecutor(QUERIES, thread_name_prefix="duckdb-query") as pool:
                self._hand_over(pool)
        except Exception as exc:  # handed to the page search's thread
            if not self._stop.is_set():
                self._put("error", "", exc)

    def _hand_over(self, pool: ThreadPoolExecutor) -> None:
        """Query the partitions in ``pool``, :data:`QUERIES` at a time and one more waiting
        (a partition's query starts before the rows of the one before it are handed over);
        hand their rows over in order."""
        batches = self._batches()
        waiting: deque[tuple[list[Partition], Future[list[_Read]]]] = deque()

        def submit() -> None:
            if (batch := next(batches, None)) is not None:
                partitions = [partition for partition, _, _ in batch]
                if len(batch) > 1:
                    future = pool.submit(self._read_group, partitions)
                else:
                    future = pool.submit(self._read, *batch[0])
                waiting.append((partitions, future))

        try:
            for _ in range(QUERIES):
                submit()
            while waiting:
                partitions, future = waiting.popleft()
                submit()
                for partition, opened in zip(partitions, future.result(), strict=True):
                    if not self._hand_partition(partition, opened):
                        return
            self._put(*_DONE)
        finally:
            for _, future in waiting:
                future.cancel()

    def _batches(self) -> Iterator[list[_Job]]:
        """The jobs in order, the consecutive hours of one v2 day folder together."""
        batch: list[_Job] = []
        for job in self._jobs:
            if batch and not _same_day(batch[0], job):
                yield batch
                batch = []
            batch.append(job)
        if batch:
            yield batch

    def _read_group(self, partitions: list[Partition]) -> list[_Read]:
        read: list[_Read] = [*self.search.read_group(partitions, self._query)]
        return read

    def _read(self, partition: Partition, first: int, after: int) -> list[_Read]:
        return [self.search.read(partition, self._query, first=first, after=after)]

    def _hand_partition(self, partition: Partition, opened: _Read) -> bool:
        if not self._put("part", partition.folder, opened):
            return False
        return all(self._stream(one) for one in opened or [])

    def _stream(self, opened: Opened | JsonRun) -> bool:
        try:
            for batch in opened.batches():
                if not self._put("rows", opened.name, (opened, batch)):
                    return False
        except Exception as exc:  # duckdb.Error after the checks passed: say so, go on
            if self._stop.is_set():
                return False
            log.warning("DuckDB stopped reading %s: %s", opened.name, exc)
            return self._put("failed", opened.name, exc)
        return self._put("end", opened.name, None)

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


def _same_day(first: _Job, job: _Job) -> bool:
    """True if ``job`` is another whole hour of the v2 day folder of ``first``."""
    a, b = first[0], job[0]
    return (
        a.format == b.format == "v2"
        and a.hourly
        and b.hourly
        and first[1:] == job[1:] == (0, 0)
        and (a.base, a.collection, a.day_folder) == (b.base, b.collection, b.day_folder)
    )
