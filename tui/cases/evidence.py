"""The evidence document: a case turned into hashed items, the form every export embeds.

Canonical JSON (what every hash is taken over): UTF-8, object keys sorted, no whitespace
between tokens (separators ``,`` and ``:``), non-ASCII characters written as they are
(not ``\\u`` escapes) except lone surrogates (``\\ud800``: UTF-8 cannot hold them), no
NaN or infinity — ``json.dumps(value, sort_keys=True, separators=(",", ":"),
ensure_ascii=False, allow_nan=False)``, lone surrogates escaped, ``.encode("utf-8")``.

The document::

    {"format": "modeltrail-evidence", "format_version": 1,
     "case": {…header: name, question, profile, times, exporter, redaction…},
     "case_sha256": sha256(canonical(case)),
     "items": [{"id": "hop:prediction", "kind": "hop", "title": "…", "data": {…},
                "sha256": sha256(canonical({id, kind, title, data}))}, …],
     "manifest_sha256": sha256(canonical({"case_sha256": …,
                                          "items": [[id, sha256], …]}))}

Changing any item changes its hash; adding, removing or reordering items, or editing the
header, changes the manifest hash.  Keep the manifest hash apart from the report (in the
ticket, say) to detect a report whose hashes were all recomputed.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from providers.safetext import json_text
from providers.serialize import to_jsonable
from providers.trail.explanation import explanation_lines
from tui.cases.data_items import data_items
from tui.cases.model import Bookmark, Case, Comparison, Snapshot
from tui.cases.redact import mask_prediction, scrub_secrets
from tui.cases.snapshot import record_of
from tui.render.compare import CompareRow, Side, compare

FORMAT = "modeltrail-evidence"
FORMAT_VERSION = 1
ITEM_KEYS = ("id", "kind", "title", "data")


def canonical_json(value: Any) -> bytes:
    """The canonical JSON bytes of ``value`` (see the module docstring)."""
    text = json_text(value, sort_keys=True, separators=(",", ":"), only_surrogates=True)
    return text.encode("utf-8")


def sha256_of(value: Any) -> str:
    """Hex SHA-256 of the canonical JSON of ``value``."""
    return hashlib.sha256(canonical_json(value)).hexdigest()


def item_sha256(item: dict[str, Any]) -> str:
    """The hash of an item: over its id, kind, title and data."""
    return sha256_of({k: item.get(k) for k in ITEM_KEYS})


def manifest_sha256(case_hash: str, items: Iterable[dict[str, Any]]) -> str:
    """The hash over the header's hash and each item's id and hash, in order."""
    return sha256_of(
        {"case_sha256": case_hash, "items": [[i.get("id"), i.get("sha256")] for i in items]}
    )


@dataclass(frozen=True, slots=True)
class Redaction:
    """Which personal fields of prediction payloads are masked (none when included)."""

    personal_fields: tuple[str, ...]
    include_personal_data: bool = False

    def record(self, snap: Snapshot | None) -> dict[str, Any] | None:
        """A snapshot's record ready for export: secrets removed, personal fields masked."""
        if snap is None:
            return None
        data: dict[str, Any] = scrub_secrets(snap.record)
        if snap.record_type == "Prediction" and not self.include_personal_data:
            data = mask_prediction(data, self.personal_fields)
        return data


def build_evidence(
    case: Case, redaction: Redaction, *, exported_at: datetime, exporter: str
) -> dict[str, Any]:
    """The evidence document of ``case`` (see the module docstring)."""
    header = {
        "name": case.name,
        "question": case.question,
        "profile": case.profile,
        "created_at": case.created_at.isoformat(),
        "updated_at": case.updated_at.isoformat(),
        "exported_at": exported_at.isoformat(),
        "exported_by": exporter,
        "redaction": {
            "personal_data_included": redaction.include_personal_data,
            "masked_fields": []
            if redaction.include_personal_data
            else list(redaction.personal_fields),
            "secrets": "removed",
        },
    }
    header = scrub_secrets(header)
    items = []
    for item_id, kind, title, data in _items(case, redaction):
        item = {"id": item_id, "kind": kind, "title": title, "data": scrub_secrets(data)}
        item["sha256"] = item_sha256(item)
        items.append(item)
    case_hash = sha256_of(header)
    return {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "case": header,
        "case_sha256": case_hash,
        "items": items,
        "manifest_sha256": manifest_sha256(case_hash, items),
    }


Item = tuple[str, str, str, Any]


def _source(snap: Snapshot | None) -> dict[str, Any] | None:
    if snap is None:
        return None
    return {"provider": snap.provider, "native_id": snap.native_id, "url": snap.url}


def _items(case: Case, redaction: Redaction) -> Iterator[Item]:
    if case.trail is not None and case.trail.explanation is not None:
        explained = case.trail.explanation
        data = {"lines": explanation_lines(explained), "explanation": to_jsonable(explained)}
        yield "explanation", "explanation", "The decision explained", data
    yield from _hop_items(case, redaction)
    yield from _metrics_items(case)
    yield from _compare_items(case)
    yield from _diff_items(case)
    yield from data_items(case)
    for n, bookmark in enumerate(case.bookmarks, start=1):
        yield _bookmark_item(n, bookmark, redaction)
    if case.commit_marks:
        marks = [
            {"mark": m.mark, "sha": m.sha, "marked_at": m.marked_at.isoformat()}
            for m in case.commit_marks
        ]
        yield "commit-marks", "marks", "Commit walk: good/bad marks", marks
    for n, note in enumerate(case.notes, start=1):
        yield (
            f"note:{n}",
            "note",
            f"Note {n}",
            {"text": note.text, "written_at": note.written_at.isoformat()},
        )
    if case.looked_at:
        looked = [
            {"pane": x.pane, "key": x.key, "label": x.label, "at": x.at.isoformat()}
            for x in case.looked_at
        ]
        yield "looked-at", "looked-at", "Objects looked at", looked


def _hop_items(case: Case, redaction: Redaction) -> Iterator[Item]:
    if case.trail is None:
        return
    for n, hop in enumerate(case.trail.hops, start=1):
        snap = hop.snapshot
        data = {
            "position": n,
            "kind": hop.kind,
            "label": hop.label,
            "status": hop.status,
            "reason": hop.reason,
            "source": _source(snap),
            "retrieved_at": hop.retrieved_at.isoformat(),
            "record_type": snap.record_type if snap else None,
            "record": redaction.record(snap),
        }
        yield f"hop:{hop.kind}", "hop", f"Trail hop {n}: {hop.kind} {hop.label}", data


def _runs(case: Case) -> Iterator[tuple[Snapshot | None, Snapshot]]:
    """(model version, run) snapshots of the model versions involved."""
    if case.trail is not None:
        by_kind = {h.kind: h.snapshot for h in case.trail.hops}
        run = by_kind.get("run")
        if run is not None:
            yield by_kind.get("model"), run
    for bookmark in case.bookmarks:
        for related in bookmark.related:
            if related.record_type == "TrainingRun":
                yield bookmark.snapshot, related
        if bookmark.snapshot is not None and bookmark.snapshot.record_type == "TrainingRun":
            yield None, bookmark.snapshot
    for compared in case.compares:
        for version, run in (
            (compared.left, compared.left_run),
            (compared.right, compared.right_run),
        ):
            if run is not None:
                yield version, run


def _metrics_items(case: Case) -> Iterator[Item]:
    seen = set()
    for model, run in _runs(case):
        record = run.record
        version = model.record if model is not None and model.record_type == "ModelVersion" else {}
        name = f"{version.get('name', '?')}:{version.get('version', '?')}" if version else "?"
        run_id = str(record.get("run_id", run.native_id))
        if (name, run_id) in seen:
            continue
        seen.add((name, run_id))
        data = {
            "model": name,
            "run_id": run_id,
            "run_status": record.get("status"),
            "metrics": dict(sorted(record.get("metrics", {}).items())),
            "parameters": dict(sorted(record.get("parameters", {}).items())),
            "source": _source(run),
        }
        title = f"Metrics and parameters of model {name} (run {run_id})"
        yield f"metrics:{name}:{run_id}", "metrics", title, data


def _compare_items(case: Case) -> Iterator[Item]:
    for compared in case.compares:
        reference, other = _version_name(compared.left), _version_name(compared.right)
        rows = compared_rows(compared)
        data = {
            "reference": reference,
            "compared": other,
            "compared_at": compared.compared_at.isoformat(),
            "differences": [
                {
                    "section": row.section,
                    "setting": row.key,
                    "reference": row.left,
                    "compared": row.right,
                    "change": row.change,
                    "delta": row.delta,
                }
                for row in rows
            ],
            "sources": {"reference": _source(compared.left), "compared": _source(compared.right)},
        }
        title = f"Compare of {reference} (reference) and {other}: {len(rows)} differences"
        yield f"compare:{reference}:{other}", "compare", title, data


def _version_name(snap: Snapshot) -> str:
    return f"{snap.record.get('name', '?')}:{snap.record.get('version', '?')}"


def compared_rows(compared: Comparison) -> list[CompareRow]:
    """The rows of a kept compare that differ, as the Models pane showed them (d)."""
    where = f"compare of {compared.left.native_id} and {compared.right.native_id}"

    def side(version: Snapshot, run: Snapshot | None) -> Side:
        return record_of(version, where), record_of(run, where) if run is not None else None

    left = side(compared.left, compared.left_run)
    right = side(compared.right, compared.right_run)
    return compare(left, right, only_differences=True)


def _diff_items(case: Case) -> Iterator[Item]:
    for bookmark in case.bookmarks:
        snap = bookmark.snapshot
        if snap is None or snap.record_type != "Commit":
            continue
        commit = snap.record
        sha = str(commit.get("sha", bookmark.key))
        subject = str(commit.get("message", "")).split("\n", 1)[0]
        files = [
            {
                k: f.get(k)
                for k in ("path", "old_path", "change", "additions", "deletions", "binary", "diff")
            }
            for f in commit.get("files", [])
        ]
        data = {
            "sha": sha,
            "parents": commit.get("parents", []),
            "author": commit.get("author"),
            "authored_at": commit.get("authored_at"),
            "message": commit.get("message", ""),
            "note": bookmark.note,
            "files": files,
            "source": _source(snap),
        }
        yield f"diff:{sha[:12]}", "diff", f"Diff of commit {sha[:12]}: {subject}", data


def _bookmark_item(n: int, bookmark: Bookmark, redaction: Redaction) -> Item:
    snap = bookmark.snapshot
    data = {
        "kind": bookmark.kind,
        "key": bookmark.key,
        "label": bookmark.label,
        "note": bookmark.note,
        "marked_at": bookmark.marked_at.isoformat(),
        "source": _source(snap),
        # A commit's record (with its diff) is its diff item already.
        "record": None if snap is None or snap.record_type == "Commit" else redaction.record(snap),
    }
    return f"bookmark:{n}", "bookmark", f"Bookmark {n}: {bookmark.kind} {bookmark.label}", data
