"""Field filters through DuckDB give exactly what the Python parser gives."""

from __future__ import annotations

import threading
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from logtree import V1Tree, correlation, v1_csv, v1_path, write_bytes

from providers.predictions.duckdb_search import csv_search as duck_module
from providers.predictions.duckdb_search import filter_sql as duck_sql
from providers.predictions.folder_layout import Layout
from providers.predictions.log_store import LocalFolderStore
from providers.predictions.reader import LogReader
from providers.query import FieldFilter, parse_query
from providers.records import DataIssue, Prediction

DAY = datetime(2024, 5, 1, tzinfo=UTC)
ODD = ["007", "1e5", "nan", "-0", "+5", "1.", ".5", "1" * 25, "", "west", "\u0663", "1e999"]


def reader(root: Path, *, duckdb: bool) -> LogReader:
    return LogReader(LocalFolderStore(root), Layout(), "logs", use_duckdb=duckdb)


def run(root: Path, text: str, *, duckdb: bool) -> tuple[list[Prediction], list[DataIssue]]:
    rows: list[Prediction] = []
    issues: list[DataIssue] = []
    for page in reader(root, duckdb=duckdb).search(parse_query(text)):
        rows.extend(page.rows)
        issues.extend(page.issues)
    return rows, issues


class Offered(list[bool]):
    """Per partition offered to DuckDB, in time order, whether DuckDB read it (the
    partitions are read ahead on threads, so they may finish in any order)."""

    def __init__(self) -> None:
        super().__init__()
        self._reads: list[tuple[datetime, bool]] = []
        self._lock = threading.Lock()

    def add(self, start: datetime, read: bool) -> None:
        with self._lock:
            self._reads.append((start, read))
            self._reads.sort(key=lambda pair: pair[0])  # stable: repeated reads keep order
            self[:] = [ok for _, ok in self._reads]

    def clear(self) -> None:
        self._reads.clear()
        super().clear()


@pytest.fixture
def used(monkeypatch: pytest.MonkeyPatch) -> Offered:
    """Spy on which partitions DuckDB read."""
    seen = Offered()
    original = duck_module.DuckSearch.read

    def spy(self: duck_module.DuckSearch, partition: Any, *args: Any, **kwargs: Any) -> Any:
        opened = original(self, partition, *args, **kwargs)
        seen.add(partition.start, opened is not None)
        return opened

    monkeypatch.setattr(duck_module.DuckSearch, "read", spy)
    return seen


def clean_tree(root: Path) -> None:
    v1 = V1Tree(root)
    for n in range(60):
        when = DAY + timedelta(days=n % 3, minutes=n)
        odd = ODD[n % len(ODD)]
        features = {"income": 1000 * n, "odd": odd, "tags": f"[{n}, {n + 1}]", "note": "a,b"}
        v1.add(when, features, {"decision": "rejected" if n % 4 else "approved", "score": odd})
    v1.write()


@pytest.mark.parametrize(
    "query",
    [
        "income<40000",
        "income>=12000 decision=rejected",
        "odd>0",
        "odd=west",
        "odd~1",
        "outputs.score<=1",
        "inputs.odd!=west",
        "note~A,B",
        "tags~'3, 4'",
        "nosuch=1",
        "from:2024-05-02 to:2024-05-02 income<30000",
        'decision="x\' or 1=1 --"',
    ],
)
def test_duckdb_and_python_give_the_same_records(
    tmp_path: Path, used: list[bool], query: str
) -> None:
    clean_tree(tmp_path)
    python = run(tmp_path, query, duckdb=False)
    assert not used
    ducked = run(tmp_path, query, duckdb=True)
    # the first day is parsed in Python (its first page comes sooner), the rest in DuckDB
    assert used == ([] if "from:" in query else [True, True])
    assert ducked == python


def test_skewed_rows_are_counted_as_in_python(tmp_path: Path, used: list[bool]) -> None:
    day = DAY + timedelta(days=1)
    rows = [[n, *correlation(day + timedelta(hours=h), f"c-{n}", f"r-{n}")] for n, h in
            [(1, 9), (2, -1), (3, 30), (4, 2)]]  # fmt: skip
    for designation in ("inputs", "predictions"):
        write_bytes(v1_path(tmp_path, designation, day), v1_csv(["n"], rows))
    ins, outs = rows_of(-1, 2)  # the day before: read in Python
    bad_partition(tmp_path, -1, ins, outs)
    ducked = run(tmp_path, "n>1", duckdb=True)
    assert used == [True]
    assert ducked == run(tmp_path, "n>1", duckdb=False)
    assert [r.inputs["n"] for r in ducked[0]] == [2, 3, 4]
    assert "2 row(s) stamped outside" in ducked[1][0].message


def bad_partition(root: Path, day: int, inputs: bytes, outputs: bytes | None = None) -> None:
    when = DAY + timedelta(days=day)
    write_bytes(v1_path(root, "inputs", when), inputs)
    if outputs is not None:
        write_bytes(v1_path(root, "predictions", when), outputs)


def rows_of(day: int, n: int, *, skip_output: int | None = None) -> tuple[bytes, bytes]:
    base = DAY + timedelta(days=day)
    ins = [[i, *correlation(base + timedelta(minutes=i), f"c{day}-{i}", f"r{day}-{i}")]
           for i in range(n)]  # fmt: skip
    outs = [[i * 10, *row[1:]] for i, row in enumerate(ins) if i != skip_output]
    return v1_csv(["n"], ins), v1_csv(["y"], outs)


def test_partitions_duckdb_cannot_read_exactly_fall_back_to_python(
    tmp_path: Path, used: list[bool]
) -> None:
    ins, outs = rows_of(0, 5)
    bad_partition(tmp_path, 0, ins, outs)  # clean: DuckDB
    ins, outs = rows_of(1, 5, skip_output=2)
    bad_partition(tmp_path, 1, ins, outs)  # an input without output
    ins, outs = rows_of(2, 5)
    lines = ins.split(b"\r\n")
    lines[2] = lines[2].replace(b",", b",,", 1)  # a row with one column too many
    bad_partition(tmp_path, 2, b"\r\n".join(lines), outs)
    ins, outs = rows_of(3, 5)
    bad_partition(tmp_path, 3, ins.replace(b"c3-1", b"\xe9\xe9"), outs)  # Latin-1 bytes
    ins, outs = rows_of(4, 5)
    lines = ins.split(b"\r\n")
    lines[3] = b'"multi\nline"' + lines[3][1:]  # a quoted value spanning two lines
    bad_partition(tmp_path, 4, b"\r\n".join(lines), outs.replace(b"c4-4", b"c4-3"))
    ins, outs = rows_of(5, 5)
    bad_partition(tmp_path, 5, ins.replace(b"2024-05-06T00:01:00", b"yesterday"), outs)
    ins, outs = rows_of(6, 5)
    bad_partition(tmp_path, 6, ins + b"7,c6-7,2024-05", outs)  # being appended
    ins, outs = rows_of(7, 5)
    bad_partition(tmp_path, 7, ins, outs)  # clean: DuckDB
    python = run(tmp_path, "n>=0", duckdb=False)
    ducked = run(tmp_path, "n>=0", duckdb=True)
    assert used == [False, False, False, False, False, False, True]
    assert ducked == python
    assert len(python[1]) == 5  # the bad rows; a multi-line value and a repeated id are fine


class NoPathStore(LocalFolderStore):
    def local_path(self, name: str) -> Path | None:
        return None


def test_a_store_without_local_paths_is_searched_in_python(
    tmp_path: Path, used: list[bool]
) -> None:
    clean_tree(tmp_path)
    pages = LogReader(NoPathStore(tmp_path), Layout(), "logs").search(parse_query("income<9000"))
    rows = [row for page in pages for row in page.rows]
    assert used == [False, False]
    assert [r.inputs["income"] for r in rows] == [0, 3000, 6000, 1000, 4000, 7000, 2000, 5000, 8000]


def test_field_names_are_quoted_and_values_bound() -> None:
    odd = 'a"; drop table i; --'
    sql, params = duck_sql.where([FieldFilter(odd, "=", "x")], [odd], [odd])
    assert '"a""; drop table i; --"' in sql
    assert '"__mt_o_a""; drop table i; --"' in sql
    assert params == ["x", "x"]
    assert "x" not in sql.replace("double", "").replace("regexp", "")
    assert duck_sql.where([FieldFilter("missing", "<", 1.0)], ["a"], ["b"]) == ("false", [])
    assert not duck_sql.pushable([FieldFilter("a", "<", float("nan"))])


def test_only_numeric_comparisons_on_numbers_skip_the_check_in_python() -> None:
    inputs, outputs = {"income": int, "region": str}, {"score": float}

    def exact(*filters: FieldFilter) -> bool:
        return duck_sql.exact(filters, inputs, outputs)

    assert exact(FieldFilter("income", "<", 4.0), FieldFilter("outputs.score", ">=", 0.5))
    assert not exact(FieldFilter("region", "<", 4.0))  # text: compared as Python would
    assert not exact(FieldFilter("income", "~", "4"))
    assert not exact(FieldFilter("income", "=", "4"))
    assert not exact(FieldFilter("inputs.score", "<", 1.0))  # no such column
    assert not exact(FieldFilter("$aml_request_id", "<", 1.0))  # not a field


def test_a_search_stopped_early_stops_reading_ahead(tmp_path: Path, used: list[bool]) -> None:
    clean_tree(tmp_path)
    query = parse_query("income>=0")
    limited = replace(query, limit=25)  # past the first day (20 rows), into DuckDB's
    python = [r for p in reader(tmp_path, duckdb=False).search(limited) for r in p.rows]
    ducked = [r for p in reader(tmp_path, duckdb=True).search(limited) for r in p.rows]
    assert ducked == python and len(ducked) == 25 and used[0]
    pages = reader(tmp_path, duckdb=True).search(query)
    assert next(pages).rows
    pages.close()  # the console moved on to another query
    assert not [t for t in threading.enumerate() if t.name == "duckdb-read-ahead"]


def test_the_first_day_is_handed_to_duckdb_after_the_first_page(
    tmp_path: Path, used: list[bool]
) -> None:
    ins, outs = [], []
    for n in range(700):
        when = DAY + timedelta(seconds=100 * n, hours=30 if n % 50 == 7 else 0)  # some skewed
        ids = correlation(when, f"c-{n}", f"r-{n}")
        ins.append([n, ODD[n % len(ODD)], *ids])
        outs.append([ODD[n % 3], *ids])
    write_bytes(v1_path(tmp_path, "inputs", DAY), v1_csv(["n", "odd"], ins))
    write_bytes(v1_path(tmp_path, "predictions", DAY), v1_csv(["score"], outs))
    for query in ("n>=0", "from:2024-05-01 to:2024-05-01 n<600", "odd~1"):
        python = run(tmp_path, query, duckdb=False)
        assert run(tmp_path, query, duckdb=True) == python
    assert used == [True, True, True]  # after the first page, each time
    rows, issues = run(tmp_path, "n>=0", duckdb=True)
    assert [r.source.native_id.rsplit(":", 1)[1] for r in rows] == [str(n + 2) for n in range(700)]
    assert [i.message.split()[0] for i in issues] == ["14"]  # skewed rows, counted once


def _outputs_variant(day: int, variant: str) -> tuple[bytes, bytes]:
    """A day of five inputs whose outputs are changed as ``variant`` says."""
    base = DAY + timedelta(days=day)
    ins = [[i, *correlation(base + timedelta(minutes=i), f"c{day}-{i}", f"r{day}-{i}")]
           for i in range(5)]  # fmt: skip
    outs = [[i * 10, *row[1:]] for i, row in enumerate(ins)]
    if variant == "reversed":  # the last output line is the first input's
        outs.reverse()
    elif variant == "repeated apart":  # a repeated id no input has
        outs += [[7, *correlation(base, "orphan", "r-orphan")]] * 2
    elif variant == "repeated":  # the second output of input 1 would match y>500
        outs.append([999, *outs[1][1:]])
    elif variant == "bad output time":
        outs[4][2] = "today"
    data = v1_csv(["y"], outs)
    if variant == "output on two lines":
        data = data.replace(b"\r\n40,", b'\r\n"4\n0",', 1)
    return v1_csv(["n"], ins), data


@pytest.mark.parametrize(
    ("variant", "ducked"),
    [
        ("reversed", True),
        ("repeated apart", True),
        ("repeated", True),  # the first output of an id wins, as in Python
        ("bad output time", False),
        ("output on two lines", False),
    ],
)
def test_outputs_are_checked_in_the_same_query(
    tmp_path: Path, used: list[bool], variant: str, ducked: bool
) -> None:
    bad_partition(tmp_path, 0, *rows_of(0, 3))  # the first day: parsed in Python
    bad_partition(tmp_path, 1, *_outputs_variant(1, variant))
    for query in ("n>=0", "y>500", "y<35", "n>=4"):  # the last input line a match, or not
        used.clear()
        assert run(tmp_path, query, duckdb=True) == run(tmp_path, query, duckdb=False), query
        assert used == [ducked], query
