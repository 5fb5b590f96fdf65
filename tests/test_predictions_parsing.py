"""Parsers, joins, layouts and stores of the prediction logs (no provider)."""

from __future__ import annotations

import io
import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from logtree import correlation, v1_csv, v1_path, v2_path, v2_record, write_bytes

from providers.predictions import scan
from providers.predictions.folder_layout import Layout, Partition, parse_path, walk_inputs
from providers.predictions.formats.csv_v1 import CsvRow, coerce, parse_csv
from providers.predictions.formats.jsonl_v2 import JsonlRecord, parse_jsonl
from providers.predictions.formats.lines import RawLine, iter_lines
from providers.predictions.join import V1Outputs, V2Outputs, join_v1, join_v2
from providers.predictions.log_store import LocalFolderStore, LogStore, StoredFile
from providers.query import PredictionQuery
from providers.records import DataIssue, Prediction

WHEN = datetime(2024, 5, 1, 10, 0, 0, 123456, tzinfo=UTC)
NAME = "x/data.csv"


def csv_items(data: bytes, name: str = NAME) -> list[CsvRow | DataIssue]:
    return list(parse_csv(io.BytesIO(data), name))


def rows_of(items: list[Any]) -> list[Any]:
    return [i for i in items if not isinstance(i, DataIssue)]


def issues_of(items: list[Any]) -> list[DataIssue]:
    return [i for i in items if isinstance(i, DataIssue)]


def one_issue(items: list[Any]) -> DataIssue:
    issues = issues_of(items)
    assert len(issues) == 1, issues
    return issues[0]


# -- v1 CSV ---------------------------------------------------------------------------


def test_csv_quoting_and_numbers() -> None:
    data = v1_csv(
        ["name", "note", "age", "income", "zip", "ratio", "flag"],
        [
            [
                "Doe, Jane",
                'said "hi"',
                "42",
                "1234.5",
                "007",
                "1e3",
                "nan",
                *correlation(WHEN, "c1", "r1"),
            ]
        ],
    )
    [row] = csv_items(data)
    assert isinstance(row, CsvRow)
    assert row.values == {
        "name": "Doe, Jane",
        "note": 'said "hi"',
        "age": 42,
        "income": 1234.5,
        "zip": "007",
        "ratio": 1000.0,
        "flag": "nan",
    }
    assert (row.correlation_id, row.request_id, row.line) == ("c1", "r1", 2)
    assert row.timestamp == WHEN
    assert (row.service, row.model_name, row.model_version) == ("churn-svc", "churn", "3")


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("0", 0),
        ("-12", -12),
        ("+3.5", 3.5),
        (".5", 0.5),
        ("01", "01"),
        ("1e999", "1e999"),
        ("", ""),
    ],
)
def test_coerce(text: str, value: Any) -> None:
    assert coerce(text) == value
    assert type(coerce(text)) is type(value)


def test_csv_field_with_newline_keeps_first_line_number() -> None:
    data = v1_csv(
        ["note"],
        [["two\nlines", *correlation(WHEN, "c1", "r1")], ["x", *correlation(WHEN, "c2", "r2")]],
    )
    rows = rows_of(csv_items(data))
    assert [(r.values["note"], r.line) for r in rows] == [("two\nlines", 2), ("x", 4)]


def test_csv_wrong_column_count() -> None:
    good = v1_csv(["a", "b"], [[1, 2, *correlation(WHEN, "c1", "r1")]])
    items = csv_items(
        good
        + b"1,2,3\r\n"
        + b"4,5,"
        + b",".join(s.encode() for s in correlation(WHEN, "c2", "r2"))
        + b"\r\n"
    )
    issue = one_issue(items)
    assert issue.location == f"{NAME}:3"
    assert "expected 10 columns, found 3" in issue.message
    assert [r.correlation_id for r in rows_of(items)] == ["c1", "c2"]


def test_csv_bad_and_missing_timestamps() -> None:
    bad = correlation(WHEN, "c1", "r1")
    bad[1] = "yesterday"
    empty = correlation(WHEN, "c2", "r2")
    empty[1] = ""
    items = csv_items(v1_csv(["a"], [[1, *bad], [2, *empty], [3, *correlation(WHEN, "c3", "r3")]]))
    issues = issues_of(items)
    assert [i.location for i in issues] == [f"{NAME}:2", f"{NAME}:3"]
    assert "bad $aml_dc_scoring_timestamp 'yesterday'" in issues[0].message
    assert "empty $aml_dc_scoring_timestamp" in issues[1].message
    assert [r.correlation_id for r in rows_of(items)] == ["c3"]


def test_timestamp_with_zone_is_converted_to_utc() -> None:
    cols = correlation(WHEN, "c1", "r1")
    cols[1] = "2024-05-01T12:00:00+02:00"
    [row] = csv_items(v1_csv(["a"], [[1, *cols]]))
    assert isinstance(row, CsvRow)
    assert row.timestamp == datetime(2024, 5, 1, 10, tzinfo=UTC)


def test_csv_truncated_last_line() -> None:
    data = v1_csv(["a"], [[1, *correlation(WHEN, "c1", "r1")]])
    items = csv_items(data + b"2,c2,2024-05-01T10:00")
    issue = one_issue(items)
    assert issue.location == f"{NAME}:3"
    assert issue.message.startswith("truncated last line: expected 9 columns, found 3")
    assert len(rows_of(items)) == 1


def test_csv_truncated_inside_quotes() -> None:
    data = v1_csv(["a"], [[1, *correlation(WHEN, "c1", "r1")]])
    tail = ",".join(correlation(WHEN, "c2", "r2")[:-1])
    items = csv_items(data + f'2,{tail},"0000-11'.encode())
    issue = one_issue(items)
    assert issue.location == f"{NAME}:3"
    assert "unterminated quote" in issue.message


def test_csv_last_line_without_newline_is_fine_when_complete() -> None:
    data = v1_csv(["a"], [[1, *correlation(WHEN, "c1", "r1")]]).rstrip(b"\r\n")
    assert [r.correlation_id for r in csv_items(data)] == ["c1"]


def test_csv_non_utf8_reported_once_rows_kept() -> None:
    data = v1_csv(
        ["city"],
        [["Zürich", *correlation(WHEN, "c1", "r1")], ["Köln", *correlation(WHEN, "c2", "r2")]],
    )
    data = data.replace("ü".encode(), b"\xfc").replace("ö".encode(), b"\xf6")
    items = csv_items(data)
    issue = one_issue(items)
    assert issue.location == f"{NAME}:2"
    assert "not UTF-8" in issue.message
    assert [r.values["city"] for r in rows_of(items)] == ["Z\ufffdrich", "K\ufffdln"]


def test_csv_ten_megabyte_row_is_kept() -> None:
    big = "x" * (10 * 1024 * 1024)
    items = csv_items(
        v1_csv(
            ["blob", "n"],
            [
                [big, 1, *correlation(WHEN, "c1", "r1")],
                ["small", 2, *correlation(WHEN, "c2", "r2")],
            ],
        )
    )
    assert issues_of(items) == []
    assert [len(r.values["blob"]) for r in rows_of(items)] == [len(big), 5]


def test_over_long_lines_are_skipped() -> None:
    lines = list(iter_lines(io.BytesIO(b"short\n" + b"y" * 100 + b"\nafter"), max_bytes=10))
    assert [(ln.number, ln.data, ln.size, ln.too_long) for ln in lines] == [
        (1, b"short\n", 6, False),
        (2, b"", 101, True),
        (3, b"after", 5, False),
    ]


def test_csv_missing_column_is_reported_rows_kept() -> None:
    data = v1_csv(["a"], [[1, *correlation(WHEN, "c1", "r1")]])
    header, body = data.split(b"\r\n", 1)
    cut = header.replace(b",$aml_workspace", b"")
    body = body.replace(b",sub-1/rg-1/ws-1", b"")
    items = csv_items(cut + b"\r\n" + body)
    issue = one_issue(items)
    assert issue.location == f"{NAME}:1"
    assert issue.message == "header lacks column(s) $aml_workspace"
    assert [r.correlation_id for r in rows_of(items)] == ["c1"]


def test_csv_without_any_id_column_is_skipped() -> None:
    items = csv_items(b"a,b,$aml_dc_scoring_timestamp\r\n1,2,2024-05-01T10:00:00\r\n")
    issue = one_issue(items)
    assert "$aml_dc_correlation_id" in issue.message and "$aml_request_id" in issue.message
    assert "file skipped" in issue.message
    assert rows_of(items) == []


def test_csv_empty_file() -> None:
    assert [(i.location, i.message) for i in csv_items(b"")] == [
        (f"{NAME}:1", "empty file (no header row); file skipped")
    ]


# -- v2 JSONL -------------------------------------------------------------------------

JNAME = "y/instance-0.jsonl"


def jsonl_items(data: bytes) -> list[JsonlRecord | DataIssue]:
    return list(parse_jsonl(io.BytesIO(data), JNAME))


def line(record: dict[str, Any]) -> bytes:
    return json.dumps(record).encode() + b"\n"


def test_jsonl_record() -> None:
    record = v2_record(
        WHEN, "model_inputs", [{"a": 1}], corr="c1", request_id="r1", model_version="7"
    )
    [parsed] = jsonl_items(line(record))
    assert isinstance(parsed, JsonlRecord)
    assert parsed.collection == "model_inputs"
    assert parsed.time == WHEN.replace(microsecond=0)
    assert (parsed.correlation_id, parsed.request_id, parsed.model_version) == ("c1", "r1", "7")
    assert parsed.data == [{"a": 1}]
    assert parsed.line == 1


def test_jsonl_defaults_and_epoch_time() -> None:
    record = v2_record(WHEN, "model_inputs", [], corr="c1", request_id="r1")
    del record["xrequestid"]
    record["time"] = 1714557600
    [parsed] = jsonl_items(line(record))
    assert isinstance(parsed, JsonlRecord)
    assert parsed.request_id == "c1"
    assert parsed.model_version is None
    assert parsed.time == datetime(2024, 5, 1, 10, tzinfo=UTC)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"correlationid": None}, "no correlationid; record skipped"),
        ({"time": None}, "bad time 'None'; record skipped"),
        ({"time": "noon"}, "bad time 'noon'; record skipped"),
    ],
)
def test_jsonl_bad_fields(change: dict[str, Any], message: str) -> None:
    record = v2_record(WHEN, "model_inputs", [{"a": 1}], corr="c1", request_id="r1") | change
    items = jsonl_items(b"\n" + line(record))
    assert [(i.location, i.message) for i in issues_of(items)] == [(f"{JNAME}:2", message)]


def test_jsonl_missing_time() -> None:
    record = v2_record(WHEN, "model_inputs", [{"a": 1}], corr="c1", request_id="r1")
    del record["time"]
    assert one_issue(jsonl_items(line(record))).message == "no time; record skipped"


def test_jsonl_invalid_and_truncated_lines() -> None:
    good = line(v2_record(WHEN, "model_inputs", [{"a": 1}], corr="c1", request_id="r1"))
    items = jsonl_items(good + b"{not json\n" + b"[1]\n" + good + good[:40])
    issues = issues_of(items)
    assert [i.location for i in issues] == [f"{JNAME}:2", f"{JNAME}:3", f"{JNAME}:5"]
    assert issues[0].message.startswith("invalid JSON (")
    assert "not an object" in issues[1].message
    assert issues[2].message.startswith("truncated last line")
    assert len(rows_of(items)) == 2


def test_jsonl_non_utf8_reported_once() -> None:
    record = v2_record(WHEN, "model_inputs", [{"city": "Zürich"}], corr="c1", request_id="r1")
    raw = json.dumps(record, ensure_ascii=False).encode().replace("ü".encode(), b"\xfc") + b"\n"
    items = jsonl_items(raw + raw)
    issue = one_issue(items)
    assert issue.location == f"{JNAME}:1" and "not UTF-8" in issue.message
    assert [r.data[0]["city"] for r in rows_of(items)] == ["Z\ufffdrich"] * 2


def test_jsonl_ten_megabyte_line_is_kept() -> None:
    record = v2_record(
        WHEN, "model_inputs", [{"blob": "x" * 10_000_000}], corr="c1", request_id="r1"
    )
    [parsed] = jsonl_items(line(record))
    assert isinstance(parsed, JsonlRecord)
    assert len(parsed.data[0]["blob"]) == 10_000_000


# -- joins ----------------------------------------------------------------------------

V1_PART = Partition(
    "v1",
    "modeldata/s/r/w/churn-svc/churn/3",
    "inputs",
    "churn-svc",
    None,
    "churn",
    "3",
    WHEN,
    False,
)
V2_PART = Partition(
    "v2", "modelDataCollector/ep/blue", "model_inputs", "ep", "blue", None, None, WHEN, True
)


def v1_join(inputs: bytes, outputs: bytes) -> list[Prediction | DataIssue]:
    index = V1Outputs()
    for row in rows_of(csv_items(outputs, "out.csv")):
        index.add(row)
    return list(join_v1("test", V1_PART, csv_items(inputs, "in.csv"), index))


def test_v1_join_by_correlation_id() -> None:
    inputs = v1_csv(
        ["age"], [[30, *correlation(WHEN, "c1", "r1")], [40, *correlation(WHEN, "c2", "r2")]]
    )
    outputs = v1_csv(
        ["churn"], [[1, *correlation(WHEN, "c2", "other")], [0, *correlation(WHEN, "c1", "other")]]
    )
    first, second = v1_join(inputs, outputs)
    assert isinstance(first, Prediction) and isinstance(second, Prediction)
    assert (first.request_id, first.correlation_id, first.inputs, first.outputs) == (
        "r1",
        "c1",
        {"age": 30},
        {"churn": 0},
    )
    assert second.outputs == {"churn": 1}
    assert first.endpoint == "churn-svc" and first.deployment is None
    assert (first.model_name, first.model_version, first.log_format) == ("churn", "3", "v1")
    assert first.source.native_id == "in.csv:2" and first.source.provider == "test"


def test_v1_join_falls_back_to_request_id() -> None:
    inputs = v1_csv(["age"], [[30, *correlation(WHEN, "c1", "r1")]])
    outputs = b"churn,$aml_dc_scoring_timestamp,$aml_request_id\r\n1,2024-05-01T10:00:00,r1\r\n"
    items = v1_join(inputs, outputs)
    [prediction] = rows_of(items)
    assert prediction.outputs == {"churn": 1}


def test_v1_zero_request_id_uses_correlation_id_and_unjoined_input() -> None:
    zero = "00000000-0000-0000-0000-000000000000"
    inputs = v1_csv(["age"], [[30, *correlation(WHEN, "c1", zero)]])
    items = v1_join(inputs, v1_csv(["churn"], []))
    [prediction] = rows_of(items)
    assert prediction.request_id == "c1" and prediction.outputs == {}
    issue = one_issue(items)
    assert issue.location == "in.csv:2" and "no output with correlation id c1" in issue.message


def v2_join(
    partition: Partition, inputs: list[dict[str, Any]], outputs: list[dict[str, Any]]
) -> list[Any]:
    index = V2Outputs()
    for record in rows_of(jsonl_items(b"".join(map(line, outputs)))):
        index.add(record)
    return list(join_v2("test", partition, jsonl_items(b"".join(map(line, inputs))), index))


def test_v2_multi_row_record() -> None:
    rows = [{"age": 30}, {"age": 40}]
    items = v2_join(
        V2_PART,
        [v2_record(WHEN, "model_inputs", rows, corr="c1", request_id="r1", model_version="5")],
        [v2_record(WHEN, "model_outputs", [{"p": 0}, {"p": 1}], corr="c1", request_id="r1")],
    )
    assert issues_of(items) == []
    first, second = items
    assert (first.inputs, first.outputs, second.inputs, second.outputs) == (
        rows[0],
        {"p": 0},
        rows[1],
        {"p": 1},
    )
    assert {p.correlation_id for p in items} == {"c1"} and {p.request_id for p in items} == {"r1"}
    assert (first.endpoint, first.deployment, first.model_name, first.model_version) == (
        "ep",
        "blue",
        None,
        "5",
    )
    assert [p.source.native_id for p in items] == [f"{JNAME}:1#0", f"{JNAME}:1#1"]


def test_v2_row_count_mismatch_and_unjoined() -> None:
    items = v2_join(
        V2_PART,
        [
            v2_record(WHEN, "model_inputs", [{"a": 1}, {"a": 2}], corr="c1", request_id="r1"),
            v2_record(WHEN, "model_inputs", [{"a": 3}], corr="c2", request_id="r2"),
        ],
        [v2_record(WHEN, "model_outputs", [{"p": 0}], corr="c1", request_id="r1")],
    )
    issues = issues_of(items)
    assert [i.location for i in issues] == [f"{JNAME}:1", f"{JNAME}:2"]
    assert "2 input row(s) but 1 output row(s)" in issues[0].message
    assert "no output with correlation id c2" in issues[1].message
    assert [p.outputs for p in rows_of(items)] == [{"p": 0}, {}, {}]


def test_v2_payload_logging_request_response() -> None:
    part = Partition(
        "v2", "modelDataCollector/ep/blue", "request", "ep", "blue", None, None, WHEN, True
    )
    body = {"input_data": {"columns": ["a"], "data": [[1], [2]]}}
    items = v2_join(
        part,
        [v2_record(WHEN, "request", body, corr="c1", request_id="r1")],
        [v2_record(WHEN, "response", json.dumps([0, 1]), corr="c1", request_id="r1")],
    )
    assert [(p.inputs, p.outputs) for p in rows_of(items)] == [
        ({"a": 1}, {"value": 0}),
        ({"a": 2}, {"value": 1}),
    ]


# -- layout ---------------------------------------------------------------------------


def test_parse_path() -> None:
    layout = Layout("modeldata", ("blobstore/modelDataCollector",))
    v1 = parse_path("modeldata/s/r/w/svc/churn/3/inputs/2024/05/01/data.csv", layout)
    assert v1 is not None
    assert (v1.format, v1.endpoint, v1.model_name, v1.model_version, v1.collection) == (
        "v1",
        "svc",
        "churn",
        "3",
        "inputs",
    )
    assert (v1.start, v1.hourly) == (datetime(2024, 5, 1, tzinfo=UTC), False)
    assert v1.folder == "modeldata/s/r/w/svc/churn/3/inputs/2024/05/01"
    partner = v1.partner()
    assert (
        partner is not None
        and partner.folder == "modeldata/s/r/w/svc/churn/3/predictions/2024/05/01"
    )
    v2 = parse_path(
        "blobstore/modelDataCollector/ep/blue/model_inputs/2024/05/01/10/i.jsonl", layout
    )
    assert v2 is not None
    assert (v2.format, v2.endpoint, v2.deployment, v2.start, v2.hourly) == (
        "v2",
        "ep",
        "blue",
        datetime(2024, 5, 1, 10, tzinfo=UTC),
        True,
    )
    assert parse_path("modeldata/s/r/w/svc/churn/3/inputs/2024/13/01/data.csv", layout) is None
    assert parse_path("modeldata/s/r/w/svc/churn/3/inputs/2024/5/01/data.csv", layout) is None
    assert parse_path("other/x.csv", layout) is None


class ListingStore(LocalFolderStore):
    """Records the folders listed."""

    def __init__(self, root: Path) -> None:
        super().__init__(root)
        self.listed: list[str] = []

    def list_dirs(self, prefix: str = "") -> list[str]:
        self.listed.append(prefix)
        return super().list_dirs(prefix)


def test_walk_prunes_by_time_and_target(tmp_path: Path) -> None:
    for day in (1, 2, 3):
        for hour in (9, 10):
            write_bytes(v2_path(tmp_path, "model_inputs", WHEN.replace(day=day, hour=hour)), b"")
        write_bytes(v1_path(tmp_path, "inputs", WHEN.replace(day=day)), b"")
    write_bytes(v1_path(tmp_path, "inputs", WHEN.replace(year=2023)), b"")
    store = ListingStore(tmp_path)
    query = PredictionQuery(
        start=WHEN.replace(day=2, hour=10, microsecond=0),
        end=WHEN.replace(day=3, hour=0, microsecond=0),
    )
    found = sorted(
        (p.format, p.start.day, p.start.hour) for p in walk_inputs(store, Layout(), query)
    )
    assert found == [("v1", 2, 0), ("v2", 2, 10)]
    assert not any(f.endswith(("/2023", "/05/01")) for f in store.listed)
    assert (
        sorted(p.format for p in walk_inputs(store, Layout(), PredictionQuery(model_name="CHURN")))
        == ["v1"] * 4
    )
    assert {p.format for p in walk_inputs(store, Layout(), PredictionQuery(deployment="blue"))} == {
        "v2"
    }
    assert list(walk_inputs(store, Layout(), PredictionQuery(endpoint="nope"))) == []


# -- stores ---------------------------------------------------------------------------


class StreamOnlyStore(LogStore):
    """A store with only the required methods, to test the generic implementations."""

    def __init__(self, root: Path) -> None:
        self.local = LocalFolderStore(root)

    def list(self, prefix: str = "") -> Any:
        return self.local.list(prefix)

    def list_dirs(self, prefix: str = "") -> list[str]:
        return self.local.list_dirs(prefix)

    def open(self, name: str) -> Any:
        return self.local.open(name)


def test_find_lines_generic_and_local_agree(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(scan, "SCAN_BYTES", 7)  # lines longer than the buffer make it grow
    text = b"alpha needle\nbeta\n\nneedle needle gamma\nlong line without it\nend needle"
    write_bytes(tmp_path / "a" / "f.txt", text)
    expected = [
        RawLine(1, b"alpha needle\n", 13),
        RawLine(4, b"needle needle gamma\n", 20),
        RawLine(6, b"end needle", 10),
    ]
    assert LocalFolderStore(tmp_path).find_lines("a/f.txt", b"needle") == expected
    assert StreamOnlyStore(tmp_path).find_lines("a/f.txt", b"needle") == expected
    write_bytes(tmp_path / "a" / "empty.txt", b"")
    assert LocalFolderStore(tmp_path).find_lines("a/empty.txt", b"x") == []
    assert StreamOnlyStore(tmp_path).first_line("a/f.txt") == RawLine(1, b"alpha needle\n", 13)
    assert StreamOnlyStore(tmp_path).first_line("a/empty.txt") is None


def test_local_store_listing(tmp_path: Path) -> None:
    write_bytes(tmp_path / "b" / "2.txt", b"22")
    write_bytes(tmp_path / "b" / "c" / "3.txt", b"3")
    write_bytes(tmp_path / "a.txt", b"1")
    store = LocalFolderStore(tmp_path)
    assert list(store.list()) == [
        StoredFile("a.txt", 1),
        StoredFile("b/2.txt", 2),
        StoredFile("b/c/3.txt", 1),
    ]
    assert list(store.list("b/c")) == [StoredFile("b/c/3.txt", 1)]
    assert (
        store.list_dirs() == ["b"]
        and store.list_dirs("b") == ["b/c"]
        and store.list_dirs("zz") == []
    )
    assert store.read_range("b/2.txt", 1, 5) == b"2"
    with pytest.raises(ValueError, match="not a name inside the store"):
        store.open("../etc/passwd")
