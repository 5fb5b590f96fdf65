"""Training-data evidence in the export: one item per folder manifest (from the trail's
data hop and from bookmarked data diffs) and one per bookmarked data diff, and the check
``verify`` adds: each manifest's hash is recomputed from the files the item lists."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from providers.datafolders.diff import DataDiff
from providers.datafolders.manifest import manifest_hash
from providers.records import DataFile, FolderEvidence, TrainingData
from providers.serialize import to_jsonable
from tui.cases.model import Case, Snapshot
from tui.cases.snapshot import record_of
from tui.render.data_diff import diff_text
from tui.render.data_evidence import folder_lines, size_text

Item = tuple[str, str, str, Any]


def _training_data(case: Case) -> Iterator[tuple[str, TrainingData]]:
    """(where from, evidence) of the trail's data hop and of each bookmarked data diff."""
    if case.trail is not None:
        for hop in case.trail.hops:
            if hop.snapshot is not None and hop.snapshot.record_type == "TrainingData":
                yield "the trail's data hop", record_of(hop.snapshot, "trail hop data")
    for diff in _diffs(case):
        yield f"the data diff {diff.left} -> {diff.right}", diff.left_data
        yield f"the data diff {diff.left} -> {diff.right}", diff.right_data


def _diffs(case: Case) -> Iterator[DataDiff]:
    for n, bookmark in enumerate(case.bookmarks, start=1):
        snap: Snapshot | None = bookmark.snapshot
        if snap is not None and snap.record_type == "DataDiff":
            yield record_of(snap, f"bookmark {n}")


def manifest_data(ev: FolderEvidence, data: TrainingData, found_in: str) -> dict[str, Any]:
    """A folder's manifest as an export item's data (its lines for the readable report)."""
    files = [
        {
            "path": f.path,
            "size": f.size,
            "content_hash": f.content_hash,
            "modified_at": f.modified_at.isoformat() if f.modified_at else None,
        }
        for f in ev.files
    ]
    lines = folder_lines(ev, full_hash=True)
    lines += [
        f"  {f.path}  {size_text(f.size)}  {f.content_hash or 'no hash'}  {f.modified_at or '?'}"
        for f in ev.files
    ]
    return {
        "folder": ev.folder,
        "exists": ev.exists,
        "file_count": ev.file_count,
        "total_bytes": ev.total_bytes,
        "manifest_sha256": ev.manifest_hash,
        "files": files,
        "touched_after": [f.path for f in ev.touched_after],
        "checked_against": data.reference,
        "immutability": ev.immutability,
        "hash_origin": ev.hash_origin,
        "problem": ev.problem,
        "found_in": found_in,
        "lines": lines,
    }


def data_items(case: Case) -> Iterator[Item]:
    """The manifests (each folder once per manifest hash), then the data diffs."""
    seen: set[tuple[str, str]] = set()
    for found_in, data in _training_data(case):
        for ev in data.folders:
            if (ev.folder, ev.manifest_hash) in seen:
                continue
            seen.add((ev.folder, ev.manifest_hash))
            title = f"Manifest of {ev.folder}: {ev.file_count:,} file(s), {ev.manifest_hash}"
            n = len(seen)
            yield f"manifest:{n}", "manifest", title, manifest_data(ev, data, found_in)
    for diff in _diffs(case):
        shown = to_jsonable(diff)
        del shown["left_data"], shown["right_data"]  # their manifests are items of their own
        data_ = {"left": diff.left, "right": diff.right, "flags": diff.flags, "diff": shown}
        data_["lines"] = diff_text(diff)
        title = f"Training data of {diff.left} and {diff.right}: {len(diff.flags)} flag(s)"
        yield f"data-diff:{diff.left}:{diff.right}", "data-diff", title, data_


def manifest_mismatches(items: list[dict[str, Any]]) -> list[str]:
    """Manifest items whose hash, file count or size does not follow from their files."""
    found = []
    for item in items:
        if item.get("kind") != "manifest":
            continue
        d: Any = item.get("data")
        try:
            files = [
                DataFile(str(f["path"]), int(f["size"]), f["content_hash"], None)
                for f in d["files"]
            ]
            same = (
                manifest_hash(files) == d["manifest_sha256"]
                and len(files) == d["file_count"]
                and sum(f.size for f in files) == d["total_bytes"]
            )
        except (TypeError, KeyError, ValueError):
            same = False
        if not same:
            found.append(
                f"item {item.get('id')!s}: its manifest hash does not follow from its files"
            )
    return found
