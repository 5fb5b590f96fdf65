"""The spark provider in the console at 80×24, against the session's real Spark Connect
server (tests/spark_server.py) over the demo's collector folders as ``file:`` paths: a
search the engine runs whole says "Searching …" with no note while it runs (not the last
search's prediction), and leaving a search for a new one (``/``, a query, Enter) interrupts its
engine job (the server's log says it cancelled the Spark job) and says so; a search the
engine cannot run exactly (a filter on infinity) says so on screen."""

from __future__ import annotations

import asyncio
import re
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from consoleapp import screen_text, settle
from spark_server import SparkConnect, endless_job
from test_spark_provider import TOKEN_ENV, _demo_slice
from textual.pilot import Pilot

from providers.config import Profile, ProviderSpec
from providers.spark.picked_lines import PickedLines
from tui.console.launch import build_app
from tui.demo.workspace import DemoCase

SLOW = "from:2026-08-27 to:2026-08-27 annual_income<40000"  # v1 and v2 lines picked
NEW = "from:2026-08-27T14:00 to:2026-08-27T15:00"
INFINITE = f"{NEW} annual_income<inf"
ROW = re.compile(r"^2026-08-27 \d\d:\d\d:\d\d ", re.M)  # a prediction's row in the table
FIRST = '"request_id": "10133392-c9f5-48a9-aad5-870b72775a2a"'  # NEW's first row
POLL_SECONDS = 60


async def until(pilot: Pilot[None], ready: Callable[[], bool], what: str) -> None:
    """Pause until ``ready()`` holds, at most POLL_SECONDS."""
    deadline = time.monotonic() + POLL_SECONDS
    while not ready():
        assert time.monotonic() < deadline, f"{what} not in {POLL_SECONDS} s:\n{screen_text(pilot)}"
        await pilot.pause(0.05)


def _log(server: SparkConnect, start: int) -> str:
    """The server's log from ``start`` (INFO: the fixture waits for an INFO line)."""
    with server.log.open("rb") as log:
        log.seek(start)
        return log.read().decode(errors="replace")


def _jobs(server: SparkConnect, start: int) -> list[str]:
    """The Spark jobs the server started since ``start`` in its log."""
    return re.findall(r"DAGScheduler: Got (?:map stage )?job (\d+) ", _log(server, start))


@pytest.mark.usefixtures("spark_starting")  # the JVM starts while the demo is made
def test_the_search_runs_in_the_engine_and_a_new_query_cancels_its_job(
    demo: tuple[Path, DemoCase],
    spark_connect: SparkConnect,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv(TOKEN_ENV, spark_connect.token)
    workspace, _case = demo
    logs = _demo_slice(workspace / "blobs", tmp_path / "logs")
    armed, started = threading.Event(), threading.Event()
    log_from: list[int] = []  # where the server's log stood when the slow job was sent
    real_query = PickedLines._query

    def endless_once_armed(self: PickedLines, session: Any, *args: Any) -> list[Any]:
        """Once armed, the next search's engine job runs for hours (the server's real
        job); the others read as usual."""
        if not armed.is_set() or started.is_set():
            return real_query(self, session, *args)
        log_from.append(spark_connect.log.stat().st_size)
        started.set()
        return endless_job(session)

    monkeypatch.setattr(PickedLines, "_query", endless_once_armed)
    settings = {"url": spark_connect.url(), "token_env": TOKEN_ENV, "path": f"file:{logs}"}
    profile = Profile("spark", tmp_path, {"predictions": ProviderSpec("spark", settings)})
    app = build_app(profile, initial_query=NEW)

    async def scenario() -> None:
        async with app.run_test(size=(80, 24), notifications=True) as pilot:
            provider = app.session.backends.predictions
            await until(pilot, lambda: f"114 predictions for '{NEW}'" in screen_text(pilot), NEW)
            assert FIRST in screen_text(pilot)  # the first row's detail
            armed.set()
            await pilot.press("slash", "ctrl+u", *SLOW, "enter")
            await until(pilot, started.is_set, "the slow search's engine job")
            # its Spark job runs on the server (then the user leaves the search)
            await until(pilot, lambda: bool(_jobs(spark_connect, log_from[0])), "its Spark job")
            job = _jobs(spark_connect, log_from[0])[0]
            await until(pilot, lambda: "Searching" in screen_text(pilot), "the status")
            text = screen_text(pilot)
            assert "Searching …" in text and "not all in the engine" not in text, text
            assert "so far" not in text and not ROW.search(text), text  # no result yet
            assert FIRST not in text and "No prediction selected." in text, text
            assert not provider.engine.interrupted
            await pilot.press("slash", "ctrl+u", *NEW, "enter")  # a new search
            await until(pilot, lambda: bool(provider.engine.interrupted), "the interrupt")
            cancelled = f"[SPARK_JOB_CANCELLED] Job {job} cancelled"  # the job gone
            await until(pilot, lambda: cancelled in _log(spark_connect, log_from[0]), cancelled)
            await until(pilot, lambda: "Left the search" in screen_text(pilot), "the notice")
            text = screen_text(pilot)
            assert f"Left the search for '{SLOW[:16]}" in text, text  # a toast, wrapped
            assert "its job" in text and "on the engine is cancelled." in text, text
            await settle(pilot)
            assert f"114 predictions for '{NEW}'" in screen_text(pilot)
            # a filter on infinity: the engine cannot compare it as Python does, and says so
            await pilot.press("slash", "ctrl+u", *INFINITE, "enter")
            await until(pilot, lambda: "predictions for" in screen_text(pilot), INFINITE)
            text = " ".join(screen_text(pilot).split())
            assert "(not all in the engine: a filter value the engine cannot" in text, text

    asyncio.run(scenario())
