"""Notebook-aware diffs: ``.ipynb`` and Databricks source notebooks compared cell by cell.

Cells are aligned by nbdime (imported on the first notebook shown: about 1 s); each cell's
source is shown as a unified diff.  Outputs, execution counts, cell ids and notebook or
cell metadata (Databricks' among them) are hidden unless ``show_hidden``; a cell whose only
change is hidden says so.  A removed cell and an added one with similar sources are shown
as one moved cell.  The rendering starts with :data:`NOTEBOOK_HEADER` and marks each cell
with an ``@@`` line, so the hunk keys step through cells.
"""

from __future__ import annotations

import difflib
import json
from collections.abc import Callable
from dataclasses import replace
from pathlib import PurePosixPath
from typing import Any

from providers.records import Commit, FileChange

NOTEBOOK_HEADER = "notebook "
NO_NBDIME = "cell-by-cell notebook diffs need nbdime: pip install 'modeltrail[notebooks]'"
MAX_FILES = 50  # changed source files per commit checked for a Databricks header
_SOURCE_SUFFIXES = {".py": "#", ".r": "#", ".sql": "--", ".scala": "//"}
_HIDDEN = ("outputs", "execution_count", "metadata", "id", "attachments")
_MOVED = 0.6  # similarity above which a removed and an added cell are one moved cell
_METADATA_NOTE = " (the notebook's metadata changed: hidden, o shows it)"
_NO_CELL = " (no cell changed)"

Cell = dict[str, Any]
NumberedLines = list[tuple[int, str]]  # (line number in the file, text)
Reader = Callable[[str, str], bytes | None]  # (rev, path) -> the file's bytes, None if absent


def comment_prefix(path: str) -> str | None:
    """The line-comment prefix of a Databricks source notebook's language, by suffix."""
    return _SOURCE_SUFFIXES.get(PurePosixPath(path).suffix.lower())


def is_databricks_source(path: str, content: bytes | None) -> bool:
    """True for a ``.py``/``.sql``/``.scala``/``.r`` file starting with the Databricks header."""
    prefix = comment_prefix(path)
    if prefix is None or not content:
        return False
    first = content.split(b"\n", 1)[0].strip().decode("utf-8", errors="replace")
    return first == f"{prefix} Databricks notebook source"


def databricks_cell_lines(text: str, prefix: str) -> list[tuple[dict[str, str], NumberedLines]]:
    """Each cell of a Databricks source notebook: its metadata (a ``DBTITLE``'s title) and its
    source lines with their line numbers in the file (from 1), split at ``COMMAND ----------``
    lines, ``MAGIC`` prefixes unwrapped, blank lines around the cell dropped."""
    lines = text.split("\n")
    first = 1
    if lines and lines[0].strip() == f"{prefix} Databricks notebook source":
        lines, first = lines[1:], 2
    cells: list[tuple[dict[str, str], NumberedLines]] = []
    current: NumberedLines = []
    for number, line in enumerate([*lines, f"{prefix} COMMAND ----------"], start=first):
        if line.strip() != f"{prefix} COMMAND ----------":
            current.append((number, line))
            continue
        metadata: dict[str, str] = {}
        source: NumberedLines = []
        for at, raw in current:
            if raw.startswith(f"{prefix} DBTITLE"):
                metadata["title"] = raw.partition(",")[2]
            elif raw.startswith(f"{prefix} MAGIC"):
                magic = raw[len(prefix) + 6 :]  # after "# MAGIC"
                source.append((at, magic[1:] if magic.startswith(" ") else magic))
            else:
                source.append((at, raw))
        while source and not source[0][1]:
            source.pop(0)
        while source and not source[-1][1]:
            source.pop()
        cells.append((metadata, source))
        current = []
    return cells


def databricks_cells(text: str, prefix: str) -> list[Cell]:
    """The cells of a Databricks source notebook (see :func:`databricks_cell_lines`)."""
    cells: list[Cell] = []
    for metadata, source in databricks_cell_lines(text, prefix):
        body = "\n".join(line for _, line in source)
        kind = "markdown" if body.startswith("%md") else "code"
        cells.append({"cell_type": kind, "source": body, "metadata": metadata, "outputs": []})
    return cells


def _cells(path: str, content: bytes | None) -> list[Cell]:
    """The cells of one side (none for an absent file); ValueError if unreadable."""
    if content is None:
        return []
    text = content.decode("utf-8", errors="replace")
    prefix = comment_prefix(path)
    if prefix is not None:
        if not is_databricks_source(path, content):
            return [{"cell_type": "code", "source": text, "metadata": {}, "outputs": []}]
        return databricks_cells(text, prefix)
    notebook = json.loads(text)  # one line or indented alike: cells, not JSON text lines
    if not isinstance(notebook, dict) or not isinstance(notebook.get("cells"), list):
        raise ValueError("no list of cells (nbformat 4 expected)")
    cells = []
    for cell in notebook["cells"]:
        if not isinstance(cell, dict):
            raise ValueError("a cell that is not an object")
        source = cell.get("source", "")
        cells.append({**cell, "source": "".join(source) if isinstance(source, list) else source})
    return cells


def cell_lines(text: str) -> list[str]:
    """The lines of a cell's text (a last newline ends the last line, adds none)."""
    return text.removesuffix("\n").split("\n") if text else []


def _unified(old: str, new: str) -> list[str]:
    """Every line of ``old`` and ``new`` marked `` ``, ``-`` or ``+`` (a cell is short)."""
    a, b = cell_lines(old), cell_lines(new)
    diff = difflib.unified_diff(a, b, lineterm="", n=max(len(a), len(b)))
    return [line for line in diff if not line.startswith(("---", "+++", "@@"))]


def _hidden_text(cell: Cell, field: str) -> str:
    value = cell.get(field)
    if field == "outputs" and isinstance(value, list):
        return "\n".join(_output_text(o).rstrip("\n") for o in value if isinstance(o, dict))
    if value is None or value in ({}, []):
        return ""
    text = value if isinstance(value, str) else json.dumps(value, indent=1, sort_keys=True)
    return text.rstrip("\n")


def _output_text(output: dict[str, Any]) -> str:
    kind = output.get("output_type", "?")
    if kind == "stream":
        text = output.get("text", "")
        return "".join(text) if isinstance(text, list) else str(text)
    if kind == "error":
        return f"{output.get('ename', '?')}: {output.get('evalue', '')}"
    data = output.get("data") if isinstance(output.get("data"), dict) else {}
    plain = data.get("text/plain") if data else None
    if plain is not None:
        return "".join(plain) if isinstance(plain, list) else str(plain)
    return f"[{kind}: {', '.join(sorted(data)) if data else 'no data'}]"


def _label(cell: Cell) -> str:
    kind = str(cell.get("cell_type", "?"))
    first = str(cell.get("source", "")).split("\n", 1)[0]
    if kind == "code" and first.startswith("%") and first[1:].split():
        return f"%{first[1:].split()[0]}"
    return kind


def _hidden_marker(field: str) -> str:
    return f" [{field.replace('_', ' ')}]"


def is_note(line: str) -> bool:
    """True for a line of the rendering that is not a cell's source: a hidden field's
    marker or a note that something hidden changed."""
    return (
        line in (_METADATA_NOTE, _NO_CELL)
        or line in {_hidden_marker(f) for f in _HIDDEN}
        or (line.startswith(" (only its ") and line.endswith(": hidden, o shows them)"))
    )


def _cell_diff(old: Cell, new: Cell, show_hidden: bool) -> tuple[list[str], list[str]]:
    """The source diff lines and the names of the hidden fields that changed (with their
    diff lines appended when ``show_hidden``)."""
    lines = _unified(str(old.get("source", "")), str(new.get("source", "")))
    hidden = [f for f in _HIDDEN if _hidden_text(old, f) != _hidden_text(new, f)]
    if show_hidden:
        for field in hidden:
            lines.append(_hidden_marker(field))
            lines += _unified(_hidden_text(old, field), _hidden_text(new, field))
    return lines, hidden


def _aligned(a: list[Cell], b: list[Cell]) -> list[tuple[int | None, int | None]]:
    """Pairs (old index, new index) in nbdime's alignment; None on the side a cell lacks."""
    from nbdime.diffing.notebooks import diff_notebooks  # noqa: PLC0415 - about 1 s to import
    from nbformat import from_dict  # noqa: PLC0415 - nbdime's dependency, as heavy

    ops: list[Any] = []
    sides = (from_dict({"cells": cells, "metadata": {}}) for cells in (a, b))  # type: ignore[no-untyped-call]
    for entry in diff_notebooks(*sides):
        if entry["key"] == "cells":
            ops = entry["diff"]
    removed = {i for op in ops if op["op"] == "removerange"
               for i in range(op["key"], op["key"] + op["length"])}  # fmt: skip
    added: dict[int, int] = {}
    for op in ops:
        if op["op"] == "addrange":
            added[op["key"]] = added.get(op["key"], 0) + len(op["valuelist"])
    pairs: list[tuple[int | None, int | None]] = []
    j = 0
    for i in range(len(a) + 1):
        for _ in range(added.get(i, 0)):
            pairs.append((None, j))
            j += 1
        if i < len(a):
            if i in removed:
                pairs.append((i, None))
            else:
                pairs.append((i, j))
                j += 1
    return pairs


def _moves(
    pairs: list[tuple[int | None, int | None]], a: list[Cell], b: list[Cell]
) -> dict[int, int]:
    """Removed old cell -> added new cell whose sources are alike (each used once)."""
    removed = [i for i, j in pairs if j is None and i is not None]
    added = [j for i, j in pairs if i is None and j is not None]
    moves: dict[int, int] = {}
    for i in removed:
        best, score = None, _MOVED
        for j in added:
            if j in moves.values() or a[i].get("cell_type") != b[j].get("cell_type"):
                continue
            ratio = difflib.SequenceMatcher(None, a[i]["source"], b[j]["source"]).ratio()
            if ratio >= score:
                best, score = j, ratio
        if best is not None:
            moves[i] = best
    return moves


def notebook_diff(path: str, old: bytes | None, new: bytes | None, *, show_hidden: bool) -> str:
    """The cell-by-cell diff of a notebook file (``old``/``new`` None: added/deleted);
    ValueError for a side that is not a notebook (not JSON, no cells)."""
    a, b = _cells(path, old), _cells(path, new)
    what = "shown" if show_hidden else "hidden (o shows them)"
    out = [f"{NOTEBOOK_HEADER}{path}: cell by cell; outputs, execution counts, metadata {what}"]
    pairs = _aligned(a, b)
    moves = _moves(pairs, a, b)
    moved_to = {j: i for i, j in moves.items()}
    for i, j in pairs:
        if i is not None and j is None:
            if i not in moves:
                out.append(f"@@ cell {i + 1} ({_label(a[i])}) removed @@")
                out += [f"-{line}" for line in cell_lines(a[i]["source"])]
            continue
        assert j is not None
        if i is None and j not in moved_to:
            out.append(f"@@ cell {j + 1} ({_label(b[j])}) added @@")
            out += [f"+{line}" for line in cell_lines(b[j]["source"])]
            if show_hidden:
                out += _cell_diff({}, b[j], True)[0][len(cell_lines(b[j]["source"])) :]
            continue
        old_index = moved_to.get(j, i)
        assert old_index is not None
        lines, hidden = _cell_diff(a[old_index], b[j], show_hidden)
        source_changed = a[old_index]["source"] != b[j]["source"]
        if i is None:
            change = "moved" + (" and changed" if source_changed else "")
            out.append(f"@@ cell {old_index + 1} → {j + 1} ({_label(b[j])}) {change} @@")
        elif source_changed or hidden:
            out.append(f"@@ cell {j + 1} ({_label(b[j])}) changed @@")
        else:
            continue
        if not source_changed and hidden and not show_hidden:
            fields = ", ".join(f.replace("_", " ") for f in hidden)
            out.append(f" (only its {fields} changed: hidden, o shows them)")
        elif source_changed or show_hidden:
            out += lines
    notebook_hidden = _notebook_metadata_changed(path, old, new)
    if notebook_hidden:
        out.append("@@ notebook metadata changed @@" if show_hidden else
                   _METADATA_NOTE)  # fmt: skip
        if show_hidden:
            out += notebook_hidden
    if len(out) == 1:
        out.append(_NO_CELL)
    return "\n".join(out) + "\n"


def _notebook_metadata_changed(path: str, old: bytes | None, new: bytes | None) -> list[str]:
    """The diff lines of an ``.ipynb``'s top-level fields other than its cells."""
    if comment_prefix(path) is not None or old is None or new is None:
        return []
    try:
        sides = [json.loads(side) for side in (old, new)]
    except ValueError:
        return []
    texts = [
        json.dumps({k: v for k, v in s.items() if k != "cells"}, indent=1, sort_keys=True)
        for s in sides
    ]
    return _unified(*texts) if texts[0] != texts[1] else []


def notebook_commit(commit: Commit, read: Reader, *, show_hidden: bool = False) -> Commit:
    """``commit`` with each notebook file's patch replaced by its cell-by-cell diff
    (``read`` gives a file's bytes at a revision)."""
    parent = commit.parents[0] if commit.parents else None
    checked = 0
    files: list[FileChange] = []
    for change in commit.files:
        files.append(change)
        suffix = PurePosixPath(change.path).suffix.lower()
        if change.binary or change.diff is None:
            continue
        if suffix != ".ipynb" and (comment_prefix(change.path) is None or checked >= MAX_FILES):
            continue
        checked += suffix != ".ipynb"
        new = read(commit.sha, change.path) if change.change != "deleted" else None
        old_path = change.old_path or change.path
        old = read(parent, old_path) if parent and change.change != "added" else None
        if suffix != ".ipynb" and not (
            is_databricks_source(change.path, new) or is_databricks_source(old_path, old)
        ):
            continue
        try:
            rendered = notebook_diff(change.path, old, new, show_hidden=show_hidden)
        except ValueError as exc:  # json.JSONDecodeError is one
            rendered = f"(not readable as a notebook: {exc}; git's patch follows)\n{change.diff}"
        except ImportError:
            rendered = f"({NO_NBDIME}; git's patch follows)\n{change.diff}"
        files[-1] = replace(change, diff=rendered)
    return replace(commit, files=tuple(files))
