"""Pure helpers of the commits pane: rows, search, bisect marks and ranges, diffs, OSC 52.

No Textual here; every string that comes from data goes through :func:`safe_text`.
"""

from __future__ import annotations

import base64
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime

from providers.records import Commit, FileChange, Person
from providers.timeutil import date_text
from tui.render.plain import safe_text

GOOD, BAD = "good", "bad"


def row_cells(commit: Commit) -> tuple[str, str, str, str]:
    """Short sha, author date, author name and subject of a list row."""
    return (
        commit.short_sha,
        date_text(commit.authored_at, "%Y-%m-%d %H:%M"),
        safe_text(commit.author.name),
        safe_text(commit.subject),
    )


def matches(commit: Commit, query: str) -> bool:
    """True if ``query`` is in the message or the author's name or email (any case)."""
    needle = query.casefold()
    author = commit.author
    return any(needle in text.casefold() for text in (commit.message, author.name, author.email))


def filter_commits(commits: Iterable[Commit], query: str) -> list[Commit]:
    """The commits that match ``query`` (all of them for an empty query)."""
    return [c for c in commits if not query or matches(c, query)]


_DETAIL_DATE = "%Y-%m-%d %H:%M:%S %z"


def _person(person: Person, at: datetime | None) -> str:
    """``name <email>``, or ``(unreadable)`` when git could read nothing of the line."""
    if at is None and not person.name and not person.email:
        return "(unreadable)"
    return f"{safe_text(person.name)} <{safe_text(person.email)}>"


def header_fields(commit: Commit) -> list[tuple[str, str]]:
    """Label and value of each header line of the detail view."""
    fields = [
        ("commit", commit.sha),
        ("Author", _person(commit.author, commit.authored_at)),
        ("AuthorDate", date_text(commit.authored_at, _DETAIL_DATE)),
        ("Commit", _person(commit.committer, commit.committed_at)),
        ("CommitDate", date_text(commit.committed_at, _DETAIL_DATE)),
    ]
    if commit.parents:
        fields.append(("Parents", " ".join(p[:10] for p in commit.parents)))
    return fields


def file_patch(change: FileChange) -> str:
    """One file's part of :func:`diff_text` (unescaped): its patch, a binary line or nothing."""
    if change.diff is not None:
        return change.diff if change.diff.endswith("\n") else change.diff + "\n"
    return f"Binary file {change.path} {change.change}\n" if change.binary else ""


def diff_text(commit: Commit) -> str:
    """The commit's patch against its first parent, file after file."""
    text = "".join(file_patch(change) for change in commit.files)
    return safe_text(text) if text else "(no changes)\n"


def hunk_lines(diff: str) -> list[int]:
    """The lines of a diff text where a hunk (``@@``) or a commit (``commit``) starts."""
    return [
        index for index, line in enumerate(diff.splitlines()) if line.startswith(("@@", "commit "))
    ]


def range_diff_text(commits: Sequence[Commit]) -> str:
    """The patches of ``commits`` (oldest first), each under a ``commit <sha> <subject>`` line."""
    return "".join(f"commit {c.sha}  {safe_text(c.subject)}\n{diff_text(c)}\n" for c in commits)


@dataclass(frozen=True, slots=True)
class Marks:
    """The bisect marks: the sha marked good and the one marked bad."""

    good: str | None = None
    bad: str | None = None

    def mark(self, kind: str, sha: str) -> Marks:
        """Mark ``sha`` as ``kind``; marking it again clears it, and a sha has one mark."""
        other = BAD if kind == GOOD else GOOD
        current = getattr(self, kind)
        cleared = replace(self, **{other: None}) if getattr(self, other) == sha else self
        return replace(cleared, **{kind: None if current == sha else sha})

    def of(self, sha: str) -> str | None:
        """``"good"``, ``"bad"`` or None for ``sha``."""
        return GOOD if sha == self.good else BAD if sha == self.bad else None

    @property
    def complete(self) -> bool:
        """True when both marks are set."""
        return self.good is not None and self.bad is not None


def ancestry_path(commits: Sequence[Commit], good: str) -> list[Commit]:
    """The commits of ``commits`` that descend from ``good`` (order kept).

    ``commits`` is ``good..bad`` (reachable from bad, not from good); this keeps those on a
    path from good, like ``git log --ancestry-path``.
    """
    by_sha = {c.sha: c for c in commits}
    descends: dict[str, bool] = {}
    for start in by_sha:
        stack = [start]
        while stack:
            sha = stack[-1]
            if sha in descends:
                stack.pop()
                continue
            parents = by_sha[sha].parents
            pending = [p for p in parents if p in by_sha and p not in descends]
            if pending:
                stack.extend(pending)
                continue
            descends[sha] = any(p == good or descends.get(p, False) for p in parents)
            stack.pop()
    return [c for c in commits if descends[c.sha]]


def diff_order(commits: Sequence[Commit], good: str, bad: str) -> list[Commit]:
    """The commits whose first-parent patches add up to ``good..bad``, oldest first.

    That is the first-parent chain from bad down to good when there is one (each merge
    then brings its branch once); otherwise every commit of the range.
    """
    by_sha = {c.sha: c for c in commits}
    chain: list[Commit] = []
    sha = bad
    while sha != good:
        commit = by_sha.get(sha)
        if commit is None or not commit.parents:
            return list(reversed(commits))
        chain.append(commit)
        sha = commit.parents[0]
    return chain[::-1]


def range_status(marks: Marks, count: int | None) -> str:
    """The status line of the bisect marks (``count`` is None while it is computed)."""
    good, bad = (m[:10] if m else None for m in (marks.good, marks.bad))
    if good is None and bad is None:
        return ""
    if good is None:
        return f"bad {bad} — mark a good commit with g"
    if bad is None:
        return f"good {good} — mark a bad commit with b"
    if count is None:
        return f"narrowing good {good} .. bad {bad} …"
    if count == 0:
        return f"good {good} is not an ancestor of bad {bad}"
    noun = "commit" if count == 1 else "commits"
    return f"{count} {noun} between good {good} and bad {bad}"


def osc52(text: str) -> str:
    """The plain OSC 52 sequence that asks the terminal to put ``text`` on the clipboard.

    Plain, also inside tmux: tmux takes it with ``set-clipboard on``, while the DCS
    passthrough wrapping is dropped by tmux >= 3.3 unless ``allow-passthrough`` is on.
    Whether the copy happened cannot be known from here (terminals do not answer)."""
    payload = base64.b64encode(text.encode()).decode("ascii")
    return f"\x1b]52;c;{payload}\x07"


def copy_notice(sha: str, *, in_tmux: bool) -> str:
    """What ``y`` says: what was sent, that it may not have arrived, and the sha itself."""
    where = "tmux takes it with set-clipboard on" if in_tmux else "if the terminal allows it"
    return f"Sent to the clipboard by OSC 52 ({where}); to copy by hand:\n{sha}"
