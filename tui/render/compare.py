"""Compare two model versions and their training runs, row by row (no Textual).

Left is the pinned reference, right the suspect.  Rows come in sections: the run,
metrics (with a numeric delta and whether the change is better or worse), parameters,
the training-data folders (added or removed), the code commit, and the tags.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace

from providers.records import ModelVersion, TrainingRun

Side = tuple[ModelVersion, TrainingRun | None]

LOWER_IS_BETTER = ("loss", "error", "false_", "fpr", "fnr", "mse", "mae")
DATA_KEYS = ("data_folder", "data_folders", "training_data")
COMMIT_KEYS = ("git_commit", "mlflow.source.git.commit")
SHORT_SHA = 12


@dataclass(frozen=True, slots=True)
class CompareRow:
    """One compared value.  ``delta`` is right − left for numeric metrics."""

    section: str
    key: str
    left: str
    right: str
    delta: float | None = None
    change: str = ""  # "added", "removed", "changed" or "" (same)
    better: bool | None = None  # for metrics: True better, False worse, None same/unknown

    @property
    def differs(self) -> bool:
        """True when the two sides differ."""
        return bool(self.change)


def lower_is_better(metric: str) -> bool:
    """True for loss-like metrics (loss, error, false positives …)."""
    name = metric.lower()
    return any(word in name for word in LOWER_IS_BETTER)


def format_value(value: float) -> str:
    """A metric value, short: integers without decimals, else 4 significant digits."""
    if value.is_integer() and abs(value) < 1e15:
        return str(int(value))
    return f"{value:.4g}"


def format_delta(delta: float) -> str:
    """A signed delta with a direction arrow, readable without colour: ``▲ +0.012``."""
    if delta == 0:
        return "= 0"
    arrow = "▲" if delta > 0 else "▼"
    sign = "+" if delta > 0 else "−"
    return f"{arrow} {sign}{format_value(abs(delta))}"


def _change(left: str | None, right: str | None) -> str:
    if left == right:
        return ""
    if left is None:
        return "added"
    return "removed" if right is None else "changed"


def _metric_row(key: str, left: float | None, right: float | None) -> CompareRow:
    shown_left = format_value(left) if left is not None else ""
    shown_right = format_value(right) if right is not None else ""
    row = CompareRow("metrics", key, shown_left, shown_right)
    if left is None or right is None:
        return replace(row, change="added" if left is None else "removed")
    delta = right - left
    if math.isclose(left, right, rel_tol=1e-9, abs_tol=1e-12):
        return replace(row, delta=0.0)
    better = (delta < 0) == lower_is_better(key)
    return replace(row, delta=delta, change="changed", better=better)


def _metrics(left: Mapping[str, float], right: Mapping[str, float]) -> list[CompareRow]:
    return [_metric_row(k, left.get(k), right.get(k)) for k in sorted(left.keys() | right.keys())]


def _mapping_rows(
    section: str, left: Mapping[str, str], right: Mapping[str, str], skip: Iterable[str] = ()
) -> list[CompareRow]:
    keys = sorted((left.keys() | right.keys()) - set(skip))
    return [
        CompareRow(
            section, k, left.get(k, ""), right.get(k, ""), change=_change(left.get(k), right.get(k))
        )
        for k in keys
    ]


def _sources(side: Side) -> list[Mapping[str, str]]:
    model, run = side
    return [model.tags, *((run.parameters, run.tags) if run else ())]


def data_folders(side: Side) -> list[str]:
    """Training-data folders named by the model tags or the run's parameters and tags."""
    folders: list[str] = []
    for source in _sources(side):
        for key in DATA_KEYS:
            for folder in source.get(key, "").split(","):
                if folder.strip() and folder.strip() not in folders:
                    folders.append(folder.strip())
    return folders


def commit_of(side: Side) -> str:
    """The code commit named by the model tags or the run's tags/parameters ("" if none)."""
    for source in _sources(side):
        for key in COMMIT_KEYS:
            if source.get(key):
                return source[key]
    return ""


def _data_rows(left: Side, right: Side) -> list[CompareRow]:
    before, after = data_folders(left), data_folders(right)
    rows = []
    for folder in before + [f for f in after if f not in before]:
        shown = (folder if folder in before else "", folder if folder in after else "")
        change = "" if all(shown) else ("removed" if shown[0] else "added")
        rows.append(CompareRow("data", "folder", *shown, change=change))
    return rows


def _commit_row(left: Side, right: Side) -> CompareRow:
    before, after = commit_of(left)[:SHORT_SHA], commit_of(right)[:SHORT_SHA]
    return CompareRow("commit", "commit", before, after, change=_change(before, after))


def _run_rows(left: TrainingRun | None, right: TrainingRun | None) -> list[CompareRow]:
    rows = []
    for key, attr in (("run id", "run_id"), ("status", "status"), ("experiment", "experiment")):
        before = str(getattr(left, attr, "") or "")
        after = str(getattr(right, attr, "") or "")
        rows.append(CompareRow("run", key, before, after, change=_change(before, after)))
    return rows


def compare(left: Side, right: Side, *, only_differences: bool = True) -> list[CompareRow]:
    """All compared rows of two (model version, run) pairs, section by section.

    Keys already shown under data and commit are left out of parameters and tags.
    """
    (left_model, left_run), (right_model, right_run) = left, right
    empty: Mapping[str, str] = {}
    skip = DATA_KEYS + COMMIT_KEYS
    rows = [
        *_run_rows(left_run, right_run),
        *_metrics(left_run.metrics if left_run else {}, right_run.metrics if right_run else {}),
        *_mapping_rows(
            "parameters",
            left_run.parameters if left_run else empty,
            right_run.parameters if right_run else empty,
            skip,
        ),
        *_data_rows(left, right),
        _commit_row(left, right),
        *_mapping_rows("tags", left_model.tags, right_model.tags, skip),
        *_mapping_rows(
            "run tags",
            left_run.tags if left_run else empty,
            right_run.tags if right_run else empty,
            skip,
        ),
    ]
    return [row for row in rows if row.differs] if only_differences else rows
