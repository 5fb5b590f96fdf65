"""Finding predictions by request or correlation id in a :class:`LogStore`.

Closed days are answered from the id index when one is given
(:mod:`providers.predictions.index`): one block read per hit, the day not even listed.
Every other inputs file is searched for the id's raw bytes (:mod:`providers.predictions.scan`,
through the store), and only the lines holding it are parsed; then the partner outputs
are looked up the same way.  A lookup that finds nothing in indexed folders has the index
checked against the store, and searches the folders it dropped.  The closed partitions a
lookup had to scan are handed to ``schedule`` (the background indexer).  Why these choices
(and not DuckDB/polars) is measured in ``bench/logs_bench.py``.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import replace
from datetime import UTC, datetime
from typing import TypeVar

from providers.predictions.blob_payload import BlobPayloads
from providers.predictions.folder_layout import (
    Layout,
    Partition,
    admits,
    oldest_first,
    parse_path,
    walk_inputs,
)
from providers.predictions.formats.csv_v1 import (
    ZERO_REQUEST_ID,
    CsvHeader,
    CsvRow,
    parse_rows,
    read_header,
)
from providers.predictions.formats.jsonl_v2 import JsonlRecord, parse_lines
from providers.predictions.formats.lines import RawLine, iter_lines
from providers.predictions.index.id_index import Block, IdIndex
from providers.predictions.join import V1Outputs, V2Outputs, join_v1, join_v2, v1_request_id
from providers.predictions.log_store import LogStore, StoredFile
from providers.predictions.paging import Pager, unreadable
from providers.protocols import PredictionPage
from providers.query import PredictionQuery
from providers.records import DataIssue, Prediction

_INDEX_OFF = "the id index is off for this session ({}); lookups search every file"
_DAY = re.compile(r"(\d{4}/\d{2}/\d{2})(/\d{2})?$")  # the day of a day or hour folder

T = TypeVar("T")
_Hits = Iterator[tuple[str, list[RawLine]]]  # per file, its lines holding a needle


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


class IdLookup:
    """Predictions of one id from the v1 and v2 logs of one store."""

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
    ) -> None:
        """``index``: the id index of closed days; after each lookup ``schedule`` is given
        the closed partitions it had to scan (to index them, e.g. in the background);
        ``recheck`` checks the index against the store, True if it dropped folders (a
        lookup that found nothing in indexed folders asks it, then looks again)."""
        self.store = store
        self.layout = layout
        self.provider = provider
        self.index = index
        self.schedule = schedule
        self.recheck = recheck
        self.clock = clock

    def find(self, request_id: str, query: PredictionQuery | None = None) -> PredictionPage:
        """Predictions whose request id or correlation id is ``request_id``, in the
        partitions ``query`` admits (all, if None).

        Indexed days are not even listed (their hits come from the index), the other
        partitions are searched.  If nothing is found while indexed folders were trusted,
        the index is checked against the store (``recheck``) and the folders it dropped
        are searched.
        """
        query = PredictionQuery() if query is None else query
        wanted = request_id.strip()
        found = Pager(None, self.store.skipped)
        if not wanted:
            return found.take()
        known = _Known(self.index)
        read: set[str] = set()
        unindexed = self._find_in(wanted, query, known, found, read)
        if not found.rows and known.folders and self.recheck is not None and self.recheck():
            fresh = _Known(self.index)
            dropped = known.folders - fresh.folders
            unindexed += self._find_in(wanted, query, fresh, found, read, dropped)
            known = fresh
        if self.schedule is not None:
            self.schedule(unindexed)
        if self.index is not None and (why := self.index.notice()):
            found.issues.append(DataIssue(str(self.index.folder), _INDEX_OFF.format(why)))
        indexed = {day[1] for folder in known.folders if (day := _DAY.search(folder))}
        return replace(found.take(), days_read=len(read), days_indexed=len(indexed))

    def _find_in(
        self,
        wanted: str,
        query: PredictionQuery,
        known: _Known,
        found: Pager,
        read: set[str],
        within: frozenset[str] | None = None,
    ) -> list[Partition]:
        """Add to ``found`` the predictions of ``wanted`` in the partitions the query
        admits (only those touching the folders ``within``, if given), and to ``read`` the
        days whose files were searched; return the closed partitions the index does not
        wholly hold."""
        walked = walk_inputs(self.store, self.layout, query, known.folders.__contains__)
        indexed = {}
        for block in known.blocks(wanted):
            partition = parse_path(block.file.name, self.layout)
            if partition and partition.day_folder in known.folders and admits(query, partition):
                indexed[partition.folder] = partition
        unindexed: list[Partition] = []
        for partition in sorted([*walked, *indexed.values()], key=oldest_first):
            if within is not None and not _touches(partition, within):
                continue
            hits = self._hits(partition, {wanted}, known, found)
            if not known.indexed(partition):
                read.add(f"{partition.start:%Y-%m-%d}")
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

    def _hits(self, folder: Partition, needles: set[str], known: _Known, found: Pager) -> _Hits:
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
        self, folder: Partition, needles: set[str], known: _Known, found: Pager
    ) -> _Hits:
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
                found.issues.append(unreadable(name, exc))
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
            issues.append(unreadable(name, exc))
            return []

    def _find_v1(
        self,
        partition: Partition,
        name: str,
        hits: list[RawLine],
        wanted: str,
        known: _Known,
        found: Pager,
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
        found: Pager,
    ) -> None:
        """Add the output rows holding any of ``needles`` (correlation ids first, then the
        request ids of inputs still unmatched: usually one pass over the partner)."""
        for row in self._partners(partition, needles - {""}, known, found, self._csv_hits):
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
        found: Pager,
    ) -> Iterator[Prediction | DataIssue]:
        matched = [
            item
            for item in parse_lines(name, hits)
            if isinstance(item, DataIssue) or wanted in (item.correlation_id, item.request_id)
        ]
        outputs = V2Outputs()
        needles = {r.correlation_id for r in matched if isinstance(r, JsonlRecord)}
        for record in self._partners(partition, needles, known, found, parse_lines):
            outputs.add(record)
        return join_v2(self.provider, partition, matched, outputs, BlobPayloads(self.store))

    def _partners(
        self,
        partition: Partition,
        needles: set[str],
        known: _Known,
        found: Pager,
        parse: Callable[[str, list[RawLine]], Iterable[T | DataIssue]],
    ) -> Iterator[T]:
        """The parsed rows of the partner (outputs) files' lines that hold any of
        ``needles``; their issues go to ``found``."""
        partner = partition.partner()
        if partner is None or not needles:
            return
        for name, lines in self._hits(partner, needles, known, found):
            for item in parse(name, lines):
                if isinstance(item, DataIssue):
                    found.issues.append(item)
                else:
                    yield item


def _unchanged(store: LogStore, indexed: StoredFile) -> bool:
    now = store.stat(indexed.name)
    return (now.size, now.modified) == (indexed.size, indexed.modified)


def _offset(block: Block) -> int:
    return block.offset


def _touches(inputs: Partition, folders: frozenset[str]) -> bool:
    """True if the inputs partition or its outputs lie in (or are) one of ``folders``."""
    partner = inputs.partner()
    return any(
        p.folder in folders or p.day_folder in folders for p in (inputs, partner) if p is not None
    )
