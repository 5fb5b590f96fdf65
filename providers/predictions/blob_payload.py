"""Payloads the v2 collector keeps in a separate blob (``"datainblob": "true"``).

A request or response over 4 MB, or a binary one, is logged as a record whose ``data`` is
the payload blob's URL (``https://<account>.blob.core.windows.net/<container>/<path>``,
path-style ``http://host/<account>/<container>/<path>`` on an emulator).  The payload is
read from the log store by the same name a local copy of the account has
(``<container>/<path>``): JSON becomes rows as an inline payload does; anything else (an
image…) is described by its size and SHA-256, the evidence of which bytes were scored.
A payload that cannot be read costs its row's values, with the reason.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from typing import Any
from urllib.parse import unquote, urlsplit

from providers.predictions.formats.jsonl_v2 import Unreadable, decode
from providers.predictions.formats.lines import MAX_LINE_BYTES
from providers.predictions.log_store import LogStore, unsafe_name
from providers.predictions.named_payloads import PayloadRows
from providers.records import DataIssue

BodyRows = Callable[[Any], PayloadRows]
MAX_PAYLOAD_BYTES = MAX_LINE_BYTES
"""A longer payload is described, not loaded (as a longer log line is skipped)."""


def candidate_names(url: str) -> list[str]:
    """The store names a payload URL may have: ``<container>/<path>``, then, for a
    path-style URL (an emulator's), the same without its first segment (the account)."""
    path = unquote(urlsplit(url).path).lstrip("/")
    names = [path]
    if "/" in path:
        names.append(path.split("/", 1)[1])
    return [name for name in names if name.count("/") and unsafe_name(name) is None]


class BlobPayloads:
    """Reads the payload blobs records refer to, from one log store."""

    def __init__(self, store: LogStore) -> None:
        self.store = store

    def rows(
        self, url: object, where: str, body_rows: BodyRows
    ) -> tuple[PayloadRows, DataIssue | None]:
        """The rows of the payload at ``url`` (``body_rows`` turns a decoded JSON body into
        rows, and says why if it kept it whole), or one row naming the blob and the issue
        saying why its values are missing."""
        text = str(url)
        names = candidate_names(text)
        for name in names:
            try:
                size = self.store.stat(name).size
            except OSError:
                continue
            reference = {"data_blob": text, "blob": name, "bytes": size}
            if size > MAX_PAYLOAD_BYTES:
                why = f"payload blob {name} holds {size:,} bytes, over {MAX_PAYLOAD_BYTES:,}"
                return PayloadRows([reference]), DataIssue(where, f"{why}; not loaded")
            try:
                data = self.store.read_range(name, 0, size)
            except OSError as exc:
                issue = DataIssue(where, f"payload blob {name} unreadable: {exc}")
                return PayloadRows([reference]), issue
            split = _payload_rows(data, reference, body_rows)
            return split, DataIssue(where, split.why) if split.why else None
        looked = ", ".join(names) or "no usable path in it"
        return PayloadRows([{"data_blob": text}]), DataIssue(
            where,
            f"data kept in a separate blob ({text}) that is not in the store this profile"
            f" reads (looked for {looked}); values not loaded",
        )


def _payload_rows(data: bytes, reference: dict[str, Any], body_rows: BodyRows) -> PayloadRows:
    """The rows of a JSON payload; of any other, one row with its SHA-256."""
    try:
        body = decode(data.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError, Unreadable):
        return PayloadRows([{**reference, "sha256": hashlib.sha256(data).hexdigest()}])
    return body_rows(body)
