"""Masking personal fields of prediction payloads, and removing secrets from anything.

Secrets are removed when a record enters a case (so they never reach the disk) and once
more from every exported item.  Personal fields are kept in the case file (the
investigator needs them) and masked in exports unless personal data is asked for.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from providers.config import looks_secret

MASK = "[redacted]"
SECRET = "[secret removed]"  # noqa: S105 - the replacement text, not a password

_SECRET_PATTERNS = (
    # URL query parameters that carry credentials (SAS signatures, tokens, keys).
    re.compile(
        r"(?i)([?&](?:sig|signature|token|access_token|api[-_]?key|key|code|password|secret|"
        r"client_secret)=)[^&#\s\"']+"
    ),
    # Connection-string parts.
    re.compile(
        r"(?i)\b((?:AccountKey|SharedAccessSignature|SharedAccessKey|Password|Pwd)=)[^;\s\"']+"
    ),
    # Credentials in a URL: scheme://user:password@host
    re.compile(r"(?i)(\b[a-z][a-z0-9+.-]*://)[^/\s:@]+:[^/\s@]+(?=@)"),
    # Authorization headers.
    re.compile(r"(?i)(\bbearer\s+)[A-Za-z0-9\-._~+/]+=*"),
    re.compile(r"(?i)(\bbasic\s+)[A-Za-z0-9+/]{12,}=*"),
)
_JWT = re.compile(r"\beyJ[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]{5,}")


def scrub_text(text: str) -> str:
    """``text`` with credentials (SAS signatures, tokens, passwords in URLs …) replaced."""
    for pattern in _SECRET_PATTERNS:
        text = pattern.sub(lambda m: m.group(1) + SECRET, text)
    return _JWT.sub(SECRET, text)


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
        return scrub_text(value)
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
