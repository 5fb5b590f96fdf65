"""The evidence on screen, by keys only, read off the rendered screen at 80×24 and 120×40:
the question, the decision explained, each hop's reason in the breadcrumb and the trail
view (w), unresolved hops included."""

from __future__ import annotations

import asyncio
import dataclasses
import socket
from collections.abc import Awaitable, Callable
from pathlib import Path

import pytest
from consoleapp import demo_app, quiet, screen_text
from textual.pilot import Pilot

from providers.config import Profile, ProviderSpec, workspace_profile
from tui.cases.case_folder import CaseStore
from tui.console.app import ModeltrailApp
from tui.console.launch import build_app
from tui.demo.workspace import DemoCase

SIZES = pytest.mark.parametrize("size", [(80, 24), (120, 40)], ids=["80x24", "120x40"])
SENTENCE = "rejected: approval_probability 0.574 < threshold 0.62 of mortgage:4"


def flat(pilot: Pilot[None]) -> str:
    """The screen's text with line breaks and runs of spaces as one space (wrapped lines
    read on)."""
    return " ".join(screen_text(pilot).split())


def toasts(pilot: Pilot[None]) -> str:
    """The text of the notices on screen (right of their ▌ edge), flattened."""
    lines = screen_text(pilot).splitlines()
    return " ".join(" ".join(line.rpartition("▌")[2] for line in lines if "▌" in line).split())


async def trace(pilot: Pilot[None]) -> None:
    await pilot.press("enter")
    await quiet(pilot)


def drive(
    app: ModeltrailApp,
    size: tuple[int, int],
    steps: Callable[[Pilot[None]], Awaitable[None]],
    *,
    notifications: bool = False,
) -> None:
    """Open ``app`` at ``size``, wait for its first query, then run ``steps`` (notices
    rendered only when asked: Pilot hides them by default)."""

    async def scenario() -> None:
        async with app.run_test(size=size, notifications=notifications) as pilot:
            await quiet(pilot)
            await steps(pilot)

    asyncio.run(scenario())


@SIZES
def test_the_decision_is_explained_at_the_top_and_in_the_detail(
    demo: tuple[Path, DemoCase], size: tuple[int, int]
) -> None:
    async def steps(pilot: Pilot[None]) -> None:
        assert "Decision:" not in screen_text(pilot)  # nothing before a trace
        await trace(pilot)
        lines = screen_text(pilot).splitlines()
        top = next(i for i, line in enumerate(lines) if "Decision:" in line)
        assert top <= 3, lines[:5]  # under the top bar (and the question)
        assert SENTENCE in lines[top]
        # … and the prediction's detail: the sentence again, then the other versions.
        text = flat(pilot)
        assert text.count(f"Decision: {SENTENCE}") == 2
        assert "rule of mortgage:4: approval_probability >= 0.62" in text
        if size[1] >= 40:
            assert "under mortgage:3, threshold 0.5: approved" in text

    drive(demo_app(*demo), size, steps)


@SIZES
def test_a_hop_selected_in_the_breadcrumb_shows_its_reason(
    demo: tuple[Path, DemoCase], size: tuple[int, int]
) -> None:
    app = demo_app(*demo)

    async def steps(pilot: Pilot[None]) -> None:
        await trace(pilot)
        await pilot.press("T", "right", "right")  # the model hop
        await quiet(pilot)
        text = flat(pilot)
        assert "Hop 3 of 8: ✓ model mortgage:4" in text
        assert "why: deployment mortgage-prod/m4 references" in text
        await pilot.press(*["right"] * 5)  # the commit hop, the last
        await quiet(pilot)
        text = flat(pilot)
        assert "Hop 8 of 8: ✓ commit b470b23d22" in text
        assert "why: build 20260810.1 sourceVersion" in text
        assert "from: git b470b23d22" in text
        await pilot.press("enter")  # jumps to the commit's pane
        await quiet(pilot)
        assert "Hop 8 of 8" not in flat(pilot)
        assert app.current_pane.pane_id == "commits"

    drive(app, size, steps)


async def read_on(pilot: Pilot[None], pages: int) -> str:
    """The screen, then after each of ``pages`` presses of PageDown, flattened together."""
    seen = flat(pilot)
    for _ in range(pages):
        await pilot.press("pagedown")
        await quiet(pilot)
        seen += flat(pilot)
    return seen


def test_the_trail_view_scrolls_through_every_hops_reason_at_80x24(
    demo: tuple[Path, DemoCase],
) -> None:
    question = demo[1].question

    async def steps(pilot: Pilot[None]) -> None:
        await trace(pilot)
        await pilot.press("w")
        await quiet(pilot)
        first = flat(pilot)
        assert "Trail view" in first and f"Question: {question}" in first
        assert "Trail complete." not in first  # below the fold at 80×24
        seen = await read_on(pilot, 6)
        for kind in ("prediction", "deployment", "model", "run", "release", "build"):
            assert f"✓ {kind} " in seen, kind
        assert "✓ data 2 folders why: artifact model-meta" in seen
        await pilot.press("home")
        await quiet(pilot)
        assert flat(pilot) == first
        await pilot.press("j", "j", "j")
        await quiet(pilot)
        assert flat(pilot) != first
        await pilot.press("k", "k", "k")
        await quiet(pilot)
        assert flat(pilot) == first
        await pilot.press("end")
        await quiet(pilot)
        last = flat(pilot)
        assert "✓ commit b470b23d22 why: build 20260810.1 sourceVersion" in last
        assert "Trail complete." in last
        await pilot.press("w")  # closes it
        await quiet(pilot)
        assert "Trail view" not in flat(pilot)

    drive(demo_app(*demo), (80, 24), steps)


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def unreachable_models_app(workspace: Path, case: DemoCase) -> ModeltrailApp:
    """The demo, but its models served by an MLflow server that is not there."""
    base = workspace_profile(workspace, "broken")
    mlflow = ProviderSpec("mlflow", {"tracking_uri": f"http://127.0.0.1:{closed_port()}"})
    profile = Profile("broken", base.base_dir, {**base.concerns, "models": mlflow}, "broken")
    day = case.logged_at[:10]
    return build_app(profile, initial_query=f"from:{day} to:{day}", initial_select=case.request_id)


def test_an_unresolved_hop_says_why_and_what_to_do(demo: tuple[Path, DemoCase]) -> None:
    async def steps(pilot: Pilot[None]) -> None:
        await pilot.press("enter")
        await pilot.pause(0.5)
        notice = toasts(pilot)  # names the hop and why, not only "see the trail"
        assert "w: every hop's reason and what to do" in notice
        assert "Could not resolve the model: …" in notice and "cannot reach 127.0.0.1" in notice
        await quiet(pilot)
        assert "Decision: rejected: the rule cannot be told: no model version" in flat(pilot)
        await pilot.press("T", "right", "right")
        await quiet(pilot)
        text = flat(pilot)
        assert "Hop 3 of 8: ✗ model mortgage:4 (unresolved)" in text
        assert "cannot reach 127.0.0.1" in text
        await pilot.press("w")
        await quiet(pilot)
        seen = await read_on(pilot, 4)
        assert "✗ run ? (unresolved) why: no model version to read the run id from" in seen
        assert (
            "to do: check the models provider of the profile (its "
            "[profiles.broken.models] table), or the data it serves" in seen
        )
        assert "Trail incomplete" in seen

    drive(unreachable_models_app(*demo), (80, 24), steps, notifications=True)


@SIZES
def test_the_demos_question_stays_on_screen_and_in_a_case(
    demo: tuple[Path, DemoCase], size: tuple[int, int], tmp_path: Path
) -> None:
    opening = "Question: Why was mortgage application APP-2026-081734 rejected on 2026-08-27"
    app = demo_app(*demo)
    store = app.session.case_store = CaseStore(tmp_path / "cases")

    async def steps(pilot: Pilot[None]) -> None:
        assert opening in screen_text(pilot)  # toasts gone (quiet), the question stays
        await trace(pilot)
        await pilot.press("5")  # another pane: still there
        await quiet(pilot)
        assert opening in screen_text(pilot)
        await pilot.press("m", "enter")  # bookmark: starts a case, with the question
        await quiet(pilot)
        (name,) = store.names()
        assert store.load(name).question == demo[1].question

    drive(app, size, steps, notifications=True)


def test_a_profile_without_a_question_shows_none(demo: tuple[Path, DemoCase]) -> None:
    workspace, case = demo
    profile = dataclasses.replace(workspace_profile(workspace, "demo"), description="demo")

    async def steps(pilot: Pilot[None]) -> None:
        assert "Question:" not in screen_text(pilot)
        assert "Decision:" not in screen_text(pilot)

    drive(build_app(profile, initial_select=case.request_id), (80, 24), steps)
