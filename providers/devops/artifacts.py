"""Reading the metadata file out of a downloaded build artifact zip (pure)."""

from __future__ import annotations

import io
import json
import zipfile
from collections.abc import Mapping
from typing import Any

from providers.errors import BadData

PROVIDER = "azure-devops"


def read_metadata(data: bytes, file_name: str, what: str) -> Mapping[str, Any] | None:
    """The JSON object in the zip member called ``file_name`` (the shallowest one).

    Artifact zips hold ``<artifact>/<files>``, so the member is matched by its last path
    part (or by its whole path if ``file_name`` has a slash).  None if there is none;
    BadData if the zip or the JSON is unreadable.
    """
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            names = [n for n in archive.namelist() if not n.endswith("/")]
            if "/" in file_name.strip("/"):
                matches = [n for n in names if n.strip("/").endswith(file_name.strip("/"))]
            else:
                matches = [n for n in names if n.rsplit("/", 1)[-1] == file_name]
            if not matches:
                return None
            member = min(matches, key=lambda n: (n.count("/"), n))
            raw = archive.read(member)
    except (zipfile.BadZipFile, OSError, EOFError) as exc:
        raise BadData(f"{what}: not a readable zip ({exc})", provider=PROVIDER) from None
    try:
        doc = json.loads(raw.decode("utf-8-sig"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise BadData(f"{what}: {member} is not valid JSON ({exc})", provider=PROVIDER) from None
    if not isinstance(doc, Mapping):
        raise BadData(f"{what}: {member} holds no JSON object", provider=PROVIDER)
    return doc
