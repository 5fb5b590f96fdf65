"""The models pane driven with Pilot over the demo workspace's model registry."""

from __future__ import annotations

import asyncio
import dataclasses
import re
from collections.abc import Callable, Coroutine
from pathlib import Path
from typing import Any

import pytest
from rich.console import Console, RenderableType
from textual.app import App, ComposeResult
from textual.pilot import Pilot
from textual.widgets import ContentSwitcher, DataTable, Static

from providers.backends import Backends
from providers.errors import BadData, NotFound
from providers.local.documents import LocalDocumentsProvider
from providers.protocols import ModelsProvider
from providers.records import ModelVersion, TrainingRun
from providers.trail.resolver import RESOLVED, Hop, Trail
from tui.demo.workspace import DemoCase
from tui.panes.models import ModelsPane
from tui.panes.session import Session
from tui.render.history import Location

CSS = Path(__file__).parent.parent / "tui" / "panes" / "models.tcss"


class Wrapped(ModelsProvider):
    """The demo registry, with optional failures and extra tags."""

    def __init__(
        self,
        inner: ModelsProvider,
        *,
        list_error: Exception | None = None,
        run_error: Exception | None = None,
        extra_tags: dict[str, str] | None = None,
    ) -> None:
        self.inner, self.list_error, self.run_error = inner, list_error, run_error
        self.extra_tags = extra_tags or {}

    def list_models(self) -> list[str]:
        return self.inner.list_models()

    def list_versions(self, name: str) -> list[ModelVersion]:
        if self.list_error:
            raise self.list_error
        versions = self.inner.list_versions(name)
        return [dataclasses.replace(v, tags={**v.tags, **self.extra_tags}) for v in versions]

    def get_version(self, name: str, version: str) -> ModelVersion:
        return self.inner.get_version(name, version)

    def get_run(self, run_id: str) -> TrainingRun:
        if self.run_error:
            raise self.run_error
        return self.inner.get_run(run_id)


class Bare(App[None]):
    """Only the models pane, and no history."""

    CSS_PATH = str(CSS)

    def __init__(self, provider: ModelsProvider) -> None:
        super().__init__()
        self.session = Session(Backends(profile="t", models=provider))
        self.visits: list[Location] = []

    def compose(self) -> ComposeResult:
        yield ModelsPane(self.session)


class Host(Bare):
    """The models pane with a history that records visits."""

    def on_pane_visited(self, message: ModelsPane.Visited) -> None:
        self.visits.append(message.location)


Scenario = Callable[[Bare, Pilot[None], ModelsPane], Coroutine[Any, Any, None]]


@pytest.fixture(scope="module")
def registry(demo: tuple[Path, DemoCase]) -> ModelsProvider:
    return LocalDocumentsProvider(demo[0] / "docs")


def run(
    provider: ModelsProvider,
    scenario: Scenario,
    size: tuple[int, int] = (100, 30),
    host: type[Bare] = Host,
) -> None:
    async def main() -> None:
        app = host(provider)
        async with app.run_test(size=size) as pilot:
            await settle(pilot)
            await scenario(app, pilot, app.query_one(ModelsPane))

    asyncio.run(main())


async def settle(pilot: Pilot[None]) -> None:
    """Let the list load, then the selected run load."""
    for _ in range(3):
        await pilot.app.workers.wait_for_complete()
        await pilot.pause()


def text(pane: ModelsPane, widget_id: str) -> str:
    """What a Static of the pane shows, as plain text."""
    content = pane.query_one(f"#{widget_id}", Static).content
    return plain(content)  # type: ignore[arg-type]


def plain(renderable: RenderableType) -> str:
    console = Console(width=200, record=True, file=open("/dev/null", "w"))  # noqa: SIM115, PTH123
    console.print(renderable)
    return console.export_text()


def compare_rows(pane: ModelsPane) -> list[str]:
    """The compare's rows, one line each (at 200 columns no cell wraps), cells split by |."""
    lines = text(pane, "models-compare-table").splitlines()[1:]
    return [" | ".join(re.split(r"\s{2,}", line.rstrip())) for line in lines if line.strip()]


async def press(pilot: Pilot[None], *keys: str) -> None:
    await pilot.press(*keys)
    await settle(pilot)


def test_versions_run_metrics_and_plots(registry: ModelsProvider) -> None:
    async def scenario(app: Bare, pilot: Pilot[None], pane: ModelsPane) -> None:
        table = pane.query_one("#models-table", DataTable)
        assert table.row_count == 5
        assert pane.selected_key == "mortgage:1"
        await press(pilot, "j", "j")
        assert pane.selected_key == "mortgage:3"
        assert "mortgage-train-20260615-03" in text(pane, "models-summary")
        assert "FINISHED" in text(pane, "models-summary")
        assert "recall" in text(pane, "models-metrics")
        assert "TP 4,600" in text(pane, "models-confusion")
        assert "precision 0.8456" in text(pane, "models-confusion")
        assert "threshold" in text(pane, "models-params")
        roc, pr = text(pane, "models-roc"), text(pane, "models-pr")
        assert roc.startswith("ROC") and "fpr" in roc
        assert any("\u2800" < ch <= "\u28ff" for ch in roc + pr)
        await press(pilot, "enter")
        assert app.visits == [Location("models", "mortgage:3", "mortgage:3")]

    run(registry, scenario)


def test_compare_v3_v4_and_diff_toggle(registry: ModelsProvider) -> None:
    async def scenario(app: Bare, pilot: Pilot[None], pane: ModelsPane) -> None:
        await press(pilot, "j", "j", "c", "j", "c")
        views = pane.query_one("#models-views", ContentSwitcher)
        assert views.current == "models-compare"
        rows = compare_rows(pane)
        assert any("threshold" in r and "0.50" in r and "0.62" in r for r in rows)
        recall = next(r for r in rows if "| recall |" in r)
        assert "▼ −0.195 worse" in recall
        assert not any("max_depth" in r for r in rows)
        await press(pilot, "d")
        assert any("max_depth" in r for r in compare_rows(pane))
        await press(pilot, "d")
        assert len(compare_rows(pane)) == len(rows)
        await press(pilot, "backspace")
        assert views.current == "models-detail"

    run(registry, scenario, size=(80, 24))


def test_trail_selects_version_and_compares_with_previous(registry: ModelsProvider) -> None:
    async def scenario(app: Bare, pilot: Pilot[None], pane: ModelsPane) -> None:
        model = registry.get_version("mortgage", "4")
        trail = Trail("x", (Hop("model", "mortgage:4", RESOLVED, "test", model),))
        app.session.trail = trail
        pane.show_trail(trail)
        await settle(pilot)
        assert pane.selected_key == "mortgage:4"
        assert "mortgage-train-20260810-04" in text(pane, "models-summary")
        await press(pilot, "c")
        assert "mortgage:3 (reference ◆) → mortgage:4" in text(pane, "models-compare-head")
        await press(pilot, "c")
        assert pane.query_one("#models-views", ContentSwitcher).current == "models-detail"
        pane.go_to(Location("models", "mortgage:2"))
        await settle(pilot)
        assert pane.selected_key == "mortgage:2"

    run(registry, scenario)


@pytest.mark.parametrize(
    ("errors", "expected"),
    [
        ({"run_error": NotFound("run gone")}, "Not found: run gone"),
        ({"list_error": BadData("broken model document")}, "Bad data: broken model document"),
    ],
)
def test_provider_errors_are_shown_in_the_pane(
    registry: ModelsProvider, errors: dict[str, Exception], expected: str
) -> None:
    async def scenario(app: Bare, pilot: Pilot[None], pane: ModelsPane) -> None:
        error = pane.query_one("#models-error", Static)
        assert error.display
        assert expected in text(pane, "models-error")

    run(Wrapped(registry, **errors), scenario)  # type: ignore[arg-type]


def test_tag_text_is_shown_literally(registry: ModelsProvider) -> None:
    async def scenario(app: Bare, pilot: Pilot[None], pane: ModelsPane) -> None:
        assert "stage = [bold red]x" in text(pane, "models-tags")
        table = pane.query_one("#models-table", DataTable)
        assert "stage=[bold red]x" in str(table.get_row_at(0)[-1])

    run(Wrapped(registry, extra_tags={"stage": "[bold red]x"}), scenario)


def test_enter_without_history_in_the_host(registry: ModelsProvider) -> None:
    async def scenario(app: Bare, pilot: Pilot[None], pane: ModelsPane) -> None:
        await press(pilot, "k", "enter")
        assert pane.selected_key == "mortgage:1"
        assert app.visits == []
        assert not pane.query_one("#models-error", Static).display

    run(registry, scenario, host=Bare)
