"""An on-disk index of closed days: request/correlation id → file, block and line.

Closed days (before today, UTC) no longer change, so their ids are indexed once and a
later lookup reads one block per hit instead of scanning the day again.  The index of a
store is a folder under ``<user cache>/log-index/`` (folders 0700, files 0600):

- ``meta.sqlite``: the indexed files (with the size and modification time they had: a
  file that changed is indexed afresh and its old entries are ignored), their blocks
  (byte offset, length and first line number of a run of whole lines of about
  :data:`BLOCK_BYTES`), and the closed day (and hour) folders whose every file is indexed;
- ``keys-version``: the :data:`KEYS_VERSION` it holds;
- ``keys-XX.bin`` (256 buckets by the low byte of ``crc32(id)``): packed 8-byte entries,
  ``crc32(id)`` and the block's number.  A lookup reads one bucket (a few hundred KB
  for 10 M rows), then the blocks of its hits; a crc clash costs one extra block read,
  since every hit is checked against the block's bytes.

Appending packed entries costs ~0.1 µs an id, where a B-tree (sqlite) costs 3-4 µs on
this machine once it outgrows the page cache.  The index never fails a query.  Its
faults are told apart by the record cache's rule (:func:`cache.record_store._is_corruption`): a
corrupt index is deleted and starts again empty; any other failure (a read-only or full
disk, a file where its folder should be) turns it off for the session, as the record cache
turns itself off: lookups then search the files, and :meth:`IdIndex.notice` says why once.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import shutil
import sqlite3
import struct
import threading
import zlib
from array import array
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cache.record_store import _is_corruption as is_corruption
from providers.predictions.index.stale_folders import mark, sweep_once
from providers.predictions.log_store import StoredFile

BLOCK_BYTES = 256 * 1024
_BUCKETS = 256
_FLUSH_ENTRIES = 2_000_000
_SCHEMA = """
CREATE TABLE IF NOT EXISTS files (id INTEGER PRIMARY KEY, name TEXT UNIQUE NOT NULL,
                                  day TEXT NOT NULL,
                                  size INTEGER NOT NULL, modified INTEGER NOT NULL,
                                  complete INTEGER NOT NULL DEFAULT 0);
CREATE TABLE IF NOT EXISTS blocks (id INTEGER PRIMARY KEY, file INTEGER NOT NULL,
                                   offset INTEGER NOT NULL, length INTEGER NOT NULL,
                                   line INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS folders (name TEXT PRIMARY KEY);
"""
_BLOCK = (
    "SELECT f.name, f.size, f.modified, b.offset, b.length, b.line"
    " FROM blocks b JOIN files f ON f.id = b.file WHERE f.complete = 1 AND b.id = ?"
)


def id_key(value: bytes) -> int:
    """The index key of an id's bytes."""
    return zlib.crc32(value)


KEYS_VERSION = "3"
"""What an index holds keys of; a new value (2: the ids of records whose data is kept in a
blob; 3: each folder says its version) makes every store's index start afresh in a new
folder, not answer without them, and the old folders are removed (:mod:`.stale_folders`)."""


def index_folder(base: Path, identity: Mapping[str, str]) -> Path:
    """Where the index of the store with ``identity`` lives under ``base``."""
    keyed = sorted({**identity, "index keys": KEYS_VERSION}.items())
    digest = hashlib.sha256(repr(keyed).encode()).hexdigest()[:24]
    return base / digest


def default_base() -> Path:
    """``<user cache dir>/log-index``."""
    from platformdirs import user_cache_path  # noqa: PLC0415 - only when an index is opened

    return user_cache_path("modeltrail") / "log-index"


@dataclass(frozen=True, slots=True)
class Block:
    """A run of whole lines of an indexed file that holds a looked-up key."""

    file: StoredFile  # as it was when indexed
    offset: int
    length: int
    line: int  # number of the block's first line


@dataclass(frozen=True, slots=True)
class BlockKeys:
    """The keys of the ids found in one block."""

    offset: int
    length: int
    line: int
    keys: set[int]


class IdIndex:
    """The id index of one store (thread-safe; opened lazily)."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.off: str | None = None  # once the index is off for the session: why
        self._told = False
        self._db: sqlite3.Connection | None = None
        self._lock = threading.Lock()
        self._pending = [array("Q") for _ in range(_BUCKETS)]
        self._pending_files: list[int] = []
        self._pending_count = 0
        self._folders: frozenset[str] | None = None  # as last read, at this data_version
        self._folders_version = 0

    # -- reading --------------------------------------------------------------------

    def lookup(self, value: str) -> list[Block]:
        """Blocks that may hold ``value``, in file and offset order."""
        key = id_key(value.encode())
        with self._lock:
            if self.off:
                return []
            try:
                db = self._connect()
                rows = [row for n in self._bucket_hits(key) for row in db.execute(_BLOCK, (n,))]
            except (sqlite3.DatabaseError, OSError) as exc:
                self._failed(exc)
                return []
        blocks = [Block(StoredFile(n, s, m), o, ln, first) for n, s, m, o, ln, first in rows]
        return sorted(blocks, key=lambda b: (b.file.name, b.offset))

    def _bucket_hits(self, key: int) -> list[int]:
        try:
            data = (self.folder / f"keys-{key % _BUCKETS:02x}.bin").read_bytes()
        except FileNotFoundError:
            return []
        needle = struct.pack("<I", key)
        numbers = []
        hit = data.find(needle)
        while hit >= 0:
            if hit % 8 == 4:
                numbers.append(int.from_bytes(data[hit - 4 : hit], "little"))
            hit = data.find(needle, hit + 1)
        return numbers

    def files(self) -> dict[str, tuple[StoredFile, str]]:
        """Every indexed file as it was when indexed, with its day folder."""
        rows = self._query("SELECT name, size, modified, day FROM files WHERE complete = 1")
        return {n: (StoredFile(n, s, m), day) for n, s, m, day in rows}

    def folders(self) -> frozenset[str]:
        """The closed day (and hour) folders whose every file is indexed.

        Kept between calls (every lookup asks, and a tree of a month holds thousands:
        reading them took ~5 ms of a ~10 ms warm lookup) until this index writes them or
        SQLite's ``data_version`` says another connection did.
        """
        with self._lock:
            if self.off:
                return frozenset()
            try:
                db = self._connect()
                (version,) = db.execute("PRAGMA data_version").fetchone()
                if self._folders is None or version != self._folders_version:
                    rows = db.execute("SELECT name FROM folders")
                    self._folders = frozenset(name for (name,) in rows)
                    self._folders_version = version
                return self._folders
            except (sqlite3.DatabaseError, OSError) as exc:
                self._failed(exc)
                return frozenset()

    # -- writing --------------------------------------------------------------------

    def add(self, file: StoredFile, day: str, blocks: Iterable[BlockKeys]) -> None:
        """Index ``file`` of the day folder ``day`` (replacing what was indexed of it)
        from its blocks' keys.

        Entries are buffered; :meth:`flush` makes them visible to lookups.
        """
        blocks = list(blocks)  # read the file before taking the lock
        with self._lock:
            if self.off:
                return
            try:
                db = self._connect()
                with db:
                    db.execute("DELETE FROM files WHERE name = ?", (file.name,))
                    number = db.execute(
                        "INSERT INTO files (name, day, size, modified) VALUES (?, ?, ?, ?)",
                        (file.name, day, file.size, file.modified),
                    ).lastrowid
                    for block in blocks:
                        block_id = db.execute(
                            "INSERT INTO blocks (file, offset, length, line) VALUES (?, ?, ?, ?)",
                            (number, block.offset, block.length, block.line),
                        ).lastrowid
                        assert block_id is not None
                        for key in block.keys:
                            self._pending[key % _BUCKETS].append(key << 32 | block_id)
                        self._pending_count += len(block.keys)
                assert number is not None
                self._pending_files.append(number)
                if self._pending_count >= _FLUSH_ENTRIES:
                    self._flush()
            except (sqlite3.DatabaseError, OSError) as exc:
                self._failed(exc)

    def add_folders(self, folders: Iterable[str]) -> None:
        """Record (after a flush) that every file of these closed day or hour folders is
        indexed."""
        with self._lock:
            self._folders = None
            if self.off:
                return
            try:
                self._flush()
                with self._connect() as db:
                    db.executemany(
                        "INSERT OR IGNORE INTO folders VALUES (?)", [(f,) for f in folders]
                    )
            except (sqlite3.DatabaseError, OSError) as exc:
                self._failed(exc)

    def drop_folders(self, folders: set[str]) -> None:
        """Forget that these folders are wholly indexed (a file of theirs changed)."""
        with self._lock:
            self._folders = None
            if self.off:
                return
            try:
                with self._connect() as db:
                    db.executemany("DELETE FROM folders WHERE name = ?", [(f,) for f in folders])
            except (sqlite3.DatabaseError, OSError) as exc:
                self._failed(exc)

    def flush(self) -> None:
        """Write buffered entries to the buckets and mark their files complete."""
        with self._lock:
            if self.off:
                return
            try:
                self._flush()
            except (sqlite3.DatabaseError, OSError) as exc:
                self._failed(exc)

    def close(self) -> None:
        """Flush and close the database (it reopens on the next use)."""
        self.flush()
        with self._lock:
            if self._db is not None:
                self._db.close()
                self._db = None

    # -- plumbing -------------------------------------------------------------------

    def _flush(self) -> None:
        if not self._pending_files:
            return
        for bucket, entries in enumerate(self._pending):
            if entries:
                path = self.folder / f"keys-{bucket:02x}.bin"
                fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
                with os.fdopen(fd, "ab") as out:
                    entries.tofile(out)
        with self._connect() as db:
            db.executemany(
                "UPDATE files SET complete = 1 WHERE id = ?", [(n,) for n in self._pending_files]
            )
        self._pending = [array("Q") for _ in range(_BUCKETS)]
        self._pending_files = []
        self._pending_count = 0

    def notice(self) -> str | None:
        """Why the index is off, the first time this is asked after it turned off."""
        with self._lock:
            if self.off is None or self._told:
                return None
            self._told = True
            return self.off

    def _query(self, sql: str) -> list[Any]:
        with self._lock:
            if self.off:
                return []
            try:
                return list(self._connect().execute(sql))
            except (sqlite3.DatabaseError, OSError) as exc:
                self._failed(exc)
                return []

    def _connect(self) -> sqlite3.Connection:
        if self._db is None:
            try:
                self._db = self._open()
            except sqlite3.DatabaseError as exc:
                if not is_corruption(exc):
                    raise
                self._delete()
                self._db = self._open()
        return self._db

    def _open(self) -> sqlite3.Connection:
        self.folder.mkdir(parents=True, exist_ok=True, mode=0o700)
        for folder in (self.folder, self.folder.parent):
            with contextlib.suppress(OSError):
                folder.chmod(0o700)
        mark(self.folder, int(KEYS_VERSION))
        sweep_once(self.folder, int(KEYS_VERSION))
        path = self.folder / "meta.sqlite"
        os.close(os.open(path, os.O_RDWR | os.O_CREAT, 0o600))
        db = sqlite3.connect(path, check_same_thread=False)
        try:
            db.execute("PRAGMA journal_mode = OFF")
            db.execute("PRAGMA synchronous = OFF")
            db.executescript(_SCHEMA)
        except sqlite3.DatabaseError:
            db.close()
            raise
        return db

    def _failed(self, exc: BaseException) -> None:
        """Throw a corrupt index away (the next use starts an empty one); on any other
        failure, or if it cannot be thrown away, turn the index off for the session."""
        self._folders = None
        if self._db is not None:
            with contextlib.suppress(sqlite3.Error):
                self._db.close()
            self._db = None
        self._pending = [array("Q") for _ in range(_BUCKETS)]
        self._pending_files = []
        self._pending_count = 0
        if is_corruption(exc):
            self._delete()
            if not self.folder.exists():
                return
            self.off = f"it is corrupt ({exc}) and cannot be removed"
        else:
            self.off = _reason(exc)

    def _delete(self) -> None:
        shutil.rmtree(self.folder, ignore_errors=True)


def _reason(exc: BaseException) -> str:
    """What went wrong, without the Python exception's class name."""
    if isinstance(exc, OSError) and exc.strerror:
        return f"{exc.strerror}: {exc.filename}" if exc.filename else exc.strerror
    return str(exc)
