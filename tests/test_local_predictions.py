"""The local-logs provider: find, search, settings and bad trees."""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, BinaryIO

import pytest
from logtree import V1Tree, V2Tree, big_v1_tree, correlation, v1_csv, v1_path, write_bytes

from providers.errors import ConfigError, NotFound
from providers.local.predictions import LocalPredictionsProvider
from providers.predictions import paging
from providers.predictions.formats.lines import RawLine
from providers.predictions.log_store import LocalFolderStore
from providers.protocols import PredictionPage, ProviderContext
from providers.query import FieldFilter, PredictionQuery, parse_query
from providers.records import Prediction

DAY = datetime(2024, 5, 1, tzinfo=UTC)


def provider(root: Path, **settings: Any) -> LocalPredictionsProvider:
    context = ProviderContext("test", root.parent)
    return LocalPredictionsProvider.from_settings({"path": root.name, **settings}, context)


def all_rows(pages: Iterator[PredictionPage]) -> list[Prediction]:
    return [row for page in pages for row in page.rows]


class CountingStore(LocalFolderStore):
    """Records which files were opened or searched."""

    def __init__(self, root: Path) -> None:
        super().__init__(root)
        self.opened: list[str] = []

    def open(self, name: str) -> BinaryIO:
        self.opened.append(name)
        return super().open(name)

    def find_lines(self, name: str, needle: bytes) -> list[RawLine]:
        self.opened.append(name)
        return super().find_lines(name, needle)


# -- settings -------------------------------------------------------------------------


def test_settings_and_identity(tmp_path: Path) -> None:
    logs = tmp_path / "logs"
    p = provider(logs, v1_container="md", v2_prefix="c/mdc")
    assert p.root == logs
    assert p.identity() == {"path": str(logs), "v1_container": "md", "v2_prefix": "c/mdc"}
    assert (p.name, p.concerns) == ("local-logs", frozenset({"predictions"}))


@pytest.mark.parametrize(
    ("settings", "message"),
    [
        ({"path": "x", "colour": "red"}, "unknown setting 'colour'"),
        ({}, "path is required"),
        ({"path": ""}, "path must be a non-empty string"),
        ({"path": "x", "v2_prefix": 3}, "v2_prefix must be a non-empty string"),
    ],
)
def test_bad_settings(tmp_path: Path, settings: dict[str, Any], message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        LocalPredictionsProvider.from_settings(settings, ProviderContext("test", tmp_path))


def test_missing_root_folder(tmp_path: Path) -> None:
    p = provider(tmp_path / "nowhere")
    with pytest.raises(NotFound, match="no log folder"):
        p.find("abc")
    with pytest.raises(NotFound):
        p.search(PredictionQuery())


def test_empty_folder(tmp_path: Path) -> None:
    (tmp_path / "logs").mkdir()
    p = provider(tmp_path / "logs")
    assert p.find("abc") == PredictionPage((), (), 0)
    assert list(p.search(PredictionQuery())) == []


# -- find -----------------------------------------------------------------------------


@pytest.fixture
def mixed(tmp_path: Path) -> Path:
    """A tree with v1 and v2 logs; returns its root."""
    root = tmp_path / "logs"
    v1 = V1Tree(root)
    v1.add(
        DAY + timedelta(hours=10),
        {"age": 30, "plan": "gold, plus"},
        {"churn": 1},
        request_id="v1-req",
    )
    v1.add(DAY + timedelta(hours=11), {"age": 40, "plan": "basic"}, {"churn": 0})
    v1.add(DAY + timedelta(hours=12), {"age": 50, "plan": "x"}, None, request_id="v1-lonely")
    v1.write()
    v2 = V2Tree(root)
    v2.add(
        DAY + timedelta(hours=10, minutes=5),
        [{"age": 1}, {"age": 2}],
        [{"p": 0.1}, {"p": 0.9}],
        corr="v2-corr",
        request_id="v2-req",
        model_version="4",
    )
    v2.add(
        DAY + timedelta(hours=10, minutes=6),
        {"input_data": [[1, 2]]},
        {"out": [1]},
        corr="pay-corr",
        payload=True,
    )
    v2.write()
    return root


def test_find_v1(mixed: Path) -> None:
    root = mixed
    page = provider(root).find("v1-req")
    [row] = page.rows
    assert (row.request_id, row.inputs, row.outputs, row.log_format) == (
        "v1-req",
        {"age": 30, "plan": "gold, plus"},
        {"churn": 1},
        "v1",
    )
    assert row.timestamp == DAY + timedelta(hours=10)
    assert (
        row.source.native_id
        == "modeldata/sub-1/rg-1/ws-1/churn-svc/churn/3/inputs/2024/05/01/data.csv:2"
    )
    assert page.issues == ()
    assert page.files_scanned >= 2
    by_corr = provider(root).find(row.correlation_id)
    assert by_corr.rows == page.rows


def test_find_v2_multi_row_and_payload(mixed: Path) -> None:
    root = mixed
    p = provider(root)
    rows = p.find("v2-req").rows
    assert [(r.inputs, r.outputs) for r in rows] == [
        ({"age": 1}, {"p": 0.1}),
        ({"age": 2}, {"p": 0.9}),
    ]
    assert {(r.endpoint, r.deployment, r.model_version, r.correlation_id) for r in rows} == {
        ("churn-ep", "blue", "4", "v2-corr")
    }
    assert p.find("v2-corr").rows == rows
    [payload] = p.find("pay-corr").rows
    assert (payload.inputs, payload.outputs) == ({"input_data": [[1, 2]]}, {"out": [1]})


def test_find_unjoined_input(mixed: Path) -> None:
    page = provider(mixed).find("v1-lonely")
    [row] = page.rows
    assert row.outputs == {}
    [issue] = page.issues
    assert issue.location.endswith("inputs/2024/05/01/data.csv:4")
    assert "no output with correlation id" in issue.message


def test_find_unknown_id(mixed: Path) -> None:
    page = provider(mixed).find("no-such-id")
    assert (page.rows, page.issues) == ((), ())
    assert page.files_scanned == 3  # the inputs files: v1, v2 model_inputs, v2 request


def test_find_id_twice_returns_both(tmp_path: Path) -> None:
    root = tmp_path / "logs"
    v1 = V1Tree(root)
    v1.add(DAY, {"age": 1}, {"churn": 0}, request_id="dup")
    v1.add(DAY + timedelta(days=1), {"age": 2}, {"churn": 1}, request_id="dup")
    v1.write()
    rows = provider(root).find("dup").rows
    assert [(r.inputs, r.outputs) for r in rows] == [
        ({"age": 1}, {"churn": 0}),
        ({"age": 2}, {"churn": 1}),
    ]
    assert len({r.correlation_id for r in rows}) == 2


def test_find_reports_bad_matching_line(tmp_path: Path) -> None:
    root = tmp_path / "logs"
    bad = correlation(DAY, "c1", "r1")
    bad[1] = "not-a-time"
    write_bytes(
        v1_path(root, "inputs", DAY), v1_csv(["a"], [[1, *correlation(DAY, "c0", "r0")], [2, *bad]])
    )
    page = provider(root).find("r1")
    assert page.rows == ()
    [issue] = page.issues
    assert (
        issue.location == "modeldata/sub-1/rg-1/ws-1/churn-svc/churn/3/inputs/2024/05/01/data.csv:3"
    )
    assert "bad $aml_dc_scoring_timestamp 'not-a-time'" in issue.message


def test_find_record_spanning_lines(tmp_path: Path) -> None:
    root = tmp_path / "logs"
    v1 = V1Tree(root)
    v1.add(DAY, {"note": "first\nsecond"}, {"churn": 1}, request_id="multi")
    v1.write()
    [row] = provider(root).find("multi").rows
    assert (row.inputs, row.outputs) == ({"note": "first\nsecond"}, {"churn": 1})
    assert row.source.native_id.endswith(":2")


def test_find_is_fast_on_a_big_tree(tmp_path: Path) -> None:
    ids = big_v1_tree(tmp_path / "logs", 50_000, start=DAY, days=5)
    p = provider(tmp_path / "logs")
    started = time.perf_counter()
    [row] = p.find(ids[31_337]).rows
    assert time.perf_counter() - started < 1.0
    assert row.request_id == ids[31_337] and set(row.outputs) == {"churn", "score"}


# -- search ---------------------------------------------------------------------------


def test_search_everything_oldest_first(mixed: Path) -> None:
    rows = all_rows(provider(mixed).search(PredictionQuery()))
    assert [r.log_format for r in rows] == ["v1"] * 3 + ["v2"] * 3
    assert [r.timestamp.hour for r in rows[:3]] == [10, 11, 12]


def test_search_filters(mixed: Path) -> None:
    p = provider(mixed)
    assert [r.inputs["age"] for r in all_rows(p.search(parse_query("age>35 model:churn")))] == [
        40,
        50,
    ]
    assert [
        r.inputs["age"]
        for r in all_rows(p.search(parse_query("endpoint:churn-ep deployment:blue age<2")))
    ] == [1]
    assert [
        r.outputs
        for r in all_rows(
            p.search(PredictionQuery(filters=(FieldFilter("outputs.churn", "=", 1.0),)))
        )
    ] == [{"churn": 1}]
    assert len(all_rows(p.search(PredictionQuery(request_id="v2-req")))) == 2
    assert all_rows(p.search(PredictionQuery(request_id="v2-req", endpoint="other"))) == []
    late = PredictionQuery(
        start=DAY + timedelta(hours=10, minutes=30), end=DAY + timedelta(hours=11, minutes=30)
    )
    assert [r.inputs["age"] for r in all_rows(p.search(late))] == [40]


def test_search_pages_and_limit(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(paging, "PAGE_SIZE", 10)
    root = tmp_path / "logs"
    v1 = V1Tree(root)
    for i in range(35):
        v1.add(DAY + timedelta(minutes=i), {"i": i}, {"o": i})
    v1.write()
    pages = list(provider(root).search(PredictionQuery()))
    assert [len(pg.rows) for pg in pages] == [10, 10, 10, 5]
    assert sum(pg.files_scanned for pg in pages) == 2
    limited = list(provider(root).search(PredictionQuery(limit=12)))
    assert [len(pg.rows) for pg in limited] == [10, 2]


def test_search_opens_only_the_days_asked_for(tmp_path: Path) -> None:
    root = tmp_path / "logs"
    v1, v2 = V1Tree(root), V2Tree(root)
    for day in range(5):
        for hour in (3, 15):
            when = DAY + timedelta(days=day, hours=hour)
            v1.add(when, {"d": day}, {"o": 1})
            v2.add(when, [{"d": day}], [{"o": 1}])
    v1.write()
    v2.write()
    p = provider(root)
    store = CountingStore(root)
    p.store = store
    rows = all_rows(p.search(parse_query("from:2024-05-03 to:2024-05-03")))
    assert sorted(r.inputs["d"] for r in rows) == [2, 2, 2, 2]
    assert len(store.opened) == 2 + 4  # v1 inputs+predictions, v2 two hours x inputs+outputs
    assert all("/2024/05/03" in name for name in store.opened)
    store.opened.clear()
    by_id = PredictionQuery(
        request_id=rows[0].request_id, start=DAY + timedelta(days=2), end=DAY + timedelta(days=3)
    )
    assert all_rows(p.search(by_id)) == rows[:1]
    assert all("/2024/05/03" in name for name in store.opened)


def test_search_streams_the_first_page_early(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(paging, "PAGE_SIZE", 5)
    root = tmp_path / "logs"
    v1 = V1Tree(root)
    for day in range(4):
        for i in range(10):
            v1.add(DAY + timedelta(days=day, minutes=i), {"i": i}, {"o": i})
    v1.write()
    p = provider(root)
    store = CountingStore(root)
    p.store = store
    pages = p.search(PredictionQuery())
    first = next(pages)
    assert len(first.rows) == 5
    assert all("/2024/05/01/" in name for name in store.opened)
    assert sum(len(pg.rows) for pg in pages) == 35


def test_search_reports_issues_with_file_and_line(tmp_path: Path) -> None:
    root = tmp_path / "logs"
    data = v1_csv(["a"], [[1, *correlation(DAY, "c1", "r1")]]) + b"1,2\r\n"
    write_bytes(v1_path(root, "inputs", DAY), data)
    pages = list(provider(root).search(PredictionQuery()))
    issues = [i for pg in pages for i in pg.issues]
    where = "modeldata/sub-1/rg-1/ws-1/churn-svc/churn/3/inputs/2024/05/01/data.csv"
    assert [(i.location, i.message.split(";")[0]) for i in issues] == [
        (f"{where}:2", "no output with correlation id c1"),
        (f"{where}:3", "expected 9 columns, found 2"),
    ]


def test_issue_flood_is_capped(tmp_path: Path) -> None:
    root = tmp_path / "logs"
    write_bytes(v1_path(root, "inputs", DAY), v1_csv(["a"], []) + b"1\r\n" * 80)
    issues = [i for pg in provider(root).search(PredictionQuery()) for i in pg.issues]
    assert len(issues) == paging.MAX_ISSUES_PER_FILE + 1
    assert issues[-1].message == "30 more issue(s) in this file not listed"


def test_v2_prefix_inside_a_container_folder(tmp_path: Path) -> None:
    root = tmp_path / "logs"
    v2 = V2Tree(root, prefix="azureml-blobstore-1234/modelDataCollector")
    v2.add(DAY, [{"a": 1}], [{"p": 1}], corr="inside")
    v2.write()
    assert len(provider(root).find("inside").rows) == 1
    assert len(all_rows(provider(root).search(PredictionQuery()))) == 1
    explicit = provider(root, v2_prefix="azureml-blobstore-1234/modelDataCollector")
    assert len(explicit.find("inside").rows) == 1


def test_daily_v2_and_hourly_v1(tmp_path: Path) -> None:
    root = tmp_path / "logs"
    v1, v2 = V1Tree(root, hourly=True), V2Tree(root, hourly=False)
    v1.add(DAY + timedelta(hours=5), {"a": 1}, {"o": 1}, request_id="hourly")
    v2.add(DAY + timedelta(hours=5), [{"a": 2}], [{"o": 2}], corr="daily")
    v1.write()
    v2.write()
    p = provider(root)
    assert p.find("hourly").rows[0].outputs == {"o": 1}
    assert p.find("daily").rows[0].outputs == {"o": 2}
    assert len(all_rows(p.search(parse_query("from:2024-05-01T05:00 to:2024-05-01T06:00")))) == 2
