"""The models pane: registered versions, their training runs, curves, and a version diff.

Data text (names, tags, parameters) is always wrapped in ``rich.text.Text`` after
``safe_text``: never parsed as markup.  Rendering of records into Rich renderables is
done by module-level functions; the pane only holds state and reacts to keys.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import ClassVar

from rich import box
from rich.console import Group, RenderableType
from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, VerticalScroll
from textual.events import Resize
from textual.widgets import ContentSwitcher, DataTable, Static

from providers.protocols import ModelsProvider
from providers.records import ConfusionCounts, Curve, ModelVersion, TrainingRun
from providers.trail.resolver import Trail
from tui.panes.base import Evidence, Fetched, Pane
from tui.panes.session import Session
from tui.render.compare import CompareRow, Side, compare, format_delta, format_value
from tui.render.history import Location
from tui.render.plain import safe_text
from tui.render.plots import FIRST_CURVE, REFERENCE, Plot, render_curves

LAYER_STYLES = {REFERENCE: "dim", FIRST_CURVE: "bold", FIRST_CURVE + 1: "magenta"}
PINNED, TRACED = "◆", "●"
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


class VimTable(DataTable[Text]):
    """A row-cursor table that also moves with ``j``/``k``."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("j", "cursor_down", "Down", show=False),
        Binding("k", "cursor_up", "Up", show=False),
    ]


class DetailScroll(VerticalScroll):
    """The scrolling detail area; ``j``/``k`` scroll it."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("j", "scroll_down", "Down", show=False),
        Binding("k", "scroll_up", "Up", show=False),
    ]


class ModelsPane(Pane):
    """Model versions, the training run of the selected one, and a two-version diff."""

    pane_id = "models"
    title = "Models"
    hops = ("model", "run")
    help_text = (
        "Registered model versions. Moving the cursor shows the version's training run: "
        "tags, parameters, metrics, the confusion matrix and the ROC and PR curves. "
        "Enter opens the detail (backspace goes back to the list). c pins the selected "
        "version as the reference (◆); move to another version and press c again to "
        "compare them (with a traced model, c compares it with the previous version at "
        "once); c or backspace closes the compare view, d toggles differences only."
    )
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("enter", "open", "Open", id="models.open"),
        Binding("c", "compare", "Compare", id="models.compare"),
        Binding("d", "diff_only", "Diff only", id="models.diff_only"),
        Binding("backspace", "back", "Back", id="models.back"),
    ]

    def __init__(self, session: Session) -> None:
        super().__init__(session)
        self._versions: dict[str, ModelVersion] = {}
        self._runs: dict[str, TrainingRun] = {}
        self._shown: str | None = None
        self._pending: str | None = None
        self._pinned: str | None = None
        self._sides: tuple[Side, Side] | None = None
        self.only_differences = True

    def compose(self) -> ComposeResult:
        yield self.compose_error()
        yield VimTable(id="models-table", cursor_type="row")
        with ContentSwitcher(initial="models-detail", id="models-views"):
            with DetailScroll(id="models-detail"):
                yield Static(id="models-summary", markup=False)
                with Horizontal(id="models-facts", classes="models-row"):
                    yield Static(id="models-metrics", markup=False)
                    yield Static(id="models-confusion", markup=False)
                with Horizontal(id="models-plots", classes="models-row"):
                    yield Static(id="models-roc", markup=False)
                    yield Static(id="models-pr", markup=False)
                yield Static(id="models-params", markup=False)
                yield Static(id="models-tags", markup=False)
            with DetailScroll(id="models-compare"):
                yield Static(id="models-compare-head", markup=False)
                yield VimTable(id="models-compare-table", cursor_type="row")
                with Horizontal(id="models-compare-plots", classes="models-row"):
                    yield Static(id="models-compare-roc", markup=False)
                    yield Static(id="models-compare-pr", markup=False)

    def on_mount(self) -> None:
        table = self.query_one("#models-table", VimTable)
        table.add_column("", key="mark", width=1)
        for label in ("version", "created", "by", "run", "tags"):
            table.add_column(label, key=label)
        super().on_mount()

    # -- loading -------------------------------------------------------------------

    @property
    def provider(self) -> ModelsProvider | None:
        """The profile's models provider, if any."""
        return self.session.backends.models

    def reload(self) -> None:
        """Reload every model's versions (and drop the cached runs)."""
        provider = self.provider
        if provider is None:
            self._static("models-summary").update(literal(self.session.backends.missing("models")))
            return
        self._runs.clear()
        self._pending = self._pending or self._shown
        self._shown = None
        self.call_provider(
            lambda: [v for name in provider.list_models() for v in provider.list_versions(name)],
            self._fill_table,
        )

    def _fill_table(self, versions: list[ModelVersion]) -> None:
        table = self.query_one("#models-table", VimTable)
        table.clear()
        self._versions = {version_key(v): v for v in versions}
        for key, version in self._versions.items():
            created = f"{version.created_at:%Y-%m-%d %H:%M}" if version.created_at else ""
            table.add_row(
                Text(self._mark(key)),
                literal(key),
                Text(created),
                literal(version.created_by or ""),
                literal(version.run_id or ""),
                literal(tags_summary(version.tags)),
                key=key,
            )
        if not versions:
            self._static("models-summary").update("No registered model versions.")
            return
        pending, self._pending = self._pending, None
        self.select(pending if pending in self._versions else next(iter(self._versions)))

    def _show_version(self, key: str) -> None:
        """Show a version at once, then its run when loaded (from the cache if possible)."""
        if key == self._shown or key not in self._versions or self.provider is None:
            return
        self._shown = key
        version, provider = self._versions[key], self.provider
        run = self._runs.get(version.run_id or "")
        self._render_detail(version, run)
        if run is None and version.run_id:
            run_id = version.run_id
            self.call_provider(lambda: provider.get_run(run_id), self._run_loaded, group="run")

    def _run_loaded(self, run: TrainingRun) -> None:
        self._runs[run.run_id] = run
        version = self._versions.get(self._shown or "")
        if version is not None and version.run_id == run.run_id:
            self._render_detail(version, run)

    # -- detail --------------------------------------------------------------------

    def _static(self, widget_id: str) -> Static:
        return self.query_one(f"#{widget_id}", Static)

    def _plot_size(self) -> tuple[int, int]:
        width = self.size.width or 80
        cells = max(12, min(44, (width - 8) // 2 - 6))
        return cells, 6 if (self.size.height or 24) < 26 else 8

    def _render_detail(self, version: ModelVersion, run: TrainingRun | None) -> None:
        self._static("models-summary").update(summary_text(version, run))
        blank = Text("")
        self._static("models-metrics").update(metrics_table(run) if run else blank)
        self._static("models-confusion").update(confusion_view(run.confusion) if run else blank)
        self._static("models-params").update(params_table(run) if run else blank)
        self._static("models-tags").update(tags_text(version, run))
        size = self._plot_size()
        for kind in ("roc", "pr"):
            plot = curve_plot([curve_of(run, kind)], kind, size) if run else blank
            self._static(f"models-{kind}").update(plot)

    def _refresh_detail(self) -> None:
        """Render the shown version again (new size, or a run cached meanwhile)."""
        version = self._versions.get(self._shown or "")
        if version is not None:
            self._render_detail(version, self._runs.get(version.run_id or ""))

    def on_resize(self, event: Resize) -> None:
        self._refresh_detail()
        self._render_compare()

    # -- selection and navigation --------------------------------------------------

    @property
    def selected_key(self) -> str | None:
        """The ``name:version`` under the cursor."""
        table = self.query_one("#models-table", VimTable)
        keys = list(self._versions)
        return keys[table.cursor_row] if 0 <= table.cursor_row < len(keys) else None

    def select(self, key: str) -> None:
        """Move the cursor to a version and show it (later, if the list is still loading)."""
        if key not in self._versions:
            self._pending = key
            return
        self.query_one("#models-table", VimTable).move_cursor(row=list(self._versions).index(key))
        self._show_version(key)

    def on_data_table_row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        if event.data_table.id == "models-table" and event.row_key.value:
            self._show_version(event.row_key.value)

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        if event.data_table.id == "models-table":
            event.stop()
            self.action_open()

    def focus_body(self) -> None:
        self.query_one("#models-table", VimTable).focus()

    def action_open(self) -> None:
        """Drill down: show the detail of the selected version and record it in the history."""
        key = self.selected_key
        if key is None:
            return
        self._close_compare()
        self._show_version(key)
        self.query_one("#models-detail", DetailScroll).focus()
        self.post_message(self.Visited(Location(self.pane_id, key, key)))

    def evidence(self) -> Evidence | None:
        key, models = self.selected_key, self.provider
        if key is None or models is None:
            return None
        name, _, version = key.rpartition(":")

        def fetch() -> Fetched:
            model = models.get_version(name, version)
            return model, [models.get_run(model.run_id)] if model.run_id else []

        return Evidence("model", key, key, fetch)

    def action_back(self) -> None:
        """Close the compare view, else go back from the detail to the list."""
        self._close_compare()
        self.focus_body()

    def go_to(self, location: Location) -> None:
        """Select the version a history entry (``name:version``, ``model:…``, ``run:…``) names."""
        self._close_compare()
        kind, _, rest = location.key.partition(":")
        if kind == "run":
            key = next((k for k, v in self._versions.items() if v.run_id == rest), None)
            if key is not None:
                self.select(key)
            return
        self.select(rest if kind == "model" else location.key)

    def show_trail(self, trail: Trail) -> None:
        """Select the traced model version and show its (already resolved) run."""
        run_hop, model_hop = trail.hop("run"), trail.hop("model")
        if run_hop is not None and isinstance(run_hop.record, TrainingRun):
            self._runs[run_hop.record.run_id] = run_hop.record
        if model_hop is None or not isinstance(model_hop.record, ModelVersion):
            return
        self._refresh_marks()
        self.select(version_key(model_hop.record))

    # -- compare -------------------------------------------------------------------

    def _traced_key(self) -> str | None:
        trail = self.session.trail
        hop = trail.hop("model") if trail else None
        return version_key(hop.record) if hop and isinstance(hop.record, ModelVersion) else None

    def _previous_of(self, key: str) -> str | None:
        """The version listed just before ``key`` of the same model."""
        name = self._versions[key].name
        same = [k for k, v in self._versions.items() if v.name == name]
        index = same.index(key)
        return same[index - 1] if index > 0 else None

    def _mark(self, key: str) -> str:
        return PINNED if key == self._pinned else TRACED if key == self._traced_key() else ""

    def _refresh_marks(self) -> None:
        table = self.query_one("#models-table", VimTable)
        for key in self._versions:
            table.update_cell(key, "mark", Text(self._mark(key)))

    def action_compare(self) -> None:
        """Pin the reference, compare with it, or close the compare view."""
        key = self.selected_key
        if self._sides is not None:
            self._close_compare()
        elif key is None:
            return
        elif self._pinned is None and key == self._traced_key() and self._previous_of(key):
            self._start_compare(self._previous_of(key) or "", key)
        elif self._pinned is None or self._pinned == key:
            self._pinned = None if self._pinned == key else key
            self._refresh_marks()
            if self._pinned:
                self.notify(f"Reference {safe_text(key)} pinned: select another version, press c.")
        else:
            self._start_compare(self._pinned, key)

    def _start_compare(self, left_key: str, right_key: str) -> None:
        provider = self.provider
        if provider is None:
            return
        left, right = self._versions[left_key], self._versions[right_key]
        cached = dict(self._runs)

        def side(version: ModelVersion) -> Side:
            run_id = version.run_id
            if not run_id:
                return version, None
            return version, cached.get(run_id) or provider.get_run(run_id)

        self.call_provider(lambda: (side(left), side(right)), self._show_compare, group="compare")

    def _show_compare(self, sides: tuple[Side, Side]) -> None:
        for _, run in sides:
            if run is not None:
                self._runs[run.run_id] = run
        self._sides = sides
        self._render_compare()
        self.query_one("#models-views", ContentSwitcher).current = "models-compare"
        self.query_one("#models-compare-table", VimTable).focus()

    def _render_compare(self) -> None:
        if self._sides is None:
            return
        left, right = self._sides
        names = (version_key(left[0]), version_key(right[0]))
        rows = compare(left, right, only_differences=self.only_differences)
        head = Text()
        head.append(f"{safe_text(names[0])} (reference ◆) → {safe_text(names[1])}", style="bold")
        scope = "differences only" if self.only_differences else "all rows"
        head.append(f" · {scope} (d toggles) · {len(rows)} rows · c closes")
        self._static("models-compare-head").update(head)
        table = self.query_one("#models-compare-table", VimTable)
        table.clear(columns=True)
        for label in ("", "key", "Δ", f"◆ {names[0]}", names[1]):
            table.add_column(literal(label))
        table.add_rows(compare_cells(rows) or [(Text("no differences"),) + (Text(""),) * 4])
        size = self._plot_size()
        for kind in ("roc", "pr"):
            curves = [curve_of(left[1], kind), curve_of(right[1], kind)]
            plot = curve_plot(curves, kind, size)
            legend = Text(f"\nsolid ◆ {names[0]} · dotted {names[1]}", style="dim")
            self._static(f"models-compare-{kind}").update(Text.assemble(plot, legend))

    def _close_compare(self) -> None:
        if self._sides is None:
            return
        self._sides = None
        self._refresh_detail()
        self.query_one("#models-views", ContentSwitcher).current = "models-detail"
        self.focus_body()

    def action_diff_only(self) -> None:
        """Toggle showing only the rows that differ."""
        self.only_differences = not self.only_differences
        self._render_compare()
        state = "only differences" if self.only_differences else "all rows"
        self.notify(f"Compare shows {state}.", timeout=2)
