"""The diff of two model versions' training data, from their data hops' evidence.

Folders present on both sides are compared file by file; a folder only on the left and
one only on the right with the same parent (``…/applications/2026-06-01…`` and
``…/applications/2026-08-01…``: timestamped snapshots) are compared as predecessor and
successor, and said to be so; any other folder is listed as added or removed.  Files are
matched by their path inside the folder and compared by content hash (by size when a
side has no hash: then a same-size file is "unverified").  Changed tabular files are
summarised by DuckDB (:mod:`providers.datafolders.tabular`), side by side; a numeric
column whose mean moved by more than 10 % (of the left mean), or whose null share moved
by more than 5 points, is flagged, as is a row count that moved by more than 20 %.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from providers.datafolders.tabular import (
    DEFAULT_LIMIT,
    ColumnSummary,
    FileSummary,
    summarise,
    tabular_kind,
)
from providers.protocols import DataProvider
from providers.records import DataFile, FolderEvidence, Source, TrainingData

MEAN_SHIFT = 0.10
NULL_SHIFT = 0.05
ROWS_SHIFT = 0.20


@dataclass(frozen=True, slots=True)
class ColumnDiff:
    """One column on both sides; ``flag`` says what moved too much ("" when nothing)."""

    name: str
    left: ColumnSummary | None
    right: ColumnSummary | None
    change: str  # "", "added", "removed", "retyped"
    flag: str = ""


@dataclass(frozen=True, slots=True)
class FileDiff:
    """One file matched by path: added, removed, changed, unverified or same."""

    path: str
    change: str
    left: DataFile | None
    right: DataFile | None
    left_summary: FileSummary | None = None
    right_summary: FileSummary | None = None
    columns: tuple[ColumnDiff, ...] = ()
    flags: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class FolderDiff:
    """Two folders compared (or one only: added or removed)."""

    left: str | None
    right: str | None
    how: str  # "same folder", "successor (same parent folder)", "added", "removed"
    files: tuple[FileDiff, ...]


@dataclass(frozen=True, slots=True)
class DataDiff:
    """What changed between the data of two model versions."""

    left: str  # e.g. mortgage:3
    right: str
    folders: tuple[FolderDiff, ...]
    limit: int  # bytes read of one file at most
    left_data: TrainingData
    right_data: TrainingData
    notes: tuple[str, ...] = ()

    @property
    def source(self) -> Source:
        """What a case names the diff by (it is computed here, not read from a backend)."""
        return Source("modeltrail", f"data of {self.left} -> {self.right}")

    @property
    def flags(self) -> list[str]:
        """Every flag raised, prefixed with its file."""
        return [f"{f.path}: {flag}" for d in self.folders for f in d.files for flag in f.flags]


def _parent(folder: str) -> str:
    return folder.rstrip("/").rsplit("/", 1)[0] if "/" in folder else ""


def pair_folders(left: list[str], right: list[str]) -> list[tuple[str | None, str | None, str]]:
    """The folders matched: same name, then one-to-one successors under a parent."""
    pairs: list[tuple[str | None, str | None, str]] = [
        (f, f, "same folder") for f in left if f in right
    ]
    only_left = [f for f in left if f not in right]
    only_right = [f for f in right if f not in left]
    for parent in dict.fromkeys(_parent(f) for f in only_left):
        olds = [f for f in only_left if _parent(f) == parent]
        news = [f for f in only_right if _parent(f) == parent]
        if parent and len(olds) == len(news) == 1:
            pairs.append((olds[0], news[0], "successor (same parent folder)"))
            only_left.remove(olds[0])
            only_right.remove(news[0])
    pairs += [(f, None, "removed") for f in only_left]
    pairs += [(None, f, "added") for f in only_right]
    return pairs


def _file_change(old: DataFile | None, new: DataFile | None) -> str:
    if old is None:
        return "added"
    if new is None:
        return "removed"
    if old.content_hash and new.content_hash:
        return "same" if old.content_hash == new.content_hash else "changed"
    return "changed" if old.size != new.size else "unverified"


def column_diffs(left: FileSummary, right: FileSummary) -> tuple[ColumnDiff, ...]:
    """Each column of either side, with its schema change and its shift flag."""
    old = {c.name: c for c in left.columns}
    new = {c.name: c for c in right.columns}
    diffs = []
    for name in [*old, *(n for n in new if n not in old)]:
        a, b = old.get(name), new.get(name)
        if a is None or b is None:
            diffs.append(ColumnDiff(name, a, b, "added" if a is None else "removed"))
            continue
        change = "retyped" if a.type != b.type else ""
        diffs.append(ColumnDiff(name, a, b, change, _shift(a, b)))
    return tuple(diffs)


def _shift(a: ColumnSummary, b: ColumnSummary) -> str:
    said = []
    if a.mean is not None and b.mean is not None:
        base = abs(a.mean) or 1.0
        moved = (b.mean - a.mean) / base
        if abs(moved) > MEAN_SHIFT:
            said.append(f"mean {_num(a.mean)} -> {_num(b.mean)} ({moved:+.0%})")
    nulls = (a.null_share, b.null_share)
    if nulls[0] is not None and nulls[1] is not None and abs(nulls[1] - nulls[0]) > NULL_SHIFT:
        said.append(f"nulls {a.null_share:.1%} -> {b.null_share:.1%}")
    return "; ".join(said)


def _num(value: float) -> str:
    return f"{value:,.0f}" if abs(value) >= 1000 else f"{value:.4g}"


def _file_flags(
    left: FileSummary, right: FileSummary, columns: tuple[ColumnDiff, ...]
) -> tuple[str, ...]:
    flags = []
    if (
        left.rows
        and right.rows is not None
        and abs(right.rows - left.rows) / left.rows > ROWS_SHIFT
    ):
        flags.append(f"rows {left.rows:,} -> {right.rows:,}")
    for c in columns:
        if c.change:
            flags.append(f"column {c.name} {c.change}")
        if c.flag:
            flags.append(f"{c.name}: {c.flag}")
    return tuple(flags)


def diff_training_data(
    provider: DataProvider,
    left: tuple[str, TrainingData],
    right: tuple[str, TrainingData],
    limit: int = DEFAULT_LIMIT,
    progress: Callable[[str], None] | None = None,
) -> DataDiff:
    """Compare the folders of ``left`` and ``right`` (each a label and its evidence)."""
    old = {f.folder: f for f in left[1].folders}
    new = {f.folder: f for f in right[1].folders}
    folders = []
    for a, b, how in pair_folders(list(old), list(new)):
        files = _files(provider, old.get(a or ""), new.get(b or ""), limit, progress)
        folders.append(FolderDiff(a, b, how, files))
    notes = [
        f"{label} has no checked folder: {data.artifact.name} lists "
        f"{len(data.artifact.data_folders)} folder(s) but none could be read"
        for label, data in (left, right)
        if data.artifact.data_folders and not data.folders
    ]
    return DataDiff(left[0], right[0], tuple(folders), limit, left[1], right[1], tuple(notes))


def _files(
    provider: DataProvider,
    old: FolderEvidence | None,
    new: FolderEvidence | None,
    limit: int,
    progress: Callable[[str], None] | None,
) -> tuple[FileDiff, ...]:
    before = {f.path: f for f in old.files} if old else {}
    after = {f.path: f for f in new.files} if new else {}
    found = []
    for path in sorted(set(before) | set(after)):
        a, b = before.get(path), after.get(path)
        change = _file_change(a, b)
        if change not in ("changed", "unverified") or tabular_kind(path) is None:
            found.append(FileDiff(path, change, a, b))
            continue
        assert old is not None and new is not None and a is not None and b is not None
        if progress is not None:
            progress(path)
        sa = summarise(provider, old.folder, path, a.size, limit)
        sb = summarise(provider, new.folder, path, b.size, limit)
        columns = column_diffs(sa, sb) if not (sa.problem or sb.problem) else ()
        flags = _file_flags(sa, sb, columns) if columns else ()
        found.append(FileDiff(path, change, a, b, sa, sb, columns, flags))
    return tuple(found)
