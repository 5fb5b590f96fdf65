"""Bad input in a month of logs: handled, and reported with the file and the reason."""

from __future__ import annotations

import io
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, BinaryIO

from logtree import V1Tree, V2Tree, correlation, v1_csv, v1_path, v2_path, write_bytes

from providers.local.predictions import LocalPredictionsProvider
from providers.predictions.formats.csv_v1 import CORRELATION_COLUMNS
from providers.predictions.log_store import LocalFolderStore
from providers.protocols import PredictionPage, ProviderContext
from providers.query import PredictionQuery, parse_query
from providers.records import DataIssue, Prediction

DAY = datetime(2024, 5, 1, tzinfo=UTC)


def provider(root: Path) -> LocalPredictionsProvider:
    return LocalPredictionsProvider.from_settings(
        {"path": root.name}, ProviderContext("test", root.parent)
    )


def collect(pages: Iterator[PredictionPage]) -> tuple[list[Prediction], list[DataIssue]]:
    rows: list[Prediction] = []
    issues: list[DataIssue] = []
    for page in pages:
        rows.extend(page.rows)
        issues.extend(page.issues)
    return rows, issues


def test_header_change_mid_month(tmp_path: Path) -> None:
    root = tmp_path / "logs"
    v1 = V1Tree(root)
    ids = [v1.add(DAY + timedelta(days=d), {"age": 30 + d}, {"score": d}) for d in range(2)]
    v1.write()
    later = V1Tree(root)  # from day 3 the scorer logs one more feature column
    ids.append(later.add(DAY + timedelta(days=2), {"age": 40, "device": "ios"}, {"score": 2}))
    later.write()
    p = provider(root)
    rows, issues = collect(p.search(PredictionQuery()))
    assert [r.inputs for r in rows] == [{"age": 30}, {"age": 31}, {"age": 40, "device": "ios"}]
    assert issues == []
    for wanted in ids:  # cold, then from the index
        assert [r.correlation_id for r in p.find(wanted).rows] == [wanted]
    p.indexer.wait()
    assert [r.inputs["age"] for r in p.find(ids[2]).rows] == [40]


def test_mixed_encodings(tmp_path: Path) -> None:
    root = tmp_path / "logs"
    header = f"name,{','.join(CORRELATION_COLUMNS)}\r\n"

    def row(name: str, n: int) -> str:
        ids = correlation(DAY + timedelta(hours=n), f"c-{n}", f"r-{n}")
        return f"{name},{','.join(map(str, ids))}\r\n"

    bom = f"\ufeff{header}{row('zoë', 1)}".encode()
    latin = f"{header}{row('zoë', 2)}{row('ann', 3)}".encode("latin-1")
    utf16 = f"{header}{row('bob', 4)}".encode("utf-16")
    write_bytes(v1_path(root, "inputs", DAY, model="a"), bom)
    write_bytes(v1_path(root, "inputs", DAY, model="b"), latin)
    write_bytes(v1_path(root, "inputs", DAY, model="c"), utf16)
    for model, data in (("a", bom), ("b", latin), ("c", utf16)):
        write_bytes(v1_path(root, "predictions", DAY, model=model), data)
    rows, issues = collect(provider(root).search(PredictionQuery()))
    assert [r.inputs["name"] for r in rows] == ["zoë", "zo\ufffd", "ann"]
    reasons = {(i.location.split("/")[5], i.location.split("/")[7]): i.message for i in issues}
    assert set(reasons) == {("b", "inputs"), ("b", "predictions"), ("c", "inputs")}
    assert "not UTF-8" in reasons["b", "inputs"] and "row kept" in reasons["b", "inputs"]
    assert "unreadable header" in reasons["c", "inputs"]  # UTF-16: no column names
    assert "file skipped" in reasons["c", "inputs"]


def test_duplicated_request_ids_are_all_returned(tmp_path: Path) -> None:
    root = tmp_path / "logs"
    v1, v2 = V1Tree(root), V2Tree(root)
    v1.add(DAY, {"n": 1}, {"o": 1}, request_id="dup")
    v1.add(DAY + timedelta(hours=1), {"n": 2}, {"o": 2}, request_id="dup")
    v1.add(DAY + timedelta(days=1), {"n": 3}, {"o": 3}, request_id="dup")
    v2.add(DAY, [{"n": 4}], [{"o": 4}], request_id="dup")
    v1.write()
    v2.write()
    p = provider(root)
    assert sorted(r.inputs["n"] for r in p.find("dup").rows) == [1, 2, 3, 4]
    p.indexer.wait()
    assert sorted(r.inputs["n"] for r in p.find("dup").rows) == [1, 2, 3, 4]
    rows, _ = collect(p.search(parse_query("id:dup from:2024-05-01 to:2024-05-01")))
    assert sorted(r.inputs["n"] for r in rows) == [1, 2, 4]


def test_clock_skewed_rows_are_kept_and_reported(tmp_path: Path) -> None:
    root = tmp_path / "logs"
    folder_day = DAY + timedelta(days=1)
    rows = [
        [1, *correlation(folder_day + timedelta(hours=9), "c-1", "r-1")],
        [2, *correlation(folder_day - timedelta(seconds=3), "c-2", "r-2")],  # host clock behind
        [3, *correlation(folder_day + timedelta(hours=8), "c-3", "r-3")],  # out of order
    ]
    for designation in ("inputs", "predictions"):
        write_bytes(v1_path(root, designation, folder_day), v1_csv(["n"], rows))
    p = provider(root)
    found, issues = collect(p.search(parse_query("from:2024-05-02 to:2024-05-02")))
    assert [r.inputs["n"] for r in found] == [1, 2, 3]
    [issue] = issues
    assert issue.location.endswith("2024/05/02/data.csv")
    assert "1 row(s) stamped outside this folder's day" in issue.message
    earlier, _ = collect(p.search(parse_query("from:2024-05-01 to:2024-05-01")))
    assert earlier == []  # the 05-01 folder does not exist; the row is where it was logged
    assert [r.inputs["n"] for r in p.find("r-2").rows] == [2]


ROW_9 = ",".join(map(str, [9, *correlation(DAY + timedelta(hours=9), "c-9", "r-9")]))


class AppendingStore(LocalFolderStore):
    """Every file grows (a complete row, then half a row) right after its first line is
    read, as a collector appending to today's blob would."""

    def open(self, name: str) -> BinaryIO:
        path = self._path(name)

        class Growing(io.BufferedReader):
            grown = False

            def readline(self, size: Any = -1) -> bytes:
                line = super().readline(size)
                if not self.grown:
                    self.grown = True
                    with open(path, "ab") as out:  # noqa: PTH123
                        out.write(f"{ROW_9}\r\n8,c-8,2024-05".encode())
                return line

        return Growing(io.FileIO(path))


def test_a_file_appended_while_read(tmp_path: Path) -> None:
    root = tmp_path / "logs"
    v1 = V1Tree(root)
    v1.add(DAY + timedelta(hours=1), {"n": 1}, {"n": 1}, corr="c-1")
    v1.write()
    p = provider(root)
    p.store = AppendingStore(root)
    rows, issues = collect(p.search(PredictionQuery()))
    assert [r.inputs["n"] for r in rows] == [1, 9]  # what was there, and the completed row
    assert [(i.location.split("/")[7], i.message.split(";")[0]) for i in issues] == [
        ("inputs", "truncated last line: expected 9 columns, found 3")
    ]  # the outputs are read only as far as the inputs need


def test_empty_day_folder_and_empty_file_are_reported(tmp_path: Path) -> None:
    root = tmp_path / "logs"
    v2 = V2Tree(root)
    v2.add(DAY + timedelta(hours=3), [{"n": 1}], [{"o": 1}])
    v2.write()
    v2_path(root, "model_inputs", DAY + timedelta(hours=4)).parent.mkdir(parents=True)
    v1_path(root, "inputs", DAY).parent.mkdir(parents=True)
    write_bytes(v1_path(root, "inputs", DAY + timedelta(days=1)), b"")
    rows, issues = collect(provider(root).search(PredictionQuery()))
    assert [r.inputs for r in rows] == [{"n": 1}]
    messages = {i.location.split("/", 1)[0] + ":" + i.message.split(";")[0] for i in issues}
    assert messages == {
        "modeldata:no log files in this folder (nothing collected, or not written yet)",
        "modeldata:empty file (no header row)",
        "modelDataCollector:no log files in this folder (nothing collected, or not written yet)",
    }
