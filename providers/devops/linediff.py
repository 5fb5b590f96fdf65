"""Local line diffs of two file versions, shaped like ``git diff`` output (pure).

The Azure DevOps REST API has no text diff, so both versions of a changed file are
fetched and compared here.  Like git, a file with a NUL byte in its first 8000 bytes is
binary (no counts, no diff); files over ``MAX_FILE_BYTES`` are summarised, not diffed.
"""

from __future__ import annotations

from dataclasses import replace
from difflib import SequenceMatcher

from providers.devops.gitparse import Change
from providers.git.logparse import cap_diff
from providers.records import FileChange

MAX_FILE_BYTES = 1_000_000
CONTEXT = 3
_BINARY_PROBE = 8000
_NO_NEWLINE = b"\\ No newline at end of file\n"


class TooLarge:
    """A file version that was not fetched whole because it exceeds the limit."""

    def __init__(self, size_at_least: int) -> None:
        self.size_at_least = size_at_least


Content = bytes | TooLarge | None  # None: the file does not exist on that side


def is_binary(data: bytes) -> bool:
    """git's rule: a NUL byte in the first 8000 bytes."""
    return b"\0" in data[:_BINARY_PROBE]


def _lines(data: bytes) -> list[bytes]:
    """Lines split on ``\\n`` only, each keeping its newline (the last may lack one)."""
    lines = data.split(b"\n")
    last = lines.pop()
    out = [line + b"\n" for line in lines]
    return [*out, last] if last else out


def _range(start: int, length: int) -> str:
    """A unified-diff hunk range (git's and difflib's convention)."""
    first = start + 1 if length else start
    return f"{first}" if length == 1 else f"{first},{length}"


def _emit(out: list[bytes], sign: bytes, line: bytes) -> None:
    out.append(sign + line)
    if not line.endswith(b"\n"):
        out.append(b"\n" + _NO_NEWLINE)


def hunks(old: list[bytes], new: list[bytes]) -> tuple[bytes, int, int]:
    """The hunks turning ``old`` into ``new``, with the counts of added and deleted lines."""
    out: list[bytes] = []
    added = deleted = 0
    matcher = SequenceMatcher(None, old, new, autojunk=False)
    for group in matcher.get_grouped_opcodes(CONTEXT):
        i1, i2, j1, j2 = group[0][1], group[-1][2], group[0][3], group[-1][4]
        out.append(f"@@ -{_range(i1, i2 - i1)} +{_range(j1, j2 - j1)} @@\n".encode())
        for tag, a1, a2, b1, b2 in group:
            if tag == "equal":
                for line in old[a1:a2]:
                    _emit(out, b" ", line)
                continue
            for line in old[a1:a2]:
                _emit(out, b"-", line)
            for line in new[b1:b2]:
                _emit(out, b"+", line)
            deleted += a2 - a1
            added += b2 - b1
    return b"".join(out), added, deleted


def _header(change: Change, has_hunks: bool) -> bytes:
    old_path = change.old_path or change.path
    lines = [f"diff --git a/{old_path} b/{change.path}"]
    if change.change == "renamed":
        lines += [f"rename from {old_path}", f"rename to {change.path}"]
    if has_hunks:
        lines.append("--- /dev/null" if change.change == "added" else f"--- a/{old_path}")
        lines.append("+++ /dev/null" if change.change == "deleted" else f"+++ b/{change.path}")
    return ("\n".join(lines) + "\n").encode()


def unread(change: Change) -> FileChange:
    """The FileChange of a change whose versions were not fetched: no counts, no diff."""
    return FileChange(change.path, change.old_path, change.change, None, None, False)


def file_change(change: Change, old: Content, new: Content, *, with_diff: bool) -> FileChange:
    """The FileChange of ``change`` from its two versions: counts, and the diff if asked."""
    base = unread(change)
    large = [side for side in (old, new) if isinstance(side, TooLarge)]
    if large:
        size = max(side.size_at_least for side in large)
        note = f"{change.path}: over {size:,} bytes, not diffed (limit {MAX_FILE_BYTES:,})\n"
        return replace(base, diff=note if with_diff else None)
    before = old if isinstance(old, bytes) else b""
    after = new if isinstance(new, bytes) else b""
    if is_binary(before) or is_binary(after):
        return replace(base, binary=True)
    body, added, deleted = hunks(_lines(before), _lines(after))
    diff = cap_diff(_header(change, bool(body)) + body) if with_diff else None
    return replace(base, additions=added, deletions=deleted, diff=diff)
