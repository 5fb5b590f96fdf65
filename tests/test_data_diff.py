"""The diff of two versions' training data: the demo's mortgage:3 -> mortgage:4 (the
shifted debt-to-income and the swapped income-band table, means checked against Python's
own arithmetic over the files), ``modeltrail data`` as text, JSON and its errors, every
kind of change on local folders (files added, removed, changed; columns added, removed,
retyped; null shares, row counts; Parquet and JSONL), bad files reported per file, the
byte limit said, and the same diff read from a real Azurite."""

from __future__ import annotations

import csv
import hashlib
import json
import subprocess
import sys
from pathlib import Path

import pytest
from azure.storage.blob import BlobServiceClient
from azurite import Endpoint, azurite

from providers.datafolders.blob import BlobDataProvider
from providers.datafolders.diff import DataDiff, FileDiff, diff_training_data
from providers.datafolders.local import LocalDataProvider
from providers.protocols import DataProvider, ProviderContext
from providers.records import BuildArtifact, Source, TrainingData
from providers.trail.data_evidence import folder_evidence
from tui.demo.workspace import DemoCase

__all__ = ["azurite"]  # the fixture, used by name
pytestmark = pytest.mark.timeout(180)
BIN = Path(sys.executable).parent / "modeltrail"
JUNE = "training-data/applications/2026-06-01T000000Z"
AUGUST = "training-data/applications/2026-08-01T000000Z"
REFERENCE = "training-data/reference/postcode-risk-v3"


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(BIN), *args], capture_output=True, text=True, timeout=120, check=False
    )


def mean_of(path: Path, column: str) -> float:
    values = [float(row[column]) for row in csv.DictReader(path.open())]
    return sum(values) / len(values)


def test_demo_diff_shows_the_shift_and_the_swapped_table(demo: tuple[Path, DemoCase]) -> None:
    workspace, _ = demo
    result = run("data", "mortgage:4", "--against", "mortgage:3", "--workspace", str(workspace))
    assert result.returncode == 0, result.stderr
    text = result.stdout
    old = mean_of(workspace / JUNE / "part-0000.csv", "debt_to_income")
    new = mean_of(workspace / AUGUST / "part-0000.csv", "debt_to_income")
    assert new / old - 1 > 0.3
    assert f"part-0000.csv: debt_to_income: mean {old:.4g} -> {new:.4g} (+37%)" in text
    assert "income_bands.csv: column weight added" in text
    assert "= training-data/reference/postcode-risk-v3 (same folder)" in text
    assert f"~ {JUNE}\n  -> {AUGUST} (successor (same parent folder))" in text
    assert "reading part-0000.csv" in result.stderr
    out = run(
        "data", "mortgage:4", "--against", "mortgage:3", "--workspace", str(workspace), "--json"
    )
    diff = json.loads(out.stdout)
    assert (diff["left"], diff["right"]) == ("mortgage:3", "mortgage:4")
    pair = next(f for f in diff["folders"] if f["right"] == AUGUST)
    part = next(f for f in pair["files"] if f["path"] == "part-0000.csv")
    column = next(c for c in part["columns"] if c["name"] == "debt_to_income")
    assert column["left"]["mean"] == pytest.approx(old) and column["right"][
        "mean"
    ] == pytest.approx(new)
    assert part["left_summary"]["rows"] == part["right_summary"]["rows"] == 1200


def test_data_prints_the_manifest_and_its_json(demo: tuple[Path, DemoCase]) -> None:
    workspace, _ = demo
    result = run("data", "mortgage:4", "--workspace", str(workspace))
    assert result.returncode == 0, result.stderr
    digest = hashlib.md5((workspace / AUGUST / "part-0001.csv").read_bytes()).hexdigest()
    assert f"part-0001.csv  41.3 kB  md5:{digest}  2026-08-19 11:42" in result.stdout
    assert "RED FLAG: 1 file(s) modified after training started: part-0001.csv" in result.stdout
    data = json.loads(run("data", "mortgage:4", "--workspace", str(workspace), "--json").stdout)
    assert data["model"] == "mortgage:4"
    assert [f["folder"] for f in data["data"]["folders"]] == [AUGUST, REFERENCE]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["mortgage:9"], "modeltrail: not found: local-rest: model mortgage:9 not found"),
        (["mortgage:4", "--against", "nope:1"], "modeltrail: not found: local-rest: model nope:1"),
        (["mortgage"], "modeltrail: error: 'mortgage' is not MODEL:VERSION (e.g. mortgage:4)"),
    ],
)
def test_unknown_versions_are_one_line_and_exit_2(
    demo: tuple[Path, DemoCase], args: list[str], message: str
) -> None:
    result = run("data", *args, "--workspace", str(demo[0]))
    assert result.returncode == 2 and result.stdout == ""
    assert result.stderr.startswith(message) and result.stderr.count("\n") == 1


# -- every kind of change, on local folders --------------------------------------------


def write(root: Path, files: dict[str, str | bytes]) -> None:
    for name, data in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(data, bytes):
            path.write_bytes(data)
        else:
            path.write_text(data)


def evidence(provider: DataProvider, folders: list[str]) -> TrainingData:
    art = BuildArtifact("meta", None, tuple(folders), {}, Source("t", "meta"))
    found = tuple(folder_evidence(provider, f, None) for f in folders)
    return TrainingData(art, found, "", None, art.source)


def diff_of(
    provider: DataProvider, left: list[str], right: list[str], limit: int = 8 << 20
) -> DataDiff:
    return diff_training_data(
        provider, ("m:1", evidence(provider, left)), ("m:2", evidence(provider, right)), limit
    )


def files_of(diff: DataDiff) -> dict[str, FileDiff]:
    return {f.path: f for folder in diff.folders for f in folder.files}


def parquet(path: Path, sql: str) -> None:
    import duckdb

    path.parent.mkdir(parents=True, exist_ok=True)
    duckdb.connect().execute(f"COPY ({sql}) TO '{path}' (FORMAT parquet)")


@pytest.fixture
def folders(tmp_path: Path) -> Path:
    rows = "\n".join(f"{i},{i % 10},x{i}" for i in range(1000))
    nulls = "\n".join(f"{i},{'' if i % 4 == 0 else i % 10},{i}" for i in range(1500))
    write(
        tmp_path,
        {
            "a/1/same.csv": "id,v\n1,2\n",
            "a/1/gone.csv": "id\n1\n",
            "a/1/table.csv": f"id,v,s\n{rows}\n",
            "a/1/notes.txt": "old",
            "a/1/rows.jsonl": "\n".join(json.dumps({"k": i}) for i in range(100)) + "\n",
            "a/1/binary.csv": "id\n1\n",
            "a/1/huge.csv": "id,t\n1,a\n",
            "a/1/truncated.csv": "id,v\n" + "\n".join(f"{i},{i}" for i in range(50)) + "\n",
            "a/1/cut.csv": "id,v\n" + "\n".join(f"{i},{i}" for i in range(30000)) + "\n",
            "b/2/same.csv": "id,v\n1,2\n",
            "b/2/new.csv": "id\n1\n",
            "b/2/table.csv": f"id,v,s\n{nulls}\n",
            "b/2/notes.txt": "new",
            "b/2/rows.jsonl": "\n".join(json.dumps({"k": i * 3}) for i in range(100)) + "\n",
            "b/2/binary.csv": b"\x89PNG\r\n\x1a\n\x00\x00\x00",
            "b/2/huge.csv": "id,t\n1," + "x" * (3 << 20) + "\n",
            "b/2/truncated.csv": "id,v\n" + "\n".join(f"{i},{i}" for i in range(50)) + "\n50",
            "b/2/cut.csv": "id,v\n" + "\n".join(f"{i},{i}" for i in range(30000)) + "\n30000",
            "old-only/x.csv": "a\n1\n",
            "c/new-only/y.csv": "a\n1\n",
        },
    )
    parquet(tmp_path / "a/1/p.parquet", "SELECT range AS n, range * 2 AS m FROM range(100)")
    parquet(tmp_path / "b/2/p.parquet", "SELECT range AS n, 'v' || range AS m FROM range(100)")
    return tmp_path


def test_files_folders_schema_and_distributions(folders: Path) -> None:
    provider = LocalDataProvider(folders)
    diff = diff_of(provider, ["a/1", "old-only"], ["b/2", "c/new-only"])
    by_how = {(f.left, f.right): f.how for f in diff.folders}
    assert by_how == {
        ("old-only", None): "removed",
        ("a/1", None): "removed",
        (None, "b/2"): "added",
        (None, "c/new-only"): "added",
    }  # different parents: neither a pair nor a successor
    diff = diff_of(provider, ["a/1"], ["a/1"])
    assert all(f.change == "same" for f in files_of(diff).values())


def test_successor_folders_are_compared_file_by_file(folders: Path) -> None:
    (folders / "x").mkdir()
    (folders / "a/1").rename(folders / "x/1")
    (folders / "b/2").rename(folders / "x/2")
    diff = diff_of(LocalDataProvider(folders), ["x/1"], ["x/2"])
    assert [(f.left, f.right, f.how) for f in diff.folders] == [
        ("x/1", "x/2", "successor (same parent folder)")
    ]
    files = files_of(diff)
    assert {p: f.change for p, f in files.items()} == {
        "binary.csv": "changed",
        "cut.csv": "changed",
        "gone.csv": "removed",
        "huge.csv": "changed",
        "new.csv": "added",
        "notes.txt": "changed",
        "p.parquet": "changed",
        "rows.jsonl": "changed",
        "same.csv": "same",
        "table.csv": "changed",
        "truncated.csv": "changed",
    }
    table = files["table.csv"]
    assert table.left_summary and table.right_summary
    assert (table.left_summary.rows, table.right_summary.rows) == (1000, 1500)
    columns = {c.name: c for c in table.columns}
    assert columns["s"].change == "retyped"  # x0 … (text) became numbers
    assert columns["v"].right and columns["v"].right.null_share == pytest.approx(375 / 1500)
    assert "nulls 0.0% -> 25.0%" in columns["v"].flag
    assert set(table.flags) >= {"rows 1,000 -> 1,500", "column s retyped"}
    jsonl = files["rows.jsonl"]
    k = {c.name: c for c in jsonl.columns}["k"]
    assert (k.left and k.left.mean, k.right and k.right.mean) == (49.5, 148.5)
    assert "k: mean 49.5 -> 148.5 (+200%)" in jsonl.flags
    assert "column m retyped" in files["p.parquet"].flags
    assert files["notes.txt"].left_summary is None  # not tabular: compared by hash only
    problems = {p: f.right_summary.problem for p, f in files.items() if f.right_summary is not None}
    assert problems["binary.csv"] == "not a CSV file: it holds binary data"
    assert problems["huge.csv"].startswith(
        "not readable as CSV: line 1: Maximum line size of 2000000 bytes exceeded"
    )
    assert problems["truncated.csv"] == (  # small: DuckDB's sniffer meets the cut line
        "not readable as CSV: no consistent comma-separated layout (rows with another number"
        " of columns, or a quote not closed: truncated?)"
    )
    assert problems["cut.csv"] == (  # large: past the sniffer's sample
        "not readable as CSV: line 30002: Expected Number of Columns: 2 Found: 1"
    )
    assert files["truncated.csv"].left_summary and not files["truncated.csv"].left_summary.problem


def test_a_file_over_the_limit_is_read_up_to_it_and_said(folders: Path) -> None:
    (folders / "x").mkdir()
    (folders / "a/1").rename(folders / "x/1")
    (folders / "b/2").rename(folders / "x/2")
    diff = diff_of(LocalDataProvider(folders), ["x/1"], ["x/2"], limit=4096)
    table = files_of(diff)["table.csv"]
    assert table.right_summary and table.right_summary.cut
    assert 0 < table.right_summary.bytes_read <= 4096
    assert table.right_summary.rows and table.right_summary.rows < 1500
    parq = files_of(diff)["p.parquet"]
    assert parq.left_summary and parq.left_summary.problem == ""  # under the limit
    diff = diff_of(LocalDataProvider(folders), ["x/1"], ["x/2"], limit=100)
    parq = files_of(diff)["p.parquet"]
    assert parq.right_summary and parq.right_summary.problem == (
        "Parquet file over the 100-byte limit: not read"
    )


def test_the_same_diff_from_azurite(
    azurite: Endpoint, folders: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    client = BlobServiceClient.from_connection_string(azurite.connection_string())
    container = client.create_container("diff")
    for path in sorted(p for p in (folders / "a").rglob("*") if p.is_file()):
        container.upload_blob(f"snap/1/{path.relative_to(folders / 'a/1')}", path.read_bytes())
    for path in sorted(p for p in (folders / "b").rglob("*") if p.is_file()):
        container.upload_blob(f"snap/2/{path.relative_to(folders / 'b/2')}", path.read_bytes())
    monkeypatch.setenv("MT_DIFF_CONN", azurite.connection_string())
    provider = BlobDataProvider.from_settings(
        {
            "account_url": azurite.account_url,
            "container": "diff",
            "connection_string_env": "MT_DIFF_CONN",
        },
        ProviderContext("t", folders),
    )
    (folders / "x").mkdir()
    (folders / "a/1").rename(folders / "x/1")
    (folders / "b/2").rename(folders / "x/2")
    local = files_of(diff_of(LocalDataProvider(folders), ["x/1"], ["x/2"], limit=4096))
    remote = files_of(diff_of(provider, ["snap/1"], ["snap/2"], limit=4096))
    assert {p: (f.change, f.flags) for p, f in remote.items()} == {
        p: (f.change, f.flags) for p, f in local.items()
    }
    assert remote["table.csv"].right_summary == local["table.csv"].right_summary
    provider.close()
