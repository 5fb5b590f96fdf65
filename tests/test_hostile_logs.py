"""Hostile log folders: one bad line, file, link or index folder is a reported issue for that
item, never a failure of the whole search or lookup, and the Python and DuckDB paths report
the same issues.  Every test bounds its own time."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import threading
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from logtree import V1Tree, V2Tree, v1_path, v2_path
from timebox import bounded

from providers.local.predictions import LocalPredictionsProvider
from providers.predictions.duckdb_search import csv_search as duck
from providers.predictions.folder_layout import Layout
from providers.predictions.log_store import LocalFolderStore
from providers.predictions.reader import LogReader
from providers.query import PredictionQuery, parse_query
from providers.records import DataIssue, Prediction

DAY = datetime(2024, 5, 1, tzinfo=UTC)  # long closed
ROOT = Path(__file__).resolve().parent.parent


def v1_days(root: Path, days: int) -> list[str]:
    """``days`` closed days of v1 logs, one call a day; their correlation ids."""
    tree = V1Tree(root)
    ids = [tree.add(DAY + timedelta(days=d, hours=9), {"n": d}, {"score": d}) for d in range(days)]
    tree.write()
    return ids


# -- the id index in a folder it cannot write ---------------------------------------------


def lookups(provider: LocalPredictionsProvider, ids: list[str]) -> list[DataIssue]:
    """Look every id up twice (cold, then once indexing is over); each is found once.
    Returns the issues of all lookups."""
    issues: list[DataIssue] = []
    for _ in range(2):
        for wanted in ids:
            page = provider.find(wanted)
            assert [r.correlation_id for r in page.rows] == [wanted]
            issues += page.issues
            provider.indexer.wait()
    return issues


def test_an_index_folder_that_cannot_be_made_turns_the_index_off(tmp_path: Path) -> None:
    ids = v1_days(tmp_path / "logs", 3)
    (tmp_path / "cache").write_text("a file where the cache folder should be")
    p = LocalPredictionsProvider(tmp_path / "logs", index_base=tmp_path / "cache" / "log-index")
    [notice] = bounded(60, lambda: lookups(p, ids))
    assert notice.message.startswith("the id index is off for this session (Not a directory")
    assert notice.message.endswith("; lookups search every file")
    assert notice.location == str(p.indexer.index.folder)


@pytest.mark.skipif(os.geteuid() == 0, reason="root ignores file modes")
def test_a_read_only_cache_folder_turns_the_index_off(tmp_path: Path) -> None:
    ids = v1_days(tmp_path / "logs", 3)
    cache = tmp_path / "cache"
    cache.mkdir(mode=0o500)
    try:
        p = LocalPredictionsProvider(tmp_path / "logs", index_base=cache / "log-index")
        [notice] = bounded(60, lambda: lookups(p, ids))
    finally:
        cache.chmod(0o700)
    assert "(Permission denied" in notice.message


FULL_DISK = """
import json, resource, signal, sys
sys.path.insert(0, "tests")
from pathlib import Path
from providers.local.predictions import LocalPredictionsProvider
from providers.predictions.duckdb_search import csv_search as duck
from test_hostile_logs import lookups

root, limit, ids = Path(sys.argv[1]), int(sys.argv[2]), json.loads(sys.argv[3])
provider = LocalPredictionsProvider(root / "logs", index_base=root / "cache")
signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # a write past the limit fails (EFBIG)
resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))
issues = lookups(provider, ids)
print(json.dumps([[i.location, i.message] for i in issues]))
"""


def test_a_full_disk_turns_the_index_off(tmp_path: Path) -> None:
    """The index's files may not grow past 28 KiB (RLIMIT_FSIZE in a child process): its
    SQLite database fills up while 40 files are indexed."""
    ids = v1_days(tmp_path / "logs", 20)
    limit = 28 * 1024
    done = subprocess.run(
        [sys.executable, "-c", FULL_DISK, str(tmp_path), str(limit), json.dumps(ids)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    [(location, message)] = json.loads(done.stdout)
    assert location.startswith(str(tmp_path / "cache"))
    # SQLite says "full" when a write was cut short, "disk I/O error" when it failed whole
    assert re.fullmatch(
        r"the id index is off for this session \((database or disk is full|disk I/O error"
        r"|File too large: .*)\); lookups search every file",
        message,
    ), message
    assert max(f.stat().st_size for f in (tmp_path / "cache").rglob("*")) <= limit


# -- values Python will not hold, on both paths ---------------------------------------------

HUGE = b"9" * 5000  # over int()'s 4,300 digits
DEEP = b"[" * 100_000 + b"]" * 100_000
DEEP_OBJECTS = b'{"a":' * 300 + b"1" + b"}" * 300
REFUSED = {
    HUGE: "an integer of more than 4,300 digits; line skipped",
    DEEP: "JSON nested more than 256 levels deep; line skipped",
    DEEP_OBJECTS: "JSON nested more than 256 levels deep; line skipped",
}


def v2_hours(root: Path, bad: bytes, collection: str) -> str:
    """Hours 0-2, three calls each; the second call of hour 1 logs ``bad`` as a value in
    ``collection``.  The bad line's location."""
    tree = V2Tree(root)
    for hour in range(3):
        for minute in range(3):
            when = DAY + timedelta(hours=hour, minutes=minute)
            tree.add(when, [{"income": minute, "x": 5}], [{"score": minute, "y": 5}])
    tree.write()
    path = v2_path(root, collection, DAY + timedelta(hours=1))
    lines = path.read_bytes().split(b"\n")
    lines[1] = lines[1].replace(b'"x": 5', b'"x": ' + bad).replace(b'"y": 5', b'"y": ' + bad)
    assert bad in lines[1]
    path.write_bytes(b"\n".join(lines))
    return f"{path.relative_to(root).as_posix()}:2"


@pytest.fixture
def used(monkeypatch: pytest.MonkeyPatch) -> dict[datetime, bool]:
    """Per partition offered to DuckDB (by its start), whether DuckDB read it."""
    seen: dict[datetime, bool] = {}
    lock = threading.Lock()
    read, read_group = duck.DuckSearch.read, duck.DuckSearch.read_group

    def spy(self: duck.DuckSearch, partition: Any, *args: Any, **kwargs: Any) -> Any:
        opened = read(self, partition, *args, **kwargs)
        with lock:
            seen[partition.start] = opened is not None
        return opened

    def group_spy(self: duck.DuckSearch, partitions: Any, query: Any) -> Any:
        runs = read_group(self, partitions, query)
        with lock:
            seen.update({p.start: r is not None for p, r in zip(partitions, runs, strict=True)})
        return runs

    monkeypatch.setattr(duck.DuckSearch, "read", spy)
    monkeypatch.setattr(duck.DuckSearch, "read_group", group_spy)
    return seen


def search(root: Path, text: str, *, duckdb: bool) -> tuple[list[Prediction], list[DataIssue]]:
    reader = LogReader(LocalFolderStore(root), Layout(), "logs", use_duckdb=duckdb)
    rows: list[Prediction] = []
    issues: list[DataIssue] = []
    for page in reader.search(parse_query(text)):
        rows += page.rows
        issues += page.issues
    return rows, issues


@pytest.mark.parametrize("bad", list(REFUSED), ids=["huge integer", "deep arrays", "deep objects"])
@pytest.mark.parametrize("collection", ["model_inputs", "model_outputs"])
def test_a_value_python_will_not_hold_is_the_same_issue_on_both_paths(
    tmp_path: Path, used: dict[datetime, bool], bad: bytes, collection: str
) -> None:
    where = v2_hours(tmp_path, bad, collection)
    issue = DataIssue(where, REFUSED[bad])
    for query in ("income>=0", "income=0", "score=2", "x<1", "y~9"):  # matching the line or not
        used.clear()
        python = bounded(60, lambda: search(tmp_path, query, duckdb=False))  # noqa: B023
        assert not used
        ducked = bounded(60, lambda: search(tmp_path, query, duckdb=True))  # noqa: B023
        assert ducked == python, query
        assert issue in python[1], query
        # DuckDB read hour 1 itself, or (a refused output line) left it to Python
        hours = {DAY + timedelta(hours=1): collection == "model_inputs"}
        assert used == {**hours, DAY + timedelta(hours=2): True}, query
    rows, issues = search(tmp_path, "", duckdb=False)
    assert len(rows) == 8 + (collection == "model_outputs") and issue in issues


@pytest.mark.parametrize("bad", list(REFUSED), ids=["huge integer", "deep arrays", "deep objects"])
def test_a_lookup_of_the_refused_line_reports_it(tmp_path: Path, bad: bytes) -> None:
    where = v2_hours(tmp_path, bad, "model_inputs")
    reader = LogReader(LocalFolderStore(tmp_path), Layout(), "logs")
    wanted = json.loads(v2_path(tmp_path, "model_outputs", DAY + timedelta(hours=1)).read_bytes()
                        .split(b"\n")[1])["correlationid"]  # fmt: skip
    page = bounded(60, lambda: reader.find(wanted))
    assert page.rows == () and page.issues == (DataIssue(where, REFUSED[bad]),)


def test_a_payload_body_python_will_not_hold_is_kept_as_text(tmp_path: Path) -> None:
    tree = V2Tree(tmp_path)
    body = '{"input_data": ' + "9" * 5000 + "}"
    tree.add(DAY, body, {"out": 1}, payload=True)
    tree.write()
    rows, issues = bounded(60, lambda: search(tmp_path, "", duckdb=True))
    [row] = rows
    assert row.inputs == {"value": body}
    [issue] = issues
    assert issue.message == "body kept as text: an integer of more than 4,300 digits"


V1_ODDITIES = {
    "huge integer": b"9" * 5000,
    "huge float": b"9" * 5000 + b".5",
    "Latin-1": b"\xe9t\xe9",
    "NUL": b"a\x00b",
    "200 kB field": b'"' + b"x" * 200_000 + b'"',
}


@pytest.mark.parametrize("oddity", list(V1_ODDITIES))
def test_v1_oddities_are_the_same_on_both_paths(
    tmp_path: Path, used: dict[datetime, bool], oddity: str
) -> None:
    """The v1 CSV parser keeps these rows (a number it cannot convert stays text), and
    DuckDB's rows are the same (held before this module: a guard)."""
    tree = V1Tree(tmp_path)
    for day in range(3):
        for minute in range(3):
            tree.add(DAY + timedelta(days=day, minutes=minute), {"income": minute, "name": "x"}, {})
    tree.write()
    path = v1_path(tmp_path, "inputs", DAY + timedelta(days=1))
    lines = path.read_bytes().split(b"\n")
    lines[2] = lines[2].replace(b"1,x", b"1," + V1_ODDITIES[oddity], 1)
    path.write_bytes(b"\n".join(lines))
    for query in ("income>=0", "income<0", "name~x", "name~9"):
        used.clear()
        python = bounded(60, lambda: search(tmp_path, query, duckdb=False))  # noqa: B023
        assert bounded(60, lambda: search(tmp_path, query, duckdb=True)) == python  # noqa: B023
        assert used[DAY + timedelta(days=2)], query  # day 1: DuckDB's, or Python's if refused


def test_a_v1_column_named_twice_keeps_both_values_on_both_paths(
    tmp_path: Path, used: dict[datetime, bool]
) -> None:
    """The second 'income' of a header is kept as income~2, with one issue naming it, by
    the Python and the DuckDB path alike (the dict of a row kept only the last one)."""
    tree = V1Tree(tmp_path)
    for minute in range(3):
        tree.add(DAY + timedelta(minutes=minute), {"income": minute, "rent": 7}, {})
    tree.write()
    path = v1_path(tmp_path, "inputs", DAY)
    path.write_bytes(path.read_bytes().replace(b"rent", b"income", 1))
    for query in ("income>=0", "income>=1"):
        used.clear()
        python = bounded(60, lambda: search(tmp_path, query, duckdb=False))  # noqa: B023
        assert bounded(60, lambda: search(tmp_path, query, duckdb=True)) == python  # noqa: B023
        rows, issues = python
        assert [row.inputs["income~2"] for row in rows] == [7] * len(rows)
        assert [i.message for i in issues] == [
            "header names column(s) income more than once; each later one is kept as "
            "NAME~2, NAME~3 … (its values would otherwise be lost)"
        ]


# -- symbolic links in a log folder -------------------------------------------------------

LINK = "a symbolic link: not followed (links in a log folder never are); skipped"


def test_symbolic_links_are_never_followed(tmp_path: Path) -> None:
    """A loop, a link to '/', links out of the tree (to a log file, to a folder of logs)
    and links within it: the search and lookups see the tree as without them, and each
    link is reported with its path."""
    root = tmp_path / "logs"
    v1, v2 = V1Tree(root), V2Tree(root)
    ids = [v1.add(DAY + timedelta(days=d, hours=9), {"n": d}, {"s": d}) for d in range(2)]
    ids.append(v2.add(DAY + timedelta(hours=3), [{"n": 9}], [{"s": 9}]))
    v1.write()
    v2.write()
    outside = tmp_path / "elsewhere"
    stranger = V1Tree(outside)
    secret = stranger.add(DAY + timedelta(hours=1), {"n": 99}, {"s": 99}, service="x-svc")
    stranger.write()
    day = v1_path(root, "inputs", DAY).parent
    links = {
        day / "loop": Path(),  # "."
        day / "outside.csv": v1_path(outside, "inputs", DAY, service="x-svc"),
        day.parent / "03": day,  # a day folder within the tree
        root / "modeldata/sub-1/rg-1/slash": Path("/"),
        root / "modeldata/sub-1/rg-1/ws-1/x-svc": outside / "modeldata/sub-1/rg-1/ws-1/x-svc",
        root / "modeldata/sub-1/rg-1/ws-1/self": Path("self"),  # a link to itself
        root / "modelDataCollector/ep-link": Path("churn-ep"),
    }
    for link, target in links.items():
        link.symlink_to(target)
    p = LocalPredictionsProvider(root, index_base=tmp_path / "index")
    pages = bounded(60, lambda: list(p.search(PredictionQuery())))
    assert sorted(r.correlation_id for page in pages for r in page.rows) == sorted(ids)
    reported = {i.location: i.message for page in pages for i in page.issues}
    assert reported == {link.relative_to(root).as_posix(): LINK for link in links}
    for wanted in [*ids, secret]:
        page = bounded(60, lambda: p.find(wanted))  # noqa: B023
        assert [r.correlation_id for r in page.rows] == ([] if wanted == secret else [wanted])
        p.indexer.wait()
    rows, issues = bounded(60, lambda: search(root, "n>=0", duckdb=True))
    assert sorted(r.correlation_id for r in rows) == sorted(ids)
    assert {i.location for i in issues} == {link.relative_to(root).as_posix() for link in links}


@pytest.mark.skipif(os.geteuid() == 0, reason="root ignores file modes")
def test_a_folder_that_cannot_be_listed_is_reported(tmp_path: Path) -> None:
    root = tmp_path / "logs"
    ids = v1_days(root, 3)
    day = v1_path(root, "inputs", DAY + timedelta(days=1)).parent
    day.chmod(0)
    try:
        p = LocalPredictionsProvider(root, index_base=tmp_path / "index")
        pages = bounded(60, lambda: list(p.search(PredictionQuery())))
    finally:
        day.chmod(0o700)
    assert sorted(r.correlation_id for page in pages for r in page.rows) == sorted([ids[0], ids[2]])
    location = day.relative_to(root).as_posix()
    assert DataIssue(location, "cannot list this folder: Permission denied") in {
        i for page in pages for i in page.issues
    }
