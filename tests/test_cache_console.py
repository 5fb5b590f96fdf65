"""The cache as the console shows it: stale answers marked then replaced, `r` refetching,
the banner when a backend is unreachable, and offline mode with `O`."""

from __future__ import annotations

import asyncio
import threading
from pathlib import Path
from typing import Any

from consoleapp import settle
from textual.widgets import DataTable, Static

from cache.open import open_cached
from cache.proxies import CachedProvider
from providers.config import workspace_profile
from providers.errors import Unavailable
from tui.console.app import ModeltrailApp
from tui.console.launch import build_app
from tui.demo.workspace import DemoCase


class Gated:
    """The local documents provider, counting calls; a call can wait for a gate or fail."""

    def __init__(self, inner: Any) -> None:
        self.inner = inner
        self.gate = threading.Event()
        self.gate.set()
        self.down = False
        self.calls = 0
        type(self).name = type(inner).name  # same cache keys as the real provider

    def identity(self) -> Any:
        return self.inner.identity()

    def __getattr__(self, name: str) -> Any:
        attr = getattr(self.inner, name)
        if name == "close":
            return attr

        def call(*args: Any, **kwargs: Any) -> Any:
            self.calls += 1
            self.gate.wait(10)
            if self.down:
                raise Unavailable("connection timed out to management.azure.com")
            return attr(*args, **kwargs)

        return call


def console(demo: tuple[Path, DemoCase], ttl: float) -> tuple[ModeltrailApp, Gated]:
    """The console on the demo with the deployments provider gated."""
    workspace, case = demo
    profile = workspace_profile(workspace, "demo")
    warm, _ = open_cached(profile, {"ttl_seconds": ttl})
    assert warm.deployments is not None
    for endpoint in warm.deployments.list_endpoints():
        warm.deployments.list_deployments(endpoint.name)
    warm.close()
    day = case.logged_at[:10]
    app = build_app(profile, cache={"ttl_seconds": ttl}, initial_query=f"from:{day} to:{day}")
    proxy = app.session.backends.deployments
    assert isinstance(proxy, CachedProvider)
    gated = Gated(proxy.inner)
    proxy.inner = gated  # type: ignore[assignment]
    return app, gated


def note(app: ModeltrailApp, widget_id: str) -> str:
    widget = app.query_one(widget_id, Static)
    return str(widget.render()) if widget.display else ""


def test_a_stale_answer_shows_at_once_marked_then_is_replaced(
    demo: tuple[Path, DemoCase],
) -> None:
    async def run() -> None:
        app, gated = console(demo, ttl=0)
        gated.gate.clear()
        async with app.run_test(size=(120, 36)) as pilot:
            await pilot.press("2")
            table = app.query_one("#deployment-table", DataTable)
            for _ in range(100):  # not settle(): a worker is waiting at the gate
                await pilot.pause(0.05)
                if gated.calls:
                    break
            await pilot.pause(0.1)
            assert table.row_count > 0  # shown from the cache while the backend is slow
            assert "refreshing" in note(app, "#deployments-cached")
            assert gated.calls == 1  # the revalidation is waiting at the gate
            gated.gate.set()
            await settle(pilot)
            await pilot.pause(0.3)
            assert note(app, "#deployments-cached") == ""
            assert table.row_count > 0

    asyncio.run(run())


def test_r_asks_the_backend_again_even_when_fresh(demo: tuple[Path, DemoCase]) -> None:
    async def run() -> None:
        app, gated = console(demo, ttl=3600)
        async with app.run_test(size=(120, 36)) as pilot:
            await pilot.press("2")
            await settle(pilot)
            assert gated.calls == 0  # fresh in the cache
            app.query_one("#deployment-table").focus()
            await pilot.press("r")
            await settle(pilot)
            await pilot.pause(0.3)
            assert gated.calls >= 2  # the endpoint list and each endpoint's deployments

    asyncio.run(run())


def test_unreachable_backend_banner_and_offline_toggle(demo: tuple[Path, DemoCase]) -> None:
    async def run() -> None:
        app, gated = console(demo, ttl=0)
        gated.down = True
        async with app.run_test(size=(120, 36)) as pilot:
            await pilot.press("2")
            await settle(pilot)
            await pilot.pause(0.3)
            assert app.query_one("#deployment-table", DataTable).row_count > 0
            assert "unreachable" in note(app, "#deployments-cached")
            assert "unreachable" in note(app, "#banner")
            calls = gated.calls
            await pilot.press("O")
            await settle(pilot)
            await pilot.pause(0.3)
            assert note(app, "#banner").startswith("OFFLINE")
            assert gated.calls == calls  # offline: nothing is asked of the backend
            assert "offline" in note(app, "#deployments-cached")
            await pilot.press("4")  # never fetched: each pane says what is missing
            await settle(pilot)
            await pilot.pause(0.3)
            assert "not in the cache" in note(app, "#releases-error")

    asyncio.run(run())
