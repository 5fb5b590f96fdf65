"""Records to JSON-ready data and back: datetimes as ISO strings, tuples as lists.

``from_jsonable(Commit, to_jsonable(commit)) == commit`` for every record type; the
cache stores records this way (never pickle), and ``--json`` output uses it.
"""

from __future__ import annotations

import dataclasses
import types
import typing
from collections.abc import Mapping
from datetime import datetime
from functools import cache
from typing import Any, TypeVar

T = TypeVar("T")


def to_jsonable(value: Any) -> Any:
    """Turn a record (or a structure of records) into JSON-ready data."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: to_jsonable(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, Mapping):
        return {str(k): to_jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [to_jsonable(v) for v in value]
    return value


def from_jsonable(cls: type[T], data: Any) -> T:
    """Rebuild a record of type ``cls`` from :func:`to_jsonable` output; raise ValueError."""
    return typing.cast(T, _convert(cls, data))


@cache
def _hints(cls: type) -> dict[str, Any]:
    return typing.get_type_hints(cls)


def _convert(tp: Any, data: Any) -> Any:
    origin = typing.get_origin(tp)
    args = typing.get_args(tp)
    if tp is Any or tp is object:
        return data
    if origin in (typing.Union, types.UnionType):
        if data is None and type(None) in args:
            return None
        for arg in args:
            if arg is type(None):
                continue
            try:
                return _convert(arg, data)
            except (TypeError, ValueError, KeyError):
                continue
        raise ValueError(f"{data!r} matches none of {tp}")
    if dataclasses.is_dataclass(tp) and isinstance(tp, type):
        if not isinstance(data, Mapping):
            raise ValueError(f"expected an object for {tp.__name__}")
        hints = _hints(tp)
        kwargs = {
            f.name: _convert(hints[f.name], data[f.name])
            for f in dataclasses.fields(tp)
            if f.name in data
        }
        return tp(**kwargs)
    if tp is datetime:
        if not isinstance(data, str):
            raise ValueError("expected an ISO date-time string")
        return datetime.fromisoformat(data)
    if origin is tuple:
        if not isinstance(data, list | tuple):
            raise ValueError("expected a list")
        if len(args) == 2 and args[1] is Ellipsis:
            return tuple(_convert(args[0], v) for v in data)
        return tuple(_convert(a, v) for a, v in zip(args, data, strict=True))
    if origin is list:
        if not isinstance(data, list | tuple):
            raise ValueError("expected a list")
        return [_convert(args[0] if args else Any, v) for v in data]
    if origin in (Mapping, dict) or tp in (Mapping, dict):
        if not isinstance(data, Mapping):
            raise ValueError("expected an object")
        value_type = args[1] if args else Any
        return {k: _convert(value_type, v) for k, v in data.items()}
    if tp in (int, float, str, bool):
        if tp is float and isinstance(data, int) and not isinstance(data, bool):
            return float(data)
        if not isinstance(data, tp):
            raise ValueError(f"expected {tp.__name__}, got {type(data).__name__}")
        return data
    return data
