# ruff: noqa: S608  (SQL is built from quoted column names only; values are bound)
"""Field-filtered search of v1 (CSV) partitions in DuckDB: parallel C parsing that
releases the GIL, the filter pushed down as SQL with bound parameters
(:mod:`~providers.predictions.duckdb_search.filter_sql`).  duckdb is imported on the first
such search.  v2 (JSONL) partitions go to
:mod:`~providers.predictions.duckdb_search.jsonl_search` on the same connection.

One query per inputs file reads it once.  It numbers the rows, joins them to the
partition's outputs grouped by correlation id (an input gets the first output of its id,
as in Python; a full join: outputs without inputs are seen too), and returns the rows
that pass the prefilter in file order, their values already typed as :func:`coerce` would
type them (a row where DuckDB's type could differ comes with its raw text, coerced in
Python).  The checks cost no extra pass: each row carries a state (the checks it fails,
whether it holds the last line of the inputs or of the outputs), and the rows with such
a state come first, so a file is checked before any of its rows is used.  Rows outside
the folder's time come too, to be counted as they go by.

A partition goes to DuckDB only when DuckDB reads it as the Python parser would: local
files, headers with every correlation column and unique names, one record per line
(DuckDB's last record is on the file's last line, in both collections), plain ISO
timestamps, every input joined to an output by correlation id, and no DuckDB error.
Otherwise :meth:`DuckSearch.read` returns None (and logs why) and the page search parses
the partition in Python, which reports its issues.
"""

from __future__ import annotations

import contextlib
import csv
import functools
import itertools
import logging
import operator
import shutil
import tempfile
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from providers.predictions.duckdb_search import filter_sql
from providers.predictions.duckdb_search.jsonl_search import (
    JsonRun,
    Listed,
    Unsuitable,
    listed,
    read_partitions,
)
from providers.predictions.folder_layout import Partition
from providers.predictions.formats.csv_v1 import (
    CORRELATION_COLUMNS,
    CORRELATION_ID,
    MODEL_NAME,
    MODEL_VERSION,
    REQUEST_ID,
    SERVICE,
    TIMESTAMP,
    coerce,
    read_header,
)
from providers.predictions.formats.lines import count_lines
from providers.predictions.join import v1_fields_prediction
from providers.predictions.log_store import LogStore, StoredFile
from providers.query import PredictionQuery
from providers.records import DataIssue, Prediction
from providers.runtime_tuning import collection_deferred

log = logging.getLogger(__name__)

MEMORY_LIMIT = "256MB"  # per connection
THREADS = 2  # a v1 query's threads
GROUP_BYTES = 64 << 20
"""Files of v2 partitions queried together at most (one query of 24 hour files costs ~30%
less in DuckDB than 24 queries; the memory a query holds grows with its rows)."""
JSON_THREADS = 1  # a v2 query's: two queries run at once, and a JSON scan in two threads
# costs half as much again in CPU for a fifth less time (one day of one deployment: 1.0
# CPU-s in 0.5 s against 0.6 CPU-s in 0.64 s), and ~100 MB of buffers against ~70 MB
FETCH = 1000
_SAMPLE = 1 << 16
_ROWS = 20  # rows sampled to guess the columns' types
_READ = (
    "read_csv(?, columns = ?, header = true, auto_detect = false, delim = ',',"
    " quote = '\"', escape = '\"')"
)
_PREFIX = "__mt_"  # our own columns; a file with such a column is read in Python
# the correlation columns a prediction is made of, in the order the query returns them
_IDS = (CORRELATION_ID, TIMESTAMP, SERVICE, MODEL_NAME, MODEL_VERSION, REQUEST_ID)
_TS = r"\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}:\d{2}(\.\d{1,6})?"
_NUMBERISH = r"^[0-9+.-]|[^\x00-\x7F]"  # text that coerce() might turn into a number
_HEAD = 4  # n, state, raw, hit; the values follow
# a row's state: the checks it fails (the first four), the last lines, a time outside the folder's
LOST, BAD, EXTRA, LAST_INPUT, LAST_OUTPUT, SKEWED = (1 << k for k in range(6))
FAILED = LOST | BAD | EXTRA
LEAD = FAILED | LAST_INPUT | LAST_OUTPUT  # rows the query returns first
_WHY = {
    LOST: "an input has no output with its correlation id",
    BAD: "a timestamp is not plain ISO, or an output has no correlation id",
    EXTRA: "not one record per line",
}
fromisoformat = datetime.fromisoformat


class DuckSearch:
    """One filtered search's DuckDB connection."""

    def __init__(self, store: LogStore, provider: str) -> None:
        self.store = store
        self.provider = provider
        self._connections: dict[int, Any] = {}  # by threads
        self._cursors: list[Any] = []
        self._spill: Path | None = None

    def close(self) -> None:
        """Close the connection, if one was opened, and remove what it spilled to disk."""
        for cursor in self._cursors:
            cursor.close()
        self._cursors.clear()
        for connection in self._connections.values():
            connection.close()
        self._connections.clear()
        if self._spill is not None:
            shutil.rmtree(self._spill, ignore_errors=True)
            self._spill = None

    def _spill_folder(self) -> Path:
        """Where DuckDB may spill (payloads hold personal data): a folder of this search's
        own, created 0700 under a name no one could have made beforehand (a fixed name in
        the shared temp folder could be someone else's folder, or a link)."""
        if self._spill is None:
            self._spill = Path(tempfile.mkdtemp(prefix="modeltrail-duckdb-"))
        return self._spill

    def interrupt(self) -> None:
        """Stop the queries running, if any (from another thread)."""
        if not self._cursors:
            return
        import duckdb  # noqa: PLC0415  (imported already: there are cursors)

        for cursor in list(self._cursors):
            with contextlib.suppress(duckdb.ConnectionException):  # closed: read to its end
                cursor.interrupt()

    def _connection(self, threads: int = THREADS) -> Any:
        """The search's connection whose queries run in ``threads`` threads (a database
        of its own: DuckDB's thread count is a database setting)."""
        if threads not in self._connections:
            import duckdb  # noqa: PLC0415  (never on the console's start path)

            self._connections[threads] = duckdb.connect(
                config={
                    "threads": threads,
                    "memory_limit": MEMORY_LIMIT,
                    "temp_directory": str(self._spill_folder()),
                    "preserve_insertion_order": True,
                }
            )
        return self._connections[threads]

    def read(
        self, partition: Partition, query: PredictionQuery, *, first: int = 0, after: int = 0
    ) -> list[Opened] | list[JsonRun] | None:
        """The partition's inputs files from number ``first`` on (the first of them from
        line ``after + 1``; v1 only), queried and checked; None if it must be read in
        Python."""
        opened: list[Opened] = []
        try:
            if partition.format == "v2":
                return self._json([listed(self.store, partition)], query)[0]
            plan = self._plan(partition, query)
            for number in range(first, len(plan.inputs.paths)):
                opened.append(self._open(plan, number, after if number == first else 0))
        except Exception as exc:
            if not _refused(exc):
                raise
            log.info("%s read in Python, not DuckDB: %s", partition.folder, exc)
            return None
        return opened

    def read_group(
        self, partitions: Sequence[Partition], query: PredictionQuery
    ) -> list[list[JsonRun] | None]:
        """Per v2 partition, as :meth:`read`, in queries of up to :data:`GROUP_BYTES` of
        files (each partition listed once)."""
        results: list[list[JsonRun] | None] = []
        try:
            every = [listed(self.store, partition) for partition in partitions]
        except OSError as exc:  # Python reads them, and says what went wrong
            log.info(
                "%s…: read in Python, a folder cannot be listed: %s", partitions[0].folder, exc
            )
            return [None] * len(partitions)
        for group in _by_size(every):
            results += self._json(group, query)
        return results

    def _json(self, group: list[Listed], query: PredictionQuery) -> list[list[JsonRun] | None]:
        """The runs of v2 partitions read by one query; if it fails, by one query each, so
        that a file DuckDB cannot read sends only its own partition to Python."""
        cursor = self._connection(JSON_THREADS).cursor()
        self._cursors.append(cursor)  # so that interrupt() stops its query
        try:
            return read_partitions(cursor, self.store, self.provider, group, query.filters)
        except Exception as exc:
            if not _refused(exc):
                raise
            if len(group) == 1:
                log.info("%s read in Python, not DuckDB: %s", group[0].partition.folder, exc)
                return [None]
            log.info("%s…: one query each, %s", group[0].partition.folder, exc)
        finally:
            cursor.close()
        return [runs for one in group for runs in self._json([one], query)]

    def _plan(self, partition: Partition, query: PredictionQuery) -> _Plan:
        partner = partition.partner()
        files = partition.files(self.store)
        outputs = partner.files(self.store) if partner else []
        if partition.format != "v1" or not files or not outputs:
            raise Unsuitable("not a v1 partition with inputs and outputs")
        inputs, partners = self._files(files), self._files(outputs)
        cond, params = filter_sql.where(query.filters, inputs.columns, partners.columns)
        output_rows = sum(count_lines(path) - 1 for path in partners.paths)
        kinds = _kinds(partners.paths[0], partners.columns)
        return _Plan(
            self.provider, query, partition, inputs, partners, cond, params, output_rows, kinds
        )

    def _files(self, files: Sequence[StoredFile]) -> _Files:
        """The files' local paths and common columns (Unsuitable if they have none)."""
        paths: list[str] = []
        columns: tuple[str, ...] | None = None
        for file in files:
            path = self.store.local_path(file.name)
            if path is None:
                raise Unsuitable(f"{file.name} has no local path")
            header, issues = read_header(file.name, self.store.first_line(file.name))
            if header is None or issues or header.missing:
                raise Unsuitable(f"{file.name}: header issues")
            if columns is not None and header.columns != columns:
                raise Unsuitable("headers differ between files")
            if len(set(header.columns)) != len(header.columns) or "" in header.columns:
                raise Unsuitable(f"{file.name}: duplicate or empty column names")
            if any(c.startswith(_PREFIX) for c in header.columns):
                raise Unsuitable(f"{file.name}: a column named {_PREFIX}…")
            columns = header.columns
            paths.append(str(path))
        assert columns is not None
        return _Files(tuple(f.name for f in files), paths, columns)

    def _open(self, plan: _Plan, number: int, after: int) -> Opened:
        """Run the query of inputs file ``number`` and check the file (Unsuitable if
        DuckDB does not read it as Python would)."""
        path = plan.inputs.paths[number]
        lines = count_lines(path)
        kinds = _kinds(path, plan.inputs.columns)
        sql, params = plan.sql(kinds, after, lines)
        cursor = self._connection().cursor()
        self._cursors.append(cursor)
        rows = cursor.execute(sql, [path, *params]).fetchmany(FETCH)
        lead = 0  # the rows of the checks come first (no more than two if all pass)
        while lead < len(rows) and (rows[lead][1] or 0) & LEAD:
            lead += 1
        seen = functools.reduce(operator.or_, (row[1] for row in rows[:lead]), 0)
        if failed := seen & FAILED:
            raise Unsuitable(_WHY[failed & -failed])  # the first check that failed
        if (lines > 1 and not seen & LAST_INPUT) or (plan.output_rows and not seen & LAST_OUTPUT):
            raise Unsuitable(_WHY[EXTRA])  # fewer records than lines
        skewed = sum(1 for row in rows[:lead] if row[1] & SKEWED)
        held = [row for row in rows[:lead] if row[3]]
        exact = plan.exact(kinds)
        return Opened(plan, plan.inputs.names[number], exact, rows[lead:], held, cursor, skewed)


@dataclass(slots=True)
class Opened:
    """One inputs file queried and checked: its rows passing the prefilter, in file order."""

    plan: _Plan
    name: str
    exact: bool  # the prefilter is the filter itself on rows DuckDB typed exactly
    pending: list[tuple[Any, ...]]  # fetched with the checks
    held: list[tuple[Any, ...]]  # rows of the checks that pass the prefilter
    cursor: Any
    skewed: int  # rows outside the folder's time: the whole file's once its rows are read

    def batches(self) -> Iterator[list[tuple[Any, ...]]]:
        """The rows, about :data:`FETCH` at a time."""
        held = self.held
        fetched = iter(functools.partial(self.cursor.fetchmany, FETCH), [])
        for rows in itertools.chain([self.pending] if self.pending else [], fetched):
            if held and held[0][0] < rows[-1][0]:  # in file order
                k = sum(1 for row in held if row[0] < rows[-1][0])
                yield sorted([*rows, *held[:k]], key=operator.itemgetter(0))
                held = held[k:]
            else:
                yield rows
        if held:
            yield held
        self.cursor.close()

    def predictions(self, batch: list[tuple[Any, ...]]) -> list[Prediction | DataIssue]:
        """The batch's rows as the Python parser and join make them, those matching the
        query's field filters."""
        with collection_deferred():
            found, skewed = self.plan.predictions(self.name, batch, self.exact)
        self.skewed += skewed
        return found

    def skewed_rows(self) -> int:
        """Rows outside the folder's time (all of the file's once its rows are read)."""
        return self.skewed

    @property
    def counted(self) -> Callable[[], int] | None:
        """What counts the rows outside the folder's time (the page search need not)."""
        return self.skewed_rows


@dataclass(frozen=True, slots=True)
class _Files:
    """Files of one collection of a partition, as DuckDB reads them."""

    names: tuple[str, ...]
    paths: list[str]
    columns: tuple[str, ...]

    @property
    def types(self) -> dict[str, str]:
        return dict.fromkeys(self.columns, "VARCHAR")

    @property
    def features(self) -> list[str]:
        return [c for c in self.columns if c not in CORRELATION_COLUMNS]


@dataclass(frozen=True, slots=True)
class _Plan:
    """A v1 partition whose headers suit DuckDB, and the SQL prefilter of the query."""

    provider: str
    query: PredictionQuery
    partition: Partition
    inputs: _Files
    outputs: _Files
    cond: str
    params: list[object]
    output_rows: int
    output_kinds: dict[str, type]

    def sql(self, kinds: dict[str, type], after: int, lines: int) -> tuple[str, list[object]]:
        """The query of one inputs file of ``lines`` lines (its path is the first
        parameter) and its parameters; ``kinds``: the likely type of the file's columns."""
        q, o, n = filter_sql.quote, filter_sql.OUTPUT, f"{_PREFIX}n"
        m, x, b = f"{_PREFIX}m", f"{_PREFIX}x", f"{_PREFIX}b"  # first, last line; a bad one
        s, h, cast = f"{_PREFIX}s", f"{_PREFIX}h", f"{_PREFIX}t"
        key, ts = q(CORRELATION_ID), q(TIMESTAMP)
        out_key, out_ts = q(o + CORRELATION_ID), q(o + TIMESTAMP)
        renamed = ", ".join(f"{q(c)} as {q(o + c)}" for c in [*self.outputs.features, TIMESTAMP])
        firsts = ", ".join(
            f"arg_min_null({q(o + c)}, {m}) as {q(o + c)}"
            for c in [*self.outputs.features, TIMESTAMP]
        )
        bad_output = _bad(out_ts, f"try_cast({out_ts} as timestamp)")
        bad_input = f"{n} is not null and {_bad(ts, cast)}"
        bad = f"{bad_input} or {m} is not null and ({out_key} is null or {b})"
        state = " + ".join(
            f"case when {test} then {bit} else 0 end"
            for test, bit in (
                (f"{n} is not null and {m} is null", LOST),
                (bad, BAD),
                (f"{n} > ? or {x} > ?", EXTRA),
                (f"{n} = ?", LAST_INPUT),
                (f"{x} = ?", LAST_OUTPUT),
                (f"{cast} < ? or {cast} >= ?", SKEWED),
            )
        )
        hit = f"{n} is not null and {m} is not null and coalesce({self.cond}, false) and {n} > ?"
        typed = [_typed(q(col), kinds.get(col, str)) for col in self.inputs.features]
        typed += [
            _typed(q(o + col), self.output_kinds.get(col, str)) for col in self.outputs.features
        ]
        values = [t[0] for t in typed[: len(self.inputs.features)]]
        # the ids as text; the columns the folder names too are NULL when they repeat it
        values += [f"coalesce({q(col)}, '')" for col in _IDS[:2]]
        values += [f"nullif({q(col)}, ?)" for col in _IDS[2:5]]
        values += [f"coalesce({q(col)}, '')" for col in _IDS[5:]]
        values += [t[0] for t in typed[len(self.inputs.features) :]]
        ok = " and ".join(t[1] for t in typed) or "true"
        raw = ", ".join(t[2] for t in typed)
        sql = (
            f"with i as (select row_number() over () + 1 as {n}, * from {_READ}),"
            f" r as (select row_number() over () as {m}, {q(CORRELATION_ID)} as {out_key},"
            f" {renamed} from {_READ}),"
            f" o as (select {out_key}, {firsts}, min({m}) as {m}, max({m}) as {x},"
            f" bool_or({bad_output}) as {b} from r group by {out_key}),"
            f" j as (select try_cast({ts} as timestamp) as {cast}, * from i full join o"
            f" on {key} = {out_key}),"
            f" s as (select {state} as {s}, {hit} as {h}, * from j)"
            f" select {n}, nullif({s}, 0), case when not ({ok}) then [{raw}]::varchar[] end,"
            f" {h}, {', '.join(values)} from s where {s} != 0 or {h}"
            f" order by {s} & {LEAD} = 0, {n}"
        )
        start = self.partition.start.replace(tzinfo=None)
        end = self.partition.end.replace(tzinfo=None)
        folder = self.partition
        named = [folder.endpoint, folder.model_name or "", folder.model_version or ""]
        outs = self.output_rows
        params: list[object] = [self.inputs.types, self.outputs.paths, self.outputs.types]
        params += [lines, outs, lines, outs, start, end, *self.params, after, *named]
        return sql, params

    def exact(self, kinds: dict[str, type]) -> bool:
        """True if the prefilter is the filter itself on the rows DuckDB typed exactly
        (``kinds``: the likely type of the inputs file's columns)."""
        inputs = {c: kinds.get(c, str) for c in self.inputs.features}
        outputs = {c: self.output_kinds.get(c, str) for c in self.outputs.features}
        return filter_sql.exact(self.query.filters, inputs, outputs)

    def predictions(
        self, name: str, batch: list[tuple[Any, ...]], exact: bool
    ) -> tuple[list[Prediction | DataIssue], int]:
        """The batch's rows matching the query's field filters as the Python parser and
        join make them (checked in Python unless ``exact`` and DuckDB typed the row
        exactly), and its count of rows outside the folder's time that were not counted
        when the file was opened (this runs per row: values are picked by position, and
        numbers came typed from DuckDB)."""
        matches = self.query.matches_fields
        ins, outs = self.inputs.features, self.outputs.features
        at = _HEAD + len(ins)  # the ids: correlation, timestamp, service, model, version, request
        rest = at + len(_IDS)
        folder, provider, prefix = self.partition, self.provider, name + ":"
        found: list[Prediction | DataIssue] = []
        skewed = 0
        for row in batch:
            if row[1] is not None:  # a row of the checks, or outside the folder's time
                skewed += row[1] == SKEWED
                if not row[3]:
                    continue
            cid, ts, service, model, version, rid = row[at:rest]
            try:  # a plain ISO time (checked), naive: UTC
                timestamp = fromisoformat(ts + "+00:00")
            except ValueError:
                issue = f"bad {TIMESTAMP} {ts[:40]!r}; row skipped"
                found.append(DataIssue(f"{prefix}{row[0]}", issue))
                continue
            if row[2] is None:
                inputs = dict(zip(ins, row[_HEAD:at], strict=False))  # of the same width
                outputs = dict(zip(outs, row[rest:], strict=False))
                if not exact and not matches(inputs, outputs):
                    continue
            else:  # the raw text, where DuckDB's type could differ from coerce()'s
                fixed = ["" if v is None else coerce(v) for v in row[2]]
                inputs = dict(zip(ins, fixed[: len(ins)], strict=True))
                outputs = dict(zip(outs, fixed[len(ins) :], strict=True))
                if not matches(inputs, outputs):
                    continue
            found.append(
                v1_fields_prediction(
                    provider,
                    folder,
                    f"{prefix}{row[0]}",
                    cid,
                    rid,
                    timestamp,
                    service,
                    model,
                    version,
                    inputs,
                    outputs,
                )
            )
        return found, skewed


def _typed(column: str, kind: type) -> tuple[str, str, str]:
    """The (quoted) column's value as ``kind``, the condition under which it is what
    :func:`coerce` makes of the text, and the raw text (for the rows where it is not)."""
    c = column
    if kind is int:  # the text is the canonical form of the number
        value = f"try_cast({c} as bigint)"
        return value, f"coalesce({c} = {value}::varchar, false)", c
    if kind is float:
        value = f"try_cast({c} as double)"
        return value, f"coalesce({c} = {value}::varchar and isfinite({value}), false)", c
    return f"coalesce({c}, '')", f"not coalesce(regexp_matches({c}, '{_NUMBERISH}'), false)", c


def _refused(exc: Exception) -> bool:
    """True if ``exc`` means that DuckDB cannot read a partition as the Python parser
    would (the partition is then read in Python)."""
    if isinstance(exc, Unsuitable | OSError):
        return True
    import duckdb  # noqa: PLC0415  (never on the console's start path)

    return isinstance(exc, duckdb.Error)


def _by_size(partitions: list[Listed]) -> Iterator[list[Listed]]:
    """The partitions in runs whose files add up to at most :data:`GROUP_BYTES` (a
    partition bigger than that alone)."""
    group: list[Listed] = []
    size = 0
    for one in partitions:
        if group and size + one.size > GROUP_BYTES:
            yield group
            group, size = [], 0
        group.append(one)
        size += one.size
    if group:
        yield group


def _bad(ts: str, cast: str) -> str:
    """True if the (quoted) timestamp column is not a plain ISO time (``cast``: the
    column of its ``try_cast`` to a timestamp)."""
    plain = f"coalesce(regexp_full_match({ts}, '{_TS}'), false)"
    return f"(not {plain} or {cast} is null)"


def _kinds(path: str, columns: tuple[str, ...]) -> dict[str, type]:
    """Per column, the type :func:`coerce` gives all values of the file's first rows (int,
    else float if all are numbers, else str); {} if they are not at hand."""
    with open(path, "rb") as stream:  # noqa: PTH123
        lines = stream.read(_SAMPLE).split(b"\n")[1:-1]  # no header, no partial line
    try:
        rows = list(csv.reader(x.decode().rstrip("\r") for x in lines[:_ROWS]))
    except (UnicodeDecodeError, csv.Error):
        return {}
    rows = [row for row in rows if len(row) == len(columns)]
    if not rows:
        return {}
    kinds: dict[str, type] = {}
    for column, values in zip(columns, zip(*rows, strict=True), strict=True):
        seen = {type(coerce(v)) for v in values}
        kinds[column] = int if seen == {int} else float if seen <= {int, float} else str
    return kinds
