"""A training-data manifest and the diff of two versions' data as text (no Textual):
for ``modeltrail data``, the Models compare and case exports; lines fit 80 columns."""

from __future__ import annotations

from providers.datafolders.diff import ColumnDiff, DataDiff, FileDiff, FolderDiff
from providers.records import TrainingData
from tui.render.data_evidence import evidence_lines, size_text
from tui.render.plain import safe_text

MARK = {"same": "=", "changed": "~", "unverified": "?", "added": "+", "removed": "-"}


def manifest_text(label: str, data: TrainingData) -> list[str]:
    """The folders' evidence with full hashes, then each file: size, hash, modified."""
    art = data.artifact
    lines = [f"Training data of {safe_text(label)} (artifact {safe_text(art.name)})"]
    if not data.folders:
        folders = ", ".join(art.data_folders) or "none"
        return [*lines, f"folders named: {safe_text(folders)} (not read: no data provider)"]
    lines += evidence_lines(data, full_hash=True)
    for ev in data.folders:
        if ev.files:
            lines.append(f"files of {safe_text(ev.folder)}:")
        for f in ev.files:
            at = f"{f.modified_at:%Y-%m-%d %H:%M}" if f.modified_at else "?"
            lines.append(
                f"  {safe_text(f.path)}  {size_text(f.size)}  {f.content_hash or 'no hash'}  {at}"
            )
    return lines


def diff_text(diff: DataDiff) -> list[str]:
    """Folders added / removed / compared, then per compared folder its files and, for
    changed tabular files, the schema and the numeric columns side by side."""
    lines = [f"Training data: {safe_text(diff.left)} -> {safe_text(diff.right)}"]
    lines += [f"note: {safe_text(n)}" for n in diff.notes]
    flags = diff.flags
    lines.append(
        f"{len(flags)} large shift(s) or schema change(s) flagged:"
        if flags
        else "no large shift or schema change flagged"
    )
    lines += [f"  ! {safe_text(flag)}" for flag in flags]
    for folder in diff.folders:
        lines += folder_lines(folder, diff.limit)
    return lines


def folder_lines(folder: FolderDiff, limit: int) -> list[str]:
    """One folder pair: what is compared with what, then its files that differ."""
    if folder.left is None or folder.right is None:
        mark = "+" if folder.left is None else "-"
        return [f"{mark} {safe_text(folder.left or folder.right or '?')} ({folder.how})"]
    if folder.left == folder.right:
        head = f"{safe_text(folder.left)} ({folder.how})"
    else:
        head = f"{safe_text(folder.left)}\n  -> {safe_text(folder.right)} ({folder.how})"
    same = sum(1 for f in folder.files if f.change == "same")
    differ = [f for f in folder.files if f.change != "same"]
    mark = "~" if differ else "="
    lines = [f"{mark} {line}" if i == 0 else line for i, line in enumerate(head.split("\n"))]
    lines.append(f"    {len(differ)} file(s) differ, {same} the same")
    for f in differ:
        lines += file_lines(f, limit)
    return lines


def file_lines(f: FileDiff, limit: int) -> list[str]:
    """A file that differs: its change and sizes, then its summary's differences."""
    sizes = " -> ".join(size_text(x.size) for x in (f.left, f.right) if x is not None)
    lines = [f"  {MARK.get(f.change, '?')} {safe_text(f.path)}  {f.change}  {sizes}"]
    if f.change == "unverified":
        lines.append("      same size, and a side has no hash: the content is not compared")
    for side, summary in (("left", f.left_summary), ("right", f.right_summary)):
        if summary is None:
            continue
        if summary.problem:
            lines.append(f"      {side}: {safe_text(summary.problem)}")
        elif summary.cut:
            lines.append(
                f"      {side}: only the first {size_text(summary.bytes_read)} read "
                f"(limit {size_text(limit)})"
            )
    a, b = f.left_summary, f.right_summary
    if a and b and a.rows is not None and b.rows is not None:
        lines.append(f"      rows {a.rows:,} | {b.rows:,}")
    for column in f.columns:
        lines += column_lines(column)
    return lines


def _num(value: float | None) -> str:
    if value is None:
        return "-"
    return f"{value:,.0f}" if abs(value) >= 1000 else f"{value:.4g}"


def column_lines(c: ColumnDiff) -> list[str]:
    """A column that changed in schema, or a numeric one side by side (flag first)."""
    name = safe_text(c.name)
    if c.change in ("added", "removed"):
        kept = c.right if c.change == "added" else c.left
        return [f"      column {name} {c.change} ({kept.type if kept else '?'})"]
    a, b = c.left, c.right
    if a is None or b is None:
        return []
    lines = []
    if c.change == "retyped":
        lines.append(f"      column {name} retyped {a.type} -> {b.type}")
    if a.mean is None and b.mean is None:
        return lines
    flag = f"  SHIFT: {c.flag}" if c.flag else ""
    lines.append(f"      {name}{flag}")
    share = "-" if a.null_share is None else f"{a.null_share:.1%}"
    share_b = "-" if b.null_share is None else f"{b.null_share:.1%}"
    lines.append(
        f"        count {a.count or 0:,} | {b.count or 0:,}  mean {_num(a.mean)} | "
        f"{_num(b.mean)}  nulls {share} | {share_b}"
    )
    lines.append(f"        min {_num(a.min)} | {_num(b.min)}  max {_num(a.max)} | {_num(b.max)}")
    return lines
