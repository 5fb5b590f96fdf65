"""Read-only access to a tree of log files, kept apart from parsing.

A :class:`LogStore` is a folder tree addressed by '/'-separated names relative to its
root: a local folder (:class:`LocalFolderStore`) or a blob container.  What a listing
leaves out for being unsafe or unreadable (a symbolic link, a folder it cannot list, a
blob name that is no safe path) is noted in :attr:`LogStore.skipped`, and the reader
reports each as an issue of its own: one bad entry never fails a search.
"""

from __future__ import annotations

import builtins
import functools
import os
import threading
from abc import ABC, abstractmethod
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO

from providers.predictions import scan
from providers.predictions.formats.lines import MAX_LINE_BYTES, RawLine

_FIRST_READ = 64 * 1024
_LINK = "a symbolic link: not followed (links in a log folder never are); skipped"


@dataclass(frozen=True, slots=True)
class StoredFile:
    """A file of the store: its name relative to the root, its size in bytes and, when the
    store knows it, its modification time in ns (0 otherwise)."""

    name: str
    size: int
    modified: int = field(default=0, compare=False)


def unsafe_name(name: str) -> str | None:
    """Why ``name`` is not a safe path below a folder (a '..' or '.' segment, or an
    empty one: a leading '/' or '//'), or None if it is one."""
    for part in name.split("/"):
        if part in ("", ".", ".."):
            return f"a {part!r} segment" if part else "an empty segment (a leading '/' or '//')"
    return None


class Skipped:
    """Entries that listings left out, each with why, until a reader takes them."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._noted: dict[str, str] = {}

    def note(self, name: str, why: str) -> None:
        """Note that ``name`` was left out of a listing, and why."""
        with self._lock:
            self._noted.setdefault(name, why)

    def take(self) -> builtins.list[tuple[str, str]]:
        """The entries noted since the last call, by name."""
        with self._lock:
            noted, self._noted = self._noted, {}
        return sorted(noted.items())


class LogStore(ABC):
    """A read-only tree of files.

    Subclasses implement :meth:`list`, :meth:`list_dirs` and :meth:`open`; the other
    methods have generic implementations on top of those that a store may speed up.
    """

    @functools.cached_property
    def skipped(self) -> Skipped:
        """What this store's listings left out, for the reader to report."""
        return Skipped()

    @abstractmethod
    def list(self, prefix: str = "") -> Iterator[StoredFile]:
        """Every file under the folder ``prefix`` (recursively), in name order."""

    @abstractmethod
    def list_dirs(self, prefix: str = "") -> builtins.list[str]:
        """The folders directly under ``prefix``, as full names without a trailing '/', sorted."""

    @abstractmethod
    def open(self, name: str) -> BinaryIO:
        """A seekable binary stream of the file; raise FileNotFoundError if it is missing."""

    def ready(self, name: str) -> bool:
        """False if reading the file now would first wait on a slow remote query (a
        search then hands over the rows it holds before reading it)."""
        return True

    def read_range(self, name: str, offset: int, length: int) -> bytes:
        """Up to ``length`` bytes of the file from ``offset``."""
        with self.open(name) as stream:
            stream.seek(offset)
            return stream.read(length)

    def first_line(self, name: str) -> RawLine | None:
        """The file's first line (None if the file is empty), read with :meth:`read_range`.

        A line longer than :data:`~providers.predictions.formats.lines.MAX_LINE_BYTES` comes back
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

    Symbolic links below the root are never followed: a listing skips them (noting each
    in :attr:`skipped`), so a link loop, a link to '/' or a link out of the tree is
    neither walked nor read; a folder that cannot be listed is noted the same way.
    Paths are handled as strings: across thousands of files pathlib costs more than the
    search itself.
    """

    def __init__(self, root: Path) -> None:
        self.root = root
        self._root = str(root)

    def _path(self, name: str) -> str:
        base = name.strip("/")
        if base and unsafe_name(base):
            raise ValueError(f"not a name inside the store: {name!r}")
        return os.path.join(self._root, *base.split("/"))  # noqa: PTH118

    def list(self, prefix: str = "") -> Iterator[StoredFile]:
        """Every file under ``prefix``, walking folders in name order."""
        base = prefix.strip("/")
        yield from self._walk(self._path(base), base)

    def _walk(self, folder: str, name: str) -> Iterator[StoredFile]:
        for entry in self._entries(folder, name):
            child = f"{name}/{entry.name}" if name else entry.name
            if entry.is_dir(follow_symlinks=False):
                yield from self._walk(entry.path, child)
            elif entry.is_file(follow_symlinks=False):
                info = entry.stat(follow_symlinks=False)
                yield StoredFile(child, info.st_size, info.st_mtime_ns)

    def list_dirs(self, prefix: str = "") -> builtins.list[str]:
        """The sub-folders of ``prefix``."""
        base = prefix.strip("/")
        entries = self._entries(self._path(base), base)
        names = [e.name for e in entries if e.is_dir(follow_symlinks=False)]
        return [f"{base}/{n}" if base else n for n in names]

    def _entries(self, folder: str, name: str) -> builtins.list[os.DirEntry[str]]:
        """The entries of a folder in name order, without symbolic links (noted, as is a
        folder that cannot be listed); none if it does not exist or is a link."""
        if name and os.path.islink(folder):  # noqa: PTH114
            self.skipped.note(name, _LINK)
            return []
        try:
            with os.scandir(folder) as listing:
                entries = sorted(listing, key=lambda e: e.name)
        except (FileNotFoundError, NotADirectoryError):
            return []
        except OSError as exc:
            self.skipped.note(name or ".", f"cannot list this folder: {exc.strerror or exc}")
            return []
        for entry in entries:
            if entry.is_symlink():
                self.skipped.note(f"{name}/{entry.name}" if name else entry.name, _LINK)
        return [e for e in entries if not e.is_symlink()]

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
