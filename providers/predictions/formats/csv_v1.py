"""Stream parser of v1 model data collection CSV files (``modeldata/.../data.csv``).

The header holds the user's feature columns followed by the 8 ``$aml_*`` correlation
columns.  Bad rows are skipped with a :class:`~providers.records.DataIssue` located at
``"<file>:<line>"``; over-long lines (see
:data:`~providers.predictions.formats.lines.MAX_LINE_BYTES`) are skipped, while big rows
under that limit (10 MB and more) are kept.
"""

from __future__ import annotations

import csv
import math
import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, BinaryIO

from providers.predictions.formats.lines import (
    MAX_LINE_BYTES,
    Decoder,
    RawLine,
    text_lines,
    too_long_issue,
)
from providers.records import DataIssue

CORRELATION_ID = "$aml_dc_correlation_id"
TIMESTAMP = "$aml_dc_scoring_timestamp"
SERVICE = "$aml_service_name"
MODEL_NAME = "$aml_model_name"
MODEL_VERSION = "$aml_model_version"
REQUEST_ID = "$aml_request_id"
CORRELATION_COLUMNS = (
    CORRELATION_ID,
    TIMESTAMP,
    "$aml_dc_boundary",
    "$aml_workspace",
    SERVICE,
    MODEL_NAME,
    MODEL_VERSION,
    REQUEST_ID,
)
ZERO_REQUEST_ID = "00000000-0000-0000-0000-000000000000"

csv.field_size_limit(max(csv.field_size_limit(), MAX_LINE_BYTES))

_INT = re.compile(r"[+-]?(?:0|[1-9]\d*)")
_FLOAT = re.compile(r"[+-]?(?:(?:0|[1-9]\d*)(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?")


@dataclass(frozen=True, slots=True)
class CsvHeader:
    """The columns of a file and which correlation columns it lacks."""

    columns: tuple[str, ...]
    missing: tuple[str, ...]

    @property
    def joinable(self) -> bool:
        """False if the file has neither a correlation id nor a request id column."""
        return CORRELATION_ID not in self.missing or REQUEST_ID not in self.missing


@dataclass(frozen=True, slots=True)
class CsvRow:
    """One data row: feature values (numbers converted) and the correlation fields."""

    file: str
    line: int
    values: Mapping[str, Any]
    correlation_id: str
    request_id: str
    timestamp: datetime | None  # None only when the file has no timestamp column
    service: str
    model_name: str
    model_version: str


def read_header(name: str, line: RawLine | None) -> tuple[CsvHeader | None, list[DataIssue]]:
    """The header from the file's first line; None (with the reason) if the file is unusable."""
    if line is not None and line.too_long:
        return None, [too_long_issue(name, line)]
    if line is None or not line.data.strip():
        return None, [DataIssue(f"{name}:1", "empty file (no header row); file skipped")]
    text, bad = Decoder(name).decode(line)
    issues = [bad] if bad else []
    try:
        columns = tuple(next(csv.reader([text.lstrip("\ufeff")]), []))
    except csv.Error as exc:  # e.g. a UTF-16 file: NUL bytes and stray line breaks
        return None, [*issues, DataIssue(f"{name}:1", f"unreadable header ({exc}); file skipped")]
    columns, doubled = _unique(columns)
    if doubled:
        issues.append(
            DataIssue(
                f"{name}:1",
                f"header names column(s) {', '.join(doubled)} more than once; each later one "
                "is kept as NAME~2, NAME~3 … (its values would otherwise be lost)",
            )
        )
    header = CsvHeader(columns, tuple(c for c in CORRELATION_COLUMNS if c not in columns))
    if header.missing:
        skipped = "" if header.joinable else "; file skipped (rows cannot be joined)"
        missing = ", ".join(header.missing)
        issues.append(DataIssue(f"{name}:1", f"header lacks column(s) {missing}{skipped}"))
    return (header if header.joinable else None), issues


def _unique(columns: tuple[str, ...]) -> tuple[tuple[str, ...], list[str]]:
    """The columns with each repeat of a name numbered (``x``, ``x~2``), and the names
    that repeat."""
    seen: dict[str, int] = {}
    unique = []
    for column in columns:
        seen[column] = seen.get(column, 0) + 1
        unique.append(column if seen[column] == 1 else f"{column}~{seen[column]}")
    return tuple(unique), sorted(c for c, n in seen.items() if n > 1)


def parse_csv(stream: BinaryIO, name: str) -> Iterator[CsvRow | DataIssue]:
    """Parse a whole file: rows in file order, with issues where rows were skipped (of an
    engine's picked lines, those only: a record spanning lines comes with all its file's)."""
    lines = text_lines(stream)
    header, issues = read_header(name, next(lines, None))
    yield from issues
    if header is not None:
        yield from parse_rows(name, header, lines)


def parse_rows(
    name: str, header: CsvHeader, lines: Iterable[RawLine]
) -> Iterator[CsvRow | DataIssue]:
    """Parse data lines (consecutive lines of one file) against its header."""
    feed = _Feed(name, lines)
    reader = csv.reader(feed)
    while True:
        feed.record.clear()
        try:
            fields = next(reader)
        except StopIteration:
            yield from feed.take_issues()
            return
        except csv.Error as exc:
            yield from feed.take_issues()
            yield DataIssue(feed.location(), f"unreadable CSV ({exc}); row skipped")
            continue
        yield from feed.take_issues()
        if fields:
            yield _row(name, header, fields, feed)


def _row(name: str, header: CsvHeader, fields: list[str], feed: _Feed) -> CsvRow | DataIssue:
    where = feed.location()
    last = feed.record[-1]
    if not last.complete and sum(line.data.count(b'"') for line in feed.record) % 2:
        return DataIssue(where, "truncated last line (unterminated quote); row skipped")
    if len(fields) != len(header.columns):
        span = f" (lines {feed.record[0].number}-{last.number})" if len(feed.record) > 1 else ""
        found = f"expected {len(header.columns)} columns, found {len(fields)}{span}"
        if not last.complete:
            return DataIssue(where, f"truncated last line: {found}; row skipped")
        return DataIssue(where, f"{found}; row skipped")
    row = dict(zip(header.columns, fields, strict=True))
    timestamp = None
    if TIMESTAMP in row:
        text = row[TIMESTAMP]
        timestamp = parse_timestamp(text)
        if timestamp is None:
            problem = f"bad {TIMESTAMP} {text[:40]!r}" if text else f"empty {TIMESTAMP}"
            return DataIssue(where, f"{problem}; row skipped")
    return CsvRow(
        file=name,
        line=feed.record[0].number,
        values={k: coerce(v) for k, v in row.items() if k not in CORRELATION_COLUMNS},
        correlation_id=row.get(CORRELATION_ID, ""),
        request_id=row.get(REQUEST_ID, ""),
        timestamp=timestamp,
        service=row.get(SERVICE, ""),
        model_name=row.get(MODEL_NAME, ""),
        model_version=row.get(MODEL_VERSION, ""),
    )


class _Feed:
    """Text lines for ``csv.reader``; remembers the physical lines of the current record."""

    def __init__(self, name: str, lines: Iterable[RawLine]) -> None:
        self.name = name
        self.lines = iter(lines)
        self.decoder = Decoder(name)
        self.record: list[RawLine] = []
        self.issues: list[DataIssue] = []
        self.previous = 0

    def __iter__(self) -> _Feed:
        return self

    def __next__(self) -> str:
        for line in self.lines:
            self.previous = line.number
            if line.too_long:
                self.issues.append(too_long_issue(self.name, line))
                continue
            self.record.append(line)
            text, bad = self.decoder.decode(line)
            if bad:
                self.issues.append(bad)
            return text
        raise StopIteration

    def location(self) -> str:
        number = self.record[0].number if self.record else self.previous
        return f"{self.name}:{number}"

    def take_issues(self) -> list[DataIssue]:
        issues, self.issues = self.issues, []
        return issues


def parse_timestamp(text: str) -> datetime | None:
    """An ISO time (naive means UTC) as an aware UTC datetime, or None if it is not one."""
    try:
        parsed = datetime.fromisoformat(text.strip())
    except ValueError:
        return None
    return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed.astimezone(UTC)


def coerce(text: str) -> str | int | float:
    """``text`` as an int or float if it is a plain decimal number, else unchanged.

    Numbers with leading zeros (``007``) stay text, as do ``nan``, ``inf`` and ``1e999``.
    """
    try:
        if _INT.fullmatch(text):
            return int(text)
        if _FLOAT.fullmatch(text) and math.isfinite(number := float(text)):
            return number
    except ValueError:  # more digits than int() accepts
        pass
    return text
