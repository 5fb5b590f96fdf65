"""Which line of which file a line of a commit's diff text is (the text :func:`diff_text`
shows), for line history and blame."""

from __future__ import annotations

import re
from dataclasses import dataclass, replace

from providers.records import Commit, FileChange
from tui.render.commitview import file_patch
from tui.render.notebooklines import CellLine, cell_line_at, is_rendered_notebook

_HUNK = re.compile(r"@@ -(\d+)(?:,\d+)? \+(\d+)(?:,\d+)? @@")


@dataclass(frozen=True, slots=True)
class DiffLine:
    """A line of a diff: ``path`` and ``line`` in the commit's file, or in its parent's
    for a removed line (``removed``), and the line's text."""

    path: str
    line: int
    removed: bool
    text: str


def diff_line_at(commit: Commit, index: int) -> DiffLine | CellLine | str:
    """The file line shown at ``index`` of the commit's diff text (on a header, the first
    changed line below it; on a blank context line, the next line with text), or the
    notebook cell line; a string saying why there is none."""
    start = 0
    for change in commit.files:
        lines = file_patch(change).split("\n")[:-1]
        if index < start + len(lines):
            return _line_in_file(change, lines, max(0, index - start))
        start += len(lines)
    return "No diff line here: scroll the detail (j/k, }) to a line of a hunk."


def _line_in_file(change: FileChange, lines: list[str], index: int) -> DiffLine | CellLine | str:
    if change.diff is None:
        return f"{change.path} has no text diff (binary or not loaded)."
    if is_rendered_notebook(change.diff):
        path = change.old_path or change.path
        found = cell_line_at(change.path, lines, index)
        return replace(found, path=path) if isinstance(found, CellLine) and found.removed else found
    header = index < len(lines) and (
        lines[index][:1] not in (" ", "+", "-") or lines[index].startswith(("+++", "---"))
    )
    if header:
        index = _first_added(lines, index)  # on a header: the hunk's new value, if any
    while index + 1 < len(lines) and _blank_context(lines[index]):
        index += 1  # a blank context line shows as an empty row: the next line with text
    old = new = 0
    in_hunk = wanted = False
    for number, line in enumerate(lines):
        wanted = wanted or number >= index
        if line.startswith("diff --git "):
            in_hunk = False
        hunk = _HUNK.match(line)
        if hunk is not None:
            old, new, in_hunk = int(hunk[1]), int(hunk[2]), True
            continue
        if not in_hunk or not line or line[0] not in " +-":
            continue
        kind = line[0]
        if wanted and (kind != " " or number == index):
            if kind == "-":
                return DiffLine(change.old_path or change.path, old, True, line[1:])
            return DiffLine(change.path, new, False, line[1:])
        old += kind != "+"
        new += kind != "-"
    return f"No changed line below this point of {change.path}."


def _blank_context(line: str) -> bool:
    """A context line with nothing but spaces: on screen, an empty row."""
    return line[:1] == " " and not line.strip()


def _first_added(lines: list[str], index: int) -> int:
    """The first ``+`` line of the hunk at or after ``index`` (or ``index`` if it has none)."""
    seen_hunk = False
    for number in range(index, len(lines)):
        line = lines[number]
        if line.startswith("@@"):
            if seen_hunk:
                break
            seen_hunk = True
        elif seen_hunk and line.startswith("+"):
            return number
    return index
