"""Request bodies that name their columns, as scoring servers take them.

- ``{"input_data": {"columns": […], "index": […], "data": [[…], …]}}``: an MLflow model
  on an Azure ML managed online endpoint;
- ``{"dataframe_split": {"columns": […], "index": […], "data": [[…], …]}}`` and
  ``{"dataframe_records": [{…}, …]}``: a pandas DataFrame, split or as records;
- ``{"instances": [{…}, …]}`` and ``{"inputs": [{…}, …]}`` or, by column,
  ``{"inputs": {"a": […], "b": […]}}``: TF serving's formats, as MLflow serves them.

Each row becomes a mapping of column name to value, so a field filter finds it by name.
A body whose rows cannot be told apart for certain (a row longer or shorter than the
columns, an index of another length, columns of different lengths, a column named twice,
no rows) is kept whole, with the reason: a row is never built from a guess.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

SPLIT_KEYS = ("input_data", "dataframe_split")
RECORD_KEYS = ("dataframe_records", "instances", "inputs")


@dataclass(frozen=True, slots=True)
class PayloadRows:
    """The rows of a payload body: ``parted`` if taken out of it, else the body as one
    row, with ``why`` when it could not be taken apart for certain."""

    rows: list[Mapping[str, Any]]
    parted: bool = False
    why: str | None = None


def named_rows(body: Any) -> PayloadRows | None:
    """The named rows of ``body``; None if it is none of the shapes above."""
    if not isinstance(body, dict) or len(body) != 1:
        return None
    key, value = next(iter(body.items()))
    if key in SPLIT_KEYS and isinstance(value, dict) and {"columns", "data"} <= value.keys():
        return _kept(body, key, _split(value))
    if key in RECORD_KEYS and isinstance(value, list) and value:
        if all(isinstance(item, dict) for item in value):
            return PayloadRows(value, parted=True)
        return None
    columns = isinstance(value, dict) and value and all(isinstance(c, list) for c in value.values())
    if key == "inputs" and columns:
        return _kept(body, key, _columns(value))
    return None


def _kept(body: dict[str, Any], key: str, rows: list[Mapping[str, Any]] | str) -> PayloadRows:
    """The rows, or the body whole with why its ``key`` could not be split."""
    if isinstance(rows, str):
        return PayloadRows([body], why=f"{key}: {rows}; kept as one prediction")
    return PayloadRows(rows, parted=True)


def _split(value: dict[str, Any]) -> list[Mapping[str, Any]] | str:
    """The rows of a split-oriented frame, or why there are none for certain."""
    columns, data, index = value["columns"], value["data"], value.get("index")
    if not isinstance(columns, list) or not all(isinstance(c, str) for c in columns):
        return "columns are not a list of names"
    twice = sorted({c for c in columns if columns.count(c) > 1})
    if twice:
        return f"column {twice[0]!r} named twice"
    if not isinstance(data, list) or not data:
        return "no rows in data"
    if index is not None and (not isinstance(index, list) or len(index) != len(data)):
        count = len(index) if isinstance(index, list) else "no list of"
        return f"{len(data)} rows but an index of {count} labels"
    for number, row in enumerate(data):
        if not isinstance(row, list) or len(row) != len(columns):
            held = f"{len(row)} values" if isinstance(row, list) else "not a list"
            return f"row {number} holds {held} for {len(columns)} columns"
    return [dict(zip(columns, row, strict=True)) for row in data]


def _columns(value: dict[str, list[Any]]) -> list[Mapping[str, Any]] | str:
    """The rows of column-oriented inputs, or why there are none for certain."""
    lengths = {name: len(column) for name, column in value.items()}
    if len(set(lengths.values())) != 1:
        sizes = ", ".join(f"{name} {length}" for name, length in lengths.items())
        return f"columns of different lengths ({sizes})"
    count = next(iter(lengths.values()))
    if not count:
        return "no rows in the columns"
    return [{name: column[n] for name, column in value.items()} for n in range(count)]
