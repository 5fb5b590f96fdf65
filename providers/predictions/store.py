"""Read-only access to a tree of log files, kept apart from parsing.

A :class:`LogStore` is a folder tree addressed by '/'-separated names relative to its
root: a local folder (:class:`LocalFolderStore`) or, later, a blob container.
"""

from __future__ import annotations

import builtins
import mmap
import os
from abc import ABC, abstractmethod
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from providers.predictions.lines import MAX_LINE_BYTES, RawLine

CHUNK_BYTES = 4 * 1024 * 1024
_FIRST_READ = 64 * 1024


@dataclass(frozen=True, slots=True)
class StoredFile:
    """A file of the store: its name relative to the root and its size in bytes."""

    name: str
    size: int


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

        This generic version streams the file in chunks of 4 MiB and searches only whole
        lines, so a match is never split between chunks.
        """
        found: builtins.list[RawLine] = []
        carry = b""
        number = 1
        with self.open(name) as stream:
            while True:
                chunk = stream.read(CHUNK_BYTES)
                buffer = carry + chunk
                cut = len(buffer) if not chunk else buffer.rfind(b"\n") + 1
                number = _scan(buffer, cut, needle, number, found)
                carry = buffer[cut:]
                if not chunk:
                    return found


def _scan(buffer: bytes, cut: int, needle: bytes, number: int, found: list[RawLine]) -> int:
    """Append the lines of ``buffer[:cut]`` holding ``needle``; return the next line number."""
    pos = 0
    hit = buffer.find(needle, 0, cut)
    while hit >= 0:
        start = buffer.rfind(b"\n", 0, hit) + 1
        end = buffer.find(b"\n", hit, cut)
        end = cut if end < 0 else end + 1
        number += buffer.count(b"\n", pos, start)
        found.append(RawLine(number, buffer[start:end], end - start))
        pos = start
        hit = buffer.find(needle, end, cut)
    return number + buffer.count(b"\n", pos, cut)


class LocalFolderStore(LogStore):
    """A folder on disk; substring search memory-maps the file.

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
                yield StoredFile(child, entry.stat().st_size)

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
        """Lines holding ``needle``, found with ``mmap`` (no copy of the whole file)."""
        found: builtins.list[RawLine] = []
        with open(self._path(name), "rb") as stream:  # noqa: PTH123
            try:
                view = mmap.mmap(stream.fileno(), 0, access=mmap.ACCESS_READ)
            except ValueError:  # empty file
                return found
        with view:
            number, pos = 1, 0
            hit = view.find(needle)
            while hit >= 0:
                start = view.rfind(b"\n", 0, hit) + 1
                end = view.find(b"\n", hit)
                end = len(view) if end < 0 else end + 1
                number += view[pos:start].count(b"\n")
                found.append(RawLine(number, view[start:end], end - start))
                pos = start
                hit = view.find(needle, end)
        return found
