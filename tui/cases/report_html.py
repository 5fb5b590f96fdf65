"""The HTML report: one self-contained file (inline CSS, no script, no external asset)
that reads well on screen and printed.  Every text from data is HTML-escaped, and a
Content-Security-Policy forbids scripts and remote loads even if something slipped by."""

from __future__ import annotations

from html import escape
from typing import Any

from tui.cases.embed import html_block
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

CSS = """
:root { --ink: #1b1f24; --muted: #57606a; --line: #d0d7de; --ok: #1a7f37; --warn: #9a6700;
        --bad: #cf222e; --add: #e6ffec; --del: #ffebe9; --paper: #ffffff; --tint: #f6f8fa;
        --mono: ui-monospace, "SFMono-Regular", Menlo, Consolas, monospace; }
* { box-sizing: border-box; }
body { font: 14px/1.45 system-ui, -apple-system, "Segoe UI", sans-serif; color: var(--ink);
       background: var(--paper); margin: 0 auto; max-width: 1150px; padding: 24px; }
h1 { font-size: 24px; margin: 0 0 8px; }
h2 { font-size: 19px; margin: 28px 0 8px; border-bottom: 2px solid var(--line);
     padding-bottom: 4px; }
h3 { font-size: 15px; margin: 16px 0 6px; }
.question { font-size: 16px; border-left: 4px solid var(--ink); padding: 8px 12px;
            background: var(--tint); }
table { border-collapse: collapse; width: 100%; margin: 6px 0; }
th, td { border: 1px solid var(--line); padding: 4px 8px; text-align: left; vertical-align: top;
         overflow-wrap: anywhere; }
th { background: var(--tint); white-space: nowrap; }
.hash { font: 11px/1.3 var(--mono); color: var(--muted); overflow-wrap: anywhere; }
.resolved { color: var(--ok); }
.uncertain { color: var(--warn); }
.unresolved { color: var(--bad); }
.item { break-inside: avoid; margin-bottom: 10px; }
pre { font: 12px/1.35 var(--mono); background: var(--tint); border: 1px solid var(--line);
      padding: 8px; white-space: pre-wrap; overflow-wrap: anywhere; }
pre .add { background: var(--add); display: block; }
pre .del { background: var(--del); display: block; }
pre .hunk { color: #0550ae; display: block; }
.empty, .foot { color: var(--muted); }
@page { size: A4; margin: 14mm 12mm; }
@media print {
  body { max-width: none; padding: 0; font-size: 11px; }
  h2, h3 { break-after: avoid; }
  pre { font-size: 9.5px; }
  tr { break-inside: avoid; }
  .item { break-inside: auto; }
}
"""


def text(value: object) -> str:
    """Data text as HTML: escaped, control characters shown."""
    return escape(visible(value), quote=True)


def _sha(item: dict[str, Any]) -> str:
    return f'<div class="hash">SHA-256 {item["sha256"]}</div>'


def _source(source: dict[str, Any] | None) -> str:
    """The source; its URL is a link only when it is plain http(s)."""
    shown = text(source_line(source))
    url = (source or {}).get("url")
    if isinstance(url, str) and url.lower().startswith(("https://", "http://")):
        return f'{shown} <a href="{text(url)}" rel="noopener noreferrer">(open)</a>'
    return shown


def _diff_pre(diff: str) -> str:
    lines = []
    for line in visible(diff).rstrip("\n").split("\n"):
        css = (
            "add"
            if line.startswith("+") and not line.startswith("+++")
            else "del"
            if line.startswith("-") and not line.startswith("---")
            else "hunk"
            if line.startswith("@@")
            else ""
        )
        lines.append(f'<span class="{css}">{escape(line)}</span>' if css else escape(line))
    return "<pre>" + "\n".join(lines) + "</pre>"


def _explanation(item: dict[str, Any]) -> str:
    first, *rest = item["data"]["lines"]
    more = "".join(f"<li>{text(line)}</li>" for line in rest)
    return (
        f'<div class="item" id="{text(item["id"])}"><p><strong>{text(first)}</strong></p>'
        f"{f'<ul>{more}</ul>' if more else ''}{_sha(item)}</div>\n"
    )


def _hop(item: dict[str, Any]) -> str:
    d = item["data"]
    status = str(d["status"])
    rows = [
        (
            "Status",
            f'<span class="{text(status)}">{STATUS_MARK.get(status, "?")} {text(status)}</span>',
        ),
        ("Reason", text(d["reason"])),
        ("Source", _source(d["source"])),
        ("Retrieved", text(d["retrieved_at"])),
    ]
    body = "".join(f"<tr><th>{k}</th><td>{v}</td></tr>" for k, v in rows)
    html = f'<div class="item" id="{text(item["id"])}"><h3>{d["position"]}. {text(d["kind"])}: '
    html += f"{text(d['label'])}</h3><table>{body}</table>"
    payload = payload_json(d.get("record"))
    if payload is not None:
        html += f"<div>Payload (as logged):</div><pre>{text(payload)}</pre>"
    return html + _sha(item) + "</div>\n"


def _metrics(item: dict[str, Any]) -> str:
    d = item["data"]
    rows = "".join(
        f"<tr><td>{text(k)}</td><td>{text(metric_value(v))}</td></tr>"
        for k, v in d["metrics"].items()
    )
    return (
        f'<div class="item" id="{text(item["id"])}"><h3>Model {text(d["model"])}, '
        f"run {text(d['run_id'])} ({text(d['run_status'])})</h3>"
        f"<table><tr><th>Metric</th><th>Value</th></tr>{rows}</table>{_parameters(d)}"
        f"<div>Source: {_source(d['source'])}</div>{_sha(item)}</div>\n"
    )


def _parameters(d: dict[str, Any]) -> str:
    """The run's parameters (none in reports exported before they were kept)."""
    if not d.get("parameters"):
        return ""
    rows = "".join(
        f"<tr><td>{text(k)}</td><td>{text(v)}</td></tr>" for k, v in d["parameters"].items()
    )
    return f"<table><tr><th>Parameter</th><th>Value</th></tr>{rows}</table>"


def _compare(item: dict[str, Any]) -> str:
    d = item["data"]
    head = "".join(
        f"<th>{text(h)}</th>"
        for h in ("Section", "Setting", d["reference"], d["compared"], "Change")
    )
    rows = "".join(
        "<tr>" + "".join(f"<td>{text(cell)}</td>" for cell in row) + "</tr>"
        for row in compare_rows(d)
    )
    return (
        f'<div class="item" id="{text(item["id"])}"><h3>{text(d["reference"])} (reference) '
        f"and {text(d['compared'])}</h3><table><tr>{head}</tr>{rows}</table>"
        f"<div>Compared: {text(d['compared_at'])}</div>{_sha(item)}</div>\n"
    )


def _diff(item: dict[str, Any]) -> str:
    d = item["data"]
    subject = str(d["message"]).split("\n", 1)[0]
    rows = [
        ("Commit", text(d["sha"])),
        ("Author", text(author_line(d))),
        ("Note", text(d["note"])),
        ("Source", _source(d["source"])),
    ]
    body = "".join(f"<tr><th>{k}</th><td>{v}</td></tr>" for k, v in rows)
    return (
        f'<div class="item" id="{text(item["id"])}">'
        f"<h3>Commit {text(d['sha'][:12])}: {text(subject)}</h3>"
        f"<table>{body}</table><pre>{text(d['message'])}</pre>{_diff_pre(diff_of(d['files']))}"
        f"{_sha(item)}</div>\n"
    )


def _bookmark(item: dict[str, Any]) -> str:
    d = item["data"]
    return (
        f'<tr id="{text(item["id"])}"><td>{text(d["kind"])}</td><td>{text(d["label"])}</td>'
        f"<td>{text(d['note'] or '(no note)')}</td><td>{text(d['marked_at'])}</td>"
        f'<td>{_source(d["source"])}</td><td class="hash">{item["sha256"]}</td></tr>\n'
    )


def _marks(item: dict[str, Any]) -> str:
    rows = "".join(
        f"<tr><td>{text(m['mark'])}</td><td>{text(m['sha'])}</td><td>{text(m['marked_at'])}</td></tr>"
        for m in item["data"]
    )
    return f'<div class="item" id="commit-marks"><table>{rows}</table>{_sha(item)}</div>\n'


def _note(item: dict[str, Any]) -> str:
    d = item["data"]
    return (
        f'<div class="item" id="{text(item["id"])}"><div class="hash">{text(d["written_at"])}</div>'
        f"<pre>{text(d['text'])}</pre>{_sha(item)}</div>\n"
    )


def _looked_at(item: dict[str, Any]) -> str:
    rows = "".join(
        f"<tr><td>{text(x['at'])}</td><td>{text(x['pane'])}</td>"
        f"<td>{text(x['label'] or x['key'])}</td></tr>"
        for x in item["data"]
    )
    head = "<tr><th>When</th><th>Pane</th><th>Object</th></tr>"
    return f'<div class="item" id="looked-at"><table>{head}{rows}</table>{_sha(item)}</div>\n'


def _lines(item: dict[str, Any]) -> str:
    body = text("\n".join(item["data"]["lines"]))
    return (
        f'<div class="item" id="{text(item["id"])}"><h3>{text(item["title"])}</h3>'
        f"<pre>{body}</pre>{_sha(item)}</div>\n"
    )


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
_HASH = ' class="hash"'
_BOOKMARK_HEAD = (
    "<table><tr><th>Kind</th><th>Object</th><th>Note</th><th>Marked</th><th>Source</th>"
    "<th>SHA-256</th></tr>\n"
)


def html_segments(doc: dict[str, Any]) -> list[Segment]:
    """The report, piece by piece, each piece named by what it shows."""
    case = doc["case"]
    title = f"Evidence report: case {text(case['name'])}"
    question = text(case["question"] or "(none recorded)")
    head = (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        '<meta http-equiv="Content-Security-Policy" content="default-src \'none\'; '
        "style-src 'unsafe-inline'; img-src data:\">"
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{title}</title><style>{CSS}</style></head><body>\n<h1>{title}</h1>\n"
        f'<div class="question"><strong>Question:</strong> {question}</div>\n'
    )
    rows = "".join(
        f"<tr><th>{label}</th><td{_HASH if 'SHA' in label else ''}>{text(value)}</td></tr>"
        for label, value in header_rows(doc)
    )
    segments: list[Segment] = [("header", f"{head}<table>{rows}</table>\n")]
    for section_title, empty, items in sections(doc):
        opening = f"<h2>{section_title}</h2>\n"
        if not items:
            segments.append(("layout", opening + f'<p class="empty">{empty}</p>\n'))
            continue
        wrap = items[0]["kind"] == "bookmark"
        segments.append(("layout", opening + (_BOOKMARK_HEAD if wrap else "")))
        segments += [(item["id"], _RENDER[item["kind"]](item)) for item in items]
        if wrap:
            segments.append(("layout", "</table>\n"))
    manifest = "<h2>Evidence items</h2>\n<table><tr><th>Item</th><th>SHA-256</th></tr>"
    manifest += "".join(
        f'<tr><td>{text(i["id"])}</td><td class="hash">{i["sha256"]}</td></tr>'
        for i in doc["items"]
    )
    manifest += (
        f'<tr><th>manifest</th><td class="hash">{doc["manifest_sha256"]}</td></tr></table>\n'
    )
    manifest += (
        '<p class="foot">Each SHA-256 is taken over the canonical JSON of the item (keys sorted, '
        "no whitespace, UTF-8). <code>modeltrail case verify FILE</code> checks the items, the "
        "manifest and this page against the evidence embedded in it.</p>\n"
    )
    segments.append(("manifest", manifest))
    segments.append(("evidence", html_block(doc) + "\n</body></html>\n"))
    return segments
