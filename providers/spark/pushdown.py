# ruff: noqa: S608  (SQL is fixed text; every value, field name included, is a bound parameter)
"""A search's v2 (JSONL) lines picked by the engine: time range, field filters and the
inputs/outputs join by correlation id run as Spark SQL with bound parameters.

The engine reads the files of the query's partitions as text (bytes decoded as
ISO-8859-1, one character a byte, so line numbers and bytes are the file's own), parses
each record once with ``from_json`` (a key given twice: the last, as Python's JSON reads
it; its rows as the texts of the filters' keys), and joins each input to the outputs of
its own partition.  It returns, in the local reader's order (a file ordinal, then the
line number), the input lines that may match and the output lines they join; the local
parser and join run on those lines only (:class:`~providers.spark.engine_store.EngineStore`
serves each file as its picked lines with blank lines between them), so the predictions
and data issues are those of ``local-logs``.  As DuckDB's prefilter
(:mod:`providers.predictions.duckdb_search.jsonl_search`), the SQL is a superset: an input
line comes back when each filter may hold on a row of its data or of its output's
(a value SQL cannot compare as Python does counts as a match), or when Python would say
something about it — not plain JSON of one record per line, non-ASCII bytes, a partial
or over-long line, a correlation id or time not plain, a time outside the folder's hour
(clock skew), data in a blob or not a non-empty list of rows, no output, several
outputs, row counts that differ, JSON that may be too deep or hold too long an integer.
A partition with an output line the parser may report on has all its lines returned
(the local join reports it when it reads that far).
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC
from typing import Any

from providers.predictions.formats.jsonl_v2 import MAX_JSON_DEPTH
from providers.predictions.formats.lines import MAX_LINE_BYTES
from providers.query import PredictionQuery

KINDS = {"outputs": 0, "inputs": 1}
PATTERNS = {  # Java regexes, bound as parameters like every other value
    "re_time": r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{1,6})?Z$",  # as DuckDB's
    "re_id": r"^[A-Za-z0-9._:-]+$",
    # the text the parser gives a JSON number or bool: the id may not be a JSON string
    "re_literal": r"^(-?[0-9]+(\.[0-9]+)?([eE][+-]?[0-9]+)?|true|false)$",
    "re_blank": r"^[\t\n\x0b\x0c\r\x1c-\x1f ]*$",  # what str.isspace() skips, or nothing
    "re_wide": r"[^\x00-\x7F]",
    "re_ascii": r"^[\x00-\x7F]*$",
    "re_number": "(?i)[0-9]|inf|nan|true|false",  # a text float() may take, or a bool
    "re_digits": f"[0-9]{{{sys.get_int_max_str_digits() + 1}}}",
    "nl": "\n",
    "escape": "\\",
    "brace": "{",
    "open": "[",
    "close": ",{}]",
}
# a line is parsed as the first of a list whose second item is ``{}``: JSON after the
# record (Python's "Extra data") fails the parse or makes the list's length other than
# 2; Python's leniencies the engine's parser would add are off, its nesting is bounded.
# A row is read as the filters' keys only (a key given twice: the last, as Python's JSON
# reads it; a value as its text): the parser skips the rest (rows read as maps of every
# key: the 10M-row bench tree's month of 2M inputs took 13.8 s, now 8.8 s)
_RECORD = (
    "array<struct<correlationid: string, time: string,"
    " data: array<struct<{fields}>>, datainblob: string>>"
)
_STRICT = (
    f"map('maxNestingDepth', '{MAX_JSON_DEPTH}', 'allowNonNumericNumbers', 'false',"
    " 'allowSingleQuotes', 'false')"
)
# a filter key's SQL, each a function of a row's SQL: its value in the row, and whether
# the row, without a value, may have the key
KeySql = tuple[Callable[[str], str], Callable[[str], str]]
_FAR = ("0000-01-01T00:00:00", "9999-12-31T23:59:59")


def file_text(content: str) -> str:
    """SQL: a file's bytes ``content`` as text, one character a byte (its lines' numbers
    and bytes are then the file's own)."""
    return f"decode({content}, 'ISO-8859-1')"


def cut_lines(text: str) -> str:
    """SQL: ``text`` cut into the lines the local reader numbers from 1 (the last item is
    what follows the last line break: empty if nothing does)."""
    return f"split({text}, :nl, -1)"


def time_bounds(query: PredictionQuery) -> dict[str, str]:
    """The query's time range as the ``start`` and ``stop`` parameters: UTC to the second,
    as the records' times are compared (a time given with an offset is converted)."""
    return {
        "start": f"{query.start.astimezone(UTC):%Y-%m-%dT%H:%M:%S}" if query.start else _FAR[0],
        "stop": f"{query.end.astimezone(UTC):%Y-%m-%dT%H:%M:%S}" if query.end else _FAR[1],
    }


def query_sql(query: PredictionQuery) -> tuple[str, dict[str, Any]]:
    """The CTEs (over ``{files}``: the engine's binaryFile listing, and ``{meta}``: path,
    f, g, kind, start, stop, payload per file) of ``lines`` (f, n, line, last: every
    line of the files) and ``chosen`` (f, n, hit: the lines to return, hit being an input
    whose time and filters SQL finds true, the rest lines Python must see), with their
    parameters (:mod:`providers.spark.picked_lines` queries them)."""
    args: dict[str, Any] = {
        **PATTERNS,
        **time_bounds(query),
    }
    filters = _filters(query, args)
    keys = list(dict.fromkeys(k for item in filters for k in item.keys if k is not None))
    args["record"] = _RECORD.format(
        fields=", ".join(f"`{k.replace('`', '``')}`: string" for k in keys)
    )
    named = ", ".join(f"k{number}: string" for number in range(len(keys)))
    # the keys' fields by position: no key is written into the SQL
    rows = f"CAST(get(j, 0).data AS array<struct<{named}>>)" if keys else "get(j, 0).data"

    def field(key: str | None) -> KeySql | None:
        if key is None:
            return None
        number = keys.index(key)
        args[f"q{number}"] = f'"{key}"'
        # a row without the key's value: the key may be there (null) if the line has its
        # JSON text, or an escape that may spell it
        return (
            lambda row: f"{row}.k{number}",
            lambda _: f"(contains(line, :q{number}) OR contains(line, :escape))",
        )

    in_terms, out_terms, wanted = [], [], []
    for number, item in enumerate(filters):
        key_in, key_out = item.keys
        in_terms.append(f"kind = 1 AND {_any_row('rows', field(key_in), item)} AS h{number}")
        outs = _any_row("rows", field(key_out), item)
        out_terms.append(f"bool_or(kind = 0 AND {outs}) OVER joined AS m{number}")
        wanted.append(f"(h{number} OR m{number})")
    digits = sys.get_int_max_str_digits()
    long_number = f" OR (octet_length(line) > {digits} AND line RLIKE :re_digits)"
    # a line the parser may report on, or whose id or time SQL may read otherwise (a
    # file of ASCII has as many bytes as characters: only other files' lines are counted)
    broken = f"""(
      payload OR last OR octet_length(line) >= {MAX_LINE_BYTES}
      OR (NOT ascii AND octet_length(line) <> length(line))
      OR j IS NULL OR size(j) <> 2
      OR cid IS NULL OR NOT cid RLIKE :re_id OR cid RLIKE :re_literal
      OR t IS NULL OR NOT t RLIKE :re_time
      OR blob IS NOT NULL
      {long_number if digits else ""}
    )"""
    # an input the join or the page search may report on (the output's shape is
    # compared through the row counts)
    odd = """(broken
      OR substr(t, 1, 19) < start OR substr(t, 1, 19) >= stop
      OR rows IS NULL OR size(rows) = 0)"""
    # the join of inputs and outputs by correlation id is made with windows over
    # (partition, correlation id) on the lines' keys and parsed fields only; the picked
    # lines' text is read back by a second scan (shuffling every line's text through the
    # windows cost more than reading the files twice), joined to the page's keys sent
    # to every task (a sort-merge join shuffled every line's text)
    sql = f"""
WITH raw AS (
  SELECT m.f, m.g, m.kind, m.start, m.stop, m.payload,
         {file_text("c.content")} AS text, octet_length(c.content) AS bytes
  FROM {{files}} c JOIN {{meta}} m ON c.path = m.path
),
lines AS (  -- OUTER: no filter on the split is inferred (it split every file again)
  SELECT f, g, kind, start, stop, payload, ascii, pos + 1 AS n, line, pos = count - 1 AS last
  FROM (
    SELECT *, size(parts) AS count FROM (
      SELECT f, g, kind, start, stop, payload, octet_length(text) = bytes AS ascii,
             {cut_lines("text")} AS parts
      FROM raw
    )
  ) LATERAL VIEW OUTER posexplode(parts) x AS pos, line
),
parsed AS (
  SELECT *, from_json(concat(:open, line, :close), :record, {_STRICT}) AS j
  FROM lines WHERE NOT line RLIKE :re_blank
),
fields AS (
  SELECT *, get(j, 0).correlationid AS cid, get(j, 0).time AS t, {rows} AS rows,
         get(j, 0).datainblob AS blob
  FROM parsed
),
checked AS (
  SELECT *, {broken} AS broken FROM fields
),
rec AS (  -- a list of objects' length is its size: only other data is parsed again
  SELECT *, {odd} AS odd,
         kind = 1 AND substr(t, 1, 19) >= :start AND substr(t, 1, 19) <= :stop AS tin,
         CASE WHEN rows IS NULL
              THEN json_array_length(from_json(line, 'data string').data)
              ELSE size(rows) END AS l
  FROM checked
),
joined AS (  -- the fewer columns sorted, the faster (a time's text cost 5 s of 30)
  SELECT f, n, kind, g, cid, odd, l, tin,
         bool_or(kind = 0 AND broken) OVER whole AS bad,
         count_if(kind = 0) OVER joined AS k,
         max(CASE WHEN kind = 0 THEN l END) OVER joined AS lo
         {"".join(", " + t for t in [*in_terms, *out_terms])}
  FROM rec WINDOW joined AS (PARTITION BY g, cid),
  -- the partition's lines, ordered as ``joined`` wants them: the rows are sorted once
  whole AS (PARTITION BY g ORDER BY cid ROWS BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING)
),
hits AS (
  SELECT *, tin {"".join(" AND " + w for w in wanted)} AS hit
  FROM joined
),
picked AS (
  SELECT *, kind = 1 AND (odd OR bad OR k <> 1 OR coalesce(l <> lo, true) OR hit) AS pick
  FROM hits
),
answer AS (
  SELECT f, n, pick, coalesce(hit, false) AS hit,
         (kind = 0 AND (bad OR bool_or(pick) OVER (PARTITION BY g, cid))) AS needed
  FROM picked
),
chosen AS (
  SELECT f, n, hit FROM answer WHERE pick OR needed
)"""
    return sql, args


def row_filters(
    query: PredictionQuery, inputs: str, outputs: str
) -> tuple[list[str], dict[str, Any]]:
    """Per field filter, SQL true if a row of the arrays of maps ``inputs`` or ``outputs``
    (columns) may satisfy it, and the parameters (a superset: Python checks each row)."""
    args: dict[str, Any] = {}

    def entry(key: str | None, name: str) -> KeySql | None:
        if key is None:
            return None
        args[name] = key
        return (lambda row: f"{row}[:{name}]", lambda row: f"map_contains_key({row}, :{name})")

    terms = [
        f"({_any_row(inputs, entry(item.keys[0], f'ki{n}'), item)}"
        f" OR {_any_row(outputs, entry(item.keys[1], f'ko{n}'), item)})"
        for n, item in enumerate(_filters(query, args))
    ]
    return terms, args


@dataclass(frozen=True, slots=True)
class _Filter:
    """A field filter in SQL: its keys, its test on a value ``@V``, and whether a null
    (JSON's) may pass it."""

    keys: tuple[str | None, str | None]
    test: str
    null_may_pass: bool


def _filters(query: PredictionQuery, args: dict[str, Any]) -> list[_Filter]:
    """The query's field filters, their values bound in ``args``."""
    tests = []
    for number, item in enumerate(query.filters):
        value = f"v{number}"
        number_test = isinstance(item.value, float)
        args[value] = item.value if number_test else str(item.value)
        # a number comparison fails on a key's null value (float(None)): whether a row
        # without a value has the key is moot
        null_may_pass = not number_test or item.op == "~"
        tests.append(_Filter(item.keys, _test(item.op, number_test, value), null_may_pass))
    return tests


def _any_row(rows: str, key: KeySql | None, item: _Filter) -> str:
    """SQL true if some row of the array ``rows`` may satisfy ``item`` on a key (false if
    no row has it; true if the rows are not all objects: Python decides).  ``key``: the
    SQL of its value in a row, and of "a row without a value may have the key".  A single
    row is tested without a lambda (the engine compiles it; a lambda's body is
    interpreted, row after row)."""
    if key is None:
        return "false"
    value_of, present = key

    def on(row: str) -> str:
        value = value_of(row)
        absent = present(row) if item.null_may_pass else "false"
        # a row that is null (JSON's null, or not an object) is Python's to read: unknown
        return (
            f"CASE WHEN {row} IS NULL THEN NULL"
            f" WHEN {value} IS NOT NULL THEN coalesce({item.test.replace('@V', value)}, true)"
            f" ELSE {absent} END"
        )

    return (
        f"coalesce(CASE WHEN size({rows}) = 1 THEN {on(f'get({rows}, 0)')}"
        f" ELSE exists({rows}, r -> {on('r')}) END, true)"
    )


def _test(op: str, number: bool, value: str) -> str:
    """A condition on the text ``@V`` of a value, true whenever Python's comparison
    (:meth:`~providers.query.FieldFilter.matches`) may be; NULL counts as true."""
    loose = (  # a value Python compares as its str(), unlike its JSON text: let it through
        "(try_cast(@V AS DOUBLE) IS NOT NULL OR lower(@V) IN ('true', 'false')"
        " OR startswith(@V, '[') OR startswith(@V, :brace))"
    )
    if op == "~":
        return (
            f"(contains(lower(@V), lower(:{value})) OR @V RLIKE :re_wide OR {loose}"
            f" OR NOT :{value} RLIKE :re_ascii)"
        )
    if op not in ("=", "!=", "<", "<=", ">", ">="):
        raise ValueError(f"unknown operator {op!r}")
    if number:
        return (
            f"CASE WHEN @V IS NULL THEN false WHEN try_cast(@V AS DOUBLE) IS NOT NULL"
            f" THEN try_cast(@V AS DOUBLE) {op} :{value} ELSE @V RLIKE :re_number END"
        )
    return f"(@V {op} :{value} OR {loose})"


def pushable_reason(query: PredictionQuery) -> str | None:
    """Why the engine cannot pick ``query``'s lines exactly (None if it can)."""
    from providers.predictions.duckdb_search import filter_sql  # noqa: PLC0415

    if not filter_sql.pushable(query.filters):
        return "a filter value the engine cannot compare as Python does (NaN or infinity)"
    return None
