"""Substring search over a file read in one reused buffer: memmem speed, bounded memory.

A whole-file ``mmap`` shows every page it touched in the process's RSS (a 1 GB file is
~1 GB of RSS); here the file is read with ``readinto`` into one buffer of
:data:`SCAN_BYTES`, searched, and the unfinished last line moved to the front.  Only the
lines holding the needle are copied out.  Line numbers are counted only for files with a
hit (a second, cheaper pass up to the last hit).
"""

from __future__ import annotations

import os
from typing import BinaryIO

from providers.predictions.formats.lines import RawLine

SCAN_BYTES = 4 * 1024 * 1024


def find_lines(stream: BinaryIO, needle: bytes) -> list[RawLine]:
    """The lines of ``stream`` (read from its start) holding ``needle``, in order.

    Reading stops at the size the file had when the search began, so a file appended to
    meanwhile gives a consistent snapshot (its last line may come back incomplete).
    """
    limit = _size(stream)
    buffer = bytearray(SCAN_BYTES)
    view = memoryview(buffer)
    hits: list[tuple[int, bytes]] = []
    base = filled = 0
    stream.seek(0)
    while True:
        want = len(buffer) - filled
        if limit is not None:
            want = min(want, limit - base - filled)
        read = _read_into(stream, view[filled : filled + want]) if want > 0 else 0
        end = filled + (read or 0)
        last = not read
        cut = end if last else buffer.rfind(b"\n", 0, end) + 1
        if cut == 0 and not last:  # one line longer than the buffer: grow it
            view.release()
            buffer.extend(bytes(len(buffer)))
            view = memoryview(buffer)
            filled = end
            continue
        _collect(buffer, cut, needle, base, hits)
        if last:
            break
        rest = end - cut
        buffer[:rest] = buffer[cut:end]
        base += cut
        filled = rest
    view.release()
    return _numbered(stream, hits) if hits else []


def _read_into(stream: BinaryIO, target: memoryview) -> int:
    """Fill ``target`` from the stream without a copy when it has ``readinto``."""
    read_into = getattr(stream, "readinto", None)
    if read_into is not None:
        return int(read_into(target) or 0)
    data = stream.read(len(target))
    target[: len(data)] = data
    return len(data)


def _size(stream: BinaryIO) -> int | None:
    try:
        return os.fstat(stream.fileno()).st_size
    except (AttributeError, OSError, ValueError):
        return None


def _collect(
    buffer: bytearray, cut: int, needle: bytes, base: int, hits: list[tuple[int, bytes]]
) -> None:
    """Append ``(offset, line)`` for each line of ``buffer[:cut]`` holding ``needle``."""
    hit = buffer.find(needle, 0, cut)
    while hit >= 0:
        start = buffer.rfind(b"\n", 0, hit) + 1
        end = buffer.find(b"\n", hit, cut)
        end = cut if end < 0 else end + 1
        hits.append((base + start, bytes(buffer[start:end])))
        hit = buffer.find(needle, end, cut)


def _numbered(stream: BinaryIO, hits: list[tuple[int, bytes]]) -> list[RawLine]:
    """Number the hit lines by counting newlines from the file's start to each of them."""
    stream.seek(0)
    lines: list[RawLine] = []
    number, position = 1, 0
    for offset, data in hits:
        while position < offset:
            block = stream.read(min(SCAN_BYTES, offset - position))
            if not block:
                break
            number += block.count(b"\n")
            position += len(block)
        lines.append(RawLine(number, data, len(data), offset))
    return lines
