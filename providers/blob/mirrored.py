"""The closed days already in the mirror, as a log store that never asks the service.

The id index of an azure-blob provider is filled from this store, in the background
(:class:`~providers.predictions.index.background_indexer.BackgroundIndexer`): a closed
day is listed from the listing the mirror saved of it, and a blob is read from its copy
only when the copy is of the listed version.  A day without a saved listing, or a blob
without such a copy (a lookup downloads the outputs of the days where it found the id,
not of the others), raises FileNotFoundError: the indexer leaves that day folder
unmarked, so lookups keep searching it, and nothing is downloaded for the index.
"""

from __future__ import annotations

import builtins
import errno
from collections.abc import Callable, Iterator
from typing import BinaryIO

from providers.blob.mirror import BlobState, Mirror, inside, listed_below, listed_folders
from providers.predictions.log_store import LogStore, StoredFile


class MirroredDays(LogStore):
    """The closed day folders under ``root`` that the mirror holds a listing of."""

    def __init__(
        self, mirror: Mirror, *, root: str, closed_day: Callable[[str], str | None]
    ) -> None:
        """``closed_day`` maps a folder to the day folder holding it if that day is closed."""
        self.mirror = mirror
        self.root = root.strip("/")
        self._closed_day = closed_day
        self._days: dict[str, dict[str, BlobState]] = {}

    def list(self, prefix: str = "") -> Iterator[StoredFile]:
        """The blobs below ``prefix`` in its day's saved listing."""
        folder = prefix.strip("/")
        for name, state in listed_below(self._day(folder).items(), folder):
            yield StoredFile(name, state.size)

    def list_dirs(self, prefix: str = "") -> builtins.list[str]:
        """The sub-folders of ``prefix`` in its day's saved listing."""
        folder = prefix.strip("/")
        return listed_folders(self._day(folder).items(), folder)

    def open(self, name: str) -> BinaryIO:
        """The blob's copy, if it is of the listed version."""
        if self.mirror.state(name) != self._state(name):
            raise FileNotFoundError(errno.ENOENT, "the mirror has no copy of this version", name)
        return self.mirror.path(name).open("rb")

    def stat(self, name: str) -> StoredFile:
        """The blob's listed size."""
        return StoredFile(name, self._state(name).size)

    def _state(self, name: str) -> BlobState:
        state = self._day(name.rsplit("/", 1)[0]).get(name)
        if state is None:
            raise FileNotFoundError(errno.ENOENT, "not in its day's saved listing", name)
        return state

    def _day(self, folder: str) -> dict[str, BlobState]:
        """The saved listing of the closed day holding ``folder``."""
        day = self._closed_day(folder) if inside(folder, self.root) else None
        if day is None:
            raise FileNotFoundError(errno.ENOENT, "not a closed day folder", folder)
        blobs = self._days.get(day)
        if blobs is None:
            listing = self.mirror.listing(day)
            if listing is None:
                raise FileNotFoundError(errno.ENOENT, "no saved listing of this day", folder)
            blobs = self._days[day] = dict(listing)
        return blobs
