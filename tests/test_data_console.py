"""Training data in the console at 80x24, asserted on the rendered screen: t in the Models
compare of mortgage:3 and mortgage:4 shows what changed in their data (the flags first,
then the debt-to-income means side by side), t again the parameters; the Releases detail
of the traced release shows each folder's manifest and the red flag, and t there shows the
same data diff of its model version against the previous one."""

from __future__ import annotations

import asyncio
import dataclasses
import re
from pathlib import Path

import pytest
from consoleapp import demo_app, screen_text, settle
from textual.pilot import Pilot

from providers.config import workspace_profile
from tui.cases.case_folder import CaseStore
from tui.console.launch import build_app
from tui.demo.workspace import DemoCase

pytestmark = pytest.mark.timeout(240)


async def press(pilot: Pilot[None], *keys: str) -> None:
    await pilot.press(*keys)
    await settle(pilot)


async def until(
    pilot: Pilot[None], pattern: str, keys: tuple[str, ...] = (), tries: int = 40
) -> str:
    """Settle (pressing ``keys`` between looks) until ``pattern`` is on screen."""
    for _ in range(tries):
        text = screen_text(pilot)
        if re.search(pattern, text, re.M):
            return text
        if keys:
            await press(pilot, *keys)
        else:
            await pilot.pause(0.25)
            await settle(pilot)
    raise AssertionError(f"{pattern!r} never on screen:\n{screen_text(pilot)}")


def run(demo: tuple[Path, DemoCase], scenario) -> None:  # type: ignore[no-untyped-def]
    workspace, case = demo

    async def main() -> None:
        app = demo_app(workspace, case)
        async with app.run_test(size=(80, 24)) as pilot:
            await settle(pilot)
            await press(pilot, "enter")  # trace the auditor's prediction
            await scenario(pilot)

    asyncio.run(main())


def test_t_in_the_compare_shows_the_data_diff_at_80x24(demo: tuple[Path, DemoCase]) -> None:
    async def scenario(pilot: Pilot[None]) -> None:
        await press(pilot, "3", "c")  # the traced mortgage:4 against mortgage:3
        await press(pilot, "t")
        text = await until(pilot, r"^ *Training data: mortgage:3 -> mortgage:4")
        assert re.search(r"4 large shift\(s\) or schema change\(s\) flagged:", text), text
        assert "! part-0000.csv: debt_to_income: mean 0.2998 -> 0.4101 (+37%)" in text
        assert "! income_bands.csv: column weight added" in text
        assert not re.search(r"parameters +threshold", text)  # the table gives way to the data
        text = await until(pilot, r"count 1,200 \| 1,200  mean 0\.2998 \| 0\.4101", ("pagedown",))
        await press(pilot, "t")
        await until(pilot, r"^ *parameters +threshold +changed +0\.50 +0\.62\b", ("pagedown",))
        assert "Training data: mortgage:3" not in screen_text(pilot)

    run(demo, scenario)


def test_the_releases_detail_shows_manifests_and_the_red_flag(
    demo: tuple[Path, DemoCase],
) -> None:
    async def scenario(pilot: Pilot[None]) -> None:
        await press(pilot, "4", "v")
        footer = screen_text(pilot).splitlines()[-1]  # the detail focused: / Search too
        assert "/ Search" in footer and "t Data diff" in footer and "? Help" in footer, footer
        text = await until(pilot, r"^ 2026-08-10 02:00 UTC is a red flag *$", ("j",))
        checked = r"data checked: a file modified after build 20260810\.1 was queued at *$"
        assert re.search(checked, text, re.M), text  # the line above, wrapped
        await until(
            pilot, r"data folder: training-data/applications/2026-08-01T000000Z", ("pagedown",)
        )
        await until(pilot, r"4 files, 82\.8 kB, manifest sha256:[0-9a-f]{16}…", ("pagedown",))
        await until(pilot, r"RED FLAG: 1 file\(s\) modified after training started", ("pagedown",))
        await until(pilot, r"part-0001\.csv modified 2026-08-19 11:42 UTC", ("pagedown",))

    run(demo, scenario)


def test_m_on_the_data_diff_bookmarks_it_into_the_case(
    demo: tuple[Path, DemoCase], tmp_path: Path
) -> None:
    workspace, info = demo
    store = CaseStore(tmp_path / "cases")
    profile = dataclasses.replace(workspace_profile(workspace, "demo"), description="demo")
    day = info.logged_at[:10]
    app = build_app(profile, initial_select=info.request_id, initial_query=f"from:{day} to:{day}")
    app.session.case_store = store

    async def main() -> None:
        async with app.run_test(size=(80, 24)) as pilot:
            await settle(pilot)
            await press(pilot, "enter", "3", "c", "t")
            await until(pilot, r"^ *Training data: mortgage:3 -> mortgage:4")
            await press(pilot, "m")
            await pilot.press(*"broker", "enter")
            await settle(pilot)

    asyncio.run(main())
    (name,) = store.names()
    marks = store.load(name).bookmarks
    assert [(b.kind, b.key, b.note) for b in marks] == [
        ("data-diff", "mortgage:3..mortgage:4", "broker")
    ]
    assert marks[0].snapshot is not None and marks[0].snapshot.record_type == "DataDiff"


def test_t_in_the_releases_detail_diffs_the_data_with_the_previous_version(
    demo: tuple[Path, DemoCase],
) -> None:
    async def scenario(pilot: Pilot[None]) -> None:
        await press(pilot, "4")  # the traced release: the one that deployed mortgage:4
        await until(pilot, r"Deployed: mortgage:4 image")
        footer = screen_text(pilot).splitlines()[-1]
        assert "t Data diff" in footer and "? Help" in footer, footer
        await press(pilot, "question_mark")  # the key is listed in the pane's help
        await until(pilot, r"│ t +Data diff +│", ("pagedown",))
        await press(pilot, "q")
        await press(pilot, "t")
        text = await until(pilot, r"^ *Training data: mortgage:3 -> mortgage:4")
        assert "mortgage:3 (reference ◆) → mortgage:4" in text, text
        assert re.search(r"4 large shift\(s\) or schema change\(s\) flagged:", text), text
        assert "! part-0000.csv: debt_to_income: mean 0.2998 -> 0.4101 (+37%)" in text
        assert "! income_bands.csv: min_income: mean 43,333 -> 58,333 (+35%)" in text
        assert "! income_bands.csv: column weight added" in text

    run(demo, scenario)
