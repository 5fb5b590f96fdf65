"""``modeltrail case …`` run as a real subprocess through the installed console script."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from case_demo import traced_case

from tui.cases.case_folder import CaseStore
from tui.demo.workspace import DemoCase

BIN = Path(sys.executable).parent / "modeltrail"


def run(data_home: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(BIN), *args],
        check=False,
        capture_output=True,
        text=True,
        timeout=120,
        stdin=subprocess.DEVNULL,
        env={**os.environ, "XDG_DATA_HOME": str(data_home)},
    )


def test_new_list_and_refusals(demo: tuple[Path, DemoCase], tmp_path: Path) -> None:
    workspace, info = demo
    made = run(
        tmp_path, "case", "new", "c1", "--question", info.question, "--workspace", str(workspace)
    )
    assert made.returncode == 0, made.stderr
    case = json.loads((tmp_path / "modeltrail/cases/c1.json").read_text())
    assert case["question"] == info.question and case["workspace"] == str(workspace)
    again = run(tmp_path, "case", "new", "c1")
    assert again.returncode == 2 and "already exists" in again.stderr
    assert run(tmp_path, "case", "new", "../x").returncode == 2
    (tmp_path / "modeltrail/cases/broken.json").write_text('{"schema_version": 1, "name"')
    listed = run(tmp_path, "case", "list")
    assert listed.returncode == 0
    assert "c1  updated" in listed.stdout and "broken  UNREADABLE" in listed.stdout
    opened = run(tmp_path, "case", "open", "broken")
    assert opened.returncode == 2 and "not valid JSON" in opened.stderr
    headless = run(tmp_path, "case", "open", "c1")
    assert headless.returncode == 2 and "needs a terminal" in headless.stderr


def test_export_and_verify_exit_codes(demo: tuple[Path, DemoCase], tmp_path: Path) -> None:
    CaseStore(tmp_path / "modeltrail/cases").save(traced_case(demo))
    for fmt in ("md", "json", "html"):
        out = tmp_path / f"report.{fmt}"
        exported = run(tmp_path, "case", "export", "auditor", "--format", fmt, "--out", str(out))
        assert exported.returncode == 0, exported.stderr
        assert "[redacted]" in out.read_text()
        ok = run(tmp_path, "case", "verify", str(out))
        assert ok.returncode == 0 and "intact" in ok.stdout
    default = run(tmp_path, "case", "export", "auditor", "--format", "json")
    assert Path(default.stdout.strip()) == tmp_path / "modeltrail/cases/exports/auditor.json"
    personal = run(
        tmp_path,
        "case",
        "export",
        "auditor",
        "--format",
        "json",
        "--out",
        "-",
        "--include-personal-data",
    )
    assert '"applicant_age": 38' in personal.stdout
    report = tmp_path / "report.json"
    doc = json.loads(report.read_text())
    run_hop = next(i for i in doc["items"] if i["id"] == "hop:run")
    run_hop["data"]["record"]["metrics"]["auc"] = 0.99
    report.write_text(json.dumps(doc))
    tampered = run(tmp_path, "case", "verify", str(report))
    assert tampered.returncode == 1 and "changed: item hop:run" in tampered.stderr
    report.write_text("not a report")
    assert run(tmp_path, "case", "verify", str(report)).returncode == 2
    assert run(tmp_path, "case", "verify", str(tmp_path / "missing.md")).returncode == 2
