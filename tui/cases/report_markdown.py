"""The Markdown report.  Text from data is never interpreted: inline text has every
character Markdown or HTML could act on backslash-escaped (no links, emphasis, code spans
or tags) and newlines flattened; multi-line text goes into fences longer than any run of
backticks it holds."""

from __future__ import annotations

import re
from typing import Any

from tui.cases.embed import markdown_block
from tui.cases.report_layout import (
    STATUS_MARK,
    Segment,
    author_line,
    compare_rows,
    diff_of,
    header_rows,
    metric_value,
    payload_json,
    sections,
    source_line,
    visible,
)

_SPECIAL = re.compile(r"([\\`*_\[\]<>|~&$#!])")
_BACKTICKS = re.compile(r"`+")


def inline(text: object) -> str:
    """Data text for a Markdown line: shown literally by any CommonMark/GFM renderer."""
    flat = visible(text).replace("\n", " ⏎ ").replace("\t", " ")
    return _SPECIAL.sub(r"\\\1", flat)


def code_block(text: str, lang: str = "") -> str:
    """``text`` in a fence no line of it can close."""
    body = visible(text).rstrip("\n")
    longest = max((len(run) for run in _BACKTICKS.findall(body)), default=0)
    fence = "`" * max(3, longest + 1)
    return f"{fence}{lang}\n{body}\n{fence}\n"


def _sha(item: dict[str, Any]) -> str:
    return f"- Evidence SHA-256: `{item['sha256']}`\n"


def _explanation(item: dict[str, Any]) -> str:
    first, *rest = item["data"]["lines"]
    text = f"**{inline(first)}**\n\n" + "".join(f"- {inline(line)}\n" for line in rest)
    return text + _sha(item) + "\n"


def _hop(item: dict[str, Any]) -> str:
    d = item["data"]
    mark = STATUS_MARK.get(d["status"], "?")
    text = f"### {d['position']}. {inline(d['kind'])}: {inline(d['label'])} {mark}\n\n"
    text += f"- Status: {inline(d['status'])}\n- Reason: {inline(d['reason'])}\n"
    text += f"- Source: {inline(source_line(d['source']))}\n"
    text += f"- Retrieved: {inline(d['retrieved_at'])}\n" + _sha(item)
    payload = payload_json(d.get("record"))
    if payload is not None:
        text += "\nPayload (as logged):\n\n" + code_block(payload, "json")
    return text + "\n"


def _metrics(item: dict[str, Any]) -> str:
    d = item["data"]
    text = f"### Model {inline(d['model'])}, run {inline(d['run_id'])}\n\n"
    text += "| Metric | Value |\n| --- | --- |\n"
    text += "".join(
        f"| {inline(k)} | {inline(metric_value(v))} |\n" for k, v in d["metrics"].items()
    )
    if d.get("parameters"):  # reports exported before parameters were kept have none
        text += "\n| Parameter | Value |\n| --- | --- |\n"
        text += "".join(f"| {inline(k)} | {inline(v)} |\n" for k, v in d["parameters"].items())
    text += (
        f"\n- Run status: {inline(d['run_status'])}\n- Source: {inline(source_line(d['source']))}\n"
    )
    return text + _sha(item) + "\n"


def _compare(item: dict[str, Any]) -> str:
    d = item["data"]
    text = f"### {inline(d['reference'])} (reference) and {inline(d['compared'])}\n\n"
    text += f"| Section | Setting | {inline(d['reference'])} | {inline(d['compared'])} | Change |\n"
    text += "| --- | --- | --- | --- | --- |\n"
    text += "".join(
        "| " + " | ".join(inline(cell) for cell in row) + " |\n" for row in compare_rows(d)
    )
    text += f"\n- Compared: {inline(d['compared_at'])}\n"
    return text + _sha(item) + "\n"


def _diff(item: dict[str, Any]) -> str:
    d = item["data"]
    subject = str(d["message"]).split("\n", 1)[0]
    text = f"### Commit {inline(d['sha'][:12])}: {inline(subject)}\n\n"
    author = inline(author_line(d))
    text += f"- Commit: {inline(d['sha'])}\n- Author: {author}\n- Note: {inline(d['note'])}\n"
    text += f"- Source: {inline(source_line(d['source']))}\n" + _sha(item)
    text += "\nMessage:\n\n" + code_block(d["message"], "text")
    return text + "\n" + code_block(diff_of(d["files"]), "diff") + "\n"


def _bookmark(item: dict[str, Any]) -> str:
    d = item["data"]
    return (
        f"- **{inline(d['kind'])}** {inline(d['label'])}: {inline(d['note'] or '(no note)')} "
        f"(marked {inline(d['marked_at'])}; {inline(source_line(d['source']))}; "
        f"SHA-256 `{item['sha256']}`)\n"
    )


def _marks(item: dict[str, Any]) -> str:
    lines = [
        f"- {inline(m['mark'])}: {inline(m['sha'])} (marked {inline(m['marked_at'])})\n"
        for m in item["data"]
    ]
    return "".join(lines) + _sha(item)


def _note(item: dict[str, Any]) -> str:
    d = item["data"]
    return f"- {inline(d['written_at'])}: {inline(d['text'])} (SHA-256 `{item['sha256']}`)\n"


def _looked_at(item: dict[str, Any]) -> str:
    rows = "".join(
        f"| {inline(x['at'])} | {inline(x['pane'])} | {inline(x['label'] or x['key'])} |\n"
        for x in item["data"]
    )
    return "| When | Pane | Object |\n| --- | --- | --- |\n" + rows + "\n" + _sha(item)


def _lines(item: dict[str, Any]) -> str:
    body = code_block("\n".join(item["data"]["lines"]))
    return f"### {inline(item['title'])}\n\n{body}{_sha(item)}"


_RENDER = {
    "explanation": _explanation,
    "hop": _hop,
    "metrics": _metrics,
    "compare": _compare,
    "diff": _diff,
    "bookmark": _bookmark,
    "marks": _marks,
    "note": _note,
    "looked-at": _looked_at,
    "manifest": _lines,
    "data-diff": _lines,
}


def markdown_segments(doc: dict[str, Any]) -> list[Segment]:
    """The report, piece by piece, each piece named by what it shows."""
    case = doc["case"]
    header = f"# Evidence report: case {inline(case['name'])}\n\n"
    header += f"**Question:** {inline(case['question'] or '(none recorded)')}\n\n"
    header += "| | |\n| --- | --- |\n"
    header += "".join(f"| {label} | {inline(value)} |\n" for label, value in header_rows(doc))
    segments: list[Segment] = [("header", header)]
    for title, empty, items in sections(doc):
        segments.append(("layout", f"\n## {title}\n\n" + ("" if items else f"{empty}\n")))
        segments += [(item["id"], _RENDER[item["kind"]](item)) for item in items]
    manifest = "\n## Evidence items\n\n| Item | SHA-256 |\n| --- | --- |\n"
    manifest += "".join(f"| {inline(i['id'])} | `{i['sha256']}` |\n" for i in doc["items"])
    manifest += f"| manifest | `{doc['manifest_sha256']}` |\n\n"
    manifest += (
        "Each SHA-256 is taken over the canonical JSON of the item (keys sorted, no "
        "whitespace, UTF-8). `modeltrail case verify FILE` checks the items, the manifest "
        "and this text against the machine-readable evidence below.\n\n"
    )
    segments.append(("manifest", manifest))
    segments.append(("evidence", markdown_block(doc)))
    return segments
