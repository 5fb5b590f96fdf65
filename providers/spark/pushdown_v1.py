# ruff: noqa: S608  (SQL is fixed text; every value, field name included, is a bound parameter)
"""A search's v1 (CSV) lines picked by the engine: time range, field filters and the
inputs/predictions join by correlation id run as Spark SQL with bound parameters.

As for v2 (:mod:`providers.spark.pushdown`), the files of the query's partitions are read
as text (one character a byte) and the engine returns, in the local reader's order, the
lines the local parser and join need: each file's header, the input rows that may match
and the output rows with their correlation ids; the parser runs on those lines only, so
the predictions and data issues are those of ``local-logs``.  Each line is cut into
fields as Python's ``csv`` module cuts it (on commas; a quoted field unquoted, its
doubled quotes made one), by its own file's header.  The SQL is a superset: an input row
comes back when each filter may hold on its values or its outputs' (as text, a value
SQL cannot compare as Python does counts as a match), or when Python would say something
about it — a partial or over-long line, a byte that is not printable ASCII, another
number of fields than the header's, a time that is not plain ISO in UTC or lies outside
the folder's day (clock skew), an empty correlation id or one no output has.  Every line
of a partition comes back when it cannot be cut into lines safely (a quote that may span
a line break), when a header is not plain (quoted, not ASCII, a repeated or empty name,
a correlation column missing), or when an output row is one the parser reports on.
"""

from __future__ import annotations

from typing import Any

from providers.predictions.formats.csv_v1 import (
    CORRELATION_COLUMNS,
    CORRELATION_ID,
    REQUEST_ID,
    TIMESTAMP,
)
from providers.predictions.formats.lines import MAX_LINE_BYTES
from providers.query import PredictionQuery
from providers.spark.pushdown import PATTERNS, _filters, cut_lines, file_text, time_bounds

_FIELD = r'"(?:[^"]++|"")*+"|(?:[^,"][^,]*+)?'  # as csv reads it: quoted whole, or not quoted
V1_PATTERNS = {  # Java regexes, bound as parameters like every other value
    "re_plain": r"^[\x20-\x7E]*$",  # printable ASCII: the only bytes cut here
    "re_field": f",({_FIELD})",  # a field, after a comma put before the line
    "re_stamp": r"^(?!0000)\d{4}-\d\d-\d\d[T ]\d\d:\d\d:\d\d(\.\d{1,6})?(Z|\+00:00)?$",
    "bom": "\u00ef\u00bb\u00bf",  # UTF-8's byte order mark, one character a byte
    "cr": "\r",
    "quote": '"',
    "comma": ",",
    "c_cid": CORRELATION_ID,
    "c_time": TIMESTAMP,
    "c_rid": REQUEST_ID,
    **{f"c{n}": column for n, column in enumerate(CORRELATION_COLUMNS)},
}
# the rows of a partition with the same correlation id, as a window frame: every window
# of the query then sorts by (partition, id) once, not once per window
_PEERS = "RANGE BETWEEN CURRENT ROW AND CURRENT ROW"


def query_sql(query: PredictionQuery) -> tuple[str, dict[str, Any]]:
    """The CTEs ``lines`` and ``chosen`` of the v1 lines to return, as v2's
    (:func:`providers.spark.pushdown.query_sql`)."""
    args: dict[str, Any] = {**PATTERNS, **V1_PATTERNS, **time_bounds(query)}
    positions, p_names, tests, outputs, wanted = [], [], [], [], []
    for number, item in enumerate(_filters(query, args)):
        test = item.test
        for side, key in zip("io", item.keys, strict=True):
            name = f"k{side}{number}"
            position = "0"  # no such side
            if key is not None:
                args[name] = key
                position = f"array_position(cols, :{name})"
            positions.append(f"{position} AS p{side}{number}")
            p_names.append(f"p{side}{number}")
        tests.append(f"kind = 1 AND {_value_test(f'pi{number}', test)} AS h{number}")
        tests.append(f"kind = 0 AND {_value_test(f'po{number}', test)} AS o{number}")
        outputs.append(f"bool_or(o{number}) OVER joined AS m{number}")
        wanted.append(f"(h{number} OR m{number})")
    every = " AND ".join(f"array_contains(cols, :c{n})" for n in range(len(CORRELATION_COLUMNS)))
    # a row the parser may report on, or whose fields SQL may read otherwise
    broken = f"""(
      (last AND line <> '') OR octet_length(line) >= {MAX_LINE_BYTES} OR NOT l RLIKE :re_plain
      OR size(v) <> size(cols) OR NOT coalesce(ts RLIKE :re_stamp, false)
      OR try_cast(tt AS TIMESTAMP) IS NULL
    )"""
    names = ", ".join(["f", "g", "kind", "start", "stop", "cols", "clean", "ic", "it", *p_names])
    sql = f"""
WITH raw AS (
  SELECT m.f, m.g, m.kind, m.start, m.stop,
         {cut_lines(file_text("c.content"))} AS parts
  FROM {{files}} c JOIN {{meta}} m ON c.path = m.path
),
header AS (
  SELECT *, split(h, :comma, -1) AS cols FROM (
    SELECT *, CASE WHEN startswith(first, :bom) THEN substr(first, 4) ELSE first END AS h
    FROM (SELECT *, {_no_cr("parts[0]")} AS first FROM raw)
  )
),
heads AS (
  SELECT f, g, kind, start, stop, parts, cols,
         h RLIKE :re_plain AND instr(h, :quote) = 0 AND length(parts[0]) < {MAX_LINE_BYTES}
           AND size(array_distinct(cols)) = size(cols) AND NOT array_contains(cols, '')
           AND {every} AS clean,
         array_position(cols, :c_cid) AS ic, array_position(cols, :c_time) AS it
         {"".join(", " + p for p in positions)}
  FROM header
),
lines AS (  -- as v2's: no filter on the split inferred, no file's split carried a line
  SELECT {names}, pos + 1 AS n, line, pos = count - 1 AS last
  FROM (SELECT *, size(parts) AS count FROM heads)
  LATERAL VIEW OUTER posexplode(parts) x AS pos, line
),
cut AS (  -- the fields as they stand in the line (a quoted one with its quotes)
  SELECT *, CASE WHEN q THEN regexp_extract_all(concat(:comma, l), :re_field, 1)
                 ELSE split(l, :comma, -1) END AS v
  FROM (SELECT *, instr(l, :quote) > 0 AS q FROM (SELECT *, {_no_cr("line")} AS l FROM lines))
),
rec AS (
  SELECT *, n > 1 AND l <> '' AS data,
         -- the fields found one after another make the line: csv reads it as one record
         NOT clean OR (q AND array_join(v, :comma) <> l) AS unsafe,
         CASE WHEN n > 1 AND size(v) = size(cols) THEN {_field("ic")} END AS cid,
         translate(substr(ts, 1, 19), ' ', 'T') AS tt
  FROM (SELECT *, {_field("it")} AS ts FROM cut)
),
flags AS (
  -- per row, what the windows need (the fields' text is not shuffled through them)
  SELECT f, n, g, cid, kind, data,
         data AND (unsafe OR (kind = 0 AND broken)) AS spoilt,
         kind = 1 AND data AND (broken OR tt < start OR tt >= stop) AS odd,
         kind = 1 AND data AND tt >= :start AND tt <= :stop AS timely
         {"".join(", " + t for t in tests)}
  FROM (SELECT *, {broken} AS broken FROM rec)
),
joined AS (
  SELECT *, count_if(kind = 0 AND n > 1) OVER joined AS k
         {"".join(", " + t for t in outputs)}
  FROM flags WINDOW joined AS (PARTITION BY g ORDER BY cid {_PEERS})
),
picked AS (
  SELECT *, odd OR hit AS pick FROM (
  SELECT f, n, g, cid, kind, data, odd,
         bool_or(spoilt OR (kind = 1 AND data AND cid IS NOT NULL AND (cid = '' OR k = 0)))
           OVER (PARTITION BY g) AS bad,
         timely {"".join(" AND " + w for w in wanted)} AS hit
  FROM joined)
),
answer AS (
  SELECT f, n, data, bad, pick, hit,
         kind = 0 AND bool_or(pick) OVER (PARTITION BY g ORDER BY cid {_PEERS}) AS needed
  FROM picked
),
chosen AS (
  SELECT f, n, hit FROM answer WHERE n = 1 OR bad OR (data AND (pick OR needed))
)"""
    return sql, args


def _no_cr(text: str) -> str:
    """SQL: the line ``text`` without the carriage return csv ends a record at."""
    cut = f"substr({text}, 1, length({text}) - 1)"
    return f"CASE WHEN endswith({text}, :cr) THEN {cut} ELSE {text} END"


def _value_test(position: str, test: str) -> str:
    """SQL true if the field at ``position`` (1-based, 0: none) of the row may satisfy
    ``test`` on its text ``@V`` (NULL counts as true: Python decides)."""
    return f"({position} > 0 AND coalesce({test.replace('@V', _field(position))}, true))"


def _field(position: str) -> str:
    """SQL: the text of the row's field at ``position`` (1-based), as csv reads it (a
    quoted field unquoted, its doubled quotes made one; per field, not per line: a
    lambda over every field is not compiled)."""
    value = f"get(v, {position} - 1)"
    unquoted = f"replace(substr({value}, 2, length({value}) - 2), :quote || :quote, :quote)"
    return f"CASE WHEN startswith({value}, :quote) THEN {unquoted} ELSE {value} END"
