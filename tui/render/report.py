"""Plain-text renderings of trails and commits for the command line (no Textual import)."""

from __future__ import annotations

from providers.records import Commit, FileChange
from providers.timeutil import date_text
from providers.trail.resolver import Trail
from tui.render.plain import safe_text
from tui.render.trail import trail_lines


def trail_text(trail: Trail, profile: str = "") -> str:
    """The decision explained, then the trail hop by hop: mark, kind, label, reason, source
    and, for a hop not resolved, what to do (``profile`` names its config table)."""
    return "\n".join(trail_lines(trail, profile))


def stat_line(change: FileChange) -> str:
    """``path | +a -d`` (``bin`` for binary files, ``old → new`` for renames)."""
    path = f"{change.old_path} → {change.path}" if change.old_path else change.path
    counts = "bin" if change.binary else f"+{change.additions or 0} -{change.deletions or 0}"
    return f"{safe_text(path)} | {counts}"


def commit_text(commit: Commit, *, stats: bool = True) -> str:
    """One commit: short sha, date, author, subject, then its diffstat."""
    merge = f"  (merge of {len(commit.parents)})" if len(commit.parents) > 1 else ""
    head = (
        f"{commit.short_sha}  {date_text(commit.authored_at, '%Y-%m-%d %H:%M')}  "
        f"{safe_text(commit.author.name)}  {safe_text(commit.subject)}{merge}"
    )
    if not stats:
        return head
    return "\n".join([head, *(f"    {stat_line(f)}" for f in commit.files)])
