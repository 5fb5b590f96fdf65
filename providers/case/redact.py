"""Masking personal fields of prediction payloads, and removing secrets from anything.

Secrets are removed (by :func:`providers.redaction.redact`) when a record enters a case,
so they never reach the disk, and once more from every exported item.  Personal fields
are kept in the case file (the investigator needs them) and masked in exports unless
personal data is asked for.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from providers.config import looks_secret
from providers.redaction import SECRET, redact

MASK = "[redacted]"


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


def mask_fields(value: Any, fields: Iterable[str]) -> Any:
    """A copy of JSON-ready ``value`` whose keys named in ``fields`` (any case, any depth)
    have their values replaced by ``[redacted]``."""
    names = {f.casefold() for f in fields}

    def mask(v: Any) -> Any:
        if isinstance(v, dict):
            return {k: MASK if k.casefold() in names else mask(x) for k, x in v.items()}
        if isinstance(v, list):
            return [mask(x) for x in v]
        return v

    return mask(value)


def mask_prediction(record: dict[str, Any], fields: Iterable[str]) -> dict[str, Any]:
    """A prediction record (JSON) with the personal fields of its payloads masked."""
    fields = tuple(fields)
    return {
        k: mask_fields(v, fields) if k in ("inputs", "outputs") else v for k, v in record.items()
    }
