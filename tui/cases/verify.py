"""Check an exported report: every item's hash, the header's, the manifest, and (for
Markdown and HTML) that the readable text is exactly what the embedded evidence renders."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from providers.errors import BadData, NotFound
from tui.cases.data_items import manifest_mismatches
from tui.cases.embed import embedded_text
from tui.cases.evidence import FORMAT, FORMAT_VERSION, item_sha256, manifest_sha256, sha256_of
from tui.cases.exports import report_segments

_SEGMENT_NAMES = {
    "header": "the case header (report text)",
    "layout": "the report's headings or layout",
    "manifest": "the table of evidence items (report text)",
    "evidence": "the embedded evidence",
}


@dataclass(frozen=True, slots=True)
class Verdict:
    """The outcome of a verification: what was checked and what changed."""

    fmt: str
    items: int
    manifest: str
    changed: tuple[str, ...]

    @property
    def ok(self) -> bool:
        """True when nothing changed."""
        return not self.changed


def report_format(text: str) -> str:
    """``"json"``, ``"html"`` or ``"md"``, from how the report starts."""
    head = text.lstrip()
    if head.startswith("{"):
        return "json"
    if head[:15].lower() == "<!doctype html>":
        return "html"
    return "md"


def verify_file(path: Path, expected_manifest: str | None = None) -> Verdict:
    """Verify the report at ``path``; NotFound/BadData when it cannot be read as one."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise NotFound(f"{path} does not exist") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise BadData(f"cannot read {path}: {exc}") from None
    return verify_text(text, str(path), expected_manifest)


def verify_text(text: str, where: str = "report", expected_manifest: str | None = None) -> Verdict:
    """Verify a report's text (any of the three formats)."""
    fmt = report_format(text)
    doc = _document(text, fmt, where)
    items = [i for i in doc["items"] if isinstance(i, dict)]
    changed = [f"item {i.get('id')!s}" for i in items if item_sha256(i) != i.get("sha256")]
    changed += manifest_mismatches(items)
    if len(items) != len(doc["items"]):
        changed.append("the list of items (an entry is not an object)")
    case_hash = sha256_of(doc.get("case"))
    if case_hash != doc.get("case_sha256"):
        changed.append("the case header")
    manifest = manifest_sha256(str(doc.get("case_sha256")), items)
    if manifest != doc.get("manifest_sha256"):
        changed.append("the manifest (an item's hash, or which items there are, was changed)")
    if expected_manifest and expected_manifest.lower() != doc.get("manifest_sha256"):
        changed.append(f"the manifest is not the expected {expected_manifest}")
    if fmt != "json" and not changed:
        shown = _first_difference(text, doc, fmt)
        if shown is not None:
            changed.append(shown)
    return Verdict(fmt, len(items), str(doc.get("manifest_sha256")), tuple(changed))


def _document(text: str, fmt: str, where: str) -> dict[str, Any]:
    raw = text if fmt == "json" else embedded_text(text, fmt)
    if raw is None:
        raise BadData(
            f"{where} holds no modeltrail evidence", hint="was it exported by modeltrail?"
        )
    try:
        doc = json.loads(raw)
    except json.JSONDecodeError as exc:
        raise BadData(
            f"{where}: the evidence is not valid JSON ({exc.msg}, line {exc.lineno})"
        ) from None
    if (
        not isinstance(doc, dict)
        or doc.get("format") != FORMAT
        or not isinstance(doc.get("items"), list)
    ):
        raise BadData(f"{where} is not a modeltrail evidence report")
    version = doc.get("format_version")
    if not isinstance(version, int) or version > FORMAT_VERSION:
        raise BadData(
            f"{where} uses evidence format {version!r}; this modeltrail reads up to "
            f"{FORMAT_VERSION}",
            hint="verify it with a newer modeltrail",
        )
    return doc


def _first_difference(text: str, doc: dict[str, Any], fmt: str) -> str | None:
    """What the first edited piece of the readable report shows, None if it is intact."""
    try:
        segments = report_segments(doc, fmt)
    except (KeyError, TypeError, ValueError, AttributeError):
        return "the embedded evidence (it does not render)"
    offset = 0
    for name, piece in segments:
        if text[offset : offset + len(piece)] != piece:
            return _SEGMENT_NAMES.get(name, f"item {name} (report text)")
        offset += len(piece)
    return None if offset == len(text) else "text added after the report"
