"""A blob container as a :class:`~providers.predictions.log_store.LogStore`, read through a mirror.

Store names are ``<container>/<blob name>``, the same names as a local copy of the storage
account has (``<folder>/modeldata/...``), so a blob tree and the same tree on disk give
identical records.  Only the folders under the configured root are ever listed; folders
above it are answered from the settings, others are empty, both without a request.

Reading a blob first brings its mirror copy up to date, then reads the copy:

- the copy matches the blob's listed size and etag: nothing is downloaded;
- the blob grew (today's logs are appended to): only the new tail is downloaded;
- otherwise (new, shrunk or rewritten): the whole blob is downloaded, in 4 MiB chunks.

Closed days no longer change, so a closed day folder is listed once, flat (one paged
request for all its hour folders), and its listing is kept in the mirror; later walks and
reads of that day ask the service nothing.  A copy of a closed day's blob is used even
when the blob was not listed in this session.
"""

from __future__ import annotations

import builtins
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, BinaryIO

from providers.blob.failures import BlobChanged
from providers.blob.mirror import BlobState, Mirror, inside, listed_below, listed_folders
from providers.predictions.formats.lines import RawLine
from providers.predictions.log_store import LocalFolderStore, LogStore, StoredFile

if TYPE_CHECKING:
    from providers.blob.container import BlobContainer


class BlobLogStore(LogStore):
    """The logs under ``root`` (``<container>[/<prefix>]``) of one container."""

    def __init__(
        self,
        container: BlobContainer,
        mirror: Mirror,
        *,
        root: str,
        closed_day: Callable[[str], str | None],
    ) -> None:
        """``closed_day`` maps a folder to the day folder holding it if that day is closed."""
        self.container = container
        self.mirror = mirror
        self.root = root.strip("/")
        self._container_name = self.root.split("/", 1)[0]
        self._closed_day = closed_day
        self._days: dict[str, builtins.list[tuple[str, BlobState]]] = {}
        self._local = LocalFolderStore(mirror.data)
        self._listed: dict[str, BlobState] = {}
        self._lock = threading.Lock()

    # -- browsing -----------------------------------------------------------------------

    def list(self, prefix: str = "") -> Iterator[StoredFile]:
        """Every blob under ``prefix``: one paged listing, or a closed day's saved one."""
        folder = prefix.strip("/")
        day = self._closed_day(folder) if inside(folder, self.root) else None
        if day is not None:
            for name, state in listed_below(self._day(day), folder):
                yield StoredFile(name, state.size)
            return
        if inside(self.root, folder):
            folder = self.root
        elif not inside(folder, self.root):
            return
        for name, state in self._listing(folder):
            yield StoredFile(name, state.size)

    def list_dirs(self, prefix: str = "") -> builtins.list[str]:
        """The sub-folders of ``prefix``: ``walk_blobs`` (delimiter '/'), or a closed day's
        saved listing."""
        folder = prefix.strip("/")
        if folder != self.root and inside(self.root, folder):
            depth = folder.count("/") + 1 if folder else 0
            return ["/".join(self.root.split("/")[: depth + 1])]
        if not inside(folder, self.root):
            return []
        day = self._closed_day(folder)
        if day is not None:
            return listed_folders(self._day(day), folder)
        below = self._blob(folder)
        folders, blobs = self.container.walk(f"{below}/" if below else "")
        for blob, state in blobs:
            self._listed[self._name(blob)] = state
        return sorted(self._name(f.rstrip("/")) for f in folders)

    def _listing(self, folder: str) -> Iterator[tuple[str, BlobState]]:
        below = self._blob(folder)
        for blob, state in self.container.list_blobs(f"{below}/" if below else ""):
            name = self._name(blob)
            self._listed[name] = state
            yield name, state

    def _day(self, day: str) -> builtins.list[tuple[str, BlobState]]:
        """Every blob of a closed day folder: from memory, the mirror, or one listing."""
        blobs = self._days.get(day)
        if blobs is None:
            blobs = self.mirror.listing(day)
            if blobs is None:
                blobs = list(self._listing(day))
                self.mirror.save_listing(day, blobs)
            self._days[day] = blobs
            for name, state in blobs:
                self._listed.setdefault(name, state)
        return blobs

    # -- reading ------------------------------------------------------------------------

    def open(self, name: str) -> BinaryIO:
        """The mirror copy of the blob, brought up to date first."""
        self._sync(name)
        return self._local.open(name)

    def find_lines(self, name: str, needle: bytes) -> builtins.list[RawLine]:
        """Lines holding ``needle``, searched in the (updated) mirror copy on disk."""
        self._sync(name)
        return self._local.find_lines(name, needle)

    def local_path(self, name: str) -> Path | None:
        """The mirror copy's path, brought up to date first (DuckDB reads it directly)."""
        self._sync(name)
        return self._local.local_path(name)

    def _sync(self, name: str) -> None:
        if not inside(name, self.root) or name == self.root:
            raise FileNotFoundError(name)
        with self._lock:
            have = self.mirror.state(name)
            want = self._listed.get(name)
            if want is None:
                if have is not None and self._closed_day(name.rsplit("/", 1)[0]):
                    return
                want = self._current(name)
            if have == want:
                return
            try:
                self._fetch(name, have, want)
            except BlobChanged:  # written to since it was listed: fetch what it is now
                self._fetch(name, have, self._current(name))
            except FileNotFoundError:
                self._forget(name)
                raise

    def _forget(self, name: str) -> None:
        """Drop a deleted blob's copy, and the saved listing of its day that still has it."""
        self._listed.pop(name, None)
        self.mirror.forget(name)
        day = self._closed_day(name.rsplit("/", 1)[0])
        if day is not None:
            self._days.pop(day, None)
            self.mirror.forget_listing(day)

    def _current(self, name: str) -> BlobState:
        state = self.container.properties(self._blob(name))
        self._listed[name] = state
        return state

    def _fetch(self, name: str, have: BlobState | None, want: BlobState) -> None:
        blob = self._blob(name)
        if have is not None and want.size > have.size:
            tail = self.container.download(blob, have.size, want.size - have.size, want.etag)
            self.mirror.append(name, tail, want)
        else:
            whole = self.container.download(blob, 0, want.size, want.etag)
            self.mirror.replace(name, whole, want)

    def _blob(self, name: str) -> str:
        return name[len(self._container_name) + 1 :]

    def _name(self, blob: str) -> str:
        return f"{self._container_name}/{blob}"
