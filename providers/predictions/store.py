"""Read-only access to a tree of log files, kept apart from parsing.

A :class:`LogStore` is a folder tree addressed by '/'-separated names relative to its
root: a local folder (:class:`LocalFolderStore`) or, later, a blob container.
"""

from __future__ import annotations

import builtins
import os
from abc import ABC, abstractmethod
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO

from providers.predictions import scan
from providers.predictions.lines import MAX_LINE_BYTES, RawLine

_FIRST_READ = 64 * 1024


@dataclass(frozen=True, slots=True)
class StoredFile:
    """A file of the store: its name relative to the root, its size in bytes and, when the
    store knows it, its modification time in ns (0 otherwise)."""

    name: str
    size: int
    modified: int = field(default=0, compare=False)


class LogStore(ABC):
    """A read-only tree of files.

    Subclasses implement :meth:`list`, :meth:`list_dirs` and :meth:`open`; the other
    methods have generic implementations on top of those that a store may speed up.
    """

    @abstractmethod
    def list(self, prefix: str = "") -> Iterator[StoredFile]:
        """Every file under the folder ``prefix`` (recursively), in name order."""

    @abstractmethod
    def list_dirs(self, prefix: str = "") -> builtins.list[str]:
        """The folders directly under ``prefix``, as full names without a trailing '/', sorted."""

    @abstractmethod
    def open(self, name: str) -> BinaryIO:
        """A seekable binary stream of the file; raise FileNotFoundError if it is missing."""

    def read_range(self, name: str, offset: int, length: int) -> bytes:
        """Up to ``length`` bytes of the file from ``offset``."""
        with self.open(name) as stream:
            stream.seek(offset)
            return stream.read(length)

    def first_line(self, name: str) -> RawLine | None:
        """The file's first line (None if the file is empty), read with :meth:`read_range`.

        A line longer than :data:`~providers.predictions.lines.MAX_LINE_BYTES` comes back
        with its bytes dropped (``too_long``).
        """
        size = _FIRST_READ
        while True:
            data = self.read_range(name, 0, size)
            end = data.find(b"\n")
            if end >= 0:
                return RawLine(1, data[: end + 1], end + 1)
            if len(data) < size:
                return RawLine(1, data, len(data)) if data else None
            if size > MAX_LINE_BYTES:
                return RawLine(1, b"", len(data))
            size *= 4

    def find_lines(self, name: str, needle: bytes) -> builtins.list[RawLine]:
        """The lines of the file that contain ``needle``, in order, each listed once.

        The file is read in one reused buffer (see :mod:`providers.predictions.scan`), so
        memory stays bounded whatever the file's size.
        """
        with self.open(name) as stream:
            return scan.find_lines(stream, needle)

    def local_path(self, name: str) -> Path | None:
        """The file's path on this machine, for engines that read files themselves
        (DuckDB); None when the store cannot give one (the generic answer)."""
        return None

    def stat(self, name: str) -> StoredFile:
        """The file's current size (and modification time if the store knows it).

        This generic version lists the file's folder; raise FileNotFoundError if missing.
        """
        folder = name.rsplit("/", 1)[0] if "/" in name else ""
        for file in self.list(folder):
            if file.name == name:
                return file
        raise FileNotFoundError(name)


class LocalFolderStore(LogStore):
    """A folder on disk.

    Paths are handled as strings: across thousands of files pathlib costs more than the
    search itself.
    """

    def __init__(self, root: Path) -> None:
        self.root = root
        self._root = str(root)

    def _path(self, name: str) -> str:
        parts = [p for p in name.split("/") if p]
        if any(p in (".", "..") for p in parts):
            raise ValueError(f"not a name inside the store: {name!r}")
        return os.path.join(self._root, *parts)  # noqa: PTH118

    def list(self, prefix: str = "") -> Iterator[StoredFile]:
        """Every file under ``prefix``, walking folders in name order."""
        base = prefix.strip("/")
        yield from self._walk(self._path(base), base)

    def _walk(self, folder: str, name: str) -> Iterator[StoredFile]:
        try:
            entries = sorted(os.scandir(folder), key=lambda e: e.name)
        except (FileNotFoundError, NotADirectoryError):
            return
        for entry in entries:
            child = f"{name}/{entry.name}" if name else entry.name
            if entry.is_dir():
                yield from self._walk(entry.path, child)
            elif entry.is_file():
                info = entry.stat()
                yield StoredFile(child, info.st_size, info.st_mtime_ns)

    def list_dirs(self, prefix: str = "") -> builtins.list[str]:
        """The sub-folders of ``prefix``."""
        base = prefix.strip("/")
        try:
            entries = os.scandir(self._path(base))
        except (FileNotFoundError, NotADirectoryError):
            return []
        with entries:
            names = sorted(e.name for e in entries if e.is_dir())
        return [f"{base}/{n}" if base else n for n in names]

    def open(self, name: str) -> BinaryIO:
        """The file opened for binary reading."""
        return open(self._path(name), "rb")  # noqa: PTH123

    def find_lines(self, name: str, needle: bytes) -> builtins.list[RawLine]:
        """Lines holding ``needle``, read unbuffered into one reused buffer."""
        with open(self._path(name), "rb", buffering=0) as stream:  # noqa: PTH123
            return scan.find_lines(stream, needle)

    def local_path(self, name: str) -> Path | None:
        """The file's path under the folder."""
        return Path(self._path(name))

    def stat(self, name: str) -> StoredFile:
        """The file's size and modification time (ns), from one ``stat`` call."""
        info = os.stat(self._path(name))  # noqa: PTH116
        return StoredFile(name, info.st_size, info.st_mtime_ns)
