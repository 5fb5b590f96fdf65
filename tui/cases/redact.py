"""Masking personal fields of prediction payloads, and removing secrets from anything.

Secrets are removed (by :func:`providers.redaction.redact`) when a record enters a case,
so they never reach the disk, and once more from every exported item.  Personal fields
are kept in the case file (the investigator needs them) and masked in exports unless
personal data is asked for.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from providers.redaction import SECRET, redact
from providers.settings_check import looks_secret

MASK = "[redacted]"
_SEPARATORS = re.compile(r"[\W_]+")
_EMAIL = re.compile(r"[\w.%+-]+@[\w-]+(?:\.[\w-]+)*\.[A-Za-z]{2,}")


def scrub_secrets(value: Any) -> Any:
    """A copy of JSON-ready ``value`` without secrets: string values under secret-looking
    keys (``password``, ``sas_token`` …) are replaced, and credentials inside strings."""
    if isinstance(value, dict):
        return {
            k: SECRET if isinstance(v, str) and v and looks_secret(k) else scrub_secrets(v)
            for k, v in value.items()
        }
    if isinstance(value, list):
        return [scrub_secrets(v) for v in value]
    if isinstance(value, str):
        return redact(value)
    return value


def field_name(name: str) -> str:
    """``name`` folded for matching: case, ``-``, ``_``, spaces and camelCase do not count
    (``e-mail``, ``applicantName``, ``Date Of Birth`` → ``email``, ``applicantname``,
    ``dateofbirth``)."""
    return _SEPARATORS.sub("", name).casefold()


def mask_fields(value: Any, fields: Iterable[str]) -> Any:
    """A copy of JSON-ready ``value`` whose keys named in ``fields`` (by :func:`field_name`,
    at any depth, also as the ``columns`` of a ``columns``/``data`` table) have their values
    replaced by ``[redacted]``, as has every email address inside any string."""
    names = {field_name(f) for f in fields}

    def mask(v: Any) -> Any:
        if isinstance(v, dict):
            masked = {k: MASK if field_name(k) in names else mask(x) for k, x in v.items()}
            return _mask_columns(masked, names)
        if isinstance(v, list):
            return [mask(x) for x in v]
        if isinstance(v, str):
            return _EMAIL.sub(MASK, v)
        return v

    return mask(value)


def _mask_columns(table: dict[str, Any], names: set[str]) -> dict[str, Any]:
    """A pandas ``split`` table (``{"columns": [...], "data": [[...], ...]}``, as Azure ML
    endpoints take it) with the cells of personal columns masked."""
    columns, rows = table.get("columns"), table.get("data")
    if not isinstance(columns, list) or not isinstance(rows, list):
        return table
    hidden = {i for i, c in enumerate(columns) if isinstance(c, str) and field_name(c) in names}
    if not hidden:
        return table
    table["data"] = [
        [MASK if i in hidden else x for i, x in enumerate(row)] if isinstance(row, list) else row
        for row in rows
    ]
    return table


def mask_prediction(record: dict[str, Any], fields: Iterable[str]) -> dict[str, Any]:
    """A prediction record (JSON) with the personal fields of its payloads masked."""
    fields = tuple(fields)
    return {
        k: mask_fields(v, fields) if k in ("inputs", "outputs") else v for k, v in record.items()
    }
