"""Payloads that name their columns (tests/official/scoring/, see SOURCES.md), logged as
the payload collector logs a request: an MLflow model's ``input_data`` on Azure ML, and
MLflow's ``dataframe_split``, ``dataframe_records``, ``instances`` and ``inputs``.  Each
row is a prediction whose inputs are named by column, on the Python and DuckDB paths and
through the id index alike; a body whose rows cannot be paired for certain stays whole."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from test_collector_variants import OFFICIAL, put, searched, seen

from providers.local.predictions import LocalPredictionsProvider
from providers.predictions.folder_layout import Layout
from providers.predictions.log_store import LocalFolderStore
from providers.predictions.reader import LogReader
from providers.query import parse_query

SCORING = OFFICIAL.parent / "scoring"
WHERE = ("mlflow-ep", "blue")
DAY = "from:2022-05-25 to:2022-05-25"
SKLEARN = "azureml-mlflow-sample-request-sklearn.json"


def body(name: str) -> Any:
    return json.loads((SCORING / name).read_text())


def log(root: Path, hour: int, request: Any, response: Any) -> str:
    """Log ``request`` and ``response`` as the docs' payload records of ``hour``; the
    correlation id."""
    envelope = json.loads((OFFICIAL / "payload-request.json").read_text())
    answer = json.loads((OFFICIAL / "payload-response.json").read_text())
    correlation_id = f"named-{hour}"
    when = f"2022-05-25T{hour:02d}:10:00Z"
    ids = {"correlationid": correlation_id, "xrequestid": correlation_id, "time": when}
    put(root, "request", {**envelope, **ids, "data": request}, WHERE)
    put(root, "response", {**answer, **ids, "data": response}, WHERE)
    return correlation_id


def day_issues(root: Path, *, duckdb: bool) -> list[str]:
    reader = LogReader(LocalFolderStore(root), Layout(), "local-logs", use_duckdb=duckdb)
    pages = reader.search(parse_query(f"{DAY} value~1"))
    return [f"{i.location.rsplit('/', 1)[-1]} {i.message}" for p in pages for i in p.issues]


def by_index(root: Path, index: Path, correlation_id: str) -> tuple[list[Any], list[Any]]:
    """The rows of ``correlation_id`` found by a scan, then through the id index."""
    scanned = LocalPredictionsProvider(root, index_base=index)
    rows = scanned.find(correlation_id).rows
    scanned.indexer.wait()
    indexed = LocalPredictionsProvider(root, index_base=index).find(correlation_id)
    assert indexed.days_indexed and not indexed.days_read
    return seen(rows), seen(indexed.rows)


@pytest.mark.timeout(120)
def test_each_row_of_a_named_payload_is_a_prediction_named_by_column(tmp_path: Path) -> None:
    root = tmp_path / "account"
    sklearn = log(root, 1, body(SKLEARN), [151.5, 206.25])  # Azure ML answers a list
    three = {"predictions": [0, 1, 0]}  # MLflow's scoring server
    log(root, 2, body("mlflow-dataframe_split.json"), three)
    log(root, 3, body("mlflow-dataframe_records.json"), three)
    log(root, 4, body("mlflow-instances.json"), three)
    log(root, 5, body("mlflow-inputs-columns.json"), three)
    log(root, 6, body("mlflow-inputs.json"), three)  # rows without names
    rows = searched(root, DAY, duckdb=False)
    assert [(r.correlation_id, r.source.native_id[-2:]) for r in rows[:3]] == [
        (sklearn, "#0"),
        (sklearn, "#1"),
        ("named-2", "#0"),
    ]
    first, second = rows[0], rows[1]
    assert dict(first.inputs) == {
        "age": 1.0, "sex": 2.0, "bmi": 3.0, "bp": 4.0, "s1": 5.0,
        "s2": 6.0, "s3": 7.0, "s4": 8.0, "s5": 9.0, "s6": 10.0,
    }  # fmt: skip
    assert (second.inputs["age"], second.inputs["bmi"], dict(second.outputs)) == (
        10.0,
        9.0,
        {"value": 206.25},
    )
    named = [(dict(r.inputs), dict(r.outputs)) for r in rows[2:]]
    assert named[:3] == [
        ({"a": 1, "b": 2}, {"predictions": 0}),
        ({"a": 3, "b": 4}, {"predictions": 1}),
        ({"a": 5, "b": 6}, {"predictions": 0}),
    ]
    assert named[3:6] == named[:3]  # the same frame as records
    assert named[6][0] == {"a": "t1", "b": [1, 2, 3]}
    assert named[9][0] == {"a": "s1", "b": 1, "c": [1, 2, 3]}
    assert named[12][0] == {"inputs": [1, 2]}
    assert len(rows) == 2 + 5 * 3
    for query, count in [("bmi>5", 1), ("a>=3", 4), ("s6<5", 1), ("predictions=1", 5), ("b=4", 2)]:
        python = searched(root, f"{DAY} {query}", duckdb=False)
        assert len(python) == count, query
        assert seen(searched(root, f"{DAY} {query}", duckdb=True)) == seen(python), query
    [heavy] = searched(root, f"{DAY} bmi>5", duckdb=False)
    assert heavy.source.native_id.endswith("#1") and heavy.inputs["age"] == 10.0
    scanned, indexed = by_index(root, tmp_path / "index", sklearn)
    assert scanned == indexed == seen(rows[:2])


@pytest.mark.timeout(120)
def test_a_named_payload_that_cannot_be_paired_stays_one_prediction_and_says_why(
    tmp_path: Path,
) -> None:
    """The bodies are the official ones with one thing changed: a third answer, an
    index of one label, a column one value short (the case MLflow refuses)."""
    root = tmp_path / "account"
    request = body(SKLEARN)
    three = log(root, 1, request, [1.0, 2.0, 3.0])
    short_index = {"input_data": {**request["input_data"], "index": [0]}}
    log(root, 2, short_index, [1.0, 2.0])
    columns = body("mlflow-inputs-columns.json")
    columns["inputs"]["c"] = columns["inputs"]["c"][:2]
    log(root, 3, columns, {"predictions": [0, 1, 0]})
    rows = searched(root, DAY, duckdb=False)
    assert [(dict(r.inputs), dict(r.outputs)) for r in rows] == [
        (request, {"value": [1.0, 2.0, 3.0]}),
        (short_index, {"value": [1.0, 2.0]}),
        (columns, {"predictions": [0, 1, 0]}),
    ]
    assert [r.source.native_id.endswith(".jsonl:1") for r in rows] == [True] * 3
    issues = day_issues(root, duckdb=False)
    answered = "modelDataCollector/mlflow-ep/blue/response/2022/05/25/01/instance-0.jsonl:1"
    assert issues == [
        "instance-0.jsonl:1 a request of 2 rows answered by a response that is not 2 rows"
        f" at {answered}; kept as one prediction, rows not paired",
        "instance-0.jsonl:1 input_data: 2 rows but an index of 1 labels; kept as one prediction",
        "instance-0.jsonl:1 inputs: columns of different lengths (a 3, b 3, c 2);"
        " kept as one prediction",
    ]
    assert day_issues(root, duckdb=True) == issues
    assert seen(searched(root, f"{DAY} value~1", duckdb=True)) == seen(rows[:2])
    scanned, indexed = by_index(root, tmp_path / "index", three)
    assert scanned == indexed == seen(rows[:1])
