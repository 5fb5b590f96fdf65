"""Training data in the case: the trail's folder manifests and a bookmarked data diff go
into every export format as hashed items, the case file keeps the diff, and ``verify``
recomputes each manifest's hash from the files it lists (an edit whose item and manifest
hashes were recomputed is still caught)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from case_demo import NOW, traced_case

from providers.backends import open_backends
from providers.config import CaseSettings, workspace_profile
from providers.datafolders.diff import DataDiff
from providers.trail.version_data import diff_versions
from tui.cases.codec import decode_case, encode_case
from tui.cases.embed import embedded_text
from tui.cases.evidence import item_sha256, manifest_sha256
from tui.cases.exports import FORMATS, export_case
from tui.cases.model import Bookmark, Case
from tui.cases.snapshot import record_of, snapshot_of
from tui.cases.verify import verify_text
from tui.demo.workspace import DemoCase

pytestmark = pytest.mark.timeout(180)
AUGUST = "training-data/applications/2026-08-01T000000Z"


def export(case: Case, fmt: str) -> str:
    return export_case(case, fmt, CaseSettings(), exporter="modeltrail test", now=NOW)


def with_data_diff(demo: tuple[Path, DemoCase]) -> tuple[Case, DataDiff]:
    backends = open_backends(workspace_profile(demo[0]))
    diff = diff_versions(backends, ("mortgage", "3"), ("mortgage", "4"))
    mark = Bookmark(
        "data-diff", "mortgage:3..mortgage:4", "training data", "broker channel", NOW,
        snapshot_of(diff),
    )  # fmt: skip
    return traced_case(demo).with_bookmark(mark), diff


@pytest.mark.parametrize("fmt", FORMATS)
def test_manifests_and_the_data_diff_are_exported_and_verify(
    demo: tuple[Path, DemoCase], fmt: str
) -> None:
    case, diff = with_data_diff(demo)
    text = export(case, fmt)
    doc = json.loads(text if fmt == "json" else embedded_text(text, fmt) or "")
    manifests = [i for i in doc["items"] if i["kind"] == "manifest"]
    expected = {
        (f.folder, f.manifest_hash) for d in (diff.left_data, diff.right_data) for f in d.folders
    }
    assert {(m["data"]["folder"], m["data"]["manifest_sha256"]) for m in manifests} == expected
    august = next(m["data"] for m in manifests if m["data"]["folder"] == AUGUST)
    assert august["touched_after"] == ["part-0001.csv"] and august["file_count"] == 4
    assert august["found_in"] == "the trail's data hop"
    data_diff = next(i for i in doc["items"] if i["kind"] == "data-diff")
    assert (
        "part-0000.csv: debt_to_income: mean 0.2998 -> 0.4101 (+37%)" in data_diff["data"]["flags"]
    )
    verdict = verify_text(text)
    assert verdict.ok, verdict.changed
    if fmt != "json":
        assert "Training-data manifests" in text and "Training data compared" in text
        arrow = "-&gt;" if fmt == "html" else "->"
        assert f"debt_to_income: mean 0.2998 {arrow} 0.4101 (+37%)" in text


def test_verify_recomputes_each_manifest_from_its_files(demo: tuple[Path, DemoCase]) -> None:
    case, _ = with_data_diff(demo)
    doc = json.loads(export(case, "json"))
    item = next(i for i in doc["items"] if i["kind"] == "manifest")
    item["data"]["files"][0]["size"] += 1  # a file's size changed …
    item["data"]["total_bytes"] += 1
    item["sha256"] = item_sha256(item)  # … and every hash recomputed to hide it
    doc["manifest_sha256"] = manifest_sha256(doc["case_sha256"], doc["items"])
    verdict = verify_text(json.dumps(doc))
    assert verdict.changed == (
        f"item {item['id']}: its manifest hash does not follow from its files",
    )


def test_the_case_file_keeps_the_data_diff(demo: tuple[Path, DemoCase]) -> None:
    case, diff = with_data_diff(demo)
    again = decode_case(encode_case(case), "case")
    snap = again.bookmarks[-1].snapshot
    assert snap is not None and snap.record_type == "DataDiff"
    assert record_of(snap, "bookmark") == diff
    assert (snap.provider, snap.native_id) == ("modeltrail", "data of mortgage:3 -> mortgage:4")
