# ruff: noqa: S608  (SQL is built from quoted column names only; values are bound)
"""Field-filtered search of v1 (CSV) partitions in DuckDB: parallel C parsing that
releases the GIL, the filter pushed down as SQL with bound parameters
(:mod:`providers.predictions.duck_sql`).  duckdb is imported on the first such search.

A partition goes to DuckDB only when DuckDB reads it as the Python parser would: local
files, headers with every correlation column and unique names, one record per line
(DuckDB's row count = lines - 1), naive ISO timestamps, every input joined to an output by
correlation id, and no DuckDB error.  Otherwise :meth:`DuckSearch.partition` returns None
(and logs why) and the reader parses the partition in Python, which reports its issues.
"""

from __future__ import annotations

import logging
import tempfile
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from itertools import pairwise
from pathlib import Path
from typing import Any

from providers.predictions import duck_sql
from providers.predictions.csv_v1 import (
    CORRELATION_COLUMNS,
    CORRELATION_ID,
    MODEL_NAME,
    MODEL_VERSION,
    REQUEST_ID,
    SERVICE,
    TIMESTAMP,
    CsvRow,
    coerce,
    parse_timestamp,
    read_header,
)
from providers.predictions.join import v1_prediction
from providers.predictions.layout import Partition
from providers.predictions.store import LogStore, StoredFile
from providers.query import PredictionQuery
from providers.records import DataIssue, Prediction

log = logging.getLogger(__name__)

MEMORY_LIMIT = "256MB"
THREADS = 2
FETCH = 1000
_TS = r"\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}:\d{2}(\.\d{1,6})?"
_CHUNK = 1 << 20
_READ = (
    "read_csv(?, columns = ?, header = true, auto_detect = false, delim = ',',"
    " quote = '\"', escape = '\"', filename = true)"
)
_UNUSED = frozenset({"$aml_dc_boundary", "$aml_workspace"})
_NUMBER_START = frozenset("0123456789+-.")
_UNION = "UNION(i BIGINT, f DOUBLE, s VARCHAR)"
_INT = r"[+-]?(?:0|[1-9][0-9]*)"  # csv_v1's number patterns, ASCII digits only
_FLOAT = r"[+-]?(?:(?:0|[1-9][0-9]*)(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?"


class Unsuitable(Exception):
    """The partition is not read by DuckDB exactly as by the Python parser."""


class DuckSearch:
    """One filtered search's DuckDB connection (temp tables are per connection)."""

    def __init__(self, store: LogStore, provider: str) -> None:
        self.store = store
        self.provider = provider
        self._con: Any = None

    def close(self) -> None:
        """Close the connection, if one was opened."""
        if self._con is not None:
            self._con.close()
            self._con = None

    def _connection(self) -> Any:
        if self._con is None:
            import duckdb  # noqa: PLC0415  (never on the console's start path)

            spill = Path(tempfile.gettempdir()) / "modeltrail-duckdb"
            self._con = duckdb.connect(
                config={
                    "threads": THREADS,
                    "memory_limit": MEMORY_LIMIT,
                    "temp_directory": str(spill),
                    "preserve_insertion_order": True,
                }
            )
        return self._con

    def prepare(self, partition: Partition, query: PredictionQuery) -> Prepared | None:
        """The partition checked and ready to stream its rows prefiltered by DuckDB; None
        if it must be read in Python (see the module docstring)."""
        partner = partition.partner()
        files = partition.files(self.store)
        outputs = partner.files(self.store) if partner else []
        if partition.format != "v1" or not files or not outputs:
            return None
        try:
            inputs, partners = self._files(files), self._files(outputs)
            skewed = self._check(inputs, partners, partition)
        except (Unsuitable, OSError) as exc:
            log.info("%s read in Python, not DuckDB: %s", partition.folder, exc)
            return None
        except Exception as exc:  # duckdb.Error: imported lazily, so caught broadly
            import duckdb  # noqa: PLC0415

            if not isinstance(exc, duckdb.Error):
                raise
            log.info("%s read in Python, DuckDB refused it: %s", partition.folder, exc)
            return None
        cond, params = duck_sql.where(query.filters, inputs.columns, partners.columns)
        return Prepared(self, partition, inputs, partners, skewed, cond, params)

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
            columns = header.columns
            paths.append(str(path))
        assert columns is not None
        return _Files(tuple(f.name for f in files), paths, columns)

    def _check(self, inputs: _Files, outputs: _Files, partition: Partition) -> list[int]:
        """Raise Unsuitable unless DuckDB reads the partition as Python would (see the
        module docstring); the count of rows outside the folder's time per inputs file."""
        key, ts = duck_sql.quote(CORRELATION_ID), duck_sql.quote(TIMESTAMP)
        bad = "not regexp_full_match(coalesce(t, ''), ?) or try_cast(t as timestamp) is null"
        skew = "try_cast(t as timestamp) < ? or try_cast(t as timestamp) >= ?"
        sql = (
            f"with i as (select filename as f, {key} as c, {ts} as t from {_READ}),"
            f" o as (select filename as f, {key} as c, {ts} as t from {_READ})"
            f" select 'i', f, count(*), count(*) filter (where {bad}),"
            f" count(*) filter (where {skew}) from i group by f"
            f" union all select 'o', f, count(*), count(*) filter (where {bad}), 0"
            " from o group by f"
            " union all select 'd', null, count(*) - count(distinct c), 0, 0 from o"
            " union all select 'u', null, count(*), 0, 0 from i anti join o using (c)"
        )
        start, end = partition.start.replace(tzinfo=None), partition.end.replace(tzinfo=None)
        params: list[object] = [inputs.paths, inputs.types, outputs.paths, outputs.types]
        params += [_TS, start, end, _TS]
        found = {
            (kind, f): (rows, wrong, out)
            for kind, f, rows, wrong, out in self._connection().execute(sql, params).fetchall()
        }
        if found[("d", None)][0]:
            raise Unsuitable("an output correlation id is missing or repeated")
        if found[("u", None)][0]:
            raise Unsuitable("an input has no output with its correlation id")
        skewed = []
        for kind, files in (("i", inputs), ("o", outputs)):
            for path in files.paths:
                rows, wrong, out = found.get((kind, path), (0, 0, 0))
                if wrong:
                    raise Unsuitable(f"{path}: {wrong} timestamp(s) not plain ISO")
                if rows != _lines(path) - 1:
                    raise Unsuitable(f"{path}: not one record per line")
                if kind == "i":
                    skewed.append(int(out))
        return skewed

    def batches(self, prepared: Prepared, path: str) -> Iterator[list[tuple[Any, ...]]]:
        """The rows of one inputs file passing the SQL prefilter, in file order: the line
        number, then the typed input and output columns."""
        inputs, outputs = prepared.inputs, prepared.outputs
        key = duck_sql.quote(CORRELATION_ID)
        select = ", ".join(
            [_typed("i", c) for c in _used(inputs.columns)]
            + [_typed("o", c) for c in _features(outputs.columns)]
        )
        sql = (
            f"select i.__n + 1, {select} from (select row_number() over () as __n, *"
            f" from {_READ}) i join {_READ} o on i.{key} = o.{key}"
            f" where {prepared.cond} order by i.__n"
        )
        values = [[path], inputs.types, outputs.paths, outputs.types, *prepared.params]
        cursor = self._connection().execute(sql, values)
        last = 0
        while batch := cursor.fetchmany(FETCH):
            # line numbers must rise: a file's rows are streamed in file order
            if batch[0][0] <= last or any(a[0] >= b[0] for a, b in pairwise(batch)):
                raise Unsuitable("DuckDB returned rows out of file order")
            last = batch[-1][0]
            yield batch


@dataclass(frozen=True, slots=True)
class Prepared:
    """A partition DuckDB reads exactly as Python would, and its SQL prefilter."""

    search: DuckSearch
    partition: Partition
    inputs: _Files
    outputs: _Files
    skewed: list[int]  # per inputs file, its rows outside the folder's time
    cond: str
    params: list[object]

    def predictions(self, name: str, batch: list[tuple[Any, ...]]) -> list[Prediction | DataIssue]:
        """The batch's rows as the Python parser and join make them."""
        ins = _used(self.inputs.columns)
        features = [(c, 1 + n) for n, c in enumerate(ins) if c not in CORRELATION_COLUMNS]
        outputs = [(c, 1 + len(ins) + n) for n, c in enumerate(_features(self.outputs.columns))]
        at = {c: 1 + n for n, c in enumerate(ins) if c in CORRELATION_COLUMNS}
        found: list[Prediction | DataIssue] = []
        for row in batch:
            text = row[at[TIMESTAMP]] or ""
            timestamp = parse_timestamp(text)
            if timestamp is None:
                where = f"{name}:{row[0]}"
                found.append(DataIssue(where, f"bad {TIMESTAMP} {text[:40]!r}; row skipped"))
                continue
            csv_row = CsvRow(
                file=name,
                line=row[0],
                values={c: _value(row[i]) for c, i in features},
                correlation_id=row[at[CORRELATION_ID]] or "",
                request_id=row[at[REQUEST_ID]] or "",
                timestamp=timestamp,
                service=row[at[SERVICE]] or "",
                model_name=row[at[MODEL_NAME]] or "",
                model_version=row[at[MODEL_VERSION]] or "",
            )
            values = {c: _value(row[i]) for c, i in outputs}
            found.append(v1_prediction(self.search.provider, self.partition, csv_row, values))
        return found


@dataclass(frozen=True, slots=True)
class _Files:
    """Files of one collection of a partition, as DuckDB reads them."""

    names: tuple[str, ...]
    paths: list[str]
    columns: tuple[str, ...]

    @property
    def types(self) -> dict[str, str]:
        return dict.fromkeys(self.columns, "VARCHAR")


def _typed(table: str, column: str) -> str:
    """The column as an int or finite float where :func:`coerce` would make it one
    (decided by DuckDB, so most values need no Python parsing), else as text."""
    c = f"{table}.{duck_sql.quote(column)}"
    if column in CORRELATION_COLUMNS:
        return c
    is_int = f"regexp_full_match({c}, '{_INT}')"
    real = f"try_cast({c} as double)"
    is_float = f"not {is_int} and regexp_full_match({c}, '{_FLOAT}') and isfinite({real})"
    return (
        f"case when length({c}) <= 18 and {is_int} then try_cast({c} as bigint)::{_UNION}"
        f" when {is_float} then {real}::{_UNION} else {c}::{_UNION} end"
    )


def _used(columns: tuple[str, ...]) -> list[str]:
    """The input columns a prediction is made of (not the boundary and workspace)."""
    return [c for c in columns if c not in _UNUSED]


def _features(columns: tuple[str, ...]) -> list[str]:
    return [c for c in columns if c not in CORRELATION_COLUMNS]


def _value(value: Any) -> Any:
    """A feature value as :func:`coerce` makes it: numbers come typed from DuckDB; text
    that may still be a number to Python (non-ASCII digits, over 18 digits) is coerced."""
    if value is None:
        return ""
    if type(value) is str and (value[:1] in _NUMBER_START or not value.isascii()):
        return coerce(value)
    return value


def _lines(path: str) -> int:
    """The number of lines of the file (a last line without a line break counts)."""
    lines = 0
    last = b"\n"
    with open(path, "rb", buffering=0) as stream:  # noqa: PTH123
        while chunk := stream.read(_CHUNK):
            lines += chunk.count(b"\n")
            last = chunk[-1:]
    return lines + (last != b"\n")
