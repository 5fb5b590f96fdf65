"""Which line of a notebook file a source line of its cell-by-cell diff is, for line history
and blame.

:func:`cell_line_at` reads the cell and the line within it from the rendering; :func:`locate`
finds that cell in the file (by its whole source, the cell number breaking ties) and the
file line holding the source line: for a Databricks source notebook directly through its
``COMMAND``/``MAGIC`` structure; for an ``.ipynb``, the JSON line holding that line's string,
when it holds nothing else (not so in a one-line notebook, as Databricks exports them).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from json import scanner
from json.decoder import scanstring  # type: ignore[attr-defined]  # in CPython, not typed
from typing import Any

from tui.render.notebookdiff import (
    NOTEBOOK_HEADER,
    cell_lines,
    comment_prefix,
    databricks_cell_lines,
    is_databricks_source,
    is_note,
)

_CELL = re.compile(r"@@ cell (\d+)(?: → (\d+))? \(.*\) (changed|added|removed|moved.*) @@$")


@dataclass(frozen=True, slots=True)
class CellLine:
    """A source line of a notebook cell as the cell-by-cell diff shows it: the ``line``-th
    (from 1) of cell ``cell``'s source on the commit's side, or on its parent's for a
    ``removed`` line; ``source`` is that side's whole cell source."""

    path: str
    cell: int | None  # as the rendering numbers it on that side (None: not said)
    line: int
    removed: bool
    text: str
    source: tuple[str, ...]


def cell_line_at(path: str, lines: list[str], index: int) -> CellLine | str:
    """The cell source line at ``index`` of a notebook file's rendering ``lines`` (on a
    header, the first changed line below it); a string saying why there is none."""
    start = next((n for n in range(index, -1, -1) if _CELL.match(lines[n])), None)
    on_header = index == 0 or lines[index].startswith("@@")
    if on_header:
        start = next((n for n in range(index, len(lines)) if _CELL.match(lines[n])), None)
    header = _CELL.match(lines[start]) if start is not None else None
    if start is None or header is None:
        return f"This line of {path} is not a cell's source: move to a line of a cell."
    block: list[str] = []
    for line in lines[start + 1 :]:
        if line.startswith("@@") or is_note(line):
            break
        block.append(line)
    if on_header:
        changed = [n for n, line in enumerate(block) if line[:1] == "+"]  # the new value
        changed += [n for n, line in enumerate(block) if line[:1] == "-"]
        index = start + 1 + (changed[0] if changed else 0)
    at = index - start - 1
    if not 0 <= at < len(block) or block[at][:1] not in (" ", "+", "-"):
        return f"This line of {path} is not a cell's source (an output or metadata)."
    removed = block[at].startswith("-")
    side = [line[1:] for line in block if line[:1] in (" ", "-" if removed else "+")]
    first, second, change = header[1], header[2], header[3]
    if second is not None:  # "cell A → B moved": A on the parent's side, B on the commit's
        number: int | None = int(first if removed else second)
    else:
        number = int(first) if change != "changed" or not removed else None
    position = sum(1 for line in block[:at] if line[:1] in (" ", "-" if removed else "+"))
    return CellLine(path, number, position + 1, removed, block[at][1:], tuple(side))


def is_rendered_notebook(diff: str | None) -> bool:
    """True for a file patch that is a cell-by-cell rendering."""
    return diff is not None and diff.startswith(NOTEBOOK_HEADER)


def locate(cell: CellLine, content: bytes | None) -> int | str:
    """The line of the file (``content`` on the cell line's side) holding ``cell``'s source
    line, from 1; a string saying why there is none."""
    if content is None:
        return f"{cell.path} is not in that commit."
    text = content.decode("utf-8", errors="replace")
    prefix = comment_prefix(cell.path)
    if prefix is not None:
        if not is_databricks_source(cell.path, content):
            return f"{cell.path} is no longer a Databricks notebook there."
        cells = [source for _, source in databricks_cell_lines(text, prefix)]
        found = _find_cell(cell, [tuple(line for _, line in source) for source in cells])
        return found if isinstance(found, str) else cells[found][cell.line - 1][0]
    return _ipynb_line(cell, text)


def _find_cell(cell: CellLine, sources: list[tuple[str, ...]]) -> int | str:
    """The index of the file's cell whose source is ``cell.source`` (the numbered one first)."""
    same = [n for n, source in enumerate(sources) if source == cell.source]
    if cell.cell is not None and cell.cell - 1 in same:
        return cell.cell - 1
    if len(same) == 1:
        return same[0]
    where = "no cell" if not same else f"cells {', '.join(str(n + 1) for n in same)}"
    return f"{where} of {cell.path} there has this cell's source: cannot tell its line."


class _Located(str):
    """A JSON string value with where its token starts and ends in the text."""

    start: int
    end: int


def _decode_located(text: str) -> Any:
    """``json.loads(text)`` with each string value a :class:`_Located` (Python's own scanner,
    its string parser wrapped to keep positions)."""

    def parse_string(s: str, end: int, strict: bool) -> tuple[_Located, int]:
        value, after = scanstring(s, end, strict)
        located = _Located(value)
        located.start, located.end = end - 1, after
        return located, after

    decoder = json.JSONDecoder()
    decoder.parse_string = parse_string  # type: ignore[attr-defined]
    decoder.scan_once = scanner.py_make_scanner(decoder)  # type: ignore[attr-defined]
    return decoder.decode(text)


def _ipynb_line(cell: CellLine, text: str) -> int | str:
    try:
        notebook = _decode_located(text)
        cells = notebook["cells"]
        sources = [_source(c.get("source", "")) for c in cells]
    except (ValueError, KeyError, TypeError, AttributeError) as exc:
        return f"{cell.path} is not readable as a notebook there: {exc}"
    found = _find_cell(cell, [tuple(cell_lines("".join(s))) for s in sources])
    if isinstance(found, str):
        return found
    offset = sum(len(line) + 1 for line in cell.source[: cell.line - 1])
    for element in sources[found]:
        if offset < len(element) or element is sources[found][-1]:
            break
        offset -= len(element)
    if "\n" not in text.strip():
        return (
            f"{cell.path} is one line of JSON (as Databricks exports notebooks): every cell is on "
            "line 1, so blame and line history there are the whole file's, not this line's."
        )
    line = text.count("\n", 0, element.start) + 1
    alone = not text[text.rfind("\n", 0, element.start) + 1 : element.start].strip() and text[
        element.end : _line_end(text, element.end)
    ].strip() in ("", ",")
    if not alone:
        return (
            f"{cell.path} keeps this line on JSON line {line} with other text: blame and line "
            "history there are not this line's."
        )
    if offset != 0 or len(cell_lines(element)) > 1:
        return (
            f"Cell {found + 1} of {cell.path} keeps this line in one JSON string with other lines "
            f"of the cell (JSON line {line}): blame and line history there are not this line's."
        )
    return line


def _source(value: Any) -> list[_Located]:
    items = value if isinstance(value, list) else [value]
    if not all(isinstance(item, _Located) for item in items):
        raise ValueError("a cell's source is not text")
    return items


def _line_end(text: str, at: int) -> int:
    end = text.find("\n", at)
    return len(text) if end < 0 else end
