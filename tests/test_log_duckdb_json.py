"""v2 (JSONL) field filters: DuckDB picks the lines, and the result is exactly Python's."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from logtree import V2Tree, v2_path

from providers.predictions.duckdb_search import csv_search as duck_module
from providers.predictions.duckdb_search import jsonl_search as duck_json
from providers.predictions.duckdb_search import read_ahead as duck_ahead
from providers.predictions.folder_layout import Layout
from providers.predictions.log_store import LocalFolderStore
from providers.predictions.reader import LogReader
from providers.query import parse_query
from providers.records import DataIssue, Prediction

DAY = datetime(2024, 5, 1, tzinfo=UTC)
VALUES: list[Any] = [
    12,
    40000,
    39999.5,
    "007",
    "1e5",
    None,
    True,
    [1, 2],
    "west",
    "Éast",
    "east",
    -0.0,
    10**20,
]


def run(root: Path, text: str, *, duckdb: bool) -> tuple[list[Prediction], list[DataIssue]]:
    reader = LogReader(LocalFolderStore(root), Layout(), "logs", use_duckdb=duckdb)
    rows: list[Prediction] = []
    issues: list[DataIssue] = []
    for page in reader.search(parse_query(text)):
        rows.extend(page.rows)
        issues.extend(page.issues)
    return rows, issues


@pytest.fixture
def used(monkeypatch: pytest.MonkeyPatch) -> dict[int, bool]:
    """Per hour offered to DuckDB (alone or with others of its day), whether DuckDB
    picked its lines."""
    seen: dict[int, bool] = {}
    lock = threading.Lock()
    read, read_group = duck_module.DuckSearch.read, duck_module.DuckSearch.read_group

    def spy(self: duck_module.DuckSearch, partition: Any, *args: Any, **kwargs: Any) -> Any:
        opened = read(self, partition, *args, **kwargs)
        with lock:
            seen[partition.start.hour] = opened is not None
        return opened

    def group_spy(self: duck_module.DuckSearch, partitions: Any, query: Any) -> Any:
        runs = read_group(self, partitions, query)
        with lock:
            seen.update(
                {p.start.hour: r is not None for p, r in zip(partitions, runs, strict=True)}
            )
        return runs

    monkeypatch.setattr(duck_module.DuckSearch, "read", spy)
    monkeypatch.setattr(duck_module.DuckSearch, "read_group", group_spy)
    return seen


def last(tree: V2Tree, collection: str, when: datetime, instance: str = "instance-0") -> Any:
    """The record written last to that file (to bend it)."""
    return tree.files[v2_path(tree.root, collection, when, name=f"{instance}.jsonl")][-1]


def tricky_tree(root: Path) -> V2Tree:
    """Hours 0-3: plain calls with values of every JSON type, and records Python reports on
    or reads oddly, none of which DuckDB must drop."""
    tree = V2Tree(root)
    for n in range(40):
        when = DAY + timedelta(hours=n % 4, minutes=n)
        value = VALUES[n % len(VALUES)]
        rows = [{"income": 1000 * n, "odd": value, "note": "a,b"}]
        if n % 5 == 0:
            rows.append({"income": 50000 + n, "odd": "second", "note": "Ünïcode"})
        outputs = [{"score": value, "decision": "rejected" if n % 3 else "approved"} for _ in rows]
        tree.add(when, rows, outputs, instance=f"instance-{n % 2}")
    hour = DAY + timedelta(hours=2)
    at = hour + timedelta(minutes=30)
    tree.add(at, [], [])  # no rows
    tree.add(at, {"income": 1}, {"score": 1})  # data not a list: one row
    tree.add(at, [3, {"income": 2}], [{"score": 0}, 7])  # rows that are not objects
    tree.add(at, [{"income": 3}], [{"score": 3}])
    last(tree, "model_inputs", at)["time"] = "2024-05-01T02:30:00+00:00"  # not plain ISO
    tree.add(at, [{"income": 4}], [{"score": 4}])
    last(tree, "model_inputs", at)["time"] = "2024-05-01T05:00:00Z"  # another hour's
    tree.add(at, [{"income": 5}], [{"score": 5}])
    del last(tree, "model_inputs", at)["correlationid"]
    tree.add(at, [{"income": 6}], [{"score": 6}], corr="dup")
    tree.add(at, [{"income": 7}], [{"score": 70}], corr="dup")  # a repeated output id
    tree.add(at, [{"income": 8}], None)  # no output
    tree.add(at, [{"income": 9}, {"income": 10}], [{"score": 9}])  # fewer output rows
    tree.add(at, [{"income": 11}], [{"score": 11}])
    last(tree, "model_inputs", at)["datainblob"] = "true"
    tree.add(at, [{"income": 12}], [{"score": 12}], corr="num")
    last(tree, "model_inputs", at)["correlationid"] = 12345  # a number
    tree.add(at, [{"value": 3, "income": None}], [{"value": "3"}])
    tree.add(at, [{"income": 13}], [{"score": 13}])
    record = last(tree, "model_inputs", at)  # fields that are not strings: str() in Python
    record.update(xrequestid=True, modelversion={"v": 1}, id=7, type=None)
    tree.add(at, [{"income": 14}], [{"score": 14}])
    last(tree, "model_inputs", at)["correlationid"] = ""
    tree.add(at, [{"income": 15}], [{"score": 15}])
    last(tree, "model_inputs", at)["time"] = 20240501  # epoch seconds, not a date
    return tree


QUERIES = [
    "income<40000",
    "income>=12000 decision=rejected",
    "odd>0",
    "odd=west",
    "odd!=west",
    "odd~eas",
    "odd~ÉA",
    "odd~1",
    "odd=None",
    "odd~on",
    "odd<f",
    "score<=1",
    "outputs.score>10",
    "inputs.score>10",
    "inputs.odd=True",
    "value=3",
    "outputs.value=7",
    "note~ü",
    "nosuch=1",
    "income>5 income<12",
    'decision="x\' or 1=1 --"',
]


@pytest.mark.parametrize("query", QUERIES)
def test_duckdb_picks_every_line_python_would_keep(
    tmp_path: Path, used: dict[int, bool], query: str
) -> None:
    tricky_tree(tmp_path).write()
    python = run(tmp_path, query, duckdb=False)
    assert not used
    ducked = run(tmp_path, query, duckdb=True)
    assert used == {1: True, 2: True, 3: True}  # hour 0 is parsed in Python (first page)
    assert ducked == python


def test_the_picked_lines_are_few(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    tricky_tree(tmp_path).write()
    picked: list[int] = []
    original = duck_json._records

    def spy(name: str, path: str, wanted: dict[int, Any], records: int) -> Any:
        picked.append(len(wanted))
        return original(name, path, wanted, records)

    monkeypatch.setattr(duck_json, "_records", spy)
    rows, _ = run(tmp_path, "income=31000", duckdb=True)
    assert [r.inputs["income"] for r in rows] == [31000]
    assert sum(picked) == 1 + 14  # the match, and hour 2's odd records


def bad_hour(root: Path, hour: int, change: str) -> None:
    tree = V2Tree(root)
    for minute in range(3):
        when = DAY + timedelta(hours=hour, minutes=minute)
        tree.add(when, [{"income": minute}], [{"score": minute}])
    inputs = v2_path(root, "model_inputs", DAY + timedelta(hours=hour))
    outputs = v2_path(root, "model_outputs", DAY + timedelta(hours=hour))
    if change == "output time":
        last(tree, "model_outputs", DAY + timedelta(hours=hour, minutes=2))["time"] = "noon"
    tree.write()
    text = inputs.read_bytes()
    if change == "invalid JSON":
        inputs.write_bytes(text + b"{not json\n")
    elif change == "blank line":
        inputs.write_bytes(text.replace(b"\n", b"\n\n", 1))
    elif change == "partial last line":
        inputs.write_bytes(text + b'{"correlationid": "x", "ti')
    elif change == "Latin-1":
        inputs.write_bytes(text.replace(b'"income": 1', b'"income": 1, "n": "\xe9"'))
    elif change == "no outputs":
        outputs.unlink()


@pytest.mark.parametrize(
    "change",
    ["invalid JSON", "blank line", "partial last line", "Latin-1", "output time", "no outputs"],
)
def test_partitions_duckdb_cannot_pick_from_are_read_in_python(
    tmp_path: Path, used: dict[int, bool], change: str
) -> None:
    bad_hour(tmp_path, 0, "")
    bad_hour(tmp_path, 1, change)
    bad_hour(tmp_path, 2, "")
    for query in ("income>=0", "income>1", "income<1"):
        used.clear()
        assert run(tmp_path, query, duckdb=True) == run(tmp_path, query, duckdb=False)
        assert used == {1: False, 2: True}, query


def test_too_many_lines_are_left_to_python(
    tmp_path: Path, used: dict[int, bool], monkeypatch: pytest.MonkeyPatch
) -> None:
    for hour in range(3):
        bad_hour(tmp_path, hour, "")
    monkeypatch.setattr(duck_json, "MAX_LINES", 2)
    assert run(tmp_path, "income>0", duckdb=True) == run(tmp_path, "income>0", duckdb=False)
    assert used == {1: True, 2: True}  # two lines each
    used.clear()
    assert run(tmp_path, "income>=0", duckdb=True) == run(tmp_path, "income>=0", duckdb=False)
    assert used == {1: False, 2: False}  # three


def test_each_query_fits_in_its_share_of_the_memory_limit(
    tmp_path: Path, used: dict[int, bool], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Queries run :data:`~duck_ahead.QUERIES` at a time under one memory limit, so each
    must fit in its share, on files of a busy endpoint's size (~3,000 calls, ~4 MB an hour): else
    DuckDB runs out of memory when two overlap and the hour is read in Python (the same
    rows, several times slower)."""
    total = int(duck_module.MEMORY_LIMIT.removesuffix("MB"))
    monkeypatch.setattr(duck_module, "MEMORY_LIMIT", f"{total // duck_ahead.QUERIES}MB")
    tree = V2Tree(tmp_path)
    features = {f"feature_{k}": k * 1.5 for k in range(40)}
    for hour in range(3):
        for call in range(3000):
            when = DAY + timedelta(hours=hour, seconds=call)
            tree.add(when, [{**features, "n": call}], [{"score": call % 100}])
    tree.write()
    rows, _ = run(tmp_path, "n<10", duckdb=True)
    assert len(rows) == 30
    assert used == {1: True, 2: True}


def test_a_day_is_one_query_and_each_hour_joins_only_its_own_outputs(
    tmp_path: Path, used: dict[int, bool], monkeypatch: pytest.MonkeyPatch
) -> None:
    tree = V2Tree(tmp_path)
    for hour in range(4):
        for minute in range(3):
            when = DAY + timedelta(hours=hour, minutes=minute)
            tree.add(when, [{"income": 100 * hour + minute}], [{"score": minute}])
    # the output of an hour-1 call lands in hour 2's folder: Python joins within a folder
    late = DAY + timedelta(hours=1, minutes=59)
    tree.add(late, [{"income": 7}], None, corr="late")
    tree.add(late + timedelta(minutes=2), None, [{"score": 9}], corr="late")
    tree.write()
    queries: list[int] = []
    original = duck_json.read_partitions

    def spy(cursor: Any, store: Any, provider: str, partitions: Any, filters: Any) -> Any:
        queries.append(len(partitions))
        return original(cursor, store, provider, partitions, filters)

    monkeypatch.setattr(duck_json, "read_partitions", spy)
    monkeypatch.setattr(duck_module, "read_partitions", spy)
    for query in ("income<1000", "score=9", "score<1"):
        used.clear()
        queries.clear()
        assert run(tmp_path, query, duckdb=True) == run(tmp_path, query, duckdb=False), query
        assert used == {1: True, 2: True, 3: True}, query
        assert queries == [3], query  # hour 0 is parsed in Python (first page)
    monkeypatch.setattr(duck_module, "GROUP_BYTES", 1)  # every hour a query of its own
    queries.clear()
    assert run(tmp_path, "income<1000", duckdb=True) == run(tmp_path, "income<1000", duckdb=False)
    assert queries == [1, 1, 1]
