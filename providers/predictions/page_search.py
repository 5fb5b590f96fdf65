"""Searching predictions page by page in a :class:`LogStore`, in Python and in DuckDB.

A search walks the time-pruned folders oldest first and streams pages, reading each
partition's outputs alongside its inputs (:mod:`providers.predictions.formats`).  A search
by id is a lookup (:mod:`providers.predictions.id_lookup`) cut into pages.

With field filters DuckDB can prefilter (:mod:`providers.predictions.duckdb_search`), the
hand-off: the first partition is parsed in Python until the first page is out (~0.1 s;
DuckDB's first rows come after ~0.3 s).  Then, if that partition is v1 and DuckDB can
read it, DuckDB reads its rest from the line after the last one parsed, and the
:class:`~providers.predictions.duckdb_search.read_ahead.ReadAhead` thread queries the
following partitions ahead; a partition DuckDB cannot read as Python would is parsed here.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import BinaryIO, TypeVar

from providers.predictions.blob_payload import BlobPayloads
from providers.predictions.duckdb_search import filter_sql
from providers.predictions.duckdb_search.read_ahead import FileRun, ReadAhead
from providers.predictions.folder_layout import Layout, Partition, oldest_first, walk_inputs
from providers.predictions.formats.csv_v1 import parse_csv
from providers.predictions.formats.jsonl_v2 import parse_jsonl
from providers.predictions.id_lookup import IdLookup
from providers.predictions.join import V1Outputs, V2Outputs, join_v1, join_v2
from providers.predictions.log_store import LogStore, StoredFile
from providers.predictions.paging import Pager, Wanted, capped, split, unreadable
from providers.protocols import PredictionPage
from providers.query import PredictionQuery
from providers.records import DataIssue, Prediction

_EMPTY_FOLDER = "no log files in this folder (nothing collected, or not written yet)"

T = TypeVar("T")
_Parser = Callable[[BinaryIO, str], Iterator[T | DataIssue]]
# name, items, rows outside the folder's time if counted apart (known once the items are
# read): DuckDB's runs, whose items match the query's field filters already
_Run = tuple[str, Iterator[Prediction | DataIssue], Callable[[], int] | None]


class PageSearch:
    """Pages of predictions matching a query, from the v1 and v2 logs of one store.

    ``files_scanned`` of a page counts the files read while filling that page.
    """

    def __init__(
        self,
        store: LogStore,
        layout: Layout,
        provider: str,
        lookup: IdLookup,
        *,
        use_duckdb: bool = True,
    ) -> None:
        """``lookup`` answers a search by id; ``use_duckdb``: field filters are
        prefiltered by DuckDB where a partition allows."""
        self.store = store
        self.blobs = BlobPayloads(store)
        self.layout = layout
        self.provider = provider
        self.lookup = lookup
        self.use_duckdb = use_duckdb

    def search(self, query: PredictionQuery) -> Iterator[PredictionPage]:
        """Pages of predictions matching ``query``: partitions oldest first, rows in file
        order; at most :data:`~providers.predictions.paging.PAGE_SIZE` rows a page
        (:data:`~providers.predictions.paging.FIRST_PAGE_SIZE` for the first), stopping
        at ``query.limit``."""
        if query.request_id:
            yield from self._search_by_id(query)
            return
        pager = Pager(query.limit, self.store.skipped)
        if pager.done:
            return
        partitions = sorted(walk_inputs(self.store, self.layout, query), key=oldest_first)
        duck = None
        if self._pushdown(query) and partitions:
            # the first partition is parsed in Python until the first page is out (~0.1 s;
            # DuckDB's first rows come after ~0.3 s), then DuckDB reads the rest
            duck = ReadAhead(self.store, self.provider, query, partitions[1:])
        try:
            yield from self._search(partitions, query, pager, duck)
        finally:
            if duck is not None:
                duck.close()

    def _pushdown(self, query: PredictionQuery) -> bool:
        """True if field filters go to DuckDB (when a partition allows it)."""
        return self.use_duckdb and bool(query.filters) and filter_sql.pushable(query.filters)

    def _search(
        self,
        partitions: list[Partition],
        query: PredictionQuery,
        pager: Pager,
        duck: ReadAhead | None,
    ) -> Iterator[PredictionPage]:
        wanted = Wanted(query)
        for number, partition in enumerate(partitions):
            files = partition.files(self.store)
            if not files:
                pager.issues.append(DataIssue(partition.folder, _EMPTY_FOLDER))
                continue
            partner = partition.partner()
            outputs = partner.files(self.store) if partner else []
            if pager.rows and not all(self.store.ready(f.name) for f in [*outputs, *files]):
                yield pager.take()  # what is in, before waiting on the store
            start, end = partition.start, partition.end
            runs: Iterator[_Run] = self._joined(
                partition, files, outputs, pager, duck if number else None
            )
            resumed = False  # the run goes on with a file begun in Python
            while (run := next(runs, None)) is not None:
                name, predictions, counted = run
                pager.files += not resumed
                resumed = False
                skewed = 0
                last: Prediction | None = None  # the last item, if a prediction
                for item in capped(name, predictions):
                    if isinstance(item, DataIssue):
                        pager.issues.append(item)
                        last = None
                    else:
                        last = item
                        outside = not start <= item.timestamp < end
                        skewed += outside
                        if wanted(item, by_folder=outside, fields=counted is None):
                            pager.add(item)
                            if pager.done:
                                yield pager.take()
                                return
                    if pager.full or pager.stale:
                        yield pager.take()
                        if duck is not None and not duck.started:
                            rest = self._rest(duck, partition, files, last if number == 0 else None)
                            if rest is not None:
                                runs, resumed = iter(rest), True
                                break
                if resumed:
                    continue
                skewed = skewed if counted is None else counted()
                if skewed:
                    pager.issues.append(DataIssue(name, _skew(skewed, partition)))
                if pager.stale:
                    yield pager.take()
                    if duck is not None:
                        duck.start()
        pager.skips()
        if pager.rows or pager.issues or pager.files:
            yield pager.take()

    @staticmethod
    def _rest(
        duck: ReadAhead, partition: Partition, files: list[StoredFile], last: Prediction | None
    ) -> list[FileRun] | None:
        """After the first page: the rest of the first partition from DuckDB, if it was
        being parsed in Python (``last``: its last prediction) and DuckDB can read it;
        else None, and DuckDB starts reading the next partitions ahead."""
        if last is None or partition.format != "v1":
            duck.start()
            return None
        name, _, line = last.source.native_id.rpartition(":")
        first = [f.name for f in files].index(name)
        return duck.rest(partition, first, int(line))

    def _search_by_id(self, query: PredictionQuery) -> Iterator[PredictionPage]:
        assert query.request_id is not None
        page = self.lookup.find(query.request_id, query)
        wanted = Wanted(query)
        yield from split(page, [row for row in page.rows if wanted(row)][: query.limit])

    def _joined(
        self,
        partition: Partition,
        files: list[StoredFile],
        partner_files: list[StoredFile],
        pager: Pager,
        duck: ReadAhead | None,
    ) -> Iterator[_Run]:
        """Per inputs file, its predictions joined with the outputs of the partition (in
        ``partner_files``), and its count of skewed rows when counted apart.  DuckDB
        filters the partition by the query's fields when it can; else the outputs are read
        alongside, only as far as the inputs need."""
        pager.files += len(partner_files)
        runs = duck.partition(partition) if duck else None
        if runs is not None:
            yield from runs
        elif partition.format == "v1":
            v1 = V1Outputs(self._all(partner_files, parse_csv))
            for file in files:
                rows = self._read(file.name, parse_csv)
                yield file.name, join_v1(self.provider, partition, rows, v1), None
        else:
            v2 = V2Outputs(self._all(partner_files, parse_jsonl))
            for file in files:
                records = self._read(file.name, parse_jsonl)
                yield file.name, join_v2(self.provider, partition, records, v2, self.blobs), None

    def _all(self, files: list[StoredFile], parse: _Parser[T]) -> Iterator[T | DataIssue]:
        for file in files:
            yield from capped(file.name, self._read(file.name, parse))

    def _read(self, name: str, parse: _Parser[T]) -> Iterator[T | DataIssue]:
        try:
            stream = self.store.open(name)
        except OSError as exc:
            yield unreadable(name, exc)
            return
        with stream:
            yield from parse(stream, name)


def _skew(count: int, partition: Partition) -> str:
    span = "hour" if partition.hourly else "day"
    return (
        f"{count} row(s) stamped outside this folder's {span} (clock skew or late flush);"
        " kept, and matched by the folder's time"
    )
