"""Physical lines of a log file: reading them from a binary stream and decoding them."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import BinaryIO, Protocol, runtime_checkable

from providers.records import DataIssue

MAX_LINE_BYTES = 32 * 1024 * 1024
"""Longer lines are skipped with an issue (a 10 MB CSV row or JSON record is still read)."""

_SKIP_CHUNK = 1024 * 1024
READ_CHUNK = 1 << 22
"""Bytes per read of a pass over a whole file: few reads, since after each one a thread may
wait ~5 ms for the GIL while another builds rows."""
_buffers = threading.local()


@dataclass(frozen=True, slots=True)
class RawLine:
    """One physical line, newline included; ``data`` is empty when the line was too long.

    ``offset`` (the line's first byte in the file) is set when the reader knows it.
    """

    number: int
    data: bytes
    size: int
    offset: int | None = field(default=None, compare=False)

    @property
    def complete(self) -> bool:
        """True if the line ends with a newline (only a file's last line may not)."""
        return self.data.endswith(b"\n")

    @property
    def too_long(self) -> bool:
        """True if the line was longer than the limit and its bytes were dropped."""
        return self.size > len(self.data)


@runtime_checkable
class SparseLines(Protocol):
    """A file served as some of its lines, the others blank (an engine's picked lines)."""

    def numbered(self, max_bytes: int) -> Iterator[RawLine]:
        """The lines held, as :func:`iter_lines` gives them; the blank ones not at all."""
        ...


def text_lines(stream: BinaryIO) -> Iterator[RawLine]:
    """The lines of ``stream`` a parser reads (blank ones may be left out): those of a
    :class:`SparseLines` only, not its blanks one by one (an engine that picks lines
    returns every line of a file whose records may span lines)."""
    if isinstance(stream, SparseLines):
        return stream.numbered(MAX_LINE_BYTES)
    return iter_lines(stream)


def iter_lines(stream: BinaryIO, max_bytes: int = MAX_LINE_BYTES) -> Iterator[RawLine]:
    """Yield the lines of ``stream`` numbered from 1, dropping the bytes of over-long lines."""
    number = 0
    while True:
        data = stream.readline(max_bytes + 1)
        if not data:
            return
        number += 1
        if len(data) <= max_bytes or data.endswith(b"\n"):
            yield RawLine(number, data, len(data))
            continue
        size = len(data)
        while not data.endswith(b"\n"):
            data = stream.readline(_SKIP_CHUNK)
            if not data:
                break
            size += len(data)
        yield RawLine(number, b"", size)


def count_lines(path: str) -> int:
    """The number of lines of the file (a last line without a line break counts)."""
    return pick_lines(path, [])[1]


def pick_lines(
    path: str, numbers: list[int], buffer: bytearray | None = None
) -> tuple[list[RawLine], int]:
    """The lines of the file with these numbers (sorted; a line over
    :data:`MAX_LINE_BYTES` without its bytes), and the file's line count, in one pass
    (``buffer``: the reads' buffer, this thread's by default).

    Only the picked lines are copied out of the buffer; finding them walks the line
    breaks of the chunks that hold them (half the time of splitting whole chunks).
    """
    buffer = _buffer() if buffer is None else buffer
    picked: list[RawLine] = []
    wanted = iter(numbers)
    target = next(wanted, None)
    number = 0  # lines ended before the chunk
    carry = b""  # the chunk's first line, as far as the chunks before held it, if wanted
    open_line = False  # the last chunk ended in a line
    with open(path, "rb", buffering=0) as stream:  # noqa: PTH123
        while size := stream.readinto(buffer):
            ends = buffer.count(b"\n", 0, size)
            at, line = 0, number + 1  # line number ``line`` starts at ``at``
            while target is not None and target <= number + ends:
                while line < target:
                    at = buffer.find(b"\n", at, size) + 1
                    line += 1
                end = buffer.find(b"\n", at, size) + 1
                data = carry + buffer[at:end] if line == number + 1 else bytes(buffer[at:end])
                picked.append(_picked(line, data))
                at, line = end, line + 1
                target = next(wanted, None)
            start = buffer.rfind(b"\n", 0, size) + 1 if ends else 0
            if target != number + ends + 1:  # the line the chunk ends in is not wanted
                carry = b""
            elif ends:
                carry = bytes(buffer[start:size])
            else:
                carry += buffer[:size]
            open_line = start < size
            number += ends
    if open_line:  # a last line without a line break
        number += 1
        if target == number:
            picked.append(_picked(number, carry))
    return picked, number


def _picked(number: int, data: bytes) -> RawLine:
    return RawLine(number, data if len(data) <= MAX_LINE_BYTES else b"", len(data))


def _buffer() -> bytearray:
    """This thread's read buffer: reused, so its pages are not faulted in again on
    every read (a third of the time of a pass over a file in the page cache)."""
    buffer: bytearray | None = getattr(_buffers, "buffer", None)
    if buffer is None:
        buffer = _buffers.buffer = bytearray(READ_CHUNK)
    return buffer


def too_long_issue(name: str, line: RawLine, max_bytes: int = MAX_LINE_BYTES) -> DataIssue:
    """The issue for a line that was skipped because of its length."""
    return DataIssue(
        f"{name}:{line.number}",
        f"line of {line.size:,} bytes is longer than the {max_bytes:,}-byte limit; skipped",
    )


class Decoder:
    """Decodes one file's lines as UTF-8, replacing bad bytes and reporting that once."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.reported = False

    def decode(self, line: RawLine) -> tuple[str, DataIssue | None]:
        """The line's text and, the first time a file has bad bytes, an issue about it."""
        try:
            return line.data.decode("utf-8"), None
        except UnicodeDecodeError as exc:
            text = line.data.decode("utf-8", errors="replace")
            if self.reported:
                return text, None
            self.reported = True
            return text, DataIssue(
                f"{self.name}:{line.number}",
                f"bytes that are not UTF-8 (first at byte {exc.start} of this line);"
                " replaced with U+FFFD, row kept; later bad bytes in this file not reported",
            )
