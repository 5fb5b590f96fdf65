# ruff: noqa: S608  (SQL is fixed text; every value is a bound parameter)
"""The lines the engine picked for a search (:mod:`providers.spark.pushdown`), fetched in
keyset pages and served per file as the file itself with its other lines left blank.

The files of the query's v2 partitions are numbered in the order the page search reads
them (partitions oldest first, each partition's outputs files, then its inputs files, by
name); the engine picks lines in the order of (file number, line number), at most
:data:`PAGE` a query.  A batch with more picks its lines once: one query returns the keys
(file and line numbers) of the rest, :data:`KEYS` at most, and each page after it reads
the text of :data:`PAGE` of them from their files only (a page re-ran the whole pick,
once per 100,000 lines); a batch that the rate of lines so far says holds more than a
page starts with its keys.  When the files are many
(over :data:`FIRST_SPLIT_BYTES`), the partitions are queried in batches, the first
partition alone, then as many as the rate of its hits (inputs SQL finds matching, odd
lines aside) says a first screen needs, until a first screen is in, then all the rest:
the first screen comes after the few partitions that hold it, not after the whole range,
and a selective search pays the engine's fixed cost of a query (seconds) twice, not once
per batch.  A query reads its files by their paths (the engine lists nothing again) when
every path is plain, else through the search's listing filtered to them (a path the
engine would take for a glob).  A file opened by the local parser reads its picked lines
where they lie and a blank line (skipped by the parsers) for every other, so line
numbers, partial last lines and bytes are the file's.
"""

from __future__ import annotations

import builtins
import itertools
import math
import re
from collections import deque
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from providers.errors import BadData
from providers.predictions.folder_layout import Partition, partner_collection
from providers.predictions.formats.lines import RawLine
from providers.predictions.join import PAYLOAD_COLLECTIONS
from providers.predictions.log_store import LogStore
from providers.predictions.paging import FIRST_PAGE_SIZE
from providers.query import PredictionQuery
from providers.spark.pushdown import KINDS, cut_lines, file_text, query_sql
from providers.spark.session import PROVIDER, EngineSession, size_listing

PAGE = 100_000  # lines a query returns with their text
KEYS = 20 * PAGE  # keys of lines a query returns (each a few bytes)
FIRST_SPLIT_BYTES = 64 << 20  # files of more bytes: the first partitions are queried first
GROWTH = 4  # a batch is at least this many times the last one
MARGIN = 2  # a batch holds this many times the partitions its estimate needs
_PLAIN_PATH = re.compile(r"[A-Za-z0-9/._:@=-]+")  # no character a glob or a URI reads
_END = 1 << 62  # a line number past any file's end
_META = "path STRING, f INT, g INT, kind INT, start STRING, stop STRING, payload BOOLEAN"
_AFTER = "f > :after_f OR (f = :after_f AND n > :after_n)"
_PAGE = f"""
, keys AS (SELECT f, n, hit FROM chosen WHERE {_AFTER} ORDER BY f, n LIMIT :limit)
SELECT /*+ BROADCAST(keys) */ l.f, l.n, l.line, l.last, k.hit
FROM lines l JOIN keys k ON l.f = k.f AND l.n = k.n
"""
_KEYS = f"""
SELECT f, n, hit FROM chosen WHERE {_AFTER} ORDER BY f, n LIMIT :limit
"""
# the text of the keys' lines, whatever the format: each file's lines cut once, its
# wanted lines taken by number (no line of the file is carried to a join)
_TEXT = f"""
SELECT k.f, x.n, try_element_at(p.parts, x.n) AS line, x.n = size(p.parts) AS last, x.hit
FROM (
  SELECT m.f, {cut_lines(file_text("c.content"))} AS parts
  FROM {{files}} c JOIN {{meta}} m ON c.path = m.path
) p JOIN {{keys}} k ON p.f = k.f
LATERAL VIEW explode(k.lines) t AS x
"""
_KEY = "f INT, lines ARRAY<STRUCT<n: INT, hit: BOOLEAN>>"


@dataclass(frozen=True, slots=True)
class PlannedFile:
    """A file of the search: its number in the read order and its partition's."""

    path: str  # as the engine names it
    size: int
    f: int
    g: int
    kind: int
    partition: Partition


def plan(store: LogStore, root: str, partitions: Sequence[Partition]) -> dict[str, PlannedFile]:
    """The files of ``partitions`` (oldest first, of one format) by name, numbered in
    read order."""
    planned: dict[str, PlannedFile] = {}
    for g, partition in enumerate(partitions):
        partner = partition.partner()
        folders = [(partner, KINDS["outputs"])] if partner else []
        for folder, kind in [*folders, (partition, KINDS["inputs"])]:
            for file in folder.files(store):
                path = f"{root}/{file.name}"
                planned[file.name] = PlannedFile(path, file.size, len(planned), g, kind, partition)
    return planned


class PickedLines:
    """The picked lines of a search's files, fetched from the engine page by page."""

    def __init__(
        self,
        engine: EngineSession,
        frames: Sequence[Any],
        files: dict[str, PlannedFile],
        query: PredictionQuery,
        sql: Callable[[PredictionQuery], tuple[str, dict[str, Any]]] = query_sql,
    ) -> None:
        """``sql``: the query of the files' format (v2's by default)."""
        self.engine = engine
        self.frames = frames
        self.files = files
        self.sql, self.args = sql(query)
        self._by_file: dict[int, deque[tuple[int, bytes]]] = {}
        self._after = (-1, 0)
        self._keys: deque[tuple[int, int, bool]] = deque()  # the batch's, text not read
        self._keys_due = False  # the batch's keys (past those held) are fetched next
        self._done = not files
        self._groups = max((p.g for p in files.values()), default=-1) + 1
        many = sum(p.size for p in files.values()) > FIRST_SPLIT_BYTES
        self._batch = (0, 1 if many else self._groups)  # the partitions queried next
        self.queries = 0  # engine queries made
        self.picks = 0  # those that ran the whole pick (a page's text, or keys)
        self.returned = 0  # lines the engine returned
        self.hits = 0  # inputs among them whose time and filters SQL finds true

    def lines(self, name: str) -> Iterator[tuple[int, bytes]]:
        """The picked lines of file ``name`` (line number, bytes with the line break),
        fetching pages until the keyset has passed the file."""
        f = self.files[name].f
        while True:
            yield from self._by_file.pop(f, deque())
            if self.ready(name):
                return
            self._fetch()

    def ready(self, name: str) -> bool:
        """True if the picked lines of file ``name`` are all fetched."""
        f = self.files[name].f
        return self._done or self._after >= (f, _END)

    def _fetch(self) -> None:
        """The next page of the current batch of partitions: :data:`PAGE` lines after the
        last key, or once the batch's keys are in, the text of the next :data:`PAGE`
        keys; the next batch's once the batch is done."""
        low, high = self._batch
        files = [p for p in self.files.values() if low <= p.g < high]
        rows: builtins.list[tuple[Any, ...]] = []
        last: tuple[Any, ...] | None = None
        if self._keys_due and not self._keys:  # a full page, or a batch of many lines
            self._keys = deque(self._run(_KEYS, files, "finding the lines of"))
            self._keys_due = len(self._keys) == KEYS
        elif not self._keys:
            rows = self._run(_PAGE, files, "picking the lines of")
            self._keys_due = len(rows) == PAGE
            last = rows[-1] if self._keys_due else None
        if self._keys:
            chunk = [self._keys.popleft() for _ in range(min(PAGE, len(self._keys)))]
            held = {f for f, _, _ in chunk}
            rows = self._run(_TEXT, [p for p in files if p.f in held], "reading", chunk)
            _all_read(chunk, rows, files)
            last = chunk[-1] if self._keys or self._keys_due else None
        self.returned += len(rows)
        for f, n, line, is_last, hit in rows:
            data = line.encode("iso-8859-1") + (b"" if is_last else b"\n")
            self._by_file.setdefault(f, deque()).append((n, data))
            self.hits += bool(hit)
        if last is not None:  # the batch goes on after its last key
            self._after = (last[0], last[1])
            return
        self._keys_due = False
        self._after = (max((p.f for p in files), default=self._after[0]), _END)
        if high >= self._groups:
            self._done = True
        else:
            size = self._next_size()
            self._batch = (high, high + size)
            # a batch of more lines than a page, at the rate so far: its keys first
            self._keys_due = self.returned * size > PAGE * high

    def _run(
        self,
        tail: str,
        files: builtins.list[PlannedFile],
        doing: str,
        keys: builtins.list[tuple[int, int, bool]] | None = None,
    ) -> builtins.list[tuple[Any, ...]]:
        """The rows of the format's CTEs and ``tail`` over ``files`` after the last key
        (``keys``: the lines whose text ``tail`` reads)."""
        after_f, after_n = self._after
        rows = self.engine.run(
            lambda session: self._query(session, tail, files, after_f, after_n, keys),
            f"{doing} {len(files)} file(s)",
        )
        self.queries += 1
        self.picks += tail is not _TEXT
        if tail is _KEYS:  # in order: its ORDER BY ... LIMIT keeps the top keys sorted
            return rows
        # a page's lines are ordered here: an ORDER BY of the engine's samples its input
        # first, which ran the whole query twice (the 1M-row tree's month: 7.0 -> 5.6 s)
        return sorted(rows, key=lambda row: (row[0], row[1]))

    def _next_size(self) -> int:
        """The partitions of the next batch: enough for a first screen of predictions at
        the rate the batches so far hit (:data:`MARGIN` times), at least :data:`GROWTH`
        times the last batch; all the rest once the first screen is in, or when the rest
        is not three times that (a query of its own is not worth it)."""
        low, high = self._batch
        rest = self._groups - high
        wanted = FIRST_PAGE_SIZE - self.hits
        if wanted <= 0:
            return rest
        rate = self.hits / high  # hits per partition
        needed = math.ceil(MARGIN * wanted / rate) if rate else rest
        size = max(GROWTH * (high - low), needed)
        return rest if 3 * size >= rest else size

    def _query(
        self,
        session: Any,
        tail: str,
        files: builtins.list[PlannedFile],
        after_f: int,
        after_n: int,
        keys: builtins.list[tuple[int, int, bool]] | None,
    ) -> builtins.list[Any]:
        if not files:
            return []
        meta = session.createDataFrame(
            [
                (
                    p.path,
                    p.f,
                    p.g,
                    p.kind,
                    f"{p.partition.start:%Y-%m-%dT%H:%M:%S}",
                    f"{p.partition.end:%Y-%m-%dT%H:%M:%S}",
                    p.partition.collection in PAYLOAD_COLLECTIONS
                    or partner_collection("v2", p.partition.collection) is None,
                )
                for p in files
            ],
            _META,
        )
        from pyspark.sql.connect.functions import col  # noqa: PLC0415  (the engine's client)

        paths = [p.path for p in files]
        if all(_PLAIN_PATH.fullmatch(path) for path in paths):
            size_listing(session, len(paths))
            # read by path: a filter on the listing lists the whole range again (~2.5 s
            # of a 4 s query of one partition on the 1M-row bench tree)
            listed = session.read.format("binaryFile").load(paths)
        else:
            listed = self.frames[0]
            for frame in self.frames[1:]:
                listed = listed.unionByName(frame)
            # a filter the file source applies itself: only these files' bytes are read
            listed = listed.where(col("path").isin(paths))
        frames = {"files": listed, "meta": meta}
        if keys is not None:
            wanted: dict[int, builtins.list[tuple[int, bool]]] = {}
            for f, n, hit in keys:
                wanted.setdefault(f, []).append((n, hit))
            frames["keys"] = session.createDataFrame(builtins.list(wanted.items()), _KEY)
            frame = session.sql(_TEXT, args={"nl": "\n"}, **frames)
        else:
            limit = KEYS if tail is _KEYS else PAGE
            args = {**self.args, "after_f": after_f, "after_n": after_n, "limit": limit}
            frame = session.sql(self.sql + tail, args=args, **frames)
        # columns as Arrow, rows zipped from them (Row objects cost ~1 s a 10M-row month)
        table = frame.toArrow()
        return builtins.list(zip(*(column.to_pylist() for column in table.columns), strict=True))


def _all_read(
    keys: builtins.list[tuple[int, int, bool]],
    rows: builtins.list[tuple[Any, ...]],
    files: builtins.list[PlannedFile],
) -> None:
    """Raise unless the text of every key's line was read: a file that lost lines (cut
    short, emptied, replaced or removed) since they were picked is named, not read wrong."""
    read = {(f, n) for f, n, line, _, _ in rows if line is not None}
    for f, n, _ in keys:
        if (f, n) not in read:
            path = next(p.path for p in files if p.f == f)
            raise BadData(
                f"{path} changed while the search read it (its line {n} is gone)",
                hint="search again",
                provider=PROVIDER,
            )


class SparseFile:
    """A file read as its picked lines, blank lines standing for the others."""

    def __init__(self, lines: Iterator[tuple[int, bytes]]) -> None:
        self._lines = lines
        self._number = 0  # the lines served
        self._next: tuple[int, bytes] | None = next(lines, None)
        self._rest = b""  # of a line served in parts (a readline with a size)

    def readline(self, size: int = -1) -> bytes:
        """The next line (at most ``size`` bytes of it; the rest comes next)."""
        if not self._rest:
            if self._next is None:
                return b""
            self._number += 1
            if self._next[0] > self._number:
                return b"\n"
            self._rest = self._next[1]
            self._next = next(self._lines, None)
        cut = len(self._rest) if size < 0 else size
        data, self._rest = self._rest[:cut], self._rest[cut:]
        return data

    def numbered(self, max_bytes: int) -> Iterator[RawLine]:
        """The picked lines not yet read, as :func:`~providers.predictions.formats.lines.
        iter_lines` gives them (a line over ``max_bytes`` without its bytes; the empty
        "line" after a file's last line break is the file's end, not a line)."""
        if self._rest or self._number:
            raise ValueError("the file is read line by line already")
        pending = [] if self._next is None else [self._next]
        self._next = None
        for number, data in itertools.chain(pending, self._lines):
            if not data:
                return
            whole = len(data) <= max_bytes or (len(data) == max_bytes + 1 and data.endswith(b"\n"))
            yield RawLine(number, data if whole else b"", len(data))

    def read(self) -> bytes:
        """The rest (as a file read whole)."""
        parts = []
        while line := self.readline():
            parts.append(line)
        return b"".join(parts)

    def close(self) -> None:
        """Nothing to release."""

    def __enter__(self) -> SparseFile:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
