"""Data-collector records as the Azure ML docs show them (tests/official/collector/, see
SOURCES.md): two requests batched into one record under one correlation id, a batched
payload, and a payload kept in a separate blob (no correlation id).  Every row is a
prediction on every reading path, a shared id asks which row, a blob payload is read."""

from __future__ import annotations

import asyncio
import hashlib
import json
import subprocess
import sys
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from azure.storage.blob import BlobServiceClient
from azurite import Endpoint, azurite
from consoleapp import screen_text, settle
from logtree import v2_path, write_bytes

from providers.backends import open_backends
from providers.blob.provider import BlobPredictionsProvider
from providers.config import Profile, ProviderSpec, workspace_profile
from providers.errors import NotFound
from providers.local.predictions import LocalPredictionsProvider
from providers.predictions.duckdb_search import csv_search
from providers.predictions.folder_layout import Layout
from providers.predictions.log_store import LocalFolderStore
from providers.predictions.reader import LogReader
from providers.protocols import ProviderContext
from providers.query import parse_query
from providers.records import Prediction
from providers.timeutil import parse_iso
from providers.trail.choice import SeveralPredictions
from providers.trail.resolver import HOP_KINDS, TrailResolver
from tui.cli.search import Search
from tui.console.launch import build_app
from tui.demo.workspace import DemoCase

__all__ = ["azurite"]  # the fixture, used by name

OFFICIAL = Path(__file__).parent / "official" / "collector"
BIN = Path(sys.executable).parent / "modeltrail"
BATCH = ("credit-default-mdc-testing-4", "main2")  # the endpoint and deployment its source names
PAYLOAD = ("localdev-endpoint", "localdev")
IN_BLOB = ("ep", "dp")
BLOB_ID = "ba993308-f630-4fe2-833f-481b2e4d169a"
PICTURE = b"\x89PNG\r\n\x1a\n" + bytes(range(256))  # a binary payload (the docs' is one)


def official(name: str) -> dict[str, Any]:
    record: dict[str, Any] = json.loads((OFFICIAL / name).read_text())
    return record


def put(root: Path, collection: str, record: dict[str, Any], where: tuple[str, str]) -> None:
    """Write ``record`` as the collector does, in its hour's file of ``collection``."""
    when = parse_iso(record["time"])
    assert isinstance(when, datetime)
    path = v2_path(root, collection, when, endpoint=where[0], deployment=where[1])
    with path.open("ab") if path.exists() else write_bytes(path, b"").open("ab") as out:
        out.write(json.dumps(record).encode() + b"\n")


def payload_blob(record: dict[str, Any]) -> str:
    """The store name (``<container>/<path>``) of the blob a ``datainblob`` record names."""
    path = record["data"].split("://", 1)[1].split("/", 1)[1]
    return path.replace("%5B", "[").replace("%5D", "]")


@pytest.fixture
def logs(tmp_path: Path) -> Path:
    """A local copy of a storage account holding the docs' records.  The docs show the
    batched inputs record only: its outputs record (two rows, the same correlation id, as
    ``outputs_collector.collect(output_df, context)`` writes it) is ours."""
    root = tmp_path / "account"
    batched = official("batched-model_inputs.json")
    put(root, "model_inputs", batched, BATCH)
    outputs = [{"default_next_month": 1}, {"default_next_month": 0}]
    answer = {**batched, "id": "out-1", "type": "azureml.inference.model_outputs"}
    put(root, "model_outputs", {**answer, "data": outputs}, BATCH)
    put(root, "request", official("payload-request.json"), PAYLOAD)
    put(root, "response", official("payload-response.json"), PAYLOAD)
    in_blob = official("datainblob-request.json")
    put(root, "request", in_blob, IN_BLOB)
    write_bytes(root / payload_blob(in_blob), PICTURE)
    return root


def seen(rows: list[Prediction] | tuple[Prediction, ...]) -> list[tuple[Any, ...]]:
    return [(r.source.native_id, dict(r.inputs), dict(r.outputs)) for r in rows]


def searched(root: Path, text: str, *, duckdb: bool) -> list[Prediction]:
    reader = LogReader(LocalFolderStore(root), Layout(), "local-logs", use_duckdb=duckdb)
    return [row for page in reader.search(parse_query(text)) for row in page.rows]


@pytest.mark.timeout(120)
def test_every_row_of_a_batched_record_is_a_prediction_on_every_path(
    logs: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    picked: list[str] = []  # the partitions DuckDB read (a search's first is read in Python)
    read = csv_search.read_partitions

    def spy(cursor: Any, store: Any, provider: str, listed: Any, filters: Any) -> Any:
        runs = read(cursor, store, provider, listed, filters)
        picked.extend(one.partition.folder for one, r in zip(listed, runs, strict=True) if r)
        return runs

    monkeypatch.setattr(csv_search, "read_partitions", spy)
    request = official("payload-request.json")
    span = "from:2022-02-28 to:2024-03-05"  # the blob record's hour comes first
    both = [
        (f"{span} value>0", request["correlationid"], ["#0", "#1"]),
        (f"{span} AGE>0", "test", ["#0", "#1"]),
    ]
    for query, correlation_id, rows in both:
        python = searched(logs, query, duckdb=False)
        assert [r.source.native_id[-2:] for r in python] == rows, query
        assert seen(searched(logs, query, duckdb=True)) == seen(python), query
        provider = LocalPredictionsProvider(logs, index_base=tmp_path / "index")
        scanned = provider.find(correlation_id)
        provider.indexer.wait()
        indexed = LocalPredictionsProvider(logs, index_base=tmp_path / "index").find(correlation_id)
        assert indexed.days_indexed and not indexed.days_read  # read from the index
        assert seen(scanned.rows) == seen(indexed.rows) == seen(python), query
    # DuckDB read the rows' partition itself; payload partitions it leaves to Python
    assert {folder.split("/")[1] for folder in picked} == {BATCH[0]}
    first, second = searched(logs, "from:2022-05-25 to:2022-05-25", duckdb=False)
    assert (dict(first.inputs), dict(first.outputs)) == (
        {"data": request["data"]["data"][0]},
        {"value": 11055.977245525679},
    )
    assert (dict(second.inputs), dict(second.outputs)) == (
        {"data": request["data"]["data"][1]},
        {"value": 4503.079536107787},
    )


def config(tmp_path: Path, logs: Path) -> Path:
    path = tmp_path / "config.toml"
    path.write_text(f'[profiles.logs.predictions]\nprovider = "local-logs"\npath = "{logs}"\n')
    return path


def cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(BIN), *args], check=False, capture_output=True, text=True, timeout=120
    )


@pytest.mark.timeout(240)
def test_trace_of_a_shared_correlation_id_lists_the_rows_and_exits_2(
    logs: Path, tmp_path: Path
) -> None:
    where = ["--config", str(config(tmp_path, logs)), "--profile", "logs"]
    listed = cli("trace", "test", *where)
    assert listed.returncode == 2 and listed.stdout == ""
    lines = [line.strip() for line in listed.stderr.splitlines()]
    assert [line[:3] for line in lines[:2]] == ["1. ", "2. "]
    assert lines[0].endswith("instance-0.jsonl:1#0]") and lines[1].endswith(":1#1]")
    assert "matches 2 logged predictions (all with correlation id test)" in listed.stderr
    assert "--row N" in listed.stderr
    chosen = cli("trace", "test", "--row", "2", "--json", *where)
    assert chosen.returncode == 0, chosen.stderr
    hop = json.loads(chosen.stdout)["hops"][0]
    assert hop["record"]["inputs"]["AGE"] == 35  # the second applicant
    assert hop["record"]["outputs"] == {"default_next_month": 0}
    assert hop["source"]["native_id"].endswith("instance-0.jsonl:1#1")
    beyond = cli("trace", "test", "--row", "3", *where)
    assert beyond.returncode == 2 and "there is no row 3" in beyond.stderr


@pytest.mark.timeout(120)
def test_the_console_asks_which_row_a_shared_id_names_and_records_the_choice(
    logs: Path,
) -> None:
    spec = ProviderSpec("local-logs", {"path": str(logs)})
    profile = Profile("logs", logs.parent, {"predictions": spec})
    app = build_app(profile, initial_query="from:2024-03-05 to:2024-03-05")

    async def scenario() -> None:
        async with app.run_test(size=(80, 24)) as pilot:
            await settle(pilot)
            await pilot.press("ctrl+p", *"trace test")
            await settle(pilot)
            await pilot.press("enter")
            await settle(pilot)
            asking = screen_text(pilot)
            assert "names 2 logged predictions" in asking
            assert "1  2024-03-05 18:16:25  instance-0.jsonl:1#0  default_next_mo" in asking
            assert "2  2024-03-05 18:16:25  instance-0.jsonl:1#1  default_next_mo" in asking
            assert "AGE=35" in asking and "AGE=54" in asking
            await pilot.press("2")
            await settle(pilot)
            await pilot.press("v", "z")  # the detail of the traced row, zoomed
            await settle(pilot)
            shown = screen_text(pilot)
            assert '"AGE": 35' in shown and '"AGE": 54' not in shown
            visited = app.session.history.entries[-1]
            assert visited.label == "test" and visited.key.endswith("instance-0.jsonl:1#1")

    asyncio.run(scenario())


@pytest.mark.timeout(120)
def test_a_payload_kept_in_a_blob_is_read_and_found_by_its_id(logs: Path, tmp_path: Path) -> None:
    provider = LocalPredictionsProvider(logs, index_base=tmp_path / "index")
    page = provider.find(BLOB_ID)
    [row] = page.rows
    name = payload_blob(official("datainblob-request.json"))
    assert dict(row.inputs) == {
        "data_blob": official("datainblob-request.json")["data"],
        "blob": name,
        "bytes": len(PICTURE),
        "sha256": hashlib.sha256(PICTURE).hexdigest(),
    }
    assert (row.request_id, row.correlation_id, row.endpoint) == (BLOB_ID, "", "ep")
    assert [i.message for i in page.issues] == [
        "logged without a correlation id, so no output can be joined; outputs left empty"
    ]
    provider.indexer.wait()
    indexed = LocalPredictionsProvider(logs, index_base=tmp_path / "index").find(BLOB_ID)
    assert indexed.days_indexed and seen(indexed.rows) == seen(page.rows)
    everything = searched(logs, "from:2022-02-28 to:2022-02-28", duckdb=False)
    assert seen(everything) == seen(page.rows)


@pytest.mark.timeout(300)
def test_the_demo_logs_a_batched_record_whose_rows_are_chosen_and_traced(
    demo: tuple[Path, DemoCase],
) -> None:
    workspace, _ = demo
    hour = "mortgage-prod/m4/model_inputs/2026/08/27/15"
    [path] = (workspace / "blobs").glob(f"*/modelDataCollector/{hour}/*.jsonl")
    first = json.loads(path.read_text().splitlines()[0])
    assert len(first["data"]) == 2  # two requests, one record
    backends = open_backends(workspace_profile(workspace))
    try:
        resolver = TrailResolver(backends)
        with pytest.raises(SeveralPredictions) as several:
            resolver.find_prediction(first["correlationid"])
        ids = [p.inputs["application_id"] for p in several.value.choices]
        assert ids == [row["application_id"] for row in first["data"]]
        chosen = resolver.find_prediction(first["correlationid"], row=2)
        trail = resolver.from_prediction(chosen)
        assert trail.hops[0].source.native_id.endswith(":1#1")
        assert [h.kind for h in trail.hops] == list(HOP_KINDS)
        assert trail.hop("model").label == "mortgage:4"
    finally:
        backends.close()


@pytest.mark.timeout(120)
def test_every_miss_says_what_was_searched_where_and_what_to_try(logs: Path) -> None:
    spec = ProviderSpec("local-logs", {"path": str(logs)})
    profile = Profile("logs", logs.parent, {"predictions": spec})
    backends = open_backends(profile)
    try:
        with pytest.raises(NotFound) as by_id:
            TrailResolver(backends).find_prediction("no-such-request")
        assert "searched 3 log file(s) of 3 day(s) in " + str(logs) in by_id.value.hint
        assert "search by its field: FIELD=VALUE" in by_id.value.hint
        search = Search(backends, parse_query("from:2024-03-05 to:2024-03-05 AGE=99"), print)
        assert list(search.rows()) == []
        assert search.nothing() == (
            f"searched 2 log file(s) for from 2024-03-05 00:00 UTC, before 2024-03-06 00:00 UTC,"
            f" AGE = 99 in {logs}; try: check the values (text matches exactly, case included)"
            " or drop a filter; widen from:/to:"
        )
    finally:
        backends.close()
    app = build_app(profile, initial_query="id:tes")

    async def scenario() -> None:
        async with app.run_test(size=(80, 24)) as pilot:
            await settle(pilot)
            shown = " ".join(screen_text(pilot).split())
            assert "0 predictions for 'id:tes'" in shown
            assert "Nothing found: searched" in shown
            assert "log file(s) for request id 'tes' in" in shown
            assert "try: give the whole request or correlation id" in shown

    asyncio.run(scenario())


@pytest.mark.timeout(180)
def test_a_payload_blob_is_read_from_azurite_as_from_a_local_copy(
    azurite: Endpoint, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The record's URL placeholder filled with the emulator's (path-style) URL of a blob
    beside the logs, as the docs' large-payload path puts it; a second record keeps the
    docs' URL, another account's container: said, not read."""
    container = "azureml-blobstore-test"
    root = tmp_path / "account"
    logs = root / container
    blob_name = f"modelDataCollector/{IN_BLOB[0]}/{IN_BLOB[1]}/20220228-08_41/{BLOB_ID}"
    elsewhere = official("datainblob-request.json")
    here = {**elsewhere, "data": f"{azurite.account_url}/{container}/{blob_name}"}
    put(logs, "request", here, IN_BLOB)
    put(logs, "request", {**elsewhere, "id": "other-account"}, IN_BLOB)
    write_bytes(logs / blob_name, json.dumps({"data": [[1, 2], [3, 4]]}).encode())
    service = BlobServiceClient.from_connection_string(azurite.connection_string())
    service.create_container(container)
    for path in sorted(p for p in logs.rglob("*") if p.is_file()):
        name = path.relative_to(logs).as_posix()
        service.get_blob_client(container, name).upload_blob(path.read_bytes())
    monkeypatch.setenv("MODELTRAIL_TEST_BLOB", azurite.connection_string())
    settings = {
        "account_url": azurite.account_url,
        "container": container,
        "connection_string_env": "MODELTRAIL_TEST_BLOB",
        "mirror_dir": "mirror",
    }
    blob = BlobPredictionsProvider.from_settings(settings, ProviderContext("t", tmp_path))
    local = LocalPredictionsProvider(root, index_base=tmp_path / "index")
    try:
        read = blob.find(BLOB_ID)
        assert [dict(r.inputs) for r in read.rows] == [{"data": [1, 2]}, {"data": [3, 4]}]
        assert [r.source.native_id[-2:] for r in read.rows] == ["#0", "#1"]
        assert seen(read.rows) == seen(local.find(BLOB_ID).rows)
        [other] = blob.find("other-account").rows
        assert dict(other.inputs) == {"data_blob": elsewhere["data"]}
        [issue] = [i for i in blob.find("other-account").issues if "separate blob" in i.message]
        assert "not in the store this profile reads (looked for modeldata/mdc/" in issue.message
    finally:
        blob.close()
