"""The spark predictions provider against a real Spark Connect server (tests/spark_server.py).

The demo's collector tree is served to the engine as ``file:`` paths; the same trace and
searches through ``local-logs`` are the reference.  Errors: an unreachable server, a bad or
missing token, a missing folder, each a clear message that never holds the token.
"""

from __future__ import annotations

import ctypes
import json
import shutil
import socket
import threading
import time
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import test_log_duckdb as duck
from logtree import correlation, v1_csv, v1_path, write_bytes
from spark_server import SparkConnect, endless_job
from test_log_duckdb_json import tricky_tree
from timebox import bounded

from providers.errors import BadData, ConfigError, NotFound, Unauthorized, Unavailable
from providers.local.predictions import LocalPredictionsProvider
from providers.predictions.folder_layout import Layout
from providers.predictions.log_store import LocalFolderStore
from providers.predictions.reader import LogReader
from providers.protocols import PredictionPage, ProviderContext
from providers.query import parse_query
from providers.records import DataIssue, Prediction
from providers.spark import picked_lines
from providers.spark.picked_lines import PickedLines
from providers.spark.provider import SparkPredictionsProvider
from providers.spark.session import Cancelled
from providers.streams import Stream
from tui.cli.main import main
from tui.demo.workspace import DemoCase
from tui.panes.engine_search import cancellable, engine_note

TOKEN_ENV = "MODELTRAIL_TEST_SPARK_TOKEN"


def _spark(server: SparkConnect, root: str, **extra: Any) -> SparkPredictionsProvider:
    settings = {"url": server.url(), "token_env": TOKEN_ENV, "path": root, **extra}
    return SparkPredictionsProvider.from_settings(settings, ProviderContext("p", Path.cwd()))


def _seen(pages: list[PredictionPage]) -> tuple[list[tuple[Any, ...]], list[DataIssue]]:
    rows = [_row(row) for page in pages for row in page.rows]
    issues = [issue for page in pages for issue in page.issues]
    return sorted(rows), sorted(issues, key=lambda i: (i.location, i.message))


def _row(row: Prediction) -> tuple[Any, ...]:
    return (
        row.timestamp,
        row.source.native_id,
        row.request_id,
        row.correlation_id,
        row.endpoint,
        row.deployment,
        row.model_name,
        row.model_version,
        repr(row.inputs),
        repr(row.outputs),
        row.log_format,
    )


@pytest.fixture
def token(spark_connect: SparkConnect, monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.setenv(TOKEN_ENV, spark_connect.token)
    return spark_connect.token


SLICE_DAYS = ("2026/08/27", "2026/05/05")  # the auditor's day (v2 hours), a v1 day


def _demo_slice(blobs: Path, into: Path) -> Path:
    """The demo's collector folders of :data:`SLICE_DAYS` only (50 of its 5,262 files):
    the engine's per-query cost is what the tests measure, not the demo's size."""
    for day in SLICE_DAYS:
        for folder in blobs.glob(f"**/{day}"):
            shutil.copytree(folder, into / folder.relative_to(blobs))
    return into


@pytest.mark.usefixtures("spark_starting")  # the JVM starts while the demo is made
def test_demo_trace_and_searches_match_local_logs(
    demo: tuple[Path, DemoCase], spark_connect: SparkConnect, token: str, tmp_path: Path
) -> None:
    workspace, case = demo
    logs = _demo_slice(workspace / "blobs", tmp_path / "logs")
    local = LocalPredictionsProvider(logs, index_base=tmp_path / "index")
    spark = _spark(spark_connect, f"file:{logs}")
    try:
        found = bounded(60, lambda: spark.find(case.request_id))
        assert _seen([found]) == _seen([local.find(case.request_id)])
        assert [row.request_id for row in found.rows] == [case.request_id]
        assert found.rows[0].source.provider == "spark"
        for text, day in (
            ("from:2026-08-27 to:2026-08-27 annual_income<40000", "v2"),  # an input field
            # an output field; a range given with an offset (14:00-16:00 UTC)
            ("from:2026-08-27T16:00+02:00 to:2026-08-27T18:00+02:00 decision=rejected", "v2"),
            # a v1 day's hours, an input and an output field
            (
                "from:2026-05-05T10:00 to:2026-05-05T12:00 annual_income<40000 decision=rejected",
                "v1",
            ),
        ):
            query = parse_query(text)
            ours = bounded(60, lambda q=query: list(spark.search(q)))
            assert _seen(ours) == _seen(list(local.search(query))), text
            assert _seen(ours)[0], f"{text}: the demo has predictions there"
            # the engine picked the lines: the matches and their outputs
            lines = _lines(logs, "2026/08/27" if day == "v2" else "2026/05/05", day)
            assert 0 < spark.picked[day].returned < lines / 3, text
        assert spark.can_push_down(parse_query("from:2026-08-27 deployment:m4 income<1")) is None
        assert spark.can_push_down(parse_query("from:2026-08-27 model:x income<1")) is None
        assert "NaN" in str(spark.can_push_down(parse_query("deployment:m4 income<nan")))
    finally:
        spark.close()
        local.close()


def _lines(logs: Path, day: str, log_format: str = "v2") -> int:
    files = logs.glob(f"**/{day}/**/*.jsonl" if log_format == "v2" else f"**/{day}/*.csv")
    return sum(len(f.read_bytes().splitlines()) for f in files)


def _searches_match_python(
    spark: SparkPredictionsProvider, logs: Path, queries: Sequence[str]
) -> list[tuple[list[tuple[Any, ...]], list[DataIssue]]]:
    """Each query's predictions and issues through ``spark``, asserted equal to the local
    reader's on the folder ``logs``."""
    reader = LogReader(LocalFolderStore(logs), Layout(), "spark", use_duckdb=False)
    seen = []
    for text in queries:
        query = parse_query(text)
        ours = _seen(bounded(60, lambda q=query: list(spark.search(q))))
        assert ours == _seen(list(reader.search(query))), text
        seen.append(ours)
    return seen


TRICKY = [  # the DuckDB parity tests' queries on their tricky records, one of each kind
    "income>=12000 decision=rejected",  # an input and an output field
    "odd~ÉA",  # non-ASCII
    "odd=None",  # JSON null, compared as str(None)
    "odd<f",  # a number, a bool compared as their str()
    "inputs.odd=True",
    "value=3",  # rows that are not objects
    'decision="x\' or 1=1 --"',  # a value is bound, never SQL
    "dö=None",  # a key the line spells with an escape, its value null
    "score=None",  # a null the engine cannot tell from a missing key
    "value=None",  # a row that is null: Python reads {"value": None}
]


def test_tricky_records_give_what_python_gives(
    spark_connect: SparkConnect, token: str, tmp_path: Path
) -> None:
    """Every value type, and records Python reports on or reads oddly (the DuckDB parity
    tests' tree): the engine picks every line the local reader would keep or report."""
    tree = tricky_tree(tmp_path / "logs")
    at = duck.DAY + timedelta(hours=3, minutes=45)
    tree.add(at, [{"dö": None, "income": 16}], [{"score": 16}])  # written "d\u00f6"
    tree.add(at, [{"income": 17}], [{"score": None}])
    tree.add(at, [None], [{"score": 18}])
    tree.write()
    spark = _spark(spark_connect, f"file:{tmp_path / 'logs'}")
    try:
        _searches_match_python(spark, tmp_path / "logs", TRICKY)
        rows = bounded(60, lambda: list(spark.search(parse_query("income=31000"))))
        assert [r.inputs["income"] for page in rows for r in page.rows] == [31000]
        # the match, hour 2's odd records and their outputs (26 here), of 111 lines
        assert spark.picked["v2"].returned < _lines(tmp_path / "logs", "2024/05/01") / 3
    finally:
        spark.close()


def v1_odd_tree(root: Path) -> None:
    """The DuckDB CSV parity tests' records (every value type, quoted commas, CRLF) and
    their odd partitions, a day each; a header that differs between a day's two files, a
    repeated column name, a byte order mark; a quote open to the end of a file."""
    duck.clean_tree(root)  # days 0-2
    odd = [
        duck.rows_of(3, 5, skip_output=2),  # an input without output
        duck.rows_of(4, 5),
        duck.rows_of(5, 5),
        duck.rows_of(6, 5),
        duck.rows_of(7, 5),
        duck.rows_of(8, 5),
    ]
    lines = odd[1][0].split(b"\r\n")
    lines[2] = lines[2].replace(b",", b",,", 1)  # a row with one column too many
    odd[1] = (b"\r\n".join(lines), odd[1][1])
    odd[2] = (odd[2][0].replace(b"c5-1", b"\xe9\xe9"), odd[2][1])  # Latin-1 bytes
    lines = odd[3][0].split(b"\r\n")
    lines[3] = b'"multi\nline"' + lines[3][1:]  # a quoted value spanning two lines
    odd[3] = (b"\r\n".join(lines), odd[3][1])
    odd[4] = (odd[4][0].replace(b"2024-05-08T00:01:00", b"yesterday"), odd[4][1])
    odd[5] = (odd[5][0] + b"7,c8-7,2024-05", odd[5][1])  # being appended
    for day, (ins, outs) in enumerate(odd, start=3):
        duck.bad_partition(root, day, ins, outs)
    for day, variant in enumerate(["repeated", "bad output time", "output on two lines"], 9):
        duck.bad_partition(root, day, *duck._outputs_variant(day, variant))
    ins, outs = duck.rows_of(20, 5)  # a quote left open to the end of the file
    duck.bad_partition(root, 20, ins.replace(b"r20-4\r\n", b'"r20-4\r\n'), outs)
    when = duck.DAY + timedelta(days=12)
    rows = [[n, *correlation(when + timedelta(hours=h), f"s-{n}", f"r-{n}")] for n, h in
            [(1, 9), (2, -1), (3, 30), (4, 2)]]  # fmt: skip
    for designation in ("inputs", "predictions"):  # rows outside the day (clock skew)
        write_bytes(v1_path(root, designation, when), v1_csv(["n"], rows))
    when += timedelta(days=1)
    ins = [[n, *correlation(when + timedelta(minutes=n), f"h-{n}", f"r-h-{n}")] for n in range(6)]
    write_bytes(v1_path(root, "inputs", when), v1_csv(["n"], ins[:4]))
    more = [[7 * n, *row] for n, row in enumerate(ins[4:])]  # another header: m, n, …
    write_bytes(v1_path(root, "inputs", when, name="more.csv"), v1_csv(["m", "n"], more))
    outs = [[n, 10 * n, *row[1:]] for n, row in enumerate(ins)]  # a repeated name: y, y~2
    write_bytes(v1_path(root, "predictions", when), v1_csv(["y", "y"], outs))
    when += timedelta(days=1)
    ins, outs = duck.rows_of(14, 4)
    write_bytes(v1_path(root, "inputs", when), b"\xef\xbb\xbf" + ins)
    write_bytes(v1_path(root, "predictions", when), outs)


V1_QUERIES = (
    "n>=3",  # the odd partitions' inputs
    "income>=12000 decision=rejected",  # the parity tests' records: an input and an output
    "from:2024-05-05T01:00+02:00 to:2024-05-16 y<35",  # an output field, a range (in UTC)
    "from:2024-05-01 to:2024-05-01 income<1000",  # one clean day: one match
)


def test_a_root_whose_name_a_glob_would_read_is_read_as_named(
    spark_connect: SparkConnect, token: str, tmp_path: Path
) -> None:
    """The engine reads every path as a glob: a root named ``logs[1]{a}`` was "no
    folder"; its searches and lookups are now the local reader's."""
    root = tmp_path / "logs[1]{a}"
    tricky_tree(root).write()
    spark = _spark(spark_connect, f"file:{root}")
    try:
        _searches_match_python(spark, root, ["income>=12000", "from:2024-05-01 to:2024-05-02"])
        local = LocalPredictionsProvider(root, index_base=tmp_path / "index")
        assert _seen([spark.find("dup")]) == _seen([local.find("dup")])
    finally:
        spark.close()


def test_a_large_answer_is_picked_once_and_read_a_page_at_a_time(
    spark_connect: SparkConnect, token: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """More lines than a page: after a full first page, one query returns the keys of
    the rest (a few at a time here), and each page reads the text of its keys from their
    files only; the answers are still the local reader's, of v2 and v1 files."""
    monkeypatch.setattr("providers.spark.picked_lines.PAGE", 7)
    monkeypatch.setattr("providers.spark.picked_lines.KEYS", 30)
    tricky_tree(tmp_path / "logs").write()
    spark = _spark(spark_connect, f"file:{tmp_path / 'logs'}")
    try:
        [(everything, _)] = _searches_match_python(
            spark, tmp_path / "logs", ["from:2024-05-01 to:2024-05-02"]
        )
        assert len(everything) > 60
        picked = spark.picked["v2"]
        assert picked.returned > 2 * 30
        # the whole pick ran for the first page and per 30 keys, not per 7 lines
        assert picked.picks <= 2 + (picked.returned - 7) // 30 < picked.queries
        _searches_match_python(spark, tmp_path / "logs", TRICKY[:2])
    finally:
        spark.close()
    v1_odd_tree(tmp_path / "v1")  # the text read is the formats' own: CSV, CRLF, Latin-1
    spark = _spark(spark_connect, f"file:{tmp_path / 'v1'}")
    try:
        _searches_match_python(spark, tmp_path / "v1", V1_QUERIES[:1])
        assert spark.picked["v1"].returned > 2 * 30 > spark.picked["v1"].picks
    finally:
        spark.close()


def test_a_file_cut_short_while_its_lines_are_read_is_named(
    spark_connect: SparkConnect, token: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Files emptied between the query that picks their lines and the one that reads their
    text: the search stops with an error naming a file, not with lines read wrong."""
    monkeypatch.setattr("providers.spark.picked_lines.PAGE", 7)
    monkeypatch.setattr("providers.spark.picked_lines.KEYS", 30)
    tricky_tree(tmp_path / "logs").write()
    spark = _spark(spark_connect, f"file:{tmp_path / 'logs'}")
    real = PickedLines._query

    def then_emptied(self: PickedLines, session: Any, tail: str, *args: Any) -> list[Any]:
        rows = real(self, session, tail, *args)
        if tail is picked_lines._KEYS:
            for planned in self.files.values():
                Path(planned.path.removeprefix("file:")).write_bytes(b"")
        return rows

    monkeypatch.setattr(PickedLines, "_query", then_emptied)
    try:
        with pytest.raises(BadData, match=r"logs/.* changed while the search read it"):
            bounded(60, lambda: list(spark.search(parse_query("from:2024-05-01 to:2024-05-02"))))
    finally:
        spark.close()


def test_odd_v1_records_give_what_python_gives(
    spark_connect: SparkConnect, token: str, tmp_path: Path
) -> None:
    """v1 CSV: the engine picks the lines the local reader keeps or reports on, also in
    the partitions it cannot cut into lines (all of theirs come back)."""
    v1_odd_tree(tmp_path / "logs")
    spark = _spark(spark_connect, f"file:{tmp_path / 'logs'}")
    try:
        seen = _searches_match_python(spark, tmp_path / "logs", V1_QUERIES)
        for text, ours in zip(V1_QUERIES, seen, strict=True):
            assert ours[0], text
        # of the day's 42 lines: the two headers, the match and its output
        assert spark.picked["v1"].returned == 4
    finally:
        spark.close()


def test_leaving_a_search_cancels_the_engine_job(
    spark_connect: SparkConnect, token: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The pane's stream of a search (:func:`cancellable`) is cancelled while the engine
    runs a job of minutes: the job is interrupted on the server and the read ends now."""
    tricky_tree(tmp_path / "logs").write()
    spark = _spark(spark_connect, f"file:{tmp_path / 'logs'}")
    started = threading.Event()

    def endless(self: PickedLines, session: Any, *_: Any) -> list[Any]:
        started.set()
        return endless_job(session)

    monkeypatch.setattr(PickedLines, "_query", endless)
    stream = cancellable(spark, lambda: iter(spark.search(parse_query("income<1"))))
    assert isinstance(stream, Stream)
    ended: list[object] = []

    def read() -> None:
        try:
            ended.append(list(stream))
        except Cancelled as exc:
            ended.append(exc)

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    try:
        assert started.wait(60)
        time.sleep(3)  # the job reaches the engine
        assert not spark.engine.interrupted
        stream.cancel()
        reader.join(30)
        assert not reader.is_alive(), "the read still waits for the engine"
        assert spark.engine.interrupted, "no engine operation was interrupted"
        assert isinstance(ended[0], Cancelled), ended
    finally:
        spark.close()


def test_a_search_left_between_its_queries_starts_none_after(
    spark_connect: SparkConnect, token: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Left while none of its jobs runs on the engine (between two of its queries, when
    the interrupt finds nothing to cancel), the search sends no query after: it ends."""
    monkeypatch.setattr("providers.spark.picked_lines.FIRST_SPLIT_BYTES", 0)  # batches
    tricky_tree(tmp_path / "logs").write()
    spark = _spark(spark_connect, f"file:{tmp_path / 'logs'}")
    queries: list[int] = []

    def left_after_it(self: PickedLines, session: Any, *_: Any) -> list[Any]:
        queries.append(1)
        spark.cancel_searches()  # as the pane does when the search is left
        return []

    monkeypatch.setattr(PickedLines, "_query", left_after_it)
    try:
        with pytest.raises(Cancelled):
            bounded(60, lambda: list(spark.search(parse_query("income<1"))))
        assert queries == [1]
    finally:
        spark.close()


def test_a_search_started_as_the_last_is_left_runs(
    spark_connect: SparkConnect, token: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Leaving a search cancels the searches running then, not the next one started at
    once (the cancel's round trip to the engine runs on a thread, here started a second
    late; the searches to cancel were read there): it gives the local reader's answers."""
    tricky_tree(tmp_path / "logs").write()
    spark = _spark(spark_connect, f"file:{tmp_path / 'logs'}")
    real, started = PickedLines._query, threading.Event()

    def first_endless(self: PickedLines, session: Any, *args: Any) -> list[Any]:
        if started.is_set():
            return real(self, session, *args)
        started.set()
        return endless_job(session)

    start = threading.Thread.start

    def late(thread: threading.Thread) -> None:  # the cancel's thread starts a second late
        if thread.name != "engine-cancel":
            return start(thread)
        threading.Timer(1, start, [thread]).start()
        return None

    monkeypatch.setattr(PickedLines, "_query", first_endless)
    monkeypatch.setattr(threading.Thread, "start", late)
    left = cancellable(spark, lambda: iter(spark.search(parse_query("income<1"))))
    assert isinstance(left, Stream)
    threading.Thread(target=lambda: list(left), daemon=True).start()
    try:
        assert started.wait(60)
        time.sleep(3)  # the job reaches the engine (one cancelled while planned runs on)
        left.cancel()
        _searches_match_python(spark, tmp_path / "logs", TRICKY[:1])
    finally:
        spark.close()


def test_ctrl_c_in_a_cli_search_cancels_the_engine_job_and_says_so(
    spark_connect: SparkConnect,
    token: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """``modeltrail search`` interrupted (Ctrl-C) while the engine runs a job of hours:
    the job is cancelled on the server, stderr says so, and the exit status is 130."""
    tricky_tree(tmp_path / "logs").write()
    config = tmp_path / "config.toml"
    config.write_text(
        "[profiles.spark.predictions]\n"
        'provider = "spark"\n'
        f"url = {json.dumps(spark_connect.url())}\n"
        f"token_env = {json.dumps(TOKEN_ENV)}\n"
        f"path = {json.dumps('file:' + str(tmp_path / 'logs'))}\n"
    )
    started = threading.Event()

    def endless(self: PickedLines, session: Any, *_: Any) -> list[Any]:
        started.set()
        return endless_job(session)

    monkeypatch.setattr(PickedLines, "_query", endless)
    log_from = spark_connect.log.stat().st_size
    running: list[int] = []  # the thread the command runs on

    def command() -> int:
        running.append(threading.get_ident())
        return main(["--config", str(config), "search", "--profile", "spark", "income<1"])

    def press_ctrl_c() -> None:
        """Ctrl-C's KeyboardInterrupt, raised in the command's thread (a test may not run
        on the main thread, where the signal would raise it): the gRPC client waits in
        steps of Python, where it lands."""
        if started.wait(60):
            time.sleep(3)  # the job reaches the engine
            ctypes.pythonapi.PyThreadState_SetAsyncExc(
                ctypes.c_ulong(running[0]), ctypes.py_object(KeyboardInterrupt)
            )

    threading.Thread(target=press_ctrl_c, daemon=True).start()
    assert bounded(120, command) == 130
    err = capsys.readouterr().err
    assert "modeltrail: interrupted; its jobs on the engine, if any, are cancelled" in err, err
    with spark_connect.log.open("rb") as log:
        log.seek(log_from)
        assert b"SPARK_JOB_CANCELLED" in log.read()


def _table_rows() -> list[tuple[Any, ...]]:
    """An inference table: 450 requests a minute apart, inputs as JSON text, outputs as
    a struct; one row's inputs are not JSON."""
    rows = []
    for n in range(450):
        inputs = json.dumps({"income": 1000 * n, "city": "Zürich" if n % 7 == 0 else "Bern"})
        rows.append(
            (
                f"r{n:04d}",
                datetime(2026, 9, 1, tzinfo=UTC) + timedelta(minutes=n),
                "{broken" if n == 5 else inputs,
                (0.1 * (n % 10), "ok"),
                "m4",
            )
        )
    return rows


def test_a_table_through_a_column_mapping(
    spark_connect: SparkConnect, token: str, tmp_path: Path
) -> None:
    """A parquet table written by the server's own session: a lookup, a filtered search
    in (time, id) order over keyset pages, and a mapping naming a missing column."""
    folder = f"file:{tmp_path / 'table'}"
    writer = _spark(spark_connect, "file:/unused")
    schema = (
        "rid STRING, ts TIMESTAMP, req STRING, resp STRUCT<score: DOUBLE, note: STRING>, dep STRING"
    )
    writer.engine.run(
        lambda s: s.createDataFrame(_table_rows(), schema).write.parquet(folder), "writing"
    )
    writer.close()
    columns = {"id": "rid", "time": "ts", "inputs": "req", "outputs": "resp", "deployment": "dep"}
    table = _spark(spark_connect, folder, source="table", format="parquet", columns=columns)
    try:
        found = bounded(60, lambda: table.find("r0042"))
        assert [(r.request_id, r.inputs, r.outputs) for r in found.rows] == [
            ("r0042", {"income": 42000, "city": "Zürich"}, {"score": 0.2, "note": "ok"})
        ]
        assert found.rows[0].timestamp == datetime(2026, 9, 1, 0, 42, tzinfo=UTC)
        query = parse_query("from:2026-09-01T01:00 deployment:M4 income>=100000 score>=0.5")
        pages = bounded(60, lambda: list(table.search(query)))
        ids = [r.request_id for page in pages for r in page.rows]
        assert ids == [f"r{n:04d}" for n in range(100, 450) if n % 10 >= 5]
        everything = bounded(60, lambda: list(table.search(parse_query("deployment:m4"))))
        assert [len(page.rows) for page in everything] == [200, 250]  # first page, then keyset
        broken = [
            "inputs are not JSON (Expecting property name enclosed in double quotes); row kept,"
            " inputs empty"
        ]
        assert [i.message for page in everything for i in page.issues] == broken
        # a side that is not an object is Python's to read, whatever the filter
        numbers = bounded(60, lambda: list(table.search(parse_query("deployment:m4 income>=1"))))
        assert [i.message for page in numbers for i in page.issues] == broken
    finally:
        table.close()
    wrong = _spark(
        spark_connect,
        folder,
        source="table",
        format="parquet",
        columns={**columns, "time": "timestamp"},
    )
    with pytest.raises(ConfigError, match="names 'timestamp', not a column") as caught:
        bounded(60, lambda: wrong.find("r1"))
    assert "its columns: rid, ts, req, resp, dep" in str(caught.value.hint)
    wrong.close()


def test_odd_records_give_the_same_issues_as_local_logs(
    spark_connect: SparkConnect, token: str, tmp_path: Path
) -> None:
    """A bad line, a partial last line, Latin-1 bytes, an input without an output, and an
    output whose correlation id is given twice (Python's JSON keeps the last)."""
    folder = tmp_path / "logs/modelDataCollector/ep/dep"
    inputs = folder / "model_inputs/2026/09/01/10"
    outputs = folder / "model_outputs/2026/09/01/10"
    inputs.mkdir(parents=True)
    outputs.mkdir(parents=True)
    record = '{{"correlationid":"{0}","time":"2026-09-01T10:0{1}:00Z","data":[{{"x":{1}}}]}}\n'
    (inputs / "a.jsonl").write_bytes(
        (record.format("c1", 1) + "not json\n" + record.format("c2", 2)).encode()
        + b'{"correlationid":"c3","data":[{"name":"Jos\xe9"}]}\n'
        + record.format("c5", 7).encode()
        + record.format("c4", 4).encode()[:-9]
    )
    twice = record.format("c5", 8).replace(
        '{"correlationid"', '{"correlationid":"x5","correlationid"'
    )
    (outputs / "b.jsonl").write_text(record.format("c1", 5) + record.format("c3", 6) + twice)
    local = LocalPredictionsProvider(tmp_path / "logs", index_base=tmp_path / "index")
    spark = _spark(spark_connect, f"file://{tmp_path / 'logs'}")
    try:
        query = parse_query("from:2026-09-01 to:2026-09-01")
        ours = _seen(bounded(120, lambda: list(spark.search(query))))
        assert ours == _seen(list(local.search(query)))
        assert len(ours[0]) >= 2 and len(ours[1]) >= 3, ours
        assert _seen([spark.find("c2")]) == _seen([local.find("c2")])
    finally:
        spark.close()


def test_text_after_a_record_is_reported_as_local_logs_reports_it(
    spark_connect: SparkConnect, token: str, tmp_path: Path
) -> None:
    """A line holding more than one JSON value ("Extra data" to Python), in a filtered
    search that does not match it: the engine's parser reads the first record and stops,
    so the line is picked for the local parser, which reports it (it was left out)."""
    folder = tmp_path / "logs/modelDataCollector/ep/dep"
    record = '{{"correlationid":"c{0}","time":"2026-09-01T10:0{0}:00Z","data":[{{"x":{0}}}]}}'
    tails = [" x", ' {"a":1}', ',{"a":1}', "]", "]}", "}", ","]
    for kind, tail in (("inputs", tails), ("outputs", [""] * len(tails))):
        lines = [record.format(n) + end for n, end in enumerate([*tail, ""], start=1)]
        write_bytes(
            folder / f"model_{kind}/2026/09/01/10/a.jsonl", ("\n".join(lines) + "\n").encode()
        )
    spark = _spark(spark_connect, f"file:{tmp_path / 'logs'}")
    try:
        [(rows, issues)] = _searches_match_python(spark, tmp_path / "logs", ["x=8"])
        assert [row[3] for row in rows] == ["c8"]
        assert len(issues) == len(tails), issues
        assert all("Extra data" in issue.message for issue in issues), issues
    finally:
        spark.close()


def test_engine_errors_are_clear_and_never_show_the_token(
    spark_connect: SparkConnect, token: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    missing = _spark(spark_connect, f"file:{tmp_path / 'nowhere'}")
    with pytest.raises(NotFound, match="no folder"):
        bounded(60, lambda: missing.find("x"))
    missing.close()

    monkeypatch.setenv(TOKEN_ENV, "not-the-token-4f1c9a")
    refused = _spark(spark_connect, f"file:{tmp_path}")
    with pytest.raises(Unauthorized) as caught:
        bounded(60, lambda: refused.find("x"))
    assert "not-the-token-4f1c9a" not in str(caught.value)
    assert "Invalid authentication token" in str(caught.value)
    refused.close()

    monkeypatch.delenv(TOKEN_ENV)
    with pytest.raises(Unauthorized, match=f"{TOKEN_ENV} .* is not set"):
        _spark(spark_connect, f"file:{tmp_path}").find("x")

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]  # nothing listens there once closed
    monkeypatch.setenv(TOKEN_ENV, token)
    gone = _spark(SparkConnect(port, token, spark_connect.log), f"file:{tmp_path}")
    with pytest.raises(Unavailable, match="cannot reach the Spark Connect server"):
        bounded(60, lambda: gone.find("x"))
    gone.close()


def test_settings_refuse_a_token_in_the_url_and_unknown_sources() -> None:
    context = ProviderContext("p", Path.cwd())
    with pytest.raises(ConfigError, match="without a token"):
        SparkPredictionsProvider.from_settings(
            {"url": "sc://h:1/;token=abc", "path": "file:/x"}, context
        )
    with pytest.raises(ConfigError, match="not supported"):
        SparkPredictionsProvider.from_settings(
            {"url": "sc://h:1", "path": "file:/x", "source": "kafka"}, context
        )
    with pytest.raises(ConfigError, match="url is required"):
        SparkPredictionsProvider.from_settings({"path": "file:/x"}, context)


def test_the_pane_says_what_the_engine_does_not_run(tmp_path: Path) -> None:
    """The status suffix of a search: the reason from can_push_down, nothing for a
    provider without an engine, nothing for a search the engine runs whole."""
    context = ProviderContext("p", Path.cwd())
    spark = SparkPredictionsProvider.from_settings({"url": "sc://h:1", "path": "file:/x"}, context)
    note = engine_note(spark, parse_query("from:2026-08-27 income<inf"))
    assert note.startswith(" (not all in the engine: a filter value the engine cannot"), note
    assert engine_note(spark, parse_query("from:2026-08-27 income<1")) == ""  # v1 and v2
    assert engine_note(LocalPredictionsProvider(tmp_path), parse_query("income<1")) == ""


def test_a_batch_s_predictions_are_handed_over_before_the_next_engine_query(
    spark_connect: SparkConnect, token: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Batched (as over 64 MB of files): the first hour's predictions are out before the
    search waits on the query of the rest, not after it."""
    monkeypatch.setattr("providers.spark.picked_lines.FIRST_SPLIT_BYTES", 0)
    folder = tmp_path / "logs/modelDataCollector/ep/dep"
    record = (
        '{{"correlationid":"h{0}r{1}","time":"2026-09-01T1{0}:0{1}:00Z","data":[{{"x":{1}}}]}}\n'
    )
    for hour in range(3):
        for kind in ("model_inputs", "model_outputs"):
            hour_folder = folder / f"{kind}/2026/09/01/1{hour}"
            hour_folder.mkdir(parents=True)
            lines = (record.format(hour, row) for row in range(1, 6))
            (hour_folder / "a.jsonl").write_text("".join(lines))
    spark = _spark(spark_connect, f"file:{tmp_path / 'logs'}")
    handed: list[Prediction] = []
    at_query: list[int] = []
    run = spark.engine.run

    def counted(work: Any, doing: str) -> Any:
        if doing.startswith("picking"):
            at_query.append(len(handed))
        return run(work, doing)

    monkeypatch.setattr(spark.engine, "run", counted)
    try:
        query = parse_query("from:2026-09-01 to:2026-09-01 x>0")
        bounded(120, lambda: [handed.extend(page.rows) for page in spark.search(query)])
        assert len(handed) == 15
        assert at_query == [0, 5], at_query  # the first hour, then the rest
    finally:
        spark.close()
