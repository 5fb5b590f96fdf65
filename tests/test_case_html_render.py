"""The HTML evidence report renders in headless Chromium (Debian package ``chromium``).

``python tests/test_case_html_render.py WORKSPACE OUT.png`` renders the demo case's report
(how ``screenshots/case-report.png`` was made).
"""

from __future__ import annotations

import os
import shutil
import struct
import subprocess
import sys
from pathlib import Path

import pytest
from case_demo import NOW, traced_case

from providers.config import CaseSettings
from tui.cases.exports import export_case
from tui.demo.workspace import DemoCase, ensure_demo

WINDOW = (1250, 1600)


def chromium() -> str:
    """The Chromium binary; a clear failure (CI) or skip (elsewhere) when it is missing."""
    found = shutil.which("chromium") or shutil.which("chromium-browser")
    if found is None:
        message = "headless Chromium is needed: apt-get install -y chromium"
        if os.environ.get("CI", "").lower() in ("1", "true", "yes"):
            pytest.fail(message)
        pytest.skip(message)
    return found


def render_png(binary: str, page: Path, out: Path) -> None:
    """Screenshot ``page`` with headless Chromium at the report's window size."""
    subprocess.run(
        [
            binary,
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--no-first-run",
            f"--screenshot={out}",
            f"--window-size={WINDOW[0]},{WINDOW[1]}",
            page.resolve().as_uri(),
        ],
        check=True,
        capture_output=True,
        timeout=120,
    )


def png_size(path: Path) -> tuple[int, int]:
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    width, height = struct.unpack(">II", data[16:24])
    return width, height


def report_html(demo: tuple[Path, DemoCase]) -> str:
    return export_case(traced_case(demo), "html", CaseSettings(), exporter="modeltrail", now=NOW)


def test_the_html_report_renders_in_headless_chromium(
    demo: tuple[Path, DemoCase], tmp_path: Path
) -> None:
    binary = chromium()
    page, blank = tmp_path / "report.html", tmp_path / "blank.html"
    page.write_text(report_html(demo), encoding="utf-8")
    blank.write_text("<!DOCTYPE html><html><body></body></html>")
    shot, empty = tmp_path / "report.png", tmp_path / "blank.png"
    render_png(binary, page, shot)
    render_png(binary, blank, empty)
    assert png_size(shot) == WINDOW
    # A rendered report (text, tables, the diff) compresses far worse than a blank page.
    assert shot.stat().st_size > 20 * empty.stat().st_size, (
        shot.stat().st_size,
        empty.stat().st_size,
    )


if __name__ == "__main__":
    workspace, target = Path(sys.argv[1]), Path(sys.argv[2])
    info, _ = ensure_demo(workspace)
    html = target.with_suffix(".html")
    html.write_text(report_html((workspace, info)), encoding="utf-8")
    render_png(shutil.which("chromium") or "chromium", html, target)
    html.unlink()
