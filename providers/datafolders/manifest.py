"""Manifests of training-data folders: one hash over the sorted file list, and local md5s.

The manifest of a folder is one line per file, sorted by path:
``<path>\\t<size>\\t<content hash or ->\\n``; its hash is ``sha256:<hex>`` of those lines
(UTF-8).  Last-modified times are not part of it: the manifest says *what* the folder
holds; when it was touched is checked against the build separately.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from pathlib import Path

from providers.records import DataFile

CHUNK = 1024 * 1024


def manifest_lines(files: Iterable[DataFile]) -> list[str]:
    """The manifest's lines, sorted by path."""
    return [
        f"{f.path}\t{f.size}\t{f.content_hash or '-'}\n"
        for f in sorted(files, key=lambda f: f.path)
    ]


def manifest_hash(files: Iterable[DataFile]) -> str:
    """``sha256:<hex>`` over the sorted manifest of ``files``."""
    digest = hashlib.sha256()
    for line in manifest_lines(files):
        digest.update(line.encode("utf-8"))
    return f"sha256:{digest.hexdigest()}"


def md5_of_chunks(chunks: Iterable[bytes]) -> str:
    """``md5:<hex>`` of the bytes (the form Blob's Content-MD5 takes, so a local copy and
    its upload hash alike)."""
    digest = hashlib.md5(usedforsecurity=False)
    for chunk in chunks:
        digest.update(chunk)
    return f"md5:{digest.hexdigest()}"


def md5_of_file(path: Path) -> str:
    """``md5:<hex>`` of a file's bytes, read in 1 MiB chunks."""
    with path.open("rb") as handle:
        return md5_of_chunks(iter(lambda: handle.read(CHUNK), b""))
