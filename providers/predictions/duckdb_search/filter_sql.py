"""Field filters as DuckDB SQL over all-VARCHAR columns, with bound parameters.

The SQL is a *superset* prefilter: a row it drops can never match in Python
(:meth:`~providers.query.FieldFilter.matches`), while rows it keeps are checked again in
Python on the parsed record, so both paths return the same rows.  Values are always bound
(``?``); column names come only from the files' headers and are quoted.  Input columns keep
their names; output columns are named with the prefix :data:`OUTPUT` (names can be shared).
"""

from __future__ import annotations

import math
from collections.abc import Collection, Mapping, Sequence

from providers.query import FieldFilter

COMPARISONS = frozenset({"=", "!=", "<", "<=", ">", ">="})  # the operators but "~"
OUTPUT = "__mt_o_"  # the prefix of output columns in the query
_NON_ASCII = "regexp_matches({c}, '[^\\x00-\\x7F]')"


def quote(name: str) -> str:
    """``name`` as a quoted SQL identifier (embedded quotes doubled; NUL refused)."""
    if "\x00" in name:
        raise ValueError(f"not a column name: {name!r}")
    return '"' + name.replace('"', '""') + '"'


def pushable(filters: Sequence[FieldFilter]) -> bool:
    """False if a filter has a value SQL cannot compare like Python (NaN, ±inf)."""
    return all(not isinstance(f.value, float) or math.isfinite(f.value) for f in filters)


def where(
    filters: Sequence[FieldFilter], inputs: Sequence[str], outputs: Sequence[str]
) -> tuple[str, list[object]]:
    """The WHERE condition of ``filters`` over input and output columns (named as the
    module says), and its parameters."""
    terms: list[str] = []
    params: list[object] = []
    for item in filters:
        candidates = _candidates(item, inputs, outputs)
        if not candidates:
            return "false", []
        ors = []
        for is_input, name in candidates:
            sql, values = _compare(quote(name if is_input else OUTPUT + name), item)
            ors.append(sql)
            params.extend(values)
        terms.append("(" + " or ".join(ors) + ")")
    return (" and ".join(terms) or "true"), params


def exact(
    filters: Sequence[FieldFilter], inputs: Mapping[str, type], outputs: Mapping[str, type]
) -> bool:
    """True if :func:`where` is the filters themselves on a row whose values DuckDB typed as
    :func:`~providers.predictions.formats.csv_v1.coerce` does, given the type of each column of the
    row's inputs and outputs: comparisons with numbers, on numbers."""
    for item in filters:
        candidates = _candidates(item, inputs, outputs)
        if not candidates or not isinstance(item.value, float) or item.op not in COMPARISONS:
            return False
        for is_input, name in candidates:
            if (inputs if is_input else outputs)[name] not in (int, float):
                return False
    return True


def _candidates(
    item: FieldFilter, inputs: Collection[str], outputs: Collection[str]
) -> list[tuple[bool, str]]:
    """The columns (an input's?, its name) that :meth:`FieldFilter.matches` would look
    the field up in."""
    key_in, key_out = item.keys
    found = [(True, key_in)] if key_in is not None and key_in in inputs else []
    return found + ([(False, key_out)] if key_out is not None and key_out in outputs else [])


def _compare(column: str, item: FieldFilter) -> tuple[str, list[object]]:
    """A condition on the (quoted) column, true whenever the Python comparison may be
    true (NULL: kept)."""
    op = item.op
    if op == "~":
        sql = (
            f"(contains(lower({column}), lower(?)) or {_NON_ASCII.format(c=column)}"
            f" or try_cast({column} as double) is not null)"
        )
        if not str(item.value).isascii():
            return "true", []
        return f"coalesce({sql}, true)", [str(item.value)]
    if op not in COMPARISONS:
        raise ValueError(f"unknown operator {op!r}")
    if isinstance(item.value, float):
        return f"coalesce(try_cast({column} as double) {op} ?, true)", [item.value]
    # a text value: numbers are compared as their Python str(), so let them through
    sql = f"(coalesce({column} {op} ?, true) or try_cast({column} as double) is not null)"
    return sql, [item.value]
