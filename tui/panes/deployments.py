"""Deployments: endpoints and the deployments behind them; the traced one highlighted."""

from __future__ import annotations

from collections.abc import Mapping
from typing import ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.widgets import DataTable, Static

from providers.records import Deployment, Endpoint
from providers.trail.resolver import Trail
from tui.panes.base import Evidence, Pane
from tui.render.history import Location
from tui.render.plain import safe_text
from tui.render.rows import deployment_cells, when
from tui.widgets.detail import DetailView

COLUMNS = ("Endpoint", "Deployment", "Traffic", "Model", "Image", "State", "Created", "Updated")


def collection_text(settings: Mapping[str, str]) -> str:
    """E.g. "model_inputs Enabled 100% (files roll every Hour)"; says so when off."""
    collections = [f"{k} {v}" for k, v in settings.items() if k != "rolling_rate"]
    if not collections:
        return "off (or not reported)"
    rolling = settings.get("rolling_rate")
    return ", ".join(collections) + (f" (files roll every {rolling})" if rolling else "")


class DeploymentsPane(Pane):
    """Every endpoint's deployments with traffic share, model, image, state and dates."""

    pane_id = "deployments"
    title = "Deployments"
    hops = ("deployment",)
    help_text = "Enter shows a deployment's details; the one that served the trace is marked ▶."
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("r", "reload", "Refresh", show=False, id="deployments.refresh"),
    ]

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.rows: list[tuple[Endpoint, Deployment]] = []
        self.served: tuple[str, str] | None = None

    def compose(self) -> ComposeResult:
        yield self.compose_error()
        table: DataTable[Text] = DataTable(id="deployment-table", cursor_type="row")
        table.add_columns(*COLUMNS)
        yield table
        with DetailView(id="deployment-detail"):
            yield Static("", id="deployment-info")

    def focus_body(self) -> None:
        self.query_one(DataTable).focus()

    def reload(self) -> None:
        provider = self.session.backends.deployments
        if provider is None:
            self.report_missing("deployments")
            return

        def load() -> list[tuple[Endpoint, Deployment]]:
            return [
                (ep, d)
                for ep in provider.list_endpoints()
                for d in provider.list_deployments(ep.name)
            ]

        self.call_provider(load, self._show)

    def _show(self, rows: list[tuple[Endpoint, Deployment]]) -> None:
        self.rows = rows
        table: DataTable[Text] = self.query_one(DataTable)
        table.clear()
        for ep, dep in rows:
            cells = deployment_cells(ep, dep)
            mark = (ep.name, dep.name) == self.served
            table.add_row(
                *(
                    Text(("▶ " if mark and i == 0 else "") + c, style="bold" if mark else "")
                    for i, c in enumerate(cells)
                ),
                key=f"{ep.name}/{dep.name}",
            )
        self._select_served()

    def _select_served(self) -> None:
        if self.served is None:
            return
        for index, (ep, dep) in enumerate(self.rows):
            if (ep.name, dep.name) == self.served:
                self.query_one(DataTable).move_cursor(row=index)

    def on_data_table_row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        if 0 <= event.cursor_row < len(self.rows):
            self._detail(*self.rows[event.cursor_row])

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        if 0 <= event.cursor_row < len(self.rows):
            ep, dep = self.rows[event.cursor_row]
            self.post_message(self.Visited(Location("deployments", f"{ep.name}/{dep.name}")))

    def evidence(self) -> Evidence | None:
        row = self.query_one(DataTable).cursor_row
        if not 0 <= row < len(self.rows):
            return None
        endpoint, deployment = self.rows[row]
        key = f"{endpoint.name}/{deployment.name}"
        return Evidence("deployment", key, key, lambda: (deployment, []))

    def _detail(self, ep: Endpoint, dep: Deployment) -> None:
        text = Text()
        fields = [
            ("Endpoint", f"{ep.name} ({ep.kind or '?'}, auth {ep.auth_mode or '?'})"),
            ("Scoring URI", ep.scoring_uri or ""),
            ("Deployment", dep.name),
            ("Model", dep.model_ref or ""),
            ("Environment", dep.environment or ""),
            ("Image", dep.image or f"unknown ({dep.image_note or 'not said why'})"),
            ("Instances", f"{dep.instance_count or '?'} × {dep.instance_type or '?'}"),
            ("Data collection", collection_text(dep.data_collection)),
            ("Created / updated", f"{when(dep.created_at)} / {when(dep.updated_at)}"),
            ("Source", dep.source.url or dep.source.native_id),
        ]
        for label, value in fields:
            text.append(f"{label:>18}: ", style="bold")
            text.append(safe_text(value) + "\n")
        self.query_one("#deployment-info", Static).update(text)

    def show_trail(self, trail: Trail) -> None:
        hop = trail.hop("deployment")
        if hop is not None and isinstance(hop.record, Deployment):
            self.served = (hop.record.endpoint, hop.record.name)
            if self.rows:
                self._show(self.rows)

    def go_to(self, location: Location) -> None:
        for index, (ep, dep) in enumerate(self.rows):
            if f"{ep.name}/{dep.name}" == location.key:
                self.query_one(DataTable).move_cursor(row=index)
        self.focus_body()
