"""A case to JSON text and back; a bad file gets an error naming the file and the field."""

from __future__ import annotations

import dataclasses
import json
import types
import typing
from collections.abc import Mapping
from typing import Any

from providers.errors import BadData
from providers.redaction import redact_strings
from providers.safetext import json_text
from providers.serialize import from_jsonable, to_jsonable
from tui.cases.model import SCHEMA_VERSION, Case
from tui.render.row_keys import prediction_key, row_key

LEFT_AS_IS = "the file was left as it is"
ROWS_KEYED = 4  # the schema from which prediction bookmarks name their row


class _Invalid(ValueError):
    def __init__(self, path: str, problem: str) -> None:
        super().__init__(f"{path}: {problem}")


def encode_case(case: Case) -> bytes:
    """The case file's bytes: indented UTF-8 JSON ending in a newline, any string a log
    can hold included (see :func:`json_text`), secrets redacted (notes too), in this
    version's schema; BadData if a value cannot be written."""
    try:
        current = dataclasses.replace(case, schema_version=SCHEMA_VERSION)
        text = json_text(redact_strings(to_jsonable(current)), indent=2)
    except BadData as exc:
        raise BadData(
            f"case {case.name!r} {exc.message}", hint="the case file was left as it was"
        ) from None
    return (text + "\n").encode("utf-8")


def decode_case(raw: bytes, where: str) -> Case:
    """Read a case file's bytes; BadData (with a hint) for anything that is not a case."""
    try:
        data = json.loads(raw.decode("utf-8"))
    except UnicodeDecodeError as exc:
        raise BadData(f"{where} is not UTF-8 text ({exc.reason})", hint=LEFT_AS_IS) from None
    except json.JSONDecodeError as exc:
        # A cut file fails on its last line (at its end, or inside a number such as "0.").
        on_last_line = "\n" not in exc.doc[exc.pos :].rstrip()
        truncated = " (the file looks truncated)" if on_last_line else ""
        raise BadData(
            f"{where} is not valid JSON: {exc.msg} at line {exc.lineno} column {exc.colno}"
            + truncated,
            hint=f"fix it by hand or restore it from a backup; {LEFT_AS_IS}",
        ) from None
    return case_from_json(data, where)


def case_from_json(data: Any, where: str) -> Case:
    """Validate parsed JSON as a case of this or an older schema version."""
    if not isinstance(data, Mapping):
        raise BadData(f"{where} is not a case file (expected a JSON object)", hint=LEFT_AS_IS)
    version = data.get("schema_version")
    if not isinstance(version, int) or isinstance(version, bool) or version < 1:
        raise BadData(f"{where}: schema_version is missing or not a positive integer")
    if version > SCHEMA_VERSION:
        raise BadData(
            f"{where} was written by a newer modeltrail (case schema {version}; this "
            f"version reads up to {SCHEMA_VERSION})",
            hint=f"upgrade modeltrail to open it; {LEFT_AS_IS}",
        )
    try:
        case: Case = _parse(Case, data, "case")
    except _Invalid as exc:
        raise BadData(f"{where}: {exc}", hint=f"fix that field by hand; {LEFT_AS_IS}") from None
    return case if version >= ROWS_KEYED else _rows_keyed(case)


def _rows_keyed(case: Case) -> Case:
    """A case of an older schema with its prediction bookmarks keyed as this version keys
    them: by the row they snapshot, where that is a row of a record of several (older
    versions keyed them by correlation id alone, which all the record's rows share)."""
    marks = tuple(
        dataclasses.replace(mark, key=prediction_key(mark.key, mark.snapshot.native_id))
        if mark.kind == "prediction" and mark.snapshot is not None and not row_key(mark.key)[1]
        else mark
        for mark in case.bookmarks
    )
    return dataclasses.replace(case, bookmarks=marks)


def _parse(tp: Any, data: Any, path: str) -> Any:
    """Like :func:`from_jsonable`, but an error names the field (``case.bookmarks[2].note``)."""
    origin, args = typing.get_origin(tp), typing.get_args(tp)
    if origin in (typing.Union, types.UnionType) and type(None) in args:
        if data is None:
            return None
        (inner,) = (a for a in args if a is not type(None))
        return _parse(inner, data, path)
    if dataclasses.is_dataclass(tp) and isinstance(tp, type):
        if not isinstance(data, Mapping):
            raise _Invalid(path, "expected an object")
        fields = {f.name: f for f in dataclasses.fields(tp)}
        unknown = sorted(set(data) - set(fields))
        if unknown:
            raise _Invalid(path, f"unknown key {unknown[0]!r}")
        hints = typing.get_type_hints(tp)
        values = {}
        for name, spec in fields.items():
            if name in data:
                values[name] = _parse(hints[name], data[name], f"{path}.{name}")
            elif (
                spec.default is dataclasses.MISSING and spec.default_factory is dataclasses.MISSING
            ):
                raise _Invalid(f"{path}.{name}", "is missing")
        return tp(**values)
    if origin is tuple and len(args) == 2 and args[1] is Ellipsis:
        if not isinstance(data, list):
            raise _Invalid(path, "expected a list")
        return tuple(_parse(args[0], item, f"{path}[{i}]") for i, item in enumerate(data))
    try:
        return from_jsonable(tp, data)
    except (ValueError, TypeError) as exc:
        raise _Invalid(path, str(exc)) from None
