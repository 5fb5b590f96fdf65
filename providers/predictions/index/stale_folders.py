"""Index folders that an older version of the index's keys left behind.

A new keys version puts every store's index in a new folder (its name is a digest of the
store and the version), so the old folders are never read again.  Each folder says its
version in a ``keys-version`` file (folders made before there was one have none), and when
an index is opened its siblings are removed if they are surely ours and stale:

- directly inside the same base folder (``<user cache>/log-index``, a mirror's ``index``),
  a real folder (no symbolic link) named as :func:`~.id_index.index_folder` names them;
- holding only files the index writes (``meta.sqlite``, ``keys-XX.bin``,
  ``keys-version``), each a regular file;
- of an older version (no ``keys-version`` file, or a smaller number; a newer or
  unreadable one is left for the modeltrail that wrote it);
- untouched for :data:`QUIET_SECONDS` (an older modeltrail may still be using it).

Anything else is left as it is, and a folder that cannot be removed is left too: the
index never fails a query over its own housekeeping.
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import threading
import time
from pathlib import Path

MARKER = "keys-version"
QUIET_SECONDS = 3600
_NAME = re.compile(r"[0-9a-f]{24}")
_OURS = re.compile(r"meta\.sqlite|keys-[0-9a-f]{2}\.bin|keys-version")
_swept: set[Path] = set()
_lock = threading.Lock()


def mark(folder: Path, version: int) -> None:
    """Say in ``folder`` (made now or earlier, by this version) which version it holds."""
    path = folder / MARKER
    if path.is_file():
        return
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as out:
        out.write(f"{version}\n")


def sweep_once(folder: Path, version: int) -> list[Path]:
    """Remove the stale siblings of ``folder`` (once a process per base folder); the
    folders removed."""
    base = folder.parent
    with _lock:
        if base in _swept:
            return []
        _swept.add(base)
    return remove_stale(base, folder, version, time.time())


def remove_stale(base: Path, current: Path, version: int, now: float) -> list[Path]:
    """Remove the folders of ``base`` other than ``current`` that are stale (see above)."""
    try:
        children = list(base.iterdir())
    except OSError:
        return []
    removed = []
    for child in children:
        if child.name == current.name or not _stale(child, version, now):
            continue
        shutil.rmtree(child, ignore_errors=True)
        if not child.exists():
            removed.append(child)
    return removed


def _stale(folder: Path, version: int, now: float) -> bool:
    if not _NAME.fullmatch(folder.name) or folder.is_symlink() or not folder.is_dir():
        return False
    try:
        files = list(folder.iterdir())
        if any(not _OURS.fullmatch(f.name) or f.is_symlink() or not f.is_file() for f in files):
            return False
        if any(now - f.stat().st_mtime < QUIET_SECONDS for f in [folder, *files]):
            return False
        written = (folder / MARKER).read_text() if (folder / MARKER).exists() else "0"
    except OSError:
        return False
    with contextlib.suppress(ValueError):
        return int(written.strip()) < version
    return False
