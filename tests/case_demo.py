"""Helpers of the case tests: the auditor's case traced on the demo workspace."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime
from functools import cache
from pathlib import Path

from providers.backends import open_backends
from providers.config import workspace_profile
from providers.trail.resolver import TrailResolver
from tui.cases.model import Bookmark, Case
from tui.cases.snapshot import case_trail, snapshot_of
from tui.demo.workspace import DemoCase

NOW = datetime(2026, 8, 28, 9, 30, tzinfo=UTC)
NASTY = "<script>alert(1)</script> [link](http://evil.example) ``` `code` *bold* | pipe"


def traced_case(demo: tuple[Path, DemoCase], name: str = "auditor") -> Case:
    """A case with the demo's trail, the suspicious commit bookmarked (with its diff),
    good/bad marks and a note (traced once per session: a case is immutable)."""
    return dataclasses.replace(_traced(*demo), name=name)


@cache
def _traced(workspace: Path, info: DemoCase) -> Case:
    backends = open_backends(workspace_profile(workspace, "demo"))
    try:
        trail = TrailResolver(backends).trace(info.request_id)
        assert backends.commits is not None
        commit = backends.commits.get_commit(info.suspicious_commit)
    finally:
        backends.close()
    case = Case.new(
        "auditor", question=info.question, profile="demo", workspace=str(workspace), now=NOW
    )
    case = case.with_trail(case_trail(trail, NOW), NOW)
    bookmark = Bookmark(
        "commit", commit.sha, commit.subject, "the threshold change", NOW, snapshot_of(commit)
    )
    case = case.with_bookmark(bookmark)
    case = case.with_commit_marks(commit.parents[0], commit.sha, NOW)
    return case.with_note("Threshold raised from 0.55 to 0.60 without review.", NOW)
