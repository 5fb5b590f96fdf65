# ruff: noqa: S608  (SQL is fixed text; every value is a bound parameter)
"""The collector's folders as the engine sees them: a :class:`LogStore` over Spark Connect.

The local reader (:class:`~providers.predictions.reader.LogReader`) runs unchanged on it,
so a search gives the same predictions and the same data issues as ``local-logs``.  What
goes to the engine:

- the listing, limited to the query's folders: the collector's layout turned into path
  globs (:mod:`providers.spark.globs`), listed by the engine's ``binaryFile`` source
  (names and sizes only, no content read);
- the id search of a lookup: one query over all those files returns the lines holding
  the id (``instr`` on the bytes, as the local byte search), and one per outputs file the
  lines holding a correlation id; the reader parses only those lines;
- a file's content, read once when the reader opens it (a search without an id).

Bytes travel exactly: content is decoded as ISO-8859-1 (one character a byte) and
encoded back, so line numbers, odd encodings and partial last lines are the file's own.
"""

from __future__ import annotations

import bisect
import builtins
import io
import itertools
from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import Any, BinaryIO, cast

from providers.errors import NotFound
from providers.predictions.formats.lines import RawLine
from providers.predictions.log_store import LogStore, StoredFile
from providers.spark.globs import literal
from providers.spark.picked_lines import PickedLines, SparseFile
from providers.spark.pushdown import cut_lines, file_text
from providers.spark.session import EngineSession

MAX_FILE_BYTES = 256 << 20  # a file read whole through the engine; larger ones are refused
# only the files holding the id (their bytes searched whole) are cut into lines
_LINES = f"""
SELECT path, pos + 1 AS line_no, line, pos = n - 1 AS last FROM (
  SELECT path, posexplode(parts) AS (pos, line), size(parts) AS n FROM (
    SELECT path, {cut_lines(file_text("content"))} AS parts FROM {{files}}
    WHERE contains(content, :bytes)
  )
) WHERE instr(line, :needle) > 0
"""


class EngineStore(LogStore):
    """The files of ``listing`` (names relative to ``root``), read through the engine."""

    def __init__(
        self,
        engine: EngineSession,
        root: str,
        listing: Iterable[StoredFile],
        frames: Sequence[Any] = (),
    ) -> None:
        """``frames``: the engine's listings (DataFrames) that gave ``listing``, which an
        id search reads in one query."""
        self.engine = engine
        self.frames = frames
        self.root = plain(root.rstrip("/"))
        self.files = {file.name: file for file in listing}
        self._names = sorted(self.files)
        self._dirs: dict[str, set[str]] = {}
        for name in self.files:
            parts = name.split("/")
            for depth in range(len(parts) - 1):
                parent = "/".join(parts[:depth])
                self._dirs.setdefault(parent, set()).add("/".join(parts[: depth + 1]))
        self._found: dict[tuple[str, bytes], builtins.list[RawLine]] = {}
        self.picked: builtins.list[PickedLines] = []  # a search's lines picked by the engine

    def list(self, prefix: str = "") -> Iterator[StoredFile]:
        """The listed files under ``prefix``, in name order."""
        head = prefix.rstrip("/") + "/" if prefix else ""
        names = itertools.islice(self._names, bisect.bisect_left(self._names, head), None)
        under = itertools.takewhile(lambda name: name.startswith(head), names)
        return iter([self.files[name] for name in under])

    def list_dirs(self, prefix: str = "") -> builtins.list[str]:
        """The folders directly under ``prefix`` that hold listed files."""
        return sorted(self._dirs.get(prefix.rstrip("/"), ()))

    def open(self, name: str) -> BinaryIO:
        """The file's lines the engine picked for the search, if it picks them; else its
        bytes, read whole by the engine (FileNotFoundError if not listed)."""
        for picked in self.picked:
            if name in picked.files:
                return cast(BinaryIO, SparseFile(picked.lines(name)))
        file = self.files.get(name)
        if file is None:
            raise FileNotFoundError(name)
        if file.size > MAX_FILE_BYTES:
            raise OSError(f"{file.size:,} bytes, over the {MAX_FILE_BYTES:,} read whole")

        def read(session: Any) -> bytes:
            frame = session.read.format("binaryFile").load(self._path(name))
            rows = frame.select("content").collect()
            if not rows:
                raise FileNotFoundError(name)
            return bytes(rows[0]["content"])

        return io.BytesIO(self.engine.run(read, f"reading {name}"))

    def ready(self, name: str) -> bool:
        """False if the file's picked lines are not fetched yet (an engine query)."""
        return all(picked.ready(name) for picked in self.picked if name in picked.files)

    def find_lines(self, name: str, needle: bytes) -> builtins.list[RawLine]:
        """The file's lines holding ``needle``: from :meth:`prefetch` if it searched for
        it, else from one engine query on the file."""
        known = self._found.get((name, needle))
        if known is not None:
            return known
        if name not in self.files:
            raise FileNotFoundError(name)
        self._search(
            needle, [name], lambda session: session.read.format("binaryFile").load(self._path(name))
        )
        return self._found.get((name, needle), [])

    def prefetch(self, needle: bytes) -> None:
        """Search every listed file for ``needle`` in one engine query; :meth:`find_lines`
        answers from its hits."""
        if not self.frames:
            return
        frames = self.frames

        def union(session: Any) -> Any:
            joined = frames[0]
            for frame in frames[1:]:
                joined = joined.unionByName(frame)
            return joined

        self._search(needle, builtins.list(self.files), union)

    def _search(
        self, needle: bytes, names: builtins.list[str], files: Callable[[Any], Any]
    ) -> None:
        def run(session: Any) -> builtins.list[Any]:
            text = needle.decode("iso-8859-1")
            args = {"needle": text, "bytes": needle, "nl": "\n"}
            query = session.sql(_LINES, args=args, files=files(session))
            return builtins.list(query.collect())

        rows = self.engine.run(run, f"searching {len(names)} file(s) for an id")
        for name in names:
            self._found[(name, needle)] = []
        head = self.root + "/"
        for row in sorted(rows, key=lambda r: (r["path"], r["line_no"])):
            name = plain(row["path"])[len(head) :]
            if (name, needle) in self._found:
                self._found[(name, needle)].append(_raw(row))

    def stat(self, name: str) -> StoredFile:
        """The listed file (FileNotFoundError if it is not listed)."""
        try:
            return self.files[name]
        except KeyError:
            raise FileNotFoundError(name) from None

    def _path(self, name: str) -> str:
        """The file's path as the engine's reader takes it (a glob matching only it)."""
        return literal(f"{self.root}/{name}")


def plain(path: str) -> str:
    """A path in the form the engine returns it (``file:/x`` for ``file:///x``)."""
    return "file:/" + path[len("file:///") :] if path.startswith("file:///") else path


def _raw(row: Any) -> RawLine:
    """A hit line as the local byte search gives it (whole, however long)."""
    data = str(row["line"]).encode("iso-8859-1") + (b"" if row["last"] else b"\n")
    return RawLine(int(row["line_no"]), data, len(data))


def missing_root(root: str) -> NotFound:
    """The error of a root the engine cannot find."""
    return NotFound(
        f"the engine finds no folder {root}",
        hint="check the path setting of the spark provider (the engine's own path:"
        " abfss://…, dbfs:/…, file:/…)",
        provider="spark",
    )
