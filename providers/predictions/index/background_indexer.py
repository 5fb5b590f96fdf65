"""Filling the :class:`~providers.predictions.index.id_index.IdIndex` from closed partitions.

Each inputs and outputs file is read once in blocks of whole lines (about
:data:`~providers.predictions.index.id_index.BLOCK_BYTES`); the ids of a block are cut out
without a CSV or JSON parse:

- v1: when the header ends with the 8 ``$aml_*`` columns (the collector always writes
  them last), the correlation id and request id are the 8th-from-last and last fields
  (``rsplit``); a file with another header is left unindexed (scanned on every lookup);
- v2: the ``correlationid`` and ``xrequestid`` string values (one regex pass a block),
  and the ``id`` of a record whose data is kept in a blob (documented without a
  correlation id).

A :class:`BackgroundIndexer` does this in a daemon thread after each lookup, so the
lookup that found the partitions unindexed is not slowed down; it first checks every
indexed file's size and time (``stat``) and lists every indexed folder, so a closed day
whose file changed or appeared is searched again by the next lookup and indexed afresh.
(A lookup itself checks only the files the index points it to; one that finds nothing
has the index checked first, :meth:`BackgroundIndexer.recheck`.)
"""

from __future__ import annotations

import logging
import queue
import re
import threading
import zlib
from collections.abc import Callable, Iterable, Iterator
from typing import BinaryIO

from providers.predictions.folder_layout import Partition, day_partitions
from providers.predictions.formats.csv_v1 import CORRELATION_COLUMNS, ZERO_REQUEST_ID, read_header
from providers.predictions.index.id_index import BLOCK_BYTES, BlockKeys, IdIndex
from providers.predictions.log_store import LogStore, StoredFile, unsafe_name

log = logging.getLogger(__name__)
_V2_IDS = re.compile(rb'"(?:correlationid|xrequestid)"\s*:\s*"([^"\\]*)"')
_V2_EVENT_ID = re.compile(rb'"id"\s*:\s*"([^"\\]*)"')
_IN_BLOB = b'"datainblob"'
_TAIL = len(CORRELATION_COLUMNS)
_IGNORED = {b"", ZERO_REQUEST_ID.encode()}
_LOG_SUFFIXES = (".csv", ".jsonl")


def index_partitions(store: LogStore, index: IdIndex, partitions: Iterable[Partition]) -> None:
    """Index the whole days of ``partitions``: every inputs file and every partner
    (outputs) file of each day not indexed as it is now.  Mark each day folder (inputs
    and partner) whose files all got in, and each hour folder whose files did; a day the
    store cannot list is left unmarked.  Stops when the index turns off."""
    days = {p.day_folder: p for p in partitions}
    indexed = {name: file for name, (file, _) in index.files().items()}
    for _, partition in sorted(days.items()):
        if index.off:
            return
        try:
            parts = day_partitions(store, partition)
        except OSError:
            continue
        whole: dict[str, bool] = {}
        hours: set[str] = set()
        for part in parts:
            partner = part.partner()
            for folder in [part, partner] if partner is not None else [part]:
                done = _index_folder(store, index, folder, indexed)
                whole[folder.day_folder] = whole.get(folder.day_folder, True) and done
                if done and folder.hourly:
                    hours.add(folder.folder)
        index.add_folders(hours | {day for day, done in whole.items() if done})
    index.flush()


def revalidate(store: LogStore, index: IdIndex) -> bool:
    """Drop the indexed folders (day and hour) holding a file that changed, vanished or
    appeared since they were indexed, so that the next lookup searches them (and has them
    indexed again); True if any was dropped."""
    files = index.files()
    stale: set[str] = set()
    for file, day in files.values():
        folder = file.name.rsplit("/", 1)[0]
        if folder in stale:
            continue
        try:
            now: StoredFile | None = store.stat(file.name)
        except OSError:
            now = None
        if now is None or not _same(file, now):
            stale.update((day, folder))
    folders = index.folders()
    for folder in sorted(folders - stale):
        if folder.rsplit("/", 1)[0] in folders:
            continue  # an hour folder, listed with its day
        try:
            listed = [f.name for f in store.list(folder)]
        except OSError:
            continue
        for name in listed:  # a name that is no safe path is never indexed: not stale
            if name not in files and name.lower().endswith(_LOG_SUFFIXES) and not unsafe_name(name):
                stale.update((folder, name.rsplit("/", 1)[0]))
    if stale:
        index.drop_folders(stale)
    return bool(stale)


def _index_folder(
    store: LogStore, index: IdIndex, folder: Partition, indexed: dict[str, StoredFile]
) -> bool:
    """Index the folder's files not indexed as they are now; False if one could not be."""
    try:
        files = folder.files(store)
    except OSError:
        return False
    done = True
    for file in files:
        if not _same(indexed.get(file.name), file):
            done = _index_file(store, index, file, folder) and done
    return done


def _same(indexed: StoredFile | None, file: StoredFile) -> bool:
    return indexed is not None and (indexed.size, indexed.modified) == (file.size, file.modified)


def _index_file(store: LogStore, index: IdIndex, file: StoredFile, partition: Partition) -> bool:
    """Index one file; False if it cannot be (unreadable, or a v1 header of another shape)."""
    try:
        keys = _keys_of(store, file.name, partition.format)
        if keys is None:
            return False
        with store.open(file.name) as stream:
            index.add(file, partition.day_folder, _blocks(stream, keys))
    except OSError:
        return False
    return True


def _keys_of(store: LogStore, name: str, log_format: str) -> Callable[[bytes], set[int]] | None:
    if log_format == "v2":
        return _v2_keys
    header, _ = read_header(name, store.first_line(name))
    if header is None or header.columns[-_TAIL:] != CORRELATION_COLUMNS:
        return None
    return _v1_keys


def _v1_keys(block: bytes) -> set[int]:
    fields = [line.rsplit(b",", _TAIL) for line in block.split(b"\n")]
    ids = {f[1] for f in fields if len(f) > _TAIL}
    ids.update(f[-1].rstrip(b"\r") for f in fields if len(f) > _TAIL)
    return set(map(zlib.crc32, ids - _IGNORED))


def _v2_keys(block: bytes) -> set[int]:
    ids = set(_V2_IDS.findall(block))
    if _IN_BLOB in block:  # such records have no correlationid: found by their id
        lines = (line for line in block.split(b"\n") if _IN_BLOB in line)
        ids.update(found[1] for line in lines if (found := _V2_EVENT_ID.search(line)))
    return set(map(zlib.crc32, ids - _IGNORED))


def _blocks(stream: BinaryIO, keys: Callable[[bytes], set[int]]) -> Iterator[BlockKeys]:
    """The file's blocks of whole lines with the keys of their ids."""
    carry = b""
    offset = 0
    line = 1
    while True:
        chunk = stream.read(BLOCK_BYTES)
        data = carry + chunk
        cut = len(data) if not chunk else data.rfind(b"\n") + 1
        if cut:
            block = data[:cut]
            yield BlockKeys(offset, cut, line, keys(block))
            offset += cut
            line += block.count(b"\n")
        carry = data[cut:]
        if not chunk:
            return


class BackgroundIndexer:
    """Indexes submitted partitions one batch at a time in a daemon thread."""

    def __init__(self, store: Callable[[], LogStore], index: IdIndex) -> None:
        self._store = store
        self.index = index
        self._queue: queue.Queue[list[Partition]] = queue.Queue()
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()

    def submit(self, partitions: list[Partition]) -> None:
        """Check the index, then index ``partitions``, soon (after earlier submissions);
        nothing if the index is off."""
        if self.index.off:
            return
        with self._lock:
            self._queue.put(partitions)
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name="log-index", daemon=True)
                self._thread.start()

    def recheck(self) -> bool:
        """Check the index against the store now (:func:`revalidate`); True if folders
        were dropped from it."""
        return revalidate(self._store(), self.index)

    def wait(self) -> None:
        """Block until every submitted partition is indexed."""
        self._queue.join()

    def _run(self) -> None:
        while True:
            try:
                partitions = self._queue.get(timeout=1.0)
            except queue.Empty:
                with self._lock:
                    if self._queue.empty():
                        self._thread = None
                        return
                continue
            try:
                store = self._store()
                revalidate(store, self.index)
                index_partitions(store, self.index, partitions)
            except Exception:  # a bug must not stop indexing for the rest of the session
                log.exception("indexing %d partition(s) failed", len(partitions))
            finally:
                self._queue.task_done()
