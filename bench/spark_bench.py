"""The spark provider against the same queries written by hand in Spark SQL (issue 21),
through a Spark Connect server, with the local engine's figure beside; ratios from one run.

Arms, each timed in this process (``--runs`` times, median), the baseline in the same run:

- id lookup: ``find(id)`` of a v2 request id (the whole tree, no time range) against a
  hand-written ``read.json`` of the v2 inputs filtered on the correlation id and joined to
  the outputs;
- field filter: a search of the tree's days on one deployment with an input filter,
  every page, against the hand-written filter and join (``exists`` over the rows);
- first page: the same search until its first 200 rows (a first screen) against the
  hand-written query with ``LIMIT 200``;
- v1 filter: a search of the v1 (CSV) model's folders with the same input filter, every
  page, against a hand-written ``read.csv`` of its inputs and predictions (header, types
  inferred) filtered and joined by correlation id.

Each timed call comes after the arm's files are read (from the page cache, not the disk,
whatever the arms before read).  The hand-written queries let ``read.json`` infer the
schema (one more pass over the files), as a query written at a notebook prompt would;
the engine lists their files in
the tasks the provider asks for its own (by default it runs a task per file: 4 s of a
month's 1,440 files on local[2], which would flatter the provider's ratio).

    .venv/bin/python bench/gen_logs.py --rows 1000000 --jobs 1     # bench/data/logs-1000000
    .spark-venv/bin/python -c 'import pyspark, os; print(os.path.dirname(pyspark.__file__))'
    # then, from that folder: sbin/start-connect-server.sh (or see tests/spark_server.py)
    .venv/bin/python bench/spark_bench.py --url sc://localhost:15002 [--tree DIR] [--runs 1]
        [--arms id,filter,first,v1]
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from providers.local.predictions import LocalPredictionsProvider  # noqa: E402
from providers.protocols import PredictionPage, ProviderContext  # noqa: E402
from providers.query import parse_query  # noqa: E402
from providers.spark.provider import SparkPredictionsProvider  # noqa: E402
from providers.spark.session import size_listing  # noqa: E402

DEFAULT_TREE = ROOT / "bench" / "data" / "logs-1000000"
V2 = "modelDataCollector/credit-ep/blue"
V1 = "modeldata/*/*/*/*/credit-model/*"  # the v1 (CSV) model's folders
FILTER = "income<30000"
_HAND = """
SELECT i.correlationid, i.time, i.data, o.data AS outputs
FROM {inputs} i LEFT JOIN {outputs} o ON i.correlationid = o.correlationid
WHERE @WHERE
"""
_HAND_V1 = """
SELECT i.*, o.* FROM {inputs} i LEFT JOIN {outputs} o
  ON i.`$aml_dc_correlation_id` = o.`$aml_dc_correlation_id`
WHERE try_cast(i.income AS DOUBLE) < :v
"""


def warm(folder: Path) -> None:
    """Read every file under ``folder``: each figure is then one of reads from memory, not
    of what this machine evicted from its page cache since (the 10M tree's files are 8 GB;
    a figure taken after another arm's reads was up to 1.5x slower)."""
    for path in folder.rglob("*"):
        if path.is_file():
            with path.open("rb") as stream:
                while stream.read(1 << 24):
                    pass


def timed(work: Callable[[], Any], runs: int, folder: Path) -> tuple[float, Any]:
    """The median seconds of ``runs`` calls, each after the files under ``folder`` are
    read, and the last call's result."""
    seconds, result = [], None
    for _ in range(runs):
        warm(folder)
        start = time.perf_counter()
        result = work()
        seconds.append(time.perf_counter() - start)
    return statistics.median(seconds), result


def read(session: Any, tree: Path, glob: str, reader: Callable[[str], Any]) -> Any:
    """``reader`` of the files matching ``glob`` under ``tree``, listed by the engine in
    the tasks the provider asks for (its default is a task per file)."""
    size_listing(session, sum(1 for _ in tree.glob(glob)))
    return reader(f"file:{tree}/{glob}")


def hand(session: Any, tree: Path, where: str, args: dict[str, Any], limit: int | None) -> int:
    """The hand-written query over the blue deployment's v2 files: rows returned."""
    frames = {
        name: read(session, tree, f"{V2}/{folder}/*/*/*/*/*.jsonl", session.read.json)
        for name, folder in (("inputs", "model_inputs"), ("outputs", "model_outputs"))
    }
    frame = session.sql(_HAND.replace("@WHERE", where), args=args, **frames)
    if limit is not None:
        frame = frame.limit(limit)
    return len(frame.collect())


def hand_v1(session: Any, tree: Path, value: float) -> int:
    """The hand-written query over the v1 model's CSV files: rows returned."""
    frames = {
        name: read(
            session,
            tree,
            f"{V1}/{folder}/*/*/*/*.csv",
            lambda path: session.read.csv(path, header=True, inferSchema=True),
        )
        for name, folder in (("inputs", "inputs"), ("outputs", "predictions"))
    }
    return len(session.sql(_HAND_V1, args={"v": value}, **frames).collect())


def first_rows(pages: Iterator[PredictionPage], wanted: int = 200) -> int:
    """Rows read from ``pages`` until ``wanted`` are in (the rest not read)."""
    rows = 0
    for page in pages:
        rows += len(page.rows)
        if rows >= wanted:
            break
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", required=True, help="the Spark Connect server, sc://host:port")
    parser.add_argument("--tree", type=Path, default=DEFAULT_TREE)
    parser.add_argument("--runs", type=int, default=1)
    parser.add_argument(
        "--arms", default="id,filter,first,v1", help="the arms to run, comma-separated"
    )
    options = parser.parse_args()
    tree = options.tree.resolve()
    needle = json.loads((tree / "needles.json").read_text())["v2"]["50%"]
    days = sorted(p.name for p in (tree / V2 / "model_inputs/2026/10").iterdir())
    span = f"from:2026-10-{days[0]} to:2026-10-{days[-1]} deployment:blue"
    search = parse_query(f"{span} {FILTER}")
    context = ProviderContext("bench", Path.cwd())
    spark = SparkPredictionsProvider.from_settings(
        {"url": options.url, "path": f"file:{tree}"}, context
    )
    session = spark.engine.run(lambda s: s, "connecting")
    with tempfile.TemporaryDirectory() as index:
        local = LocalPredictionsProvider(tree, index_base=Path(index))
        lines = []

        chosen = set(options.arms.split(","))

        def arm(
            key: str,
            name: str,
            folder: Path,
            ours: Callable[[], Any],
            floor: Callable[[], Any],
            mine: Callable[[], Any],
        ) -> None:
            if key not in chosen:
                return
            ours_s, ours_n = timed(ours, options.runs, folder)
            hand_s, hand_n = timed(floor, options.runs, folder)
            local_s, _ = timed(mine, options.runs, folder)
            lines.append(
                f"{name:<13} spark provider {ours_s:7.2f} s ({ours_n} rows)  hand-written"
                f" {hand_s:7.2f} s ({hand_n} rows)  ratio {ours_s / hand_s:5.2f}x"
                f"  | local engine {local_s:6.2f} s"
            )
            print(lines[-1], flush=True)

        print(f"tree {tree} ({span}), {options.runs} run(s) a figure", flush=True)
        hand(session, tree, "true", {}, 1)  # the engine's first query: JVM warm-up
        arm(
            "id",
            "id lookup",
            tree,  # an id is looked for in both formats' folders
            lambda: len(spark.find(needle).rows),
            lambda: hand(session, tree, "i.correlationid = :id", {"id": needle}, None),
            lambda: len(local.find(needle).rows),
        )
        filtered = "exists(i.data, r -> r.income < :v)"
        arm(
            "filter",
            "field filter",
            tree / V2,
            lambda: sum(len(page.rows) for page in spark.search(search)),
            lambda: hand(session, tree, filtered, {"v": 30000}, None),
            lambda: sum(len(page.rows) for page in local.search(search)),
        )
        arm(
            "first",
            "first page",
            tree / V2,
            lambda: first_rows(spark.search(search)),
            lambda: hand(session, tree, filtered, {"v": 30000}, 200),
            lambda: first_rows(local.search(search)),
        )
        v1_search = parse_query(f"model:credit-model {FILTER}")
        arm(
            "v1",
            "v1 filter",
            tree / "modeldata",
            lambda: sum(len(page.rows) for page in spark.search(v1_search)),
            lambda: hand_v1(session, tree, 30000),
            lambda: sum(len(page.rows) for page in local.search(v1_search)),
        )
        local.close()
    spark.close()


if __name__ == "__main__":
    main()
