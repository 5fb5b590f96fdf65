"""The CLI prints text from data (a tampered report, a config file, logged values) with
escape sequences, C1 controls, bidi overrides and lone surrogates shown, never sent raw."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime
from pathlib import Path

import pytest
from logtree import V2Tree

from providers.config import CaseSettings
from tui.cases.exports import export_case, write_report
from tui.cases.model import Case
from tui.cli.main import main

HOSTILE = "\x1b]0;owned\x07\x1b[2J\x9b31m\u202egnp.exe\ud800"
RAW = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069\ud800-\udfff]")


def _clean(text: str) -> None:
    assert not RAW.search(text), repr(RAW.search(text))


def test_verify_of_a_tampered_report_shows_its_item_ids_safely(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    case = Case.new("tampered").with_note("a note")
    path = write_report(tmp_path / "r.md", export_case(case, "md", CaseSettings()))
    hostile_id = json.dumps(HOSTILE)[1:-1]  # as JSON escapes: the report stays valid
    path.write_text(path.read_text().replace('"id": "note:1"', f'"id": "{hostile_id}"'))
    assert main(["case", "verify", str(path)]) == 1
    err = capsys.readouterr().err
    _clean(err)
    assert "changed: item \\x1b]0;owned\\x07" in err and "\\u202e" in err


def test_a_config_error_shows_the_file_text_safely(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = tmp_path / "config.toml"
    config.write_text('"\\u001b[2J\\u009b\\u202e" = 1\n')
    assert main(["--config", str(config), "cache", "info"]) == 2
    err = capsys.readouterr().err
    _clean(err)
    assert "\\x1b[2J" in err


def test_trace_json_writes_logged_controls_as_json_escapes(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    tree = V2Tree(tmp_path / "logs")
    tree.add(datetime(2026, 3, 4, 10, tzinfo=UTC), {"comment": HOSTILE}, {"s": 1}, request_id="r1")
    tree.write()
    config = tmp_path / "config.toml"
    config.write_text('[profiles.p.predictions]\nprovider = "local-logs"\npath = "logs"\n')
    assert main(["--config", str(config), "trace", "r1", "--json"]) == 0
    out = capsys.readouterr().out
    _clean(out)
    trail = json.loads(out)
    assert trail["hops"][0]["record"]["inputs"] == {"comment": HOSTILE}  # the same value
