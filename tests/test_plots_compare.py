"""Unit tests of the Braille curve plots and the model-version compare rows."""

from __future__ import annotations

from datetime import UTC, datetime

from providers.records import Curve, ModelVersion, Source, TrainingRun
from tui.render.compare import compare, format_delta, lower_is_better
from tui.render.plots import FIRST_CURVE, REFERENCE, render_curves

SOURCE = Source("test", "x")


def grid(lines: tuple[str, ...], height: int) -> list[str]:
    """The plot cells only: no y label line, no y ticks, no x axis lines."""
    return [line[4:] for line in lines[1 : 1 + height]]


def test_diagonal_lights_the_diagonal_cells() -> None:
    plot = render_curves([Curve("roc", "fpr", "tpr", ((0.0, 0.0), (1.0, 1.0)))], 10, 5)
    cells = grid(plot.lines, 5)
    for row, line in enumerate(cells):
        lit = [col for col, cell in enumerate(line) if cell != " "]
        assert lit == [2 * (4 - row), 2 * (4 - row) + 1]
    assert plot.lines[0].startswith("tpr") and "fpr" in plot.lines[-1]


def test_plot_size_and_bounds() -> None:
    wild = Curve("pr", "recall", "precision", ((-5.0, 3.0), (0.5, 0.5), (9.0, -1.0)))
    plot = render_curves([wild], 20, 5)
    assert len(plot.lines) == 5 + 3
    assert {len(line) for line in plot.lines} == {20 + 4}
    assert all(len(layers) == 24 for layers in plot.layers)
    assert "1.0┤" in plot.lines[1] and "0.0┤" in plot.lines[5]


def test_empty_curve_and_no_curves() -> None:
    for curves in ([Curve("roc", "fpr", "tpr", ())], []):
        plot = render_curves(curves, 8, 3)
        assert all(cell == " " for row in grid(plot.lines, 3) for cell in row)


def test_overlaid_curves_and_reference_use_their_own_layers() -> None:
    low = Curve("roc", "fpr", "tpr", ((0.0, 0.0), (1.0, 0.1)))
    high = Curve("roc", "fpr", "tpr", ((0.0, 0.9), (1.0, 1.0)))
    plot = render_curves([low, high], 10, 4, reference=True)
    layers = {layer for row in plot.layers for layer in row}
    assert {REFERENCE, FIRST_CURVE, FIRST_CURVE + 1} <= layers
    runs = [layer for row in range(len(plot.lines)) for _, layer in plot.runs(row)]
    assert FIRST_CURVE + 1 in runs


def side(
    version: str, metrics: dict[str, float], params: dict[str, str], **tags: str
) -> tuple[ModelVersion, TrainingRun]:
    model = ModelVersion(
        "m", version, "", tags, {}, f"run-{version}", None, datetime(2026, 1, 1, tzinfo=UTC), SOURCE
    )
    run = TrainingRun(
        f"run-{version}", "FINISHED", "exp", params, metrics, {}, (), None, {}, None, None, SOURCE
    )
    return model, run


LEFT = side(
    "3",
    {"recall": 0.77, "val_loss": 0.30, "auc": 0.86},
    {"threshold": "0.50", "depth": "6", "training_data": "data/june"},
    git_commit="a" * 40,
)
RIGHT = side(
    "4",
    {"recall": 0.57, "val_loss": 0.25, "auc": 0.86},
    {"threshold": "0.62", "depth": "6", "training_data": "data/august"},
    git_commit="b" * 40,
)


def test_metric_deltas_and_lower_is_better() -> None:
    rows = {(r.section, r.key): r for r in compare(LEFT, RIGHT)}
    recall, loss = rows["metrics", "recall"], rows["metrics", "val_loss"]
    assert recall.delta is not None and recall.delta < 0 and recall.better is False
    assert loss.delta is not None and loss.delta < 0 and loss.better is True
    assert lower_is_better("train_error") and not lower_is_better("precision")
    assert format_delta(-0.195) == "▼ −0.195"
    assert format_delta(2.0) == "▲ +2"


def test_only_differences_filter() -> None:
    diff = {(r.section, r.key) for r in compare(LEFT, RIGHT)}
    assert ("parameters", "threshold") in diff
    assert ("parameters", "depth") not in diff and ("metrics", "auc") not in diff
    everything = {(r.section, r.key) for r in compare(LEFT, RIGHT, only_differences=False)}
    assert {("parameters", "depth"), ("metrics", "auc")} <= everything


def test_data_folders_and_commit() -> None:
    rows = [r for r in compare(LEFT, RIGHT) if r.section in {"data", "commit"}]
    changes = {(r.section, r.left, r.right, r.change) for r in rows}
    assert ("data", "data/june", "", "removed") in changes
    assert ("data", "", "data/august", "added") in changes
    assert ("commit", "a" * 12, "b" * 12, "changed") in changes
    assert all(r.key != "training_data" for r in compare(LEFT, RIGHT) if r.section != "data")


def test_missing_run_is_compared_as_empty() -> None:
    model, _ = RIGHT
    rows = compare(LEFT, (model, None))
    assert any(r.key == "recall" and r.change == "removed" for r in rows)
