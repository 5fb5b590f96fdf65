"""What an id lookup and a page search share: the page being filled, the query's row test,
and how a file's issues are reported (capped, and naming the path that could not be read).
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TypeVar

from providers.predictions.log_store import Skipped
from providers.protocols import PredictionPage
from providers.query import PredictionQuery
from providers.records import DataIssue, Prediction

PAGE_SIZE = 1000
MAX_ISSUES_PER_FILE = 50
PAGE_INTERVAL = 0.5  # seconds: a page, full or not, comes at least this often
FIRST_PAGE_SIZE = 200  # the first page is sent sooner: a few screens are enough to start

T = TypeVar("T")


@dataclass(slots=True)
class Pager:
    """Collects rows and issues of the page being filled, and the entries the store's
    listings left out (each reported once)."""

    limit: int | None
    skipped: Skipped
    rows: list[Prediction] = field(default_factory=list)
    issues: list[DataIssue] = field(default_factory=list)
    files: int = 0
    total: int = 0
    sent: int = 0
    last: float = field(default_factory=time.monotonic)
    reported: set[str] = field(default_factory=set)

    @property
    def full(self) -> bool:
        """True if the page holds enough rows (fewer for the first page)."""
        return len(self.rows) >= (min(FIRST_PAGE_SIZE, PAGE_SIZE) if not self.sent else PAGE_SIZE)

    @property
    def done(self) -> bool:
        return self.limit is not None and self.total >= self.limit

    @property
    def stale(self) -> bool:
        """True if the last page is :data:`PAGE_INTERVAL` old: time to report progress."""
        return time.monotonic() - self.last >= PAGE_INTERVAL

    def add(self, row: Prediction) -> None:
        self.rows.append(row)
        self.total += 1

    def skips(self) -> None:
        """Add an issue for each entry left out of a listing, unless reported already."""
        for name, why in self.skipped.take():
            if name not in self.reported:
                self.reported.add(name)
                self.issues.append(DataIssue(name, why))

    def take(self) -> PredictionPage:
        self.skips()
        page = PredictionPage(tuple(self.rows), tuple(self.issues), self.files)
        self.rows, self.issues, self.files = [], [], 0
        self.last = time.monotonic()
        self.sent += 1
        return page


def split(page: PredictionPage, rows: list[Prediction]) -> Iterator[PredictionPage]:
    """``rows`` (some of ``page``'s) in pages of :data:`PAGE_SIZE`, the first with the
    page's issues and count of files; one empty page if there are no rows."""
    for start in range(0, max(len(rows), 1), PAGE_SIZE):
        first = start == 0
        yield PredictionPage(
            tuple(rows[start : start + PAGE_SIZE]),
            page.issues if first else (),
            page.files_scanned if first else 0,
        )


class Wanted:
    """Whether a row matches the query (its unused terms left out: this runs per row)."""

    def __init__(self, query: PredictionQuery) -> None:
        self.query = query
        self.timed = query.start is not None or query.end is not None
        named = (
            ("endpoint", query.endpoint),
            ("deployment", query.deployment),
            ("model_name", query.model_name),
            ("model_version", query.model_version),
        )
        self.names = [(attr, want.casefold()) for attr, want in named if want is not None]

    def __call__(self, row: Prediction, *, by_folder: bool = False, fields: bool = True) -> bool:
        """True if the row matches; ``by_folder``: its time is taken as matching (it lies
        outside its folder's time, and the folder matched); ``fields``: False if the field
        filters were checked already."""
        if self.timed and not by_folder and not self.query.matches_time(row.timestamp):
            return False
        for attr, want in self.names:
            have = getattr(row, attr)
            if have is None or have.casefold() != want:
                return False
        return not fields or self.query.matches_fields(row.inputs, row.outputs)


def capped(name: str, items: Iterable[T | DataIssue]) -> Iterator[T | DataIssue]:
    """Pass items on, but only the first :data:`MAX_ISSUES_PER_FILE` issues, then a count."""
    extra = 0
    seen = 0
    for item in items:
        if isinstance(item, DataIssue):
            seen += 1
            if seen > MAX_ISSUES_PER_FILE:
                extra += 1
                continue
        yield item
    if extra:
        yield DataIssue(name, f"{extra} more issue(s) in this file not listed")


def unreadable(name: str, exc: OSError) -> DataIssue:
    """The issue of a file that could not be read, naming the local path that failed
    (the file's, or a mirror folder's)."""
    local = isinstance(exc.filename, str) and Path(exc.filename).is_absolute()
    where = f": {exc.filename}" if exc.strerror and local else ""
    return DataIssue(name, f"cannot read: {exc.strerror or exc}{where}")
