"""Cache keys: profile, provider identity, method, arguments and the record schema.

A key reads ``<schema>|<profile>|<kind>|<digest>``.  The schema part is a fingerprint of
every record class's fields, so a change to a record makes old entries unreachable (and
:func:`cache.layer.open_store` clears them); the profile and provider identity keep two
profiles, or two workspaces, apart.  Identities carry no secrets by contract; keys that
look like secrets are dropped anyway.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
from collections.abc import Mapping
from functools import cache
from typing import Any

from providers import records
from providers.serialize import to_jsonable
from providers.settings_check import looks_secret


@cache
def schema_version() -> str:
    """A short fingerprint of the record classes' names, fields and field types."""
    parts = []
    for name in sorted(dir(records)):
        obj = getattr(records, name)
        if isinstance(obj, type) and dataclasses.is_dataclass(obj):
            fields = ",".join(f"{f.name}:{f.type}" for f in dataclasses.fields(obj))
            parts.append(f"{name}({fields})")
    return hashlib.sha256(";".join(parts).encode()).hexdigest()[:12]


def public_identity(identity: Mapping[str, str]) -> dict[str, str]:
    """The identity without anything that looks like a secret."""
    return {k: str(v) for k, v in sorted(identity.items()) if not looks_secret(k)}


def entry_key(
    profile: str,
    provider: str,
    identity: Mapping[str, str],
    kind: str,
    method: str,
    args: tuple[Any, ...],
) -> str:
    """The key of one call's answer."""
    blob = json.dumps(
        [provider, public_identity(identity), method, to_jsonable(args)],
        sort_keys=True,
        default=str,
    )
    digest = hashlib.sha256(blob.encode()).hexdigest()[:32]
    return f"{schema_version()}|{profile}|{kind}|{digest}"


def key_kind(key: str) -> str | None:
    """The kind part of a key (None for keys of another schema or format)."""
    parts = key.split("|")
    return parts[2] if len(parts) == 4 and parts[0] == schema_version() else None
