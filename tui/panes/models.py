"""The models pane: registered versions, their training runs, curves, and a version diff.

Records become Rich renderables in :mod:`tui.render.models`; the pane only holds state and
reacts to keys.
"""

from __future__ import annotations

from functools import partial
from typing import ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal
from textual.events import Resize
from textual.widgets import ContentSwitcher, DataTable, Static

from providers.protocols import ModelsProvider
from providers.records import ModelVersion, TrainingRun
from providers.trail.resolver import Trail
from tui.panes.base import Evidence, Fetched, Pane
from tui.panes.compare_made import CompareMade
from tui.panes.data_diff_view import DataDiffView
from tui.panes.session import Session
from tui.panes.setting_change import request_setting_change
from tui.render.compare import Side, compare
from tui.render.history import Location
from tui.render.models import (
    compare_table,
    confusion_view,
    curve_of,
    curve_plot,
    literal,
    metrics_table,
    params_table,
    summary_text,
    tags_summary,
    tags_text,
    version_key,
)
from tui.render.plain import safe_text
from tui.render.training import training_of
from tui.widgets.detail import DetailView

PINNED, TRACED = "◆", "●"


class VimTable(DataTable[Text]):
    """A row-cursor table that also moves with ``j``/``k``."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("j", "cursor_down", "Down", show=False),
        Binding("k", "cursor_up", "Up", show=False),
    ]


class ModelsPane(Pane):
    """Model versions, the training run of the selected one, and a two-version diff."""

    pane_id = "models"
    title = "Models"
    hops = ("model", "run")
    help_text = (
        "Registered model versions. Moving the cursor shows the version's training run: "
        "tags, parameters, metrics, the confusion matrix and the ROC and PR curves. "
        "Enter (or v) opens the detail (backspace or v goes back to the list). c pins the selected "
        "version as the reference (◆); move to another version and press c again to "
        "compare them (with a traced model, c compares it with the previous version at "
        "once); c or backspace closes the compare view, d toggles differences only; Enter in "
        "the compare finds the commit that changed a parameter or tag (pick it, Enter); t in "
        "the compare shows what changed in the two versions' training data (t again: back)."
    )
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("enter", "open", "Open", id="models.open"),
        Binding("c", "compare", "Compare", id="models.compare"),
        Binding("d", "diff_only", "Diff only", show=False, id="models.diff_only"),
        Binding("t", "data_diff", "Data diff", show=False, id="models.data_diff"),
        Binding("backspace", "back", "Back", show=False, id="models.back"),
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
        self._listed = False  # the versions were listed once
        self._wanted_diff: str | None = None  # Releases t asked for this version's data diff
        self._data_next = False  # show the data diff as soon as the compare is on screen

    def compose(self) -> ComposeResult:
        yield self.compose_error()
        yield VimTable(id="models-table", cursor_type="row")
        with ContentSwitcher(initial="models-detail", id="models-views"):
            with DetailView(id="models-detail"):
                yield Static(id="models-summary", markup=False)
                with Horizontal(id="models-facts", classes="models-row"):
                    yield Static(id="models-metrics", markup=False)
                    yield Static(id="models-confusion", markup=False)
                with Horizontal(id="models-plots", classes="models-row"):
                    yield Static(id="models-roc", markup=False)
                    yield Static(id="models-pr", markup=False)
                yield Static(id="models-params", markup=False)
                yield Static(id="models-training", markup=False)
                yield Static(id="models-tags", markup=False)
            with DetailView(id="models-compare"):
                yield Static(id="models-compare-head", markup=False)
                yield DataDiffView(id="models-compare-data")
                yield Static(id="models-compare-table", markup=False)
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
        self._listed = True
        if not versions:
            self._static("models-summary").update("No registered model versions.")
            self._diff_wanted()
            return
        pending, self._pending = self._pending, None
        self.select(pending if pending in self._versions else next(iter(self._versions)))
        self._diff_wanted()

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
        self._static("models-training").update(training_of(run, self.session.trail))
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
        """Drill down: show the detail of the selected version and record it in the history;
        in the compare, find the commit that changed a setting (tui/panes/setting_change.py)."""
        if self._sides is not None and self._focus_in_detail():
            say = partial(self.notify, timeout=8, markup=False)
            request_setting_change(*self._sides, self.post_message, self.app.push_screen, say)
            return
        key = self.selected_key
        if key is None:
            return
        self._close_compare()
        self._show_version(key)
        self.query_one("#models-detail", DetailView).focus()
        self.post_message(self.Visited(Location(self.pane_id, key, key)))

    def evidence(self) -> Evidence | None:
        shown = self.query_one(DataDiffView).evidence()
        if shown is not None:
            return shown
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
        self.post_message(CompareMade(*sides))  # kept in the case
        self._render_compare()
        self.query_one("#models-views", ContentSwitcher).current = "models-compare"
        self.query_one("#models-compare", DetailView).focus()
        if self._data_next:
            self._data_next = False
            self.action_data_diff()

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
        self._static("models-compare-table").update(compare_table(rows, names))
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
        self.query_one(DataDiffView).clear()
        self._refresh_detail()
        self.query_one("#models-views", ContentSwitcher).current = "models-detail"
        self.focus_body()

    def action_data_diff(self) -> None:
        """In the compare, show (or hide) what changed in the two versions' training data."""
        self.query_one(DataDiffView).toggle(self, self._sides)

    def diff_data_with_previous(self, key: str) -> None:
        """Compare ``key`` with the version listed before it and show their training-data
        diff, as c then t would (Releases t); once the list is loaded if it is loading."""
        if self.provider is None:
            self.notify(self.session.backends.missing("models"), severity="warning", markup=False)
            return
        self._wanted_diff = key
        if self._listed:
            self._diff_wanted()

    def _diff_wanted(self) -> None:
        key, self._wanted_diff = self._wanted_diff, None
        if key is None:
            return
        previous = self._previous_of(key) if key in self._versions else None
        if previous is None:
            why = "has no earlier version" if key in self._versions else "is not registered"
            self.notify(
                f"{safe_text(key)} {why}: no training data to diff it against.", markup=False
            )
            return
        self._close_compare()
        self.select(key)
        self._data_next = True
        self._start_compare(previous, key)

    def action_diff_only(self) -> None:
        """Toggle showing only the rows that differ."""
        self.only_differences = not self.only_differences
        self._render_compare()
        state = "only differences" if self.only_differences else "all rows"
        self.notify(f"Compare shows {state}.", timeout=2)
