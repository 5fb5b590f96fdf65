"""A model version and its training run as Rich renderables: summary, tags, metrics,
parameters, confusion matrix, ROC/PR plots, and the rows of a two-version comparison.

Data text (names, tags, parameters) is always wrapped in ``rich.text.Text`` after
``safe_text``: never parsed as markup.
"""

from __future__ import annotations

from collections.abc import Mapping

from rich import box
from rich.console import Group, RenderableType
from rich.table import Table
from rich.text import Text

from providers.records import ConfusionCounts, Curve, ModelVersion, TrainingRun
from tui.render.compare import CompareRow, format_delta, format_value
from tui.render.plain import safe_text
from tui.render.plots import FIRST_CURVE, REFERENCE, Plot, render_curves

LAYER_STYLES = {REFERENCE: "dim", FIRST_CURVE: "bold", FIRST_CURVE + 1: "magenta"}
TAGS_WIDTH = 48


def version_key(version: ModelVersion) -> str:
    """The row key of a version: ``name:version``."""
    return f"{version.name}:{version.version}"


def literal(text: object, style: str = "") -> Text:
    """Data shown as is: control characters escaped, never parsed as markup."""
    return Text(safe_text(str(text)), style=style)


def tags_summary(tags: Mapping[str, str], width: int = TAGS_WIDTH) -> str:
    """``stage=…`` first, then the other tags as ``k=v``, cut to ``width``."""
    keys = sorted(tags, key=lambda k: (k != "stage", k))
    text = ", ".join(f"{k}={tags[k]}" for k in keys)
    return text if len(text) <= width else text[: width - 1] + "…"


def _small_table(*headers: str) -> Table:
    table = Table(box=box.SIMPLE_HEAD, pad_edge=False, show_edge=False, expand=False)
    for header in headers:
        table.add_column(Text(header, style="bold"), no_wrap=True)
    return table


def summary_text(version: ModelVersion, run: TrainingRun | None) -> Text:
    """The version, who registered it and when, and its run's status."""
    text = Text()
    text.append(safe_text(version_key(version)), style="bold")
    if version.description:
        text.append(f"  {safe_text(version.description)}")
    created = f"{version.created_at:%Y-%m-%d %H:%M}" if version.created_at else "?"
    text.append(f"\ncreated {created} by {safe_text(version.created_by or '?')}")
    if run is not None:
        text.append(f" · run {safe_text(run.run_id)} · ")
        text.append(safe_text(run.status), style="bold")
        if run.experiment:
            text.append(f" · experiment {safe_text(run.experiment)}")
    elif version.run_id is None:
        text.append(" · no training run recorded")
    return text


def tags_text(version: ModelVersion, run: TrainingRun | None) -> Text:
    """The model's tags and the run's tags, one per line."""
    text = Text()
    for label, tags in (("model tags", version.tags), ("run tags", run.tags if run else {})):
        if tags:
            text.append(f"{label}\n", style="bold")
            for key, value in sorted(tags.items()):
                text.append(f"  {safe_text(key)} = {safe_text(value)}\n")
    text.rstrip()
    return text


def metrics_table(run: TrainingRun) -> RenderableType:
    """The run's latest metric values."""
    table = _small_table("metric", "value")
    for key in sorted(run.metrics):
        table.add_row(literal(key), Text(format_value(run.metrics[key]), justify="right"))
    return table if run.metrics else Text("no metrics logged", style="dim")


def params_table(run: TrainingRun) -> RenderableType:
    """The run's parameters."""
    table = _small_table("parameter", "value")
    for key in sorted(run.parameters):
        table.add_row(literal(key), literal(run.parameters[key]))
    return table if run.parameters else Text("no parameters logged", style="dim")


def _ratio(numerator: int, denominator: int) -> str:
    return f"{numerator / denominator:.4f}" if denominator else "n/a"


def confusion_view(counts: ConfusionCounts | None) -> RenderableType:
    """A 2×2 confusion matrix with the precision and recall it implies."""
    if counts is None:
        return Text("no confusion counts logged", style="dim")
    tp, fp = counts.true_positive, counts.false_positive
    tn, fn = counts.true_negative, counts.false_negative
    table = _small_table("confusion", "pred +", "pred −")
    table.add_row(Text("actual +"), Text(f"TP {tp:,}"), Text(f"FN {fn:,}"))
    table.add_row(Text("actual −"), Text(f"FP {fp:,}"), Text(f"TN {tn:,}"))
    derived = Text(f"precision {_ratio(tp, tp + fp)}\nrecall    {_ratio(tp, tp + fn)}")
    return Group(table, derived)


def plot_text(plot: Plot, title: str) -> Text:
    """A plot as styled text under a title."""
    text = Text(no_wrap=True)
    text.append(f"{title}\n", style="bold")
    for row in range(len(plot.lines)):
        for chunk, layer in plot.runs(row):
            text.append(chunk, style=LAYER_STYLES.get(layer, "dim"))
        text.append("\n")
    text.rstrip()
    return text


def curve_plot(curves: list[Curve | None], kind: str, size: tuple[int, int]) -> Text:
    """The ROC or PR plot of one or two runs (the missing ones left out)."""
    found = [c for c in curves if c is not None]
    title = "ROC" if kind == "roc" else "Precision–recall"
    if not found:
        return Text(f"{title}: no curve logged", style="dim")
    return plot_text(render_curves(found, *size, reference=kind == "roc"), title)


def curve_of(run: TrainingRun | None, name: str) -> Curve | None:
    """The run's curve called ``name`` ("roc", "pr"), if logged."""
    return next((c for c in run.curves if c.name == name), None) if run else None


def delta_cell(row: CompareRow) -> Text:
    """The change column: arrow, sign and better/worse for metrics; the change otherwise."""
    if row.delta is not None and row.better is not None:
        verdict = "better" if row.better else "worse"
        style = "green" if row.better else "bold red"
        return Text(f"{format_delta(row.delta)} {verdict}", style=style)
    return Text(row.change or "=", style="dim")


def compare_cells(rows: list[CompareRow]) -> list[tuple[Text, ...]]:
    """Table cells of compared rows; the section is named on its first row only."""
    cells: list[tuple[Text, ...]] = []
    section = ""
    for row in rows:
        head = literal(row.section, "bold") if row.section != section else Text("")
        section = row.section
        cells.append(
            (head, literal(row.key), delta_cell(row), literal(row.left), literal(row.right))
        )
    return cells


def compare_table(rows: list[CompareRow], names: tuple[str, str]) -> Table:
    """The compare as a table that fits the width: long values wrap, no column is cut."""
    table = Table(box=None, expand=True, pad_edge=False, header_style="bold")
    table.add_column("", no_wrap=True)
    table.add_column("key", overflow="fold", ratio=2)
    table.add_column("Δ", overflow="fold", ratio=1)
    table.add_column(literal(f"◆ {names[0]}"), overflow="fold", ratio=2)
    table.add_column(literal(names[1]), overflow="fold", ratio=2)
    for cells in compare_cells(rows) or [(Text("no differences"),) + (Text(""),) * 4]:
        table.add_row(*cells)
    return table
