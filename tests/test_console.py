"""The console driven by keys only (Textual Pilot) on the demo workspace."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator
from pathlib import Path

from consoleapp import demo_app, settle

from providers.backends import Backends
from providers.errors import ProviderError, Throttled, Unauthorized, Unavailable
from providers.local.predictions import LocalPredictionsProvider
from providers.protocols import PredictionPage, PredictionsProvider
from providers.query import PredictionQuery
from tui.console.app import ModeltrailApp
from tui.demo.workspace import DemoCase
from tui.panes.session import Session


def test_the_auditors_case_by_keys_only(demo: tuple[Path, DemoCase]) -> None:
    workspace, case = demo

    async def scenario() -> None:
        app = demo_app(workspace, case)
        async with app.run_test(size=(100, 30)) as pilot:
            await settle(pilot)
            table = app.query_one("#prediction-table")
            assert table.current.request_id == case.request_id  # type: ignore[attr-defined]
            await pilot.press("enter")
            await settle(pilot)
            trail = app.session.trail
            assert trail is not None and trail.complete
            await pilot.press("5")
            await settle(pilot)
            commits = app.query_one("#commits")
            for _ in range(10):
                if commits._shown.sha == case.suspicious_commit:  # type: ignore[attr-defined]
                    break
                await pilot.press("p")
                await settle(pilot)
                if app.screen.__class__.__name__ == "ParentChoice":
                    await pilot.press("1")  # on a merge, follow the first parent
                    await settle(pilot)
            assert commits._shown.sha == case.suspicious_commit  # type: ignore[attr-defined]
            await pilot.press("left_square_bracket")
            await settle(pilot)
            assert commits._shown.sha != case.suspicious_commit  # type: ignore[attr-defined]

    asyncio.run(scenario())


def test_bad_query_gets_a_clear_message(demo: tuple[Path, DemoCase]) -> None:
    workspace, case = demo

    async def scenario() -> None:
        app = demo_app(workspace, case)
        async with app.run_test(size=(100, 30)) as pilot:
            await settle(pilot)
            await pilot.press("slash")
            app.query_one("#query").value = "from:yesterday-ish income<"  # type: ignore[attr-defined]
            await pilot.press("enter")
            await settle(pilot)
            error = app.query_one("#predictions-error")
            assert error.display
            assert "not a date or time: 'yesterday-ish'" in str(error.render())
            await pilot.press("2")  # the console keeps working
            await settle(pilot)
            assert app.current_pane.pane_id == "deployments"

    asyncio.run(scenario())


class Failing(PredictionsProvider):
    """A predictions backend that fails the way real ones do."""

    def __init__(self, error: ProviderError) -> None:
        self.error = error

    def find(self, request_id: str) -> PredictionPage:
        raise self.error

    def search(self, query: PredictionQuery) -> Iterator[PredictionPage]:
        raise self.error


def test_each_typed_error_is_shown_in_the_pane() -> None:
    errors = [
        (Unauthorized("token expired"), "Unauthorized: token expired"),
        (Throttled("too many requests", retry_after=30), "retry after 30 s"),
        (Unavailable("connection refused"), "Unavailable: connection refused"),
        (RuntimeError("boom"), "Unexpected error: RuntimeError: boom"),
    ]

    async def scenario(error: Exception, expected: str) -> None:
        app = ModeltrailApp(Session(Backends("t", predictions=Failing(error))))  # type: ignore[arg-type]
        async with app.run_test(size=(100, 30)) as pilot:
            await settle(pilot)
            text = str(app.query_one("#predictions-error").render())
            assert expected in text and "Press r to retry" in text
            await pilot.press("4")
            await settle(pilot)
            assert "no releases provider" in str(app.query_one("#releases-error").render())

    for error, expected in errors:
        asyncio.run(scenario(error, expected))


def test_payload_markup_and_escapes_are_shown_literally(tmp_path: Path) -> None:
    hour = tmp_path / "modelDataCollector/ep/dep/model_inputs/2026/08/27/10"
    out = tmp_path / "modelDataCollector/ep/dep/model_outputs/2026/08/27/10"
    hour.mkdir(parents=True)
    out.mkdir(parents=True)
    nasty = "[bold red]x[/] [link=http://evil]y[/link] \x1b[31mred"
    event = {
        "specversion": "1.0",
        "id": "1",
        "type": "azureml.inference.model_inputs",
        "time": "2026-08-27T10:00:00Z",
        "data": [{"name": nasty}],
        "correlationid": "c-1",
        "xrequestid": "r-1",
        "modelversion": "default",
    }
    (hour / "a.jsonl").write_text(json.dumps(event) + "\n")
    event.update(type="azureml.inference.model_outputs", data=[{"decision": nasty}])
    (out / "a.jsonl").write_text(json.dumps(event) + "\n")
    provider = LocalPredictionsProvider(tmp_path)

    async def scenario() -> None:
        app = ModeltrailApp(Session(Backends("t", predictions=provider)))
        async with app.run_test(size=(120, 30)) as pilot:
            await settle(pilot)
            detail = app.query_one("#prediction-json").render()
            shown = str(detail)
            assert "[bold red]x[/]" in shown and "[link=http://evil]" in shown
            assert "\x1b" not in shown and "\\u001b[31mred" in shown
            table = app.query_one("#prediction-table")
            line = "".join(s.text for s in table.render_line(1))  # type: ignore[attr-defined]
            assert "[bold red]x[/]" in line and "\\x1b[31m" in line and "\x1b" not in line

    asyncio.run(scenario())
