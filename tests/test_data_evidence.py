"""The data hop as evidence on the demo: each folder the build recorded with its file
count, size and manifest hash (recomputed here from the files on disk), the file touched
after mortgage:4's build as a red flag, missing and empty folders said plainly, and no
data provider said as such; the same in ``trace`` and ``trace --json``."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from providers.backends import Backends, open_backends
from providers.config import Profile, ProviderSpec, workspace_profile
from providers.records import TrainingData
from providers.trail.resolver import RESOLVED, TrailResolver
from tui.demo.workspace import DemoCase

pytestmark = pytest.mark.timeout(180)
AUGUST = "training-data/applications/2026-08-01T000000Z"
JUNE = "training-data/applications/2026-06-01T000000Z"
REFERENCE = "training-data/reference/postcode-risk-v3"
BIN = Path(sys.executable).parent / "modeltrail"


def backends(workspace: Path, data: Path | None = None, *, no_data: bool = False) -> Backends:
    base = workspace_profile(workspace)
    concerns = dict(base.concerns)
    if no_data:
        del concerns["data"]
    elif data is not None:
        concerns["data"] = ProviderSpec("local-data", {"path": str(data)})
    return open_backends(Profile("test", base.base_dir, concerns))


def data_of(b: Backends, version: str) -> tuple[str, TrainingData]:
    hop = TrailResolver(b).from_model("mortgage", version).hop("data")
    assert hop is not None and hop.status == RESOLVED
    assert isinstance(hop.record, TrainingData)
    return hop.reason, hop.record


def manifest_by_hand(folder: Path) -> tuple[int, int, str]:
    lines = []
    for path in sorted(p for p in folder.rglob("*") if p.is_file()):
        data = path.read_bytes()
        digest = hashlib.md5(data, usedforsecurity=False).hexdigest()
        lines.append(f"{path.relative_to(folder).as_posix()}\t{len(data)}\tmd5:{digest}\n")
    total = sum(p.stat().st_size for p in folder.rglob("*") if p.is_file())
    return len(lines), total, "sha256:" + hashlib.sha256("".join(lines).encode()).hexdigest()


def test_mortgage_4_data_has_manifests_and_the_red_flag(demo: tuple[Path, DemoCase]) -> None:
    workspace, _ = demo
    reason, data = data_of(backends(workspace), "4")
    assert [f.folder for f in data.folders] == [AUGUST, REFERENCE]
    for evidence in data.folders:
        assert evidence.exists
        got = (evidence.file_count, evidence.total_bytes, evidence.manifest_hash)
        assert got == manifest_by_hand(workspace / evidence.folder)
    assert data.reference == "build 20260810.1 was queued at 2026-08-10 02:00 UTC"
    august = data.folders[0]
    assert [f.path for f in august.touched_after] == ["part-0001.csv"]
    assert data.folders[1].touched_after == ()
    assert f"RED FLAG: {AUGUST}: 1 file(s) modified after training started: part-0001.csv" in reason


def test_mortgage_3_data_was_not_touched_after_its_build(demo: tuple[Path, DemoCase]) -> None:
    reason, data = data_of(backends(demo[0]), "3")
    assert [f.folder for f in data.folders] == [JUNE, REFERENCE]
    assert all(not f.touched_after and f.file_count for f in data.folders)
    assert reason.endswith(
        "2 folder(s), 5 file(s) read; none modified after build 20260615.1 was queued at "
        "2026-06-15 02:00 UTC"
    )


def test_missing_and_empty_folders_are_said_plainly(
    demo: tuple[Path, DemoCase], tmp_path: Path
) -> None:
    (tmp_path / AUGUST).mkdir(parents=True)  # empty; the reference folder is missing
    reason, data = data_of(backends(demo[0], tmp_path), "4")
    assert [(f.folder, f.exists, f.file_count) for f in data.folders] == [
        (AUGUST, True, 0),
        (REFERENCE, False, 0),
    ]
    assert f"{AUGUST}: EMPTY: the folder holds no file" in reason
    assert f"{REFERENCE}: MISSING: the build names it but the store has no such folder" in reason


def test_no_data_provider_is_said(demo: tuple[Path, DemoCase]) -> None:
    reason, data = data_of(backends(demo[0], no_data=True), "4")
    assert data.folders == ()
    assert "the folders were not checked: no data provider is configured" in reason


def test_a_touched_copy_flags_only_what_was_touched(
    demo: tuple[Path, DemoCase], tmp_path: Path
) -> None:
    for folder in (AUGUST, REFERENCE):
        shutil.copytree(demo[0] / folder, tmp_path / folder)
    late = tmp_path / REFERENCE / "postcode_risk.csv"
    os.utime(late, (1786000000, 1786000000))  # 2026-08-06: before the build, not flagged
    _, data = data_of(backends(demo[0], tmp_path), "4")
    assert [f.path for f in data.folders[1].touched_after] == []
    os.utime(late, (1786700000, 1786700000))  # 2026-08-14: after the build
    _, data = data_of(backends(demo[0], tmp_path), "4")
    assert [f.path for f in data.folders[1].touched_after] == ["postcode_risk.csv"]


def test_trace_shows_the_manifests_and_json_carries_them(demo: tuple[Path, DemoCase]) -> None:
    workspace, case = demo
    run = [str(BIN), "trace", case.request_id, "--workspace", str(workspace)]
    text = subprocess.run(run, capture_output=True, text=True, timeout=120, check=True).stdout
    expected = manifest_by_hand(workspace / AUGUST)
    assert f"4 files, 82.8 kB, manifest {expected[2][:23]}…" in text
    assert "RED FLAG: 1 file(s) modified after training started: part-0001.csv" in text
    assert "part-0001.csv modified 2026-08-19 11:42 UTC" in text
    out = subprocess.run([*run, "--json"], capture_output=True, text=True, timeout=120, check=True)
    hop = next(h for h in json.loads(out.stdout)["hops"] if h["kind"] == "data")
    folders = hop["record"]["folders"]
    assert folders[0]["manifest_hash"] == expected[2]
    assert [f["path"] for f in folders[0]["touched_after"]] == ["part-0001.csv"]
