"""Export a case as Markdown, JSON or HTML; each embeds (or is) the evidence document."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any

from providers.config import CaseSettings
from providers.errors import Unavailable
from providers.safetext import json_text
from tui.cases.atomic import write_atomic
from tui.cases.evidence import Redaction, build_evidence
from tui.cases.model import Case, utc_now
from tui.cases.report_html import html_segments
from tui.cases.report_layout import Segment
from tui.cases.report_markdown import markdown_segments

FORMATS = ("md", "json", "html")
SUFFIX = {"md": ".md", "json": ".json", "html": ".html"}


def report_segments(doc: dict[str, Any], fmt: str) -> list[Segment]:
    """The report of ``doc`` in format ``fmt``, as named pieces (see :mod:`.layout`)."""
    if fmt == "md":
        return markdown_segments(doc)
    if fmt == "html":
        return html_segments(doc)
    if fmt == "json":
        return [("evidence", json_text(doc, indent=2) + "\n")]
    raise ValueError(f"unknown export format {fmt!r} (one of {', '.join(FORMATS)})")


def render_report(doc: dict[str, Any], fmt: str) -> str:
    """The whole report of ``doc`` in format ``fmt``."""
    return "".join(text for _, text in report_segments(doc, fmt))


def export_case(
    case: Case,
    fmt: str,
    settings: CaseSettings,
    *,
    include_personal_data: bool = False,
    exporter: str = "modeltrail",
    now: datetime | None = None,
) -> str:
    """The evidence report of ``case``: personal fields masked unless asked for."""
    redaction = Redaction(settings.personal_fields, include_personal_data)
    doc = build_evidence(case, redaction, exported_at=now or utc_now(), exporter=exporter)
    return render_report(doc, fmt)


def write_report(path: Path, text: str) -> Path:
    """Write a report atomically (0600); Unavailable, with nothing half-written, when the
    disk is full or the folder cannot be written."""
    try:
        write_atomic(path, text.encode("utf-8"))
    except OSError as exc:
        raise Unavailable(
            f"cannot write {path}: {exc.strerror or exc}",
            hint="nothing was written; free some disk space or choose a writable folder",
        ) from None
    return path
