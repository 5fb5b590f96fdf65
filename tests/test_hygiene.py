"""Layering and packaging rules that keep the console fast and the layers apart."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _modules_after(code: str) -> set[str]:
    out = subprocess.run(
        [sys.executable, "-c", f"{code}\nimport json, sys; print(json.dumps(sorted(sys.modules)))"],
        capture_output=True,
        text=True,
        check=True,
        cwd=ROOT,
    ).stdout
    return set(json.loads(out.splitlines()[-1]))


# The headless packages: never Textual, and of the console only what is headless too.
HEADLESS = ("providers", "cache", "tui/cases", "tui/demo", "tui/render")
HEADLESS_TUI = ("tui.cases", "tui.demo", "tui.render")


def test_headless_packages_never_import_textual_or_the_console() -> None:
    packages = sorted(
        str(p.relative_to(ROOT).with_suffix("")).replace("/", ".").removesuffix(".__init__")
        for top in HEADLESS
        for p in (ROOT / top).rglob("*.py")
    )
    loaded = _modules_after("\n".join(f"import {m}" for m in packages))
    leaked = {
        m
        for m in loaded
        if m.split(".")[0] == "textual" or (m.startswith("tui.") and not m.startswith(HEADLESS_TUI))
    }
    assert not leaked, f"headless packages import UI modules: {sorted(leaked)[:5]}"


def test_our_top_level_packages_come_from_this_repository() -> None:
    for name in ("tui", "providers", "cache"):
        out = subprocess.run(
            [sys.executable, "-c", f"import {name}; print({name}.__file__)"],
            capture_output=True,
            text=True,
            check=True,
            cwd="/",
        ).stdout.strip()
        assert Path(out).resolve().is_relative_to(ROOT), f"{name} imported from {out}"


def test_cli_start_path_imports_no_heavy_module() -> None:
    loaded = _modules_after("import tui.cli.main")
    heavy = {"azure", "textual", "duckdb", "pandas", "polars", "pyarrow", "httpx", "msrest"}
    heavy |= {"nbdime", "nbformat"}  # notebook diffs load them on the first notebook shown
    assert not {m.split(".")[0] for m in loaded} & heavy


def test_console_start_path_imports_no_heavy_module() -> None:
    """``python -X importtime`` of the console's start path lists no SDK or data engine."""
    result = subprocess.run(
        [sys.executable, "-X", "importtime", "-c", "import tui.console.launch, tui.console.app"],
        capture_output=True,
        text=True,
        check=True,
        cwd=ROOT,
    )
    imported = {
        line.rsplit("|", 1)[-1].strip().split(".")[0] for line in result.stderr.splitlines()
    }
    heavy = {"azure", "duckdb", "pandas", "polars", "pyarrow", "msrest", "httpx", "numpy"}
    heavy |= {"nbdime", "nbformat"}
    assert "textual" in imported and not imported & heavy, sorted(imported & heavy)
