"""Predictions: the logged requests, a query bar, and the selected record as JSON."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, ClassVar

from rich.console import Group
from rich.json import JSON
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.message import Message
from textual.widgets import Input, Static

from providers.errors import BadData
from providers.predictions.misses import query_miss, store_of
from providers.protocols import PredictionPage, PredictionsProvider
from providers.query import PredictionQuery, check_fields, parse_query
from providers.records import Prediction
from providers.serialize import to_jsonable
from tui.panes.base import Evidence, Pane
from tui.panes.engine_search import cancellable, engine_note, left_note
from tui.panes.row_choice import RowChoice, location_of
from tui.render.history import Location
from tui.render.plain import safe_text
from tui.render.row_keys import row_key
from tui.render.trail import decision_of
from tui.widgets.detail import DetailView
from tui.widgets.virtual_table import PredictionTable

if TYPE_CHECKING:
    from providers.trail.resolver import Trail

MAX_ROWS = 200_000  # rows kept in memory; the query bar narrows beyond that
FIELDS_SAMPLE = 50  # rows of each page whose fields are noted as known to the query bar
WHOLE_ID = ": give the whole id (the detail shows it)"  # the table shows 13 characters


class PredictionsPane(Pane):
    """Logged predictions, searchable by request id, time range and field values."""

    pane_id = "predictions"
    title = "Predictions"
    hops = ("prediction",)
    help_text = (
        "/ query: request id, from:/to: times, endpoint:/deployment:/model:, and field filters "
        "such as income<40000 decision=rejected.  Enter or t traces the selected prediction."
    )
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("slash", "query", "Query", id="predictions.query"),
        Binding("enter,t", "trace", "Trace", id="predictions.trace"),
        Binding("r", "reload", "Refresh", show=False, id="predictions.refresh"),
    ]

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.query_text = self.session.initial_query
        self.select_after: str | None = self.session.initial_select
        self.select_where: str | None = None  # with select_after: the row, for a batched record
        self.fields_seen: set[str] = set()  # input and output fields of the rows read so far
        self.searching: str | None = None  # the query of the search running, until it ends
        self.engine_note = ""  # what of the search running its provider's engine does not run

    def compose(self) -> ComposeResult:
        yield self.compose_error()
        yield Input(
            value=self.query_text,
            placeholder="id:…  from:2026-08-27 to:2026-08-27  decision=rejected  income<40000",
            id="query",
        )
        yield Static("", id="predictions-status", markup=False)
        yield PredictionTable(id="prediction-table")
        with DetailView(id="prediction-detail"):
            yield Static("", id="prediction-json")

    def focus_body(self) -> None:
        self.query_one(PredictionTable).focus()

    # -- querying ------------------------------------------------------------------

    def action_query(self) -> None:
        self.query_one("#query", Input).focus()

    class QueryChanged(Message):
        """A new query was run (kept in the case, so reopening runs it again)."""

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.run_query(event.value)
        self.query_one(PredictionTable).focus()
        self.post_message(self.QueryChanged())

    def run_query(self, text: str) -> None:
        """Show ``text`` in the query bar and run it."""
        self.query_text = text.strip()
        self.query_one("#query", Input).value = self.query_text
        self.reload()

    def reload(self) -> None:
        try:
            query = parse_query(self.query_text)
            check_fields(query, self.fields_seen)
        except BadData as exc:
            self.set_error(exc)
            return
        provider = self.session.backends.predictions
        if provider is None:
            self.report_missing("predictions")
            return
        table = self.query_one(PredictionTable)
        table.clear()
        self._show_detail(None)  # not the last search's prediction, while this one runs
        left = left_note(provider, self.searching) if self.searching is not None else None
        if left is not None:
            self.notify(safe_text(left), timeout=8, markup=False)
        self.engine_note = engine_note(provider, query)
        self._status("Searching …" + self.engine_note)
        self.searching = self.query_text
        read = _Capped(provider, query)
        self.stream_provider(
            lambda: cancellable(provider, read.pages),  # leaving it stops the engine's job
            self._add_page,
            lambda: self._done(read),
            group="search",
            moved_at=lambda: table.moved_at,
        )

    def _add_page(self, page: PredictionPage) -> None:
        table = self.query_one(PredictionTable)
        table.extend(list(page.rows))
        for row in page.rows[:FIELDS_SAMPLE]:
            self.fields_seen.update(row.inputs, row.outputs)
        if self.select_after:
            for row in page.rows:
                if self.select_after in (row.request_id, row.correlation_id) and (
                    self.select_where in (None, row.source.native_id)
                ):
                    table.select(row.correlation_id, row.request_id, row.source.native_id)
                    self.select_after = self.select_where = None
                    break
        if page.issues:
            first = page.issues[0]
            more = f" (+{len(page.issues) - 1} more)" if len(page.issues) > 1 else ""
            self.notify(
                safe_text(f"Skipped bad data at {first.location}: {first.message}{more}"),
                severity="warning",
                timeout=6,
            )
        self._status(f"{len(table.rows):,} predictions so far …{self.engine_note}")

    def _done(self, read: _Capped) -> None:
        self.searching = None
        shown = len(self.query_one(PredictionTable).rows)
        capped = f" (first {MAX_ROWS:,}; narrow the query with /)" if read.total >= MAX_ROWS else ""
        query = f" for {self.query_text!r}" if self.query_text else ""
        plural = "" if shown == 1 else "s"
        whole = WHOLE_ID if shown == 0 and read.query.request_id else ""
        self._status(f"{shown:,} prediction{plural}{query}{capped}{whole}{self.engine_note}")
        if shown == 0:
            store = store_of(read.provider)
            miss = query_miss(read.query, read.files, store)
            self.query_one("#prediction-json", Static).update(Text(f"Nothing found: {miss}."))

    def set_error(self, exc: BaseException | None) -> None:
        """Show the error; a search it stopped no longer says it is searching."""
        super().set_error(exc)
        if exc is not None and self.searching is not None:
            self.searching = None
            shown = len(self.query_one(PredictionTable).rows)
            self._status(f"{shown:,} shown: the search for {self.query_text!r} stopped (above)")
            if shown == 0:
                self._show_detail(None)

    def set_loading(self, loading: bool) -> None:
        """Cover only the table while a search or trace runs: the query bar and the status
        line (what the engine does not run, how many so far) stay in view."""
        self.query_one(PredictionTable).set_loading(loading)

    def _status(self, text: str) -> None:
        self.query_one("#predictions-status", Static).update(Text(safe_text(text)))

    # -- detail and tracing ---------------------------------------------------------

    def on_prediction_table_highlighted(self, event: PredictionTable.Highlighted) -> None:
        self._show_detail(event.prediction)

    def _show_detail(self, prediction: Prediction | None) -> None:
        target = self.query_one("#prediction-json", Static)
        if prediction is None:
            target.update(Text("No prediction selected.", style="dim"))
            return
        data = {
            "request_id": prediction.request_id,
            "correlation_id": prediction.correlation_id,
            "time": prediction.timestamp.isoformat(),
            "served_by": f"{prediction.endpoint}/{prediction.deployment or '?'}",
            "model": (
                f"{prediction.model_name or '?'}:{prediction.model_version or '?'}"
                if prediction.model_name or prediction.model_version
                else "not in the log (see the trail's deployment hop)"
            ),
            "outputs": to_jsonable(prediction.outputs),
            "inputs": to_jsonable(prediction.inputs),
            "logged_in": to_jsonable(prediction.source),
        }
        # JSON escapes control characters and Rich's JSON never reads markup.
        payload = JSON.from_data(data, indent=2, ensure_ascii=False)
        explained = decision_of(self.session.trail, prediction)
        target.update(Group(Text("\n".join(explained)), payload) if explained else payload)

    def action_trace(self) -> None:
        prediction = self.query_one(PredictionTable).current
        if prediction is None:
            self.notify("No prediction selected.", severity="warning")
            return
        self.trace_prediction(prediction)

    def trace_prediction(self, prediction: Prediction) -> None:
        """Trace a prediction, recording it (the row, for a record of several) in the history."""
        self.post_message(self.Visited(location_of(prediction)))
        self.notify(f"Tracing {safe_text(prediction.request_id)} …", timeout=2)
        self.resolve_trail(lambda resolver: resolver.from_prediction(prediction))

    def trace_id(self, request_id: str) -> None:
        """Trace the prediction logged for ``request_id``; of several, ask which (RowChoice)."""
        self.call_provider(
            lambda: self.session.resolver.find_predictions(request_id),
            lambda rows: self._trace_one_of(request_id, rows),
            group="trace",
        )

    def _trace_one_of(self, request_id: str, rows: tuple[Prediction, ...]) -> None:
        if len(rows) == 1:
            self.trace_prediction(rows[0])
            return

        def chosen(prediction: Prediction | None) -> None:
            if prediction is not None:
                self.trace_prediction(prediction)

        self.app.push_screen(RowChoice(request_id, rows), chosen)

    def evidence(self) -> Evidence | None:
        prediction = self.query_one(PredictionTable).current
        if prediction is None:
            return None
        key = location_of(prediction).key  # a row of a batched record by its row
        return Evidence("prediction", key, prediction.request_id, lambda: (prediction, []))

    def show_trail(self, trail: Trail) -> None:
        hop = trail.hop("prediction")
        if hop is None or not isinstance(hop.record, Prediction):
            return
        table = self.query_one(PredictionTable)
        record = hop.record
        where = record.source.native_id
        table.marked = where
        if not table.select(record.correlation_id, record.request_id, where):
            table.extend([record])
            table.select(record.correlation_id, record.request_id, where)
        table.refresh()
        self._show_detail(table.current)  # with the decision explained

    def go_to(self, location: Location) -> None:
        table = self.query_one(PredictionTable)
        correlation_id, where = row_key(location.key)
        if not table.select(correlation_id, location.label, where):
            self.query_text = f"id:{location.label}"
            self.select_after = location.label
            self.select_where = where
            self.reload()
        self.focus_body()


class _Capped:
    """A search's pages up to MAX_ROWS rows, counted, and the files they read."""

    def __init__(self, provider: PredictionsProvider, query: PredictionQuery) -> None:
        self.provider, self.query = provider, query
        self.total = 0
        self.files = 0  # log files read

    def pages(self) -> Iterator[PredictionPage]:
        for page in self.provider.search(self.query):
            yield page
            self.total += len(page.rows)
            self.files += page.files_scanned
            if self.total >= MAX_ROWS:
                return
