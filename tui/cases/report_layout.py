"""What both human-readable reports show, in which order, from an evidence document."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

from providers.safetext import safe_text
from providers.timeutil import UNREADABLE_DATE

# (item kind, section title, what the section says when it has no item; None: the section
# is left out then, so reports exported before it existed still verify)
SECTIONS: tuple[tuple[str, str, str | None], ...] = (
    ("explanation", "The decision explained", None),
    ("hop", "Trail, hop by hop", "Nothing was traced in this case."),
    ("metrics", "Metrics of the model versions involved", "No training run in this case."),
    ("compare", "Model versions compared (differences only)", None),
    ("manifest", "Training-data manifests", None),
    ("data-diff", "Training data compared", None),
    ("diff", "Suspicious diff", "No commit was bookmarked (m on a commit in the Commits pane)."),
    ("bookmark", "Bookmarks", "No bookmark."),
    ("marks", "Commit walk marks", "No good/bad mark."),
    ("note", "Notes", "No note."),
    ("looked-at", "Objects looked at", "Nothing recorded."),
)
STATUS_MARK = {"resolved": "✓", "uncertain": "~", "unresolved": "✗"}

Segment = tuple[str, str]  # (what it shows: an item id, "header", "layout" or "evidence"; text)


def visible(text: object) -> str:
    r"""``text`` as a string with unsafe characters (ESC, CR, BEL, bidi overrides, lone
    surrogates …) shown as escapes like ``\x1b`` (see :mod:`providers.safetext`)."""
    return safe_text("" if text is None else str(text))


def sections(doc: dict[str, Any]) -> Iterator[tuple[str, str, list[dict[str, Any]]]]:
    """(title, empty text, items) of each section shown, in report order."""
    for kind, title, empty in SECTIONS:
        items = [i for i in doc["items"] if i["kind"] == kind]
        if items or empty is not None:
            yield title, empty or "", items


def payload_json(record: dict[str, Any] | None) -> str | None:
    """The outputs and inputs of a prediction record, as indented JSON."""
    if not record or "inputs" not in record:
        return None
    shown = {"outputs": record.get("outputs"), "inputs": record.get("inputs")}
    return json.dumps(shown, indent=2, ensure_ascii=False)


def source_line(source: dict[str, Any] | None) -> str:
    """``provider · native id · URL`` of a source."""
    if not source:
        return "(no record)"
    parts = [source.get("provider") or "?", source.get("native_id") or "?"]
    if source.get("url"):
        parts.append(source["url"])
    return " · ".join(str(p) for p in parts)


def redaction_text(case: dict[str, Any]) -> str:
    """What the header says about personal data and secrets."""
    red = case.get("redaction", {})
    if red.get("personal_data_included"):
        return "personal data INCLUDED (exported with --include-personal-data); secrets removed"
    fields = ", ".join(red.get("masked_fields", [])) or "none configured"
    return f"personal fields masked ({fields}); secrets removed"


def header_rows(doc: dict[str, Any]) -> list[tuple[str, str]]:
    """The label/value rows of the report's header table."""
    case = doc["case"]
    return [
        ("Case", case.get("name", "")),
        ("Profile", case.get("profile", "")),
        ("Created", case.get("created_at", "")),
        ("Last updated", case.get("updated_at", "")),
        ("Exported", f"{case.get('exported_at', '')} by {case.get('exported_by', '')}"),
        ("Personal data", redaction_text(case)),
        ("Header SHA-256", doc.get("case_sha256", "")),
        ("Manifest SHA-256", doc.get("manifest_sha256", "")),
    ]


def compare_rows(d: dict[str, Any]) -> list[tuple[str, str, str, str, str]]:
    """(section, setting, reference, compared, change) of a compare item's differences."""
    return [
        (
            str(r["section"]),
            str(r["setting"]),
            str(r["reference"]),
            str(r["compared"]),
            str(r["change"]) + (f" ({r['delta']:+.4g})" if isinstance(r["delta"], float) else ""),
        )
        for r in d["differences"]
    ]


def metric_value(value: object) -> str:
    """A metric as the report prints it (floats to 4 significant digits)."""
    return f"{value:.4g}" if isinstance(value, float) else str(value)


def person(author: Any) -> str:
    """``Name <email>`` of a commit's author record."""
    if isinstance(author, dict):
        return f"{author.get('name', '?')} <{author.get('email', '?')}>"
    return "?"


def author_line(commit: dict[str, Any]) -> str:
    """``Name <email>, date`` of a bookmarked commit's diff item, its date as exported; an
    author line git could not read (date None) shows ``(unreadable), (unreadable date)``
    as the console does: flagged, never blank or made up."""
    at, author = commit.get("authored_at"), commit.get("author")
    if at is not None:
        return f"{person(author)}, {at}"
    known = isinstance(author, dict) and (author.get("name") or author.get("email"))
    return f"{person(author) if known else '(unreadable)'}, {UNREADABLE_DATE}"


def diff_of(files: list[dict[str, Any]]) -> str:
    """The patches of a commit's files, one after the other."""
    parts = []
    for f in files:
        if f.get("diff"):
            parts.append(f["diff"] if f["diff"].endswith("\n") else f["diff"] + "\n")
        elif f.get("binary"):
            parts.append(f"Binary file {f.get('path')} {f.get('change')}\n")
        else:
            parts.append(f"{f.get('change')} {f.get('path')} (diff not loaded)\n")
    return "".join(parts) or "(no changes)\n"
