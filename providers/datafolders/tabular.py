# ruff: noqa: S608  (SQL is built from quoted column names only; the path is bound)
"""Summaries of tabular files (CSV, Parquet, JSONL) read by DuckDB, bounded in bytes.

One query per file reads it once: the row count and, for each numeric column, count,
mean, min, max and null share; every column's type comes from DESCRIBE.  DuckDB streams
the file (it is never loaded whole).  A file larger than the limit is cut: its first
``limit`` bytes up to the last whole line are summarised, and the summary says so (a
Parquet file cannot be cut: it is skipped, and said so).  A file that is not what its
name says (binary, truncated, a line over DuckDB's maximum) gets its problem, per file.
"""

from __future__ import annotations

import re
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from providers.protocols import DataProvider

KINDS = {".csv": "csv", ".parquet": "parquet", ".jsonl": "jsonl", ".ndjson": "jsonl"}
DEFAULT_LIMIT = 512 << 20  # bytes read of one file at most
MEMORY_LIMIT = "512MB"
THREADS = 2
_NUMERIC = ("TINYINT", "SMALLINT", "INTEGER", "BIGINT", "HUGEINT", "FLOAT", "DOUBLE", "DECIMAL")
_REASONS = ("Maximum line size", "Expected Number of Columns", "Value with unterminated quote")
_READERS = {
    "csv": "read_csv(?, header = true, delim = ',', quote = '\"')",
    "jsonl": "read_json(?, format = 'newline_delimited')",
    "parquet": "read_parquet(?)",
}


@dataclass(frozen=True, slots=True)
class ColumnSummary:
    """One column: its type and, when numeric, count / mean / min / max / null share."""

    name: str
    type: str
    count: int | None = None
    mean: float | None = None
    min: float | None = None
    max: float | None = None
    null_share: float | None = None


@dataclass(frozen=True, slots=True)
class FileSummary:
    """A tabular file as DuckDB read it; ``problem`` says why it could not be."""

    rows: int | None
    columns: tuple[ColumnSummary, ...]
    bytes_read: int
    cut: bool  # only the first bytes_read bytes were read (the file is over the limit)
    problem: str = ""


def tabular_kind(path: str) -> str | None:
    """``csv``, ``parquet`` or ``jsonl`` by the file's extension, else None."""
    return KINDS.get(Path(path).suffix.lower())


def summarise(provider: DataProvider, folder: str, path: str, size: int, limit: int) -> FileSummary:
    """Summarise one file of ``folder`` reading at most ``limit`` bytes of it."""
    kind = tabular_kind(path)
    if kind is None:
        return FileSummary(None, (), 0, False, "not a tabular file (CSV, Parquet, JSONL)")
    cut = size > limit
    if cut and kind == "parquet":
        return FileSummary(
            None, (), 0, True, f"Parquet file over the {limit:,}-byte limit: not read"
        )
    local = provider.local_path(folder, path)
    if local is not None and not cut:
        return _query(local, kind, size, False)
    with tempfile.TemporaryDirectory(prefix="modeltrail-data-") as tmp:
        copy = Path(tmp) / Path(path).name
        read = _copy_head(provider.read_head(folder, path, limit), copy, whole_lines=cut)
        return _query(copy, kind, read, cut)


def _copy_head(chunks: Iterator[bytes], target: Path, *, whole_lines: bool) -> int:
    """Write the chunks to ``target`` (up to the last newline when cut); bytes written."""
    written = 0
    with target.open("wb") as out:
        tail = b""
        for chunk in chunks:
            out.write(chunk)
            written += len(chunk)
            tail = chunk
        if whole_lines and tail and not tail.endswith(b"\n"):
            keep = written - (len(tail) - tail.rfind(b"\n") - 1)
            out.truncate(max(keep, 0))
            written = max(keep, 0)
    return written


def _looks_binary(path: Path) -> bool:
    with path.open("rb") as handle:
        return b"\0" in handle.read(8192)


def _query(path: Path, kind: str, read: int, cut: bool) -> FileSummary:
    import duckdb  # noqa: PLC0415 - loaded on the first data diff

    if kind != "parquet" and _looks_binary(path):
        return FileSummary(None, (), read, cut, f"not a {kind.upper()} file: it holds binary data")
    source = _READERS[kind]
    config: dict[str, str | bool | int | float | list[str]] = {
        "threads": THREADS,
        "memory_limit": MEMORY_LIMIT,
    }
    try:
        with duckdb.connect(config=config) as con:
            described = con.execute(f"DESCRIBE SELECT * FROM {source}", [str(path)]).fetchall()
            columns = [(str(row[0]), str(row[1])) for row in described]
            numeric = [name for name, type_ in columns if type_.startswith(_NUMERIC)]
            parts = ["count(*)"]
            for name in numeric:
                q = '"' + name.replace('"', '""') + '"'
                parts += [f"count({q})", f"avg({q})", f"min({q})::DOUBLE", f"max({q})::DOUBLE"]
            row = con.execute(f"SELECT {', '.join(parts)} FROM {source}", [str(path)]).fetchone()
    except duckdb.Error as exc:
        return FileSummary(None, (), read, cut, f"not readable as {kind.upper()}: {_why(exc)}")
    assert row is not None
    rows = int(row[0])
    stats: dict[str, tuple[Any, ...]] = {
        name: tuple(row[1 + 4 * i : 5 + 4 * i]) for i, name in enumerate(numeric)
    }
    summaries = []
    for name, type_ in columns:
        if name not in stats:
            summaries.append(ColumnSummary(name, type_))
            continue
        count, mean, low, high = stats[name]
        share = (1 - count / rows) if rows else None
        summaries.append(
            ColumnSummary(name, type_, int(count), _num(mean), _num(low), _num(high), share)
        )
    return FileSummary(rows, tuple(summaries), read, cut)


def _why(exc: Exception) -> str:
    """DuckDB's reason in a line, without the data it quotes ("Original Line: …")."""
    lines = [line.strip() for line in str(exc).splitlines() if line.strip()]
    head = lines[0] if lines else type(exc).__name__
    if "Error when sniffing" in head:
        return (
            "no consistent comma-separated layout (rows with another number of columns, or "
            "a quote not closed: truncated?)"
        )
    line = re.search(r"Line: (\d+)", head)
    for said in lines[1:]:
        if said.startswith(_REASONS):
            return (f"line {line.group(1)}: " if line else "") + said[:200]
    return re.sub(r'in file "[^"]*",?\s*', "", head.split(": ", 1)[-1])[:200]


def _num(value: Any) -> float | None:
    return None if value is None else float(value)
