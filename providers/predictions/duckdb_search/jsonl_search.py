# ruff: noqa: S608  (SQL is built from checked field names only; values are bound)
"""Field-filtered search of v2 (JSONL) partitions: DuckDB picks the lines, Python parses them.

One query reads the inputs and outputs files of the hour partitions of a day with
``read_json`` (records numbered per file, in file order), joins each input to the outputs
of its own partition by correlation id and returns the input lines that may matter, with
the numbers of their output lines.  Only those lines are then parsed and joined by the
Python code of the Python path, and the page search checks the query on them as on any
run, so the result is the Python path's.  An input line comes back when

- some row of its ``data``, or of its output's, may satisfy each field filter: a JSON
  number is compared as a number, a JSON string as a string, and any other value may
  match (Python decides); or
- Python would say something about it: no output, several outputs, a correlation id that
  is missing or not a string, ``data`` that is not a non-empty list, input and output row
  counts that differ, data kept in a blob, a time that is not plain ISO (``…Z``) or lies
  outside the folder's hour or day (counted as clock skew), ``data`` that may be too deep
  or hold too long an integer for Python (:func:`_unreadable`).

A partition is read in Python instead when: a file is not local, DuckDB cannot read a
file (invalid JSON or UTF-8, a partial last line), a file holds other than one record
per line, an output line would be reported (no correlation id, a time not plain ISO),
more than :data:`MAX_LINES` lines come back (Python streams them with less memory), or a
line read back is not the record DuckDB numbered.  Two differences are left: an object
with a key written twice, where DuckDB may compare the first value and Python keeps the
last, and a value too deep or too long for Python in a field DuckDB does not read (``id``,
``type``, ``xrequestid``, ``modelversion``, unknown keys), which Python reports and DuckDB
does not see; collectors write neither (logged values are in ``data``).
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from providers.predictions.blob_payload import BlobPayloads
from providers.predictions.duckdb_search.filter_sql import COMPARISONS
from providers.predictions.folder_layout import Partition
from providers.predictions.formats.jsonl_v2 import MAX_JSON_DEPTH, JsonlRecord, parse_lines
from providers.predictions.formats.lines import pick_lines
from providers.predictions.join import PAYLOAD_COLLECTIONS, V2Outputs, join_v2
from providers.predictions.log_store import LogStore, StoredFile
from providers.query import FieldFilter
from providers.records import DataIssue, Prediction

log = logging.getLogger(__name__)

MAX_LINES = 50_000
MAX_OBJECT_BYTES = 16 << 20
"""read_json's ``maximum_object_size`` (DuckDB's default), which sizes its buffers: at
32 MiB a query needed ~160 MB, and two at once ran out of memory.  A longer line is read
all the same (measured: 20 MB), or refused, and then Python reads the partition."""
_FILE = 1 << 32  # an output line's position: file number * _FILE + line number
_COLUMNS = "{correlationid: 'JSON', time: 'JSON', data: 'JSON', datainblob: 'JSON'}"
# on the JSON text of a value: a plain ISO time (quoted); not a string, or an empty one
_PLAIN_TIME = (
    r"""regexp_full_match({}::VARCHAR, '"\d{{4}}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{{1,6}})?Z"')"""
)
_NOT_TEXT = """(NOT starts_with({0}::VARCHAR, '"') OR {0}::VARCHAR = '""')"""
_NUMBER = "json_type(v) IN ('BIGINT', 'UBIGINT', 'DOUBLE')"
_RE2_MAX_REPEAT = 1000


class Unsuitable(Exception):
    """The partition is not read by DuckDB exactly as by the Python parser."""


@dataclass(slots=True)
class JsonRun:
    """One inputs file's predictions from the lines DuckDB picked, parsed and joined."""

    name: str
    items: list[Prediction | DataIssue]

    @property
    def counted(self) -> Callable[[], int] | None:
        """None: the page search counts the skewed rows and checks the fields itself."""
        return None

    def batches(self) -> Iterator[list[Prediction | DataIssue]]:
        """The items, in one batch."""
        yield self.items

    def predictions(self, batch: list[Prediction | DataIssue]) -> list[Prediction | DataIssue]:
        """The batch as it is (the page search checks the query)."""
        return batch


@dataclass(frozen=True, slots=True)
class Listed:
    """A v2 partition with the files of its inputs and outputs folders, listed once."""

    partition: Partition
    inputs: list[StoredFile]
    outputs: list[StoredFile]  # of its partner folder (none if it has no partner)

    @property
    def size(self) -> int:
        """The bytes of all its files."""
        return sum(file.size for file in (*self.inputs, *self.outputs))


def listed(store: LogStore, partition: Partition) -> Listed:
    """The partition with its files and its outputs' files."""
    partner = partition.partner()
    outputs = partner.files(store) if partner is not None else []
    return Listed(partition, partition.files(store), outputs)


def read_partitions(
    cursor: Any,
    store: LogStore,
    provider: str,
    partitions: Sequence[Listed],
    filters: Sequence[FieldFilter],
) -> list[list[JsonRun] | None]:
    """Per partition, its inputs files as runs; None if Python must read it.

    One query reads them all (an hour's query costs a third more in DuckDB than its share
    of a day's), each input joined only to an output of its own partition.  Unsuitable if
    the query itself fails (a file DuckDB cannot read, say).
    """
    inputs: list[tuple[str, str, int]] = []  # name, local path, partition number
    outputs: list[tuple[str, str, int]] = []
    unsuitable: dict[int, str] = {}
    for number, one in enumerate(partitions):
        try:
            ins, outs = _files(store, one)
        except Unsuitable as exc:
            unsuitable[number] = str(exc)
            continue
        inputs += [(name, path, number) for name, path in ins]
        outputs += [(name, path, number) for name, path in outs]
    picked: list[dict[int, tuple[str, list[int]]]] = [{} for _ in inputs]
    records = [0] * len(inputs)  # per inputs file, the records DuckDB read
    out_records = [0] * len(partitions)  # per partition, in all its outputs files
    if inputs:
        sql, params = _query([g for *_, g in inputs], [g for *_, g in outputs], filters)
        params.update(
            {f"in{k}": path for k, (_, path, _) in enumerate(inputs)}
            | {f"out{k}": path for k, (_, path, _) in enumerate(outputs)}
            | {
                "starts": [f"{p.partition.start:%Y-%m-%dT%H:%M:%S}" for p in partitions],
                "ends": [f"{p.partition.end:%Y-%m-%dT%H:%M:%S}" for p in partitions],
            }
        )
        # k: the inputs file (kinds 0 and 3) or the partition (kinds 1 and 2)
        for kind, k, n, c, positions, hit in cursor.execute(sql, params).fetchall():
            if kind == 0 and hit:
                picked[k][n] = (c, positions or [])
            elif kind == 1:
                out_records[k] = n or 0
            elif kind == 2 and n:
                unsuitable[k] = "an output line has no correlation id or a time not plain ISO"
            elif kind == 3:
                records[k] = n
    results: list[list[JsonRun] | None] = []
    for number, partition in enumerate(p.partition for p in partitions):
        mine = [k for k, (*_, g) in enumerate(inputs) if g == number]
        try:
            if number in unsuitable:
                raise Unsuitable(unsuitable[number])
            if sum(len(picked[k]) for k in mine) > MAX_LINES:
                raise Unsuitable(f"more than {MAX_LINES} lines may match")
            joined = _outputs(outputs, number, [picked[k] for k in mine], out_records[number])
            runs = []
            for k in mine:
                name, path, _ = inputs[k]
                items = _records(name, path, picked[k], records[k])
                joins = join_v2(provider, partition, items, joined, BlobPayloads(store))
                runs.append(JsonRun(name, list(joins)))
        except (Unsuitable, OSError) as exc:
            log.info("%s read in Python, not DuckDB: %s", partition.folder, exc)
            results.append(None)
            continue
        results.append(runs)
    return results


def _files(store: LogStore, one: Listed) -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
    """The local paths of the partition's inputs and outputs files."""
    if one.partition.partner() is None or one.partition.collection in PAYLOAD_COLLECTIONS:
        raise Unsuitable("not a v2 partition of rows")
    inputs = _paths(store, one.inputs)
    outputs = _paths(store, one.outputs)
    if not inputs or not outputs:
        raise Unsuitable("no inputs or no outputs")
    return inputs, outputs


def _paths(store: LogStore, files: Sequence[StoredFile]) -> list[tuple[str, str]]:
    paths = []
    for file in files:
        path = store.local_path(file.name)
        if path is None:
            raise Unsuitable(f"{file.name} has no local path")
        paths.append((file.name, str(path)))
    return paths


def _outputs(
    outputs: list[tuple[str, str, int]],
    number: int,
    picked: list[dict[int, tuple[str, list[int]]]],
    records: int,
) -> V2Outputs:
    """The output records of partition ``number`` that the correlation ids of its picked
    input lines name, first ones first (``records``: how many DuckDB read in its outputs
    files)."""
    by_file: dict[int, dict[int, str]] = {k: {} for k, (*_, g) in enumerate(outputs) if g == number}
    for lines in picked:
        for c, positions in lines.values():
            for position in positions:
                by_file[position // _FILE][position % _FILE] = c
    joined = V2Outputs()
    total = 0
    for k, ids in by_file.items():
        name, path, _ = outputs[k]
        read, count = _read_back(name, path, ids)
        total += count
        for record in read:
            if not isinstance(record, JsonlRecord):
                raise Unsuitable(f"{record.location}: an output line read back is an issue")
            joined.add(record)
    if total != records:
        raise Unsuitable("outputs: not one record per line")
    return joined


def _records(
    name: str, path: str, wanted: dict[int, tuple[str, list[int]]], records: int
) -> list[JsonlRecord | DataIssue]:
    """The picked lines of an inputs file, parsed (issues included); ``records``: how
    many DuckDB read in the file."""
    read, count = _read_back(name, path, {n: c for n, (c, _) in wanted.items()})
    if count != records:
        raise Unsuitable(f"{name}: not one record per line")
    return read


def _read_back(
    name: str, path: str, ids: dict[int, str]
) -> tuple[list[JsonlRecord | DataIssue], int]:
    """The lines numbered as the keys of ``ids``, parsed, and the file's line count;
    Unsuitable if a record's correlation id is not the one DuckDB gave that number."""
    lines, count = pick_lines(path, sorted(ids))
    records = list(parse_lines(name, lines))
    for record in records:
        if isinstance(record, JsonlRecord) and record.correlation_id != ids[record.line]:
            raise Unsuitable(f"{name}: a line read back is not the one DuckDB numbered")
    return records, count


def _query(
    inputs: Sequence[int], outputs: Sequence[int], filters: Sequence[FieldFilter]
) -> tuple[str, dict[str, Any]]:
    """The SQL of inputs and outputs files (the partition number of each), and its
    parameters.

    Every test on an input line alone is made once, before the join, in a materialized
    CTE: otherwise DuckDB evaluates the tests on the joined rows, some of them twice (in
    the filter and in the projection), ~42 ms an hour file of 2,800 lines against ~25 ms.
    A test that cannot decide (SQL NULL) counts as true.
    """
    params: dict[str, Any] = {}
    in_terms, out_terms, terms = [], [], []
    for number, item in enumerate(filters):
        key_in, key_out = item.keys
        in_terms.append(f"{_term(item, 'd', key_in, params, f'p{number}')} AS h{number}")
        outs = _term(item, "d", key_out, params, f"p{number}")
        out_terms.append(f"coalesce(bool_or({outs}), false) AS m{number}")
        terms.append(f"(i.h{number} OR coalesce(oc.m{number}, false))")
    ins_sql = " UNION ALL ".join(
        f"SELECT {k} AS f, {g} AS g, row_number() OVER () AS n, correlationid AS c,"
        f" time AS t, data AS d, datainblob AS b FROM {_read(f'in{k}')}"
        for k, g in enumerate(inputs)
    )
    outs_sql = " UNION ALL ".join(
        f"SELECT {k} AS f, {g} AS g, row_number() OVER () AS n, correlationid AS c,"
        f" time AS t, data AS d FROM {_read(f'out{k}')}"
        for k, g in enumerate(outputs)
    )
    # tests on the JSON text DuckDB keeps of a value (minified, escapes decoded): a
    # string's starts with a quote, an array's with a bracket; no JSON function to call
    bad_output = (
        f"coalesce({_NOT_TEXT.format('c')} OR NOT {_PLAIN_TIME.format('t')}"
        f" OR {_unreadable('d')}, true)"
    )
    odd_input = (
        f"{_NOT_TEXT.format('c')} OR b IS NOT NULL OR NOT {_PLAIN_TIME.format('t')}"
        f" OR {_unreadable('d')}"
        " OR substr(t::VARCHAR, 2, 19) < $starts[g + 1]"
        " OR substr(t::VARCHAR, 2, 19) >= $ends[g + 1]"
        " OR NOT starts_with(d::VARCHAR, '[') OR d::VARCHAR = '[]'"
    )
    if any("value" in item.keys for item in filters):
        # rows that are not objects are matched as {"value": …}: let Python see them
        odd_input += " OR list_distinct(json_type(d, '$[*]')) <> ['OBJECT']"
        shape = "list_distinct(json_type(d, '$[*]')) <> ['OBJECT'] OR "
    else:
        shape = ""
    notable = "i.odd OR coalesce(oc.k IS NULL OR oc.k > 1 OR oc.shape OR i.l <> oc.l, true)"
    sql = f"""
WITH r AS ({ins_sql}),
i AS MATERIALIZED (
  SELECT f, g, n, c ->> '$' AS key, coalesce({odd_input}, true) AS odd,
         json_array_length(d) AS l, {", ".join(in_terms)}
  FROM r
),
o AS ({outs_sql}),
oc AS MATERIALIZED (
  SELECT g, c ->> '$' AS key, count(*) AS k, max(json_array_length(d)) AS l,
         bool_or(coalesce({shape}NOT starts_with(d::VARCHAR, '['), true)) AS shape,
         bool_or({bad_output}) AS bad, list(f * {_FILE} + n ORDER BY f, n) AS pos,
         {", ".join(out_terms)}
  FROM o GROUP BY ALL
)
SELECT 0, i.f, i.n, i.key, oc.pos, {notable} OR ({" AND ".join(terms)}) AS hit
FROM i LEFT JOIN oc ON i.g = oc.g AND i.key = oc.key
WHERE hit
UNION ALL SELECT 1, g, sum(k), NULL, NULL, NULL FROM oc GROUP BY g
UNION ALL SELECT 2, g, count(*) FILTER (WHERE bad), NULL, NULL, NULL FROM oc GROUP BY g
UNION ALL SELECT 3, f, max(n), NULL, NULL, NULL FROM i GROUP BY f
"""
    return sql, params


def _unreadable(value: str) -> str:
    """SQL true if the JSON text of ``value`` may be one the Python parser refuses
    (:func:`~providers.predictions.formats.jsonl_v2.decode`): brackets enough to nest deeper than
    :data:`~providers.predictions.formats.jsonl_v2.MAX_JSON_DEPTH` in the record, or a run of
    digits longer than ``int()`` converts (RE2 repeats up to 1,000 times: a run that
    long).  Each test runs only on a text long enough to fail it (a CASE, so that
    DuckDB keeps the order).  Counting brackets with ``replace`` costs ~1.5 ns a byte of
    ``data`` (``translate``: ~14 ns)."""
    depth = MAX_JSON_DEPTH  # the record's object is the first level
    digits = sys.get_int_max_str_digits()
    text = f"{value}::VARCHAR"
    opening = f"strlen({text}) - strlen(replace(replace({text}, '[', ''), '{{', ''))"
    long_number = (
        f" WHEN strlen({text}) > {digits}"
        f" THEN regexp_matches({text}, '[0-9]{{{min(digits + 1, _RE2_MAX_REPEAT)}}}')"
        if digits
        else ""
    )
    return (
        f"CASE WHEN strlen({text}) < {2 * depth} THEN false"
        f" WHEN {opening} >= {depth} THEN true{long_number} ELSE false END"
    )


def _read(param: str) -> str:
    return (
        f"read_json(${param}, format = 'newline_delimited', columns = {_COLUMNS},"
        f" maximum_object_size = {MAX_OBJECT_BYTES})"
    )


def _term(item: FieldFilter, data: str, key: str | None, params: dict[str, Any], param: str) -> str:
    """SQL true if some row of ``data`` may satisfy ``item`` on ``key`` (false if none
    has the key); a value whose comparison SQL cannot make like Python may."""
    if key is None:
        return "false"
    if any(mark in key for mark in "\"'\\"):
        raise Unsuitable(f"a field name SQL cannot quote: {key!r}")
    if item.op != "~" and item.op not in COMPARISONS:  # written into the SQL
        raise Unsuitable(f"unknown operator {item.op!r}")
    path = "$[*]." + '"' + key + '"'  # the filter syntax keeps quotes out of names
    want = item.value
    if isinstance(want, float) and item.op != "~":
        params[param] = want
        compare = f"CASE WHEN {_NUMBER} THEN v::DOUBLE {item.op} ${param} ELSE true END"
    elif item.op == "~":
        needle = str(want).lower()
        if not needle.isascii():
            return "true"
        params[param] = needle
        compare = (
            "CASE WHEN json_type(v) = 'VARCHAR' THEN contains(lower(v ->> '$'), $"
            + param
            + ") OR strlen(v ->> '$') <> length(v ->> '$') ELSE true END"
        )
    else:
        params[param] = str(want)
        compare = (
            f"CASE WHEN json_type(v) = 'VARCHAR' THEN (v ->> '$') {item.op} ${param} ELSE true END"
        )
    values = f"json_extract({data}, '{path}')"
    return f"coalesce(list_bool_or(list_transform({values}, lambda v: {compare})), false)"
