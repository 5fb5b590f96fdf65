"""Plain-text renderings of trails and commits for the command line (no Textual import)."""

from __future__ import annotations

from providers.records import Commit, FileChange
from providers.trail.explanation import explanation_lines
from providers.trail.resolver import RESOLVED, UNCERTAIN, Trail
from tui.render.plain import safe_text

MARKS = {RESOLVED: "✓", UNCERTAIN: "~", "unresolved": "✗"}


def trail_text(trail: Trail) -> str:
    """The decision explained, then the trail hop by hop: mark, kind, label, reason and
    source."""
    lines = [f"Trail of {safe_text(trail.start)}"]
    if trail.explanation is not None:
        first, *rest = explanation_lines(trail.explanation)
        lines.append(f"  Decision: {safe_text(first)}")
        lines += [f"      {safe_text(line)}" for line in rest]
    for hop in trail.hops:
        lines.append(f"  {MARKS.get(hop.status, '?')} {hop.kind:<10} {safe_text(hop.label)}")
        lines.append(f"      why: {safe_text(hop.reason)}")
        if hop.source:
            where = hop.source.url or hop.source.native_id
            lines.append(f"      from: {safe_text(hop.source.provider)} {safe_text(where)}")
    status = "complete" if trail.complete else "incomplete (✗ hops could not be resolved)"
    lines.append(f"Trail {status}.")
    return "\n".join(lines)


def stat_line(change: FileChange) -> str:
    """``path | +a -d`` (``bin`` for binary files, ``old → new`` for renames)."""
    path = f"{change.old_path} → {change.path}" if change.old_path else change.path
    counts = "bin" if change.binary else f"+{change.additions or 0} -{change.deletions or 0}"
    return f"{safe_text(path)} | {counts}"


def commit_text(commit: Commit, *, stats: bool = True) -> str:
    """One commit: short sha, date, author, subject, then its diffstat."""
    merge = f"  (merge of {len(commit.parents)})" if len(commit.parents) > 1 else ""
    head = (
        f"{commit.short_sha}  {commit.authored_at:%Y-%m-%d %H:%M}  "
        f"{safe_text(commit.author.name)}  {safe_text(commit.subject)}{merge}"
    )
    if not stats:
        return head
    return "\n".join([head, *(f"    {stat_line(f)}" for f in commit.files)])
