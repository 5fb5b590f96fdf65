"""Training-data evidence as text (no Textual): each recorded folder's manifest and the
red flag, for ``trace``, the trail view and the Releases detail; lines fit 80 columns."""

from __future__ import annotations

from providers.records import FolderEvidence, TrainingData
from providers.trail.data_evidence import RED_FLAG, folder_verdict
from tui.render.plain import safe_text


def size_text(size: int) -> str:
    """``812 B``, ``41.3 kB``, ``1.2 GB`` (decimal units)."""
    value = float(size)
    for unit in ("B", "kB", "MB", "GB"):
        if value < 1000 or unit == "GB":
            return f"{value:.0f} {unit}" if unit == "B" else f"{value:.1f} {unit}"
        value /= 1000
    return f"{size} B"


def short_hash(value: str, keep: int = 16) -> str:
    """``sha256:1a2b…`` with ``keep`` hex digits (the whole hash is in --json and exports)."""
    kind, _, digest = value.partition(":")
    return f"{kind}:{digest[:keep]}…" if len(digest) > keep else value


def folder_lines(ev: FolderEvidence, full_hash: bool = False) -> list[str]:
    """A folder's name, then what it holds and what is wrong, indented."""
    lines = [safe_text(ev.folder)]
    verdict = folder_verdict(ev)
    if ev.exists and ev.file_count:
        digest = ev.manifest_hash if full_hash else short_hash(ev.manifest_hash)
        files = f"{ev.file_count:,} file{'s' if ev.file_count != 1 else ''}"
        lines.append(f"  {files}, {size_text(ev.total_bytes)}, manifest {digest}")
        if ev.unhashed:
            lines.append(f"  {ev.unhashed:,} file(s) without a hash: the store keeps none")
        lines.append(f"  immutability: {safe_text(ev.immutability)}")
    if verdict:
        said = verdict.removeprefix(f"{RED_FLAG}: ").removeprefix(f"{ev.folder}: ")
        flag = "RED FLAG: " if verdict.startswith(RED_FLAG) else ""
        lines.append(f"  {flag}{safe_text(said)}")
    for touched in ev.touched_after[:5]:
        at = f"{touched.modified_at:%Y-%m-%d %H:%M} UTC" if touched.modified_at else "?"
        lines.append(f"    {safe_text(touched.path)} modified {at}")
    return lines


def times_checked(data: TrainingData) -> str:
    """What the folders' file times were checked against, in a sentence."""
    if data.reference_at is None:
        return f"file times not compared: {safe_text(data.reference)}"
    return f"a file modified after {safe_text(data.reference)} is a red flag"


def evidence_lines(data: TrainingData, full_hash: bool = False) -> list[str]:
    """Every folder's lines, after what the times were checked against."""
    if not data.folders:
        return []
    lines = [times_checked(data)]
    for ev in data.folders:
        lines += folder_lines(ev, full_hash)
    return lines
