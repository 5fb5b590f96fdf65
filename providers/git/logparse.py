"""Pure parsing of git's ``-z`` output into commit records (no subprocess here).

One *record* is what ``git log -z --format=LOG_FORMAT`` (or ``git diff-tree -z`` with the
same format) prints for a commit: ``\\x1e`` and nine NUL-terminated header fields, then,
when ``--raw --numstat`` were given, the raw entries (``:modes oids status\\0path\\0``) and
numstat entries (``added\\tdeleted\\tpath\\0``, or ``added\\tdeleted\\t\\0old\\0new\\0`` for a
rename).  The output is split on NUL once (fast, in C) and the token list is walked by
that structure, so a path or message containing ``\x1e``, tabs or newlines cannot shift
it.  ``diff-tree -p`` appends a NUL and the patch text.
"""

from __future__ import annotations

import codecs
import contextlib
from collections.abc import Iterator, Sequence
from dataclasses import replace
from datetime import datetime
from typing import NamedTuple

from providers.errors import BadData
from providers.records import Commit, FileChange, Person, Source

LOG_FORMAT = "%x1e" + "%x00".join(("%H", "%P", "%an", "%ae", "%aI", "%cn", "%ce", "%cI", "%B"))
_FIELDS = 9

MAX_DIFF_LINES = 4000
MAX_DIFF_BYTES = 1_000_000

_CHANGES = {
    "A": "added",
    "M": "modified",
    "D": "deleted",
    "R": "renamed",
    "C": "copied",
    "T": "type-changed",
}
_RECORD_START = b"\x1e"
_NUMSTAT_START = b"0123456789-"
_FILE_TYPE_MASK = 0o170000


class RawChange(NamedTuple):
    """One raw diff entry: status letter, paths and the file modes on both sides."""

    status: str
    path: str
    old_path: str | None
    old_mode: int
    new_mode: int

    @property
    def patch_sections(self) -> int:
        """How many ``diff --git`` sections git prints for it (2 when the file type changed)."""
        both = self.old_mode and self.new_mode
        changed = (self.old_mode ^ self.new_mode) & _FILE_TYPE_MASK
        return 2 if both and changed else 1


def _text(raw: bytes) -> str:
    return raw.decode("utf-8", errors="replace")


People = dict[tuple[bytes, bytes], Person]


def _person(people: People, name: bytes, email: bytes) -> Person:
    """The Person for ``name`` and ``email``, shared across the commits of one parse."""
    person = people.get((name, email))
    if person is None:
        person = people[name, email] = Person(_text(name), _text(email))
    return person


def git_date(raw: bytes) -> datetime | None:
    """The ``%aI``/``%cI`` date git printed, or None when it could not read the person's
    line (a NUL byte in it, no ``<email>``): git then prints the placeholder itself, and
    the commit is still listed, its date unreadable rather than made up."""
    try:
        return datetime.fromisoformat(raw.decode("ascii"))
    except ValueError:
        return None


def _header(fields: Sequence[bytes], files: tuple[FileChange, ...], people: People) -> Commit:
    sha = fields[0][1:].decode("ascii")
    return Commit(
        sha=sha,
        parents=tuple(fields[1].decode("ascii").split()),
        author=_person(people, fields[2], fields[3]),
        authored_at=git_date(fields[4]),
        committer=_person(people, fields[5], fields[6]),
        committed_at=git_date(fields[7]),
        message=_text(fields[8]),
        files=files,
        source=Source("git", sha, None),
    )


def _raw_change(token: bytes, paths: list[bytes]) -> RawChange:
    parts = token[1:].split(b" ")
    if len(parts) != 5 or not parts[4]:
        raise BadData(f"unexpected raw diff entry {token!r}", provider="git")
    return RawChange(
        status=chr(parts[4][0]),
        path=_text(paths[-1]),
        old_path=_text(paths[0]) if len(paths) == 2 else None,
        old_mode=int(parts[0], 8),
        new_mode=int(parts[1], 8),
    )


def _count(raw: bytes) -> int | None:
    return None if raw == b"-" else int(raw)


Counts = dict[str, tuple[int | None, int | None]]


def _changes(
    tokens: list[bytes], index: int, *, final: bool
) -> tuple[list[RawChange], Counts, int] | None:
    """Raw and numstat entries from ``tokens[index]``; None if the list may end inside them."""
    raws: list[RawChange] = []
    counts: Counts = {}
    size = len(tokens)
    while True:
        if index >= size:
            return (raws, counts, index) if final else None
        token = tokens[index]
        if token[:1] == b"\n":  # git separates the header from the entries with a newline
            token = token[1:]
        lead = token[:1]
        if lead == b":":
            status = token[token.rfind(b" ") + 1 :][:1]
            width = 3 if status in (b"R", b"C") else 2  # the entry, then one or two paths
        elif lead and lead in _NUMSTAT_START:
            try:
                added, deleted, path = token.split(b"\t", 2)
                count = (_count(added), _count(deleted))
            except ValueError as exc:
                raise BadData(f"unexpected numstat entry {token!r}", provider="git") from exc
            width = 1 if path else 3  # a rename: the old and new paths follow as tokens
        else:
            return raws, counts, index
        if index + width > size:
            if final:
                raise BadData("git output ended inside a file entry", provider="git")
            return None
        if lead == b":":
            raws.append(_raw_change(token, tokens[index + 1 : index + width]))
        else:
            counts[_text(tokens[index + 2] if width == 3 else path)] = count
        index += width


def _file_change(raw: RawChange, counts: tuple[int | None, int | None] | None) -> FileChange:
    additions, deletions = counts if counts is not None else (None, None)
    return FileChange(
        path=raw.path,
        old_path=raw.old_path,
        change=_CHANGES.get(raw.status, "modified"),
        additions=additions,
        deletions=deletions,
        binary=counts is not None and additions is None,
    )


def _parse(
    tokens: list[bytes], index: int, people: People, *, final: bool
) -> tuple[Commit, list[RawChange], int] | None:
    """The record at ``tokens[index]``, its raw entries and the index after it.

    None when the list may end inside the record (only if not ``final``).
    """
    end = index + _FIELDS
    if end > len(tokens):
        if final and index < len(tokens):
            raise BadData("git output ended inside a commit header", provider="git")
        return None
    fields = tokens[index:end]
    if fields[0][:1] != _RECORD_START:
        raise BadData(f"unexpected git output: {fields[0][:60]!r}", provider="git")
    changes = _changes(tokens, end, final=final)
    if changes is None:
        return None
    raws, counts, index = changes
    files = tuple(_file_change(raw, counts.get(raw.path)) for raw in raws)
    return _header(fields, files, people), raws, index


class LogParser:
    """Incremental parser for a ``git log -z --format=LOG_FORMAT`` stream fed in chunks."""

    def __init__(self) -> None:
        self._tokens: list[bytes] = []
        self._index = 0
        self._partial = b""  # output after the last NUL
        self._people: People = {}
        self._starved = False

    def feed(self, chunk: bytes) -> None:
        """Append the next chunk of output."""
        data = self._partial + chunk
        tokens = data.split(b"\0")
        self._partial = tokens.pop()
        self._tokens = self._tokens[self._index :] + tokens
        self._index = 0
        # A record is complete only once the next one starts: until a record start
        # arrives, do not re-parse (a record may list thousands of files).
        self._starved = self._starved and _RECORD_START not in data

    def take(self, limit: int) -> list[Commit]:
        """Up to ``limit`` of the commits completed so far."""
        commits: list[Commit] = []
        while not self._starved and len(commits) < limit:
            parsed = _parse(self._tokens, self._index, self._people, final=False)
            if parsed is None:
                self._starved = True
            else:
                commit, _raws, self._index = parsed
                commits.append(commit)
        return commits

    def finish(self) -> list[Commit]:
        """The commits left at the end of the stream; BadData if it ended mid-record."""
        if self._partial:
            raise BadData("git output ended inside a commit", provider="git")
        commits: list[Commit] = []
        while (parsed := _parse(self._tokens, self._index, self._people, final=True)) is not None:
            commit, _raws, self._index = parsed
            commits.append(commit)
        return commits


class HeaderParser:
    """Incremental parser for ``git log -z --format=LOG_FORMAT`` printing no diff entries:
    nine NUL-terminated fields a commit, so each commit is complete as soon as its last field
    is (a search's first result is known without waiting for the next one)."""

    def __init__(self) -> None:
        self._fields: list[bytes] = []
        self._partial = b""
        self._people: People = {}

    def feed(self, chunk: bytes) -> None:
        """Append the next chunk of output."""
        tokens = (self._partial + chunk).split(b"\0")
        self._partial = tokens.pop()
        self._fields += tokens

    def take(self, limit: int) -> list[Commit]:
        """Up to ``limit`` of the commits completed so far."""
        whole = min(len(self._fields) // _FIELDS, limit) * _FIELDS
        commits = []
        for start in range(0, whole, _FIELDS):
            fields = self._fields[start : start + _FIELDS]
            if fields[0][:1] != _RECORD_START:
                raise BadData(f"unexpected git output: {fields[0][:60]!r}", provider="git")
            commits.append(_header(fields, (), self._people))
        del self._fields[:whole]
        return commits

    def finish(self) -> list[Commit]:
        """The commits left at the end of the stream; BadData if it ended mid-record."""
        commits = self.take(len(self._fields))
        if self._partial or self._fields:
            raise BadData("git output ended inside a commit", provider="git")
        return commits


def _header_lines(raw: bytes) -> Iterator[bytes]:
    """The header lines of a raw commit object (up to the blank line before the message)."""
    for line in raw.split(b"\n"):
        if not line:
            return
        yield line


def commit_parents(raw: bytes) -> tuple[str, ...]:
    """The parents a raw commit object (``git cat-file commit``) names, in order."""
    return tuple(line[7:].decode("ascii") for line in _header_lines(raw) if line[:7] == b"parent ")


def nul_message(raw: bytes) -> str | None:
    """The whole message of a raw commit object holding a NUL byte, decoded as its
    ``encoding`` header says (else UTF-8); None when it holds none.

    git log prints a message only up to its first NUL, silently: text after it would go
    unseen.  The NUL stays a character, shown as an escape like every control character.
    """
    _header, found, message = raw.partition(b"\n\n")
    if not found or b"\0" not in message:
        return None
    encoding = "utf-8"
    for line in _header_lines(raw):
        if line.startswith(b"encoding "):
            name = line[9:].decode("ascii", errors="replace").strip()
            with contextlib.suppress(LookupError):
                encoding = codecs.lookup(name).name
    return message.decode(encoding, errors="replace")


def split_patch(patch: bytes) -> list[bytes]:
    """Split ``git diff`` patch output into its ``diff --git`` sections, in order."""
    if not patch:
        return []
    starts = [0]
    found = patch.find(b"\ndiff --git ")
    while found >= 0:
        starts.append(found + 1)
        found = patch.find(b"\ndiff --git ", found + 1)
    ends = [*starts[1:], len(patch)]
    return [patch[start:end] for start, end in zip(starts, ends, strict=True)]


def cap_diff(patch: bytes) -> str:
    """Decode one file's patch, cut to MAX_DIFF_LINES lines and MAX_DIFF_BYTES bytes."""
    if len(patch) <= MAX_DIFF_BYTES and patch.count(b"\n") <= MAX_DIFF_LINES:
        return _text(patch)
    lines = patch.split(b"\n")
    if not lines[-1]:
        lines.pop()
    kept = 0
    size = 0
    for line in lines[:MAX_DIFF_LINES]:
        size += len(line) + 1
        if size > MAX_DIFF_BYTES:
            break
        kept += 1
    head = b"\n".join(lines[:kept])
    return _text(head) + f"\n… diff truncated ({len(lines) - kept} more lines)\n"


def parse_diff_tree(data: bytes, parents: tuple[str, ...], *, with_diff: bool) -> Commit:
    """The commit in one ``git diff-tree -z --raw --numstat [-p]`` answer.

    ``parents`` replaces the header's parents, since diff-tree prints only the parent it
    was asked to diff against.  With ``with_diff``, each file gets its patch section(s);
    binary files get None.
    """
    tokens = data.split(b"\0")
    parsed = _parse(tokens, 0, {}, final=True)
    if parsed is None:
        raise BadData("git diff-tree printed nothing", provider="git")
    commit, raws, index = parsed
    files = commit.files
    if with_diff:
        sections = split_patch(b"\0".join(tokens[index:]).lstrip(b"\0"))
        if len(sections) != sum(raw.patch_sections for raw in raws):
            raise BadData(
                f"commit {commit.sha}: patch does not match its file list", provider="git"
            )
        patched = []
        start = 0
        for raw, file in zip(raws, files, strict=True):
            end = start + raw.patch_sections
            diff = None if file.binary else cap_diff(b"".join(sections[start:end]))
            patched.append(replace(file, diff=diff))
            start = end
        files = tuple(patched)
    return replace(commit, parents=parents, files=files)
