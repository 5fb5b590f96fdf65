"""Finding and searching predictions in a :class:`~providers.predictions.store.LogStore`.

:class:`LogReader` holds no storage details, so the local-folder provider and a blob
provider share it.  ``find`` answers closed days from the id index when one is given
(:mod:`providers.predictions.index`), searches the raw bytes of every other file for the id
(:mod:`providers.predictions.scan`) and parses only the lines that hold it; ``search``
walks time-pruned folders and streams pages, reading each partition's outputs alongside
its inputs.  Why these choices (and not DuckDB/polars) is measured in ``bench/logs_bench.py``.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import BinaryIO, TypeVar

from providers.predictions import duck_sql
from providers.predictions.csv_v1 import (
    ZERO_REQUEST_ID,
    CsvHeader,
    CsvRow,
    parse_csv,
    parse_rows,
    read_header,
)
from providers.predictions.duck_ahead import FileRun, ReadAhead
from providers.predictions.index import Block, IdIndex
from providers.predictions.join import V1Outputs, V2Outputs, join_v1, join_v2, v1_request_id
from providers.predictions.jsonl_v2 import JsonlRecord, parse_jsonl, parse_lines
from providers.predictions.layout import Layout, Partition, admits, parse_path, walk_inputs
from providers.predictions.lines import RawLine, iter_lines
from providers.predictions.store import LogStore, Skipped, StoredFile
from providers.protocols import PredictionPage
from providers.query import PredictionQuery
from providers.records import DataIssue, Prediction

PAGE_SIZE = 1000
MAX_ISSUES_PER_FILE = 50
PAGE_INTERVAL = 0.5  # seconds: a page, full or not, comes at least this often
FIRST_PAGE_SIZE = 200  # the first page is sent sooner: a few screens are enough to start
_EMPTY_FOLDER = "no log files in this folder (nothing collected, or not written yet)"
_INDEX_OFF = "the id index is off for this session ({}); lookups search every file"

T = TypeVar("T")
_Parser = Callable[[BinaryIO, str], Iterator[T | DataIssue]]
# name, items, rows outside the folder's time if counted apart (known once the items are
# read): DuckDB's runs, whose items match the query's field filters already
_Run = tuple[str, Iterator[Prediction | DataIssue], Callable[[], int] | None]


@dataclass(slots=True)
class _Pager:
    """Collects rows and issues of the page being filled, and the entries the store's
    listings left out (each reported once)."""

    limit: int | None
    skipped: Skipped
    rows: list[Prediction] = field(default_factory=list)
    issues: list[DataIssue] = field(default_factory=list)
    files: int = 0
    total: int = 0
    sent: int = 0
    last: float = field(default_factory=time.monotonic)
    reported: set[str] = field(default_factory=set)

    @property
    def full(self) -> bool:
        """True if the page holds enough rows (fewer for the first page)."""
        return len(self.rows) >= (min(FIRST_PAGE_SIZE, PAGE_SIZE) if not self.sent else PAGE_SIZE)

    @property
    def done(self) -> bool:
        return self.limit is not None and self.total >= self.limit

    @property
    def stale(self) -> bool:
        """True if the last page is :data:`PAGE_INTERVAL` old: time to report progress."""
        return time.monotonic() - self.last >= PAGE_INTERVAL

    def add(self, row: Prediction) -> None:
        self.rows.append(row)
        self.total += 1

    def skips(self) -> None:
        """Add an issue for each entry left out of a listing, unless reported already."""
        for name, why in self.skipped.take():
            if name not in self.reported:
                self.reported.add(name)
                self.issues.append(DataIssue(name, why))

    def take(self) -> PredictionPage:
        self.skips()
        page = PredictionPage(tuple(self.rows), tuple(self.issues), self.files)
        self.rows, self.issues, self.files = [], [], 0
        self.last = time.monotonic()
        self.sent += 1
        return page


class _Known:
    """What the index knows during one lookup: the indexed closed day and hour folders, and the
    blocks that may hold each needle (looked up once per needle)."""

    def __init__(self, index: IdIndex | None) -> None:
        self.index = index
        self.folders = index.folders() if index is not None else frozenset()
        self._blocks: dict[str, list[Block]] = {}

    def indexed(self, partition: Partition) -> bool:
        """True if every file of the partition's folder is indexed (its day's, or its own)."""
        return partition.day_folder in self.folders or partition.folder in self.folders

    def whole(self, inputs: Partition) -> bool:
        """True if the folders of ``inputs`` and of its outputs are both indexed."""
        partner = inputs.partner()
        return self.indexed(inputs) and (partner is None or self.indexed(partner))

    def blocks(self, needle: str) -> list[Block]:
        if needle not in self._blocks:
            found = self.index.lookup(needle) if self.index is not None else []
            self._blocks[needle] = found
        return self._blocks[needle]


class LogReader:
    """Predictions from the v1 and v2 logs of one store.

    ``files_scanned`` of a page counts the files read while filling that page.
    """

    def __init__(
        self,
        store: LogStore,
        layout: Layout,
        provider: str,
        *,
        index: IdIndex | None = None,
        schedule: Callable[[list[Partition]], None] | None = None,
        recheck: Callable[[], bool] | None = None,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
        use_duckdb: bool = True,
    ) -> None:
        """``index``: the id index of closed days; after each lookup ``schedule`` is given
        the closed partitions it had to scan (to index them, e.g. in the background);
        ``recheck`` checks the index against the store, True if it dropped folders (a
        lookup that found nothing in indexed folders asks it, then looks again);
        ``use_duckdb``: field filters are prefiltered by DuckDB where a partition allows."""
        self.store = store
        self.layout = layout
        self.provider = provider
        self.index = index
        self.schedule = schedule
        self.recheck = recheck
        self.clock = clock
        self.use_duckdb = use_duckdb

    # -- find ---------------------------------------------------------------------------

    def find(self, request_id: str) -> PredictionPage:
        """Predictions whose request id or correlation id is ``request_id``.

        Indexed closed partitions are answered from the index (one line read per hit);
        every other inputs file is searched for the id's bytes.  Only lines holding the id
        are parsed, then the partner outputs are looked up the same way.
        """
        return self._find(request_id, PredictionQuery())

    def _partitions(self, query: PredictionQuery) -> list[Partition]:
        return sorted(walk_inputs(self.store, self.layout, query), key=_age)

    def _find(self, request_id: str, query: PredictionQuery) -> PredictionPage:
        """Lookup of an id in the partitions the query admits: indexed days are not even
        listed (their hits come from the index), the other partitions are searched.  If
        nothing is found while indexed folders were trusted, the index is checked against
        the store (``recheck``) and the folders it dropped are searched."""
        wanted = request_id.strip()
        found = _Pager(None, self.store.skipped)
        if not wanted:
            return found.take()
        known = _Known(self.index)
        unindexed = self._find_in(wanted, query, known, found)
        if not found.rows and known.folders and self.recheck is not None and self.recheck():
            fresh = _Known(self.index)
            dropped = known.folders - fresh.folders
            unindexed += self._find_in(wanted, query, fresh, found, dropped)
        if self.schedule is not None:
            self.schedule(unindexed)
        if self.index is not None and (why := self.index.notice()):
            found.issues.append(DataIssue(str(self.index.folder), _INDEX_OFF.format(why)))
        return found.take()

    def _find_in(
        self,
        wanted: str,
        query: PredictionQuery,
        known: _Known,
        found: _Pager,
        within: frozenset[str] | None = None,
    ) -> list[Partition]:
        """Add to ``found`` the predictions of ``wanted`` in the partitions the query
        admits (only those touching the folders ``within``, if given); return the closed
        partitions the index does not wholly hold."""
        walked = walk_inputs(self.store, self.layout, query, known.folders.__contains__)
        indexed = {}
        for block in known.blocks(wanted):
            partition = parse_path(block.file.name, self.layout)
            if partition and partition.day_folder in known.folders and admits(query, partition):
                indexed[partition.folder] = partition
        unindexed: list[Partition] = []
        for partition in sorted([*walked, *indexed.values()], key=_age):
            if within is not None and not _touches(partition, within):
                continue
            hits = self._hits(partition, {wanted}, known, found)
            if self.index is not None and self.closed(partition) and not known.whole(partition):
                unindexed.append(partition)
            for name, lines in hits:
                find = self._find_v1 if partition.format == "v1" else self._find_v2
                for item in find(partition, name, lines, wanted, known, found):
                    if isinstance(item, DataIssue):
                        found.issues.append(item)
                    else:
                        found.add(item)
        return unindexed

    def closed(self, partition: Partition) -> bool:
        """True if the partition's day is over (UTC): its files no longer change."""
        today = self.clock().astimezone(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
        return partition.end <= today

    def _hits(
        self, folder: Partition, needles: set[str], known: _Known, found: _Pager
    ) -> Iterator[tuple[str, list[RawLine]]]:
        """Per file of ``folder`` (inputs or outputs), its lines holding any of ``needles``:
        read from the index's blocks when it is indexed, else by searching each file."""
        if known.indexed(folder):
            yield from self._indexed_hits(folder, needles, known, found)
            return
        for file in folder.files(self.store):
            found.files += 1
            lines = self._lines_holding(file.name, needles, found.issues)
            if lines:
                yield file.name, lines

    def _indexed_hits(
        self, folder: Partition, needles: set[str], known: _Known, found: _Pager
    ) -> Iterator[tuple[str, list[RawLine]]]:
        """Lines holding ``needles`` in the indexed blocks of the folder's files; a file
        that changed since it was indexed is searched whole instead."""
        prefix = folder.folder + "/"
        by_file: dict[str, dict[int, Block]] = {}
        for needle in sorted(needles):
            for block in known.blocks(needle):
                name = block.file.name
                if name.startswith(prefix) and "/" not in name[len(prefix) :]:
                    by_file.setdefault(name, {})[block.offset] = block
        for name, blocks in sorted(by_file.items()):
            found.files += 1
            try:
                if _unchanged(self.store, next(iter(blocks.values())).file):
                    lines = self._block_lines(name, sorted(blocks.values(), key=_offset), needles)
                else:
                    lines = self._lines_holding(name, needles, found.issues)
            except OSError as exc:
                found.issues.append(_unreadable(name, exc))
                continue
            if lines:
                yield name, lines

    def _block_lines(self, name: str, blocks: list[Block], needles: set[str]) -> list[RawLine]:
        lines: dict[int, RawLine] = {}
        for block in blocks:
            data = self.store.read_range(name, block.offset, block.length)
            for needle in needles:
                hit = data.find(needle.encode())
                while hit >= 0:
                    start = data.rfind(b"\n", 0, hit) + 1
                    end = data.find(b"\n", hit)
                    end = len(data) if end < 0 else end + 1
                    number = block.line + data.count(b"\n", 0, start)
                    lines[number] = RawLine(number, data[start:end], end - start)
                    hit = data.find(needle.encode(), end)
        return [lines[n] for n in sorted(lines)]

    def _lines_holding(
        self, name: str, needles: set[str], issues: list[DataIssue]
    ) -> list[RawLine]:
        lines: dict[int, RawLine] = {}
        for needle in sorted(needles):
            for hit in self._find_lines(name, needle.encode(), issues):
                lines[hit.number] = hit
        return [lines[n] for n in sorted(lines)]

    def _find_lines(self, name: str, needle: bytes, issues: list[DataIssue]) -> list[RawLine]:
        try:
            return self.store.find_lines(name, needle)
        except OSError as exc:
            issues.append(_unreadable(name, exc))
            return []

    def _find_v1(
        self,
        partition: Partition,
        name: str,
        hits: list[RawLine],
        wanted: str,
        known: _Known,
        found: _Pager,
    ) -> Iterator[Prediction | DataIssue]:
        matched: list[CsvRow | DataIssue] = []
        for item in self._csv_hits(name, hits):
            if isinstance(item, DataIssue) or wanted in (item.correlation_id, v1_request_id(item)):
                matched.append(item)
        outputs = V1Outputs()
        rows = [r for r in matched if isinstance(r, CsvRow)]
        self._v1_partners(partition, {r.correlation_id for r in rows}, outputs, known, found)
        unmatched = {r.request_id for r in rows if outputs.match(r) is None}
        self._v1_partners(partition, unmatched - {ZERO_REQUEST_ID}, outputs, known, found)
        return join_v1(self.provider, partition, matched, outputs)

    def _v1_partners(
        self,
        partition: Partition,
        needles: set[str],
        outputs: V1Outputs,
        known: _Known,
        found: _Pager,
    ) -> None:
        """Add the output rows holding any of ``needles`` (correlation ids first, then the
        request ids of inputs still unmatched: usually one pass over the partner)."""
        for partner, lines in self._partner_hits(partition, needles - {""}, known, found):
            for row in self._csv_hits(partner, lines):
                if isinstance(row, DataIssue):
                    found.issues.append(row)
                else:
                    outputs.add(row)

    def _csv_hits(self, name: str, hits: list[RawLine]) -> Iterator[CsvRow | DataIssue]:
        """Parse the lines holding the id against the file's header.

        A hit line with an odd number of quotes is the end of a record spanning several
        lines: then the whole file is parsed instead.
        """
        hits = [hit for hit in hits if hit.number > 1]  # not the header
        if not hits:
            return
        header, issues = self._header(name)
        yield from issues
        if header is None:
            return
        if any(hit.data.count(b'"') % 2 for hit in hits):
            with self.store.open(name) as stream:
                lines = iter_lines(stream)
                next(lines, None)
                yield from parse_rows(name, header, lines)
            return
        for hit in hits:
            yield from parse_rows(name, header, [hit])

    def _header(self, name: str) -> tuple[CsvHeader | None, list[DataIssue]]:
        return read_header(name, self.store.first_line(name))

    def _find_v2(
        self,
        partition: Partition,
        name: str,
        hits: list[RawLine],
        wanted: str,
        known: _Known,
        found: _Pager,
    ) -> Iterator[Prediction | DataIssue]:
        matched = [
            item
            for item in parse_lines(name, hits)
            if isinstance(item, DataIssue) or wanted in (item.correlation_id, item.request_id)
        ]
        outputs = V2Outputs()
        needles = {r.correlation_id for r in matched if isinstance(r, JsonlRecord)}
        for partner, lines in self._partner_hits(partition, needles, known, found):
            for record in parse_lines(partner, lines):
                if isinstance(record, DataIssue):
                    found.issues.append(record)
                else:
                    outputs.add(record)
        return join_v2(self.provider, partition, matched, outputs)

    def _partner_hits(
        self, partition: Partition, needles: set[str], known: _Known, found: _Pager
    ) -> Iterator[tuple[str, list[RawLine]]]:
        """Per partner (outputs) file, its lines that hold any of ``needles``."""
        partner = partition.partner()
        if partner is None or not needles:
            return
        yield from self._hits(partner, needles, known, found)

    # -- search -------------------------------------------------------------------------

    def search(self, query: PredictionQuery) -> Iterator[PredictionPage]:
        """Pages of predictions matching ``query``: partitions oldest first, rows in file
        order; at most :data:`PAGE_SIZE` rows a page (:data:`FIRST_PAGE_SIZE` for the first),
        stopping at ``query.limit``."""
        if query.request_id:
            yield from self._search_by_id(query)
            return
        pager = _Pager(query.limit, self.store.skipped)
        if pager.done:
            return
        partitions = self._partitions(query)
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
        return self.use_duckdb and bool(query.filters) and duck_sql.pushable(query.filters)

    def _search(
        self,
        partitions: list[Partition],
        query: PredictionQuery,
        pager: _Pager,
        duck: ReadAhead | None,
    ) -> Iterator[PredictionPage]:
        wanted = _Wanted(query)
        for number, partition in enumerate(partitions):
            files = partition.files(self.store)
            if not files:
                pager.issues.append(DataIssue(partition.folder, _EMPTY_FOLDER))
                continue
            start, end = partition.start, partition.end
            runs: Iterator[_Run] = self._joined(partition, files, pager, duck if number else None)
            resumed = False  # the run goes on with a file begun in Python
            while (run := next(runs, None)) is not None:
                name, predictions, counted = run
                pager.files += not resumed
                resumed = False
                skewed = 0
                last: Prediction | None = None  # the last item, if a prediction
                for item in _capped(name, predictions):
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
        page = self._find(query.request_id, query)
        wanted = _Wanted(query)
        rows = [row for row in page.rows if wanted(row)][: query.limit]
        for start in range(0, max(len(rows), 1), PAGE_SIZE):
            first = start == 0
            yield PredictionPage(
                tuple(rows[start : start + PAGE_SIZE]),
                page.issues if first else (),
                page.files_scanned if first else 0,
            )

    def _joined(
        self,
        partition: Partition,
        files: list[StoredFile],
        pager: _Pager,
        duck: ReadAhead | None,
    ) -> Iterator[_Run]:
        """Per inputs file, its predictions joined with the outputs of the partition, and
        its count of skewed rows when counted apart.  DuckDB filters the partition by the
        query's fields when it can; else the outputs are read alongside, only as far as
        the inputs need."""
        partner = partition.partner()
        partner_files = partner.files(self.store) if partner else []
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
                yield file.name, join_v2(self.provider, partition, records, v2), None

    def _all(self, files: list[StoredFile], parse: _Parser[T]) -> Iterator[T | DataIssue]:
        for file in files:
            yield from _capped(file.name, self._read(file.name, parse))

    def _read(self, name: str, parse: _Parser[T]) -> Iterator[T | DataIssue]:
        try:
            stream = self.store.open(name)
        except OSError as exc:
            yield _unreadable(name, exc)
            return
        with stream:
            yield from parse(stream, name)


def _unreadable(name: str, exc: OSError) -> DataIssue:
    """The issue of a file that could not be read, naming the local path that failed
    (the file's, or a mirror folder's)."""
    local = isinstance(exc.filename, str) and Path(exc.filename).is_absolute()
    where = f": {exc.filename}" if exc.strerror and local else ""
    return DataIssue(name, f"cannot read: {exc.strerror or exc}{where}")


def _unchanged(store: LogStore, indexed: StoredFile) -> bool:
    now = store.stat(indexed.name)
    return (now.size, now.modified) == (indexed.size, indexed.modified)


def _age(partition: Partition) -> tuple[datetime, str, str]:
    return partition.start, partition.base, partition.collection


def _offset(block: Block) -> int:
    return block.offset


def _capped(name: str, items: Iterable[T | DataIssue]) -> Iterator[T | DataIssue]:
    """Pass items on, but only the first :data:`MAX_ISSUES_PER_FILE` issues, then a count."""
    extra = 0
    seen = 0
    for item in items:
        if isinstance(item, DataIssue):
            seen += 1
            if seen > MAX_ISSUES_PER_FILE:
                extra += 1
                continue
        yield item
    if extra:
        yield DataIssue(name, f"{extra} more issue(s) in this file not listed")


class _Wanted:
    """Whether a row matches the query (its unused terms left out: this runs per row)."""

    def __init__(self, query: PredictionQuery) -> None:
        self.query = query
        self.timed = query.start is not None or query.end is not None
        named = (
            ("endpoint", query.endpoint),
            ("deployment", query.deployment),
            ("model_name", query.model_name),
            ("model_version", query.model_version),
        )
        self.names = [(attr, want.casefold()) for attr, want in named if want is not None]

    def __call__(self, row: Prediction, *, by_folder: bool = False, fields: bool = True) -> bool:
        """True if the row matches; ``by_folder``: its time is taken as matching (it lies
        outside its folder's time, and the folder matched); ``fields``: False if the field
        filters were checked already."""
        if self.timed and not by_folder and not self.query.matches_time(row.timestamp):
            return False
        for attr, want in self.names:
            have = getattr(row, attr)
            if have is None or have.casefold() != want:
                return False
        return not fields or self.query.matches_fields(row.inputs, row.outputs)


def _skew(count: int, partition: Partition) -> str:
    span = "hour" if partition.hourly else "day"
    return (
        f"{count} row(s) stamped outside this folder's {span} (clock skew or late flush);"
        " kept, and matched by the folder's time"
    )


def _touches(inputs: Partition, folders: frozenset[str]) -> bool:
    """True if the inputs partition or its outputs lie in (or are) one of ``folders``."""
    partner = inputs.partner()
    return any(
        p.folder in folders or p.day_folder in folders for p in (inputs, partner) if p is not None
    )
