"""The figures of issue 9 on the tree of ``bench/gen_logs.py``, each beside its baseline
measured in the same run, with the ratio and the peak RSS of the process.

Every arm runs in a fresh process (imports counted), arms are interleaved and repeated
(``--runs``, median reported); the page cache is warmed once first.

    .venv/bin/pip install -e '.[bench]'          # once: pandas, for its baseline
    .venv/bin/python bench/gen_logs.py            # once: bench/data/logs-10000000
    .venv/bin/python bench/logs_bench.py [--tree DIR] [--runs 3]

pandas is needed only here (a baseline); the engine never imports it.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
DEFAULT_TREE = ROOT / "bench" / "data" / "logs-10000000"
DAY = "2026/10/15"
FILTER = "income<40000"


# -- arms (each runs in its own process) -----------------------------------------------


def arm_mmap(files: list[str], needle: str) -> int:
    """The practical limit: one ``mmap`` + ``find`` pass over each file."""
    import mmap  # noqa: PLC0415

    hits = 0
    for name in files:
        with open(name, "rb") as stream:  # noqa: PTH123
            view = mmap.mmap(stream.fileno(), 0, access=mmap.ACCESS_READ)
            with view:
                hits += view.find(needle.encode()) >= 0
    return hits


def arm_grep(files: list[str], needle: str) -> int:
    """``LC_ALL=C grep -F -c`` over the same files."""
    out = _grep(["-F", "-c", needle], files)
    return sum(int(line.rsplit(":", 1)[-1]) for line in out.splitlines())


def arm_grep_json(files: list[str], needle: str) -> int:
    """``grep -F`` then ``json.loads`` of each hit."""
    out = _grep(["-F", "-h", needle], files)
    return len([json.loads(line) for line in out.splitlines()])


def _grep(args: list[str], files: list[str]) -> str:
    env = {**os.environ, "LC_ALL": "C"}
    command = ["grep", *args, *files]
    return subprocess.run(command, capture_output=True, text=True, env=env, check=False).stdout


def arm_duckdb_id(files: list[str], needle: str) -> int:
    """Raw DuckDB: ``read_csv`` of the same files, ``where $aml_request_id = ?``."""
    import duckdb  # noqa: PLC0415

    sql = 'select count(*) from read_csv(?, union_by_name = true) where "$aml_request_id" = ?'
    row = duckdb.connect().execute(sql, [files, needle]).fetchone()
    return int(row[0]) if row else 0


def arm_pandas_id(files: list[str], needle: str) -> int:
    """pandas ``read_csv`` of each file + a boolean mask."""
    import pandas as pd  # noqa: PLC0415

    hits = 0
    for name in files:
        frame = pd.read_csv(name)
        hits += int((frame["$aml_request_id"] == needle).sum())
    return hits


def arm_engine(tree: str, query: str, pages: str) -> int:
    """The engine (local-logs provider): all pages, or only the first (``pages=first``)."""
    from providers.local.predictions import LocalPredictionsProvider  # noqa: PLC0415
    from providers.query import parse_query  # noqa: PLC0415

    provider = LocalPredictionsProvider(Path(tree))
    rows = 0
    for page in provider.search(parse_query(query)):
        rows += len(page.rows)
        if pages == "first" and page.rows:
            break
    return rows


def arm_engine_python(tree: str, query: str) -> int:
    """The engine with DuckDB turned off: every row parsed in Python."""
    from providers.local.predictions import LocalPredictionsProvider  # noqa: PLC0415
    from providers.predictions import page_search  # noqa: PLC0415
    from providers.query import parse_query  # noqa: PLC0415

    page_search.PageSearch._pushdown = lambda self, query: False  # type: ignore[method-assign]
    provider = LocalPredictionsProvider(Path(tree))
    return sum(len(page.rows) for page in provider.search(parse_query(query)))


def arm_engine_warm(tree: str, query: str) -> float:
    """The engine with the index of a previous process: seconds of the lookup itself
    (median of 5 in this process; the first includes opening the index)."""
    from providers.local.predictions import LocalPredictionsProvider  # noqa: PLC0415
    from providers.query import parse_query  # noqa: PLC0415

    provider = LocalPredictionsProvider(Path(tree))
    times = []
    for _ in range(5):
        started = time.perf_counter()
        rows = sum(len(page.rows) for page in provider.search(parse_query(query)))
        times.append(time.perf_counter() - started)
        assert rows == 1, rows
    provider.indexer.wait()
    return statistics.median(times)


def arm_index(tree: str, query: str) -> float:
    """A cold lookup, then the background index build it starts: seconds of the build."""
    from providers.local.predictions import LocalPredictionsProvider  # noqa: PLC0415
    from providers.query import parse_query  # noqa: PLC0415

    provider = LocalPredictionsProvider(Path(tree))
    list(provider.search(parse_query(query)))
    started = time.perf_counter()
    provider.indexer.wait()
    provider.close()
    return time.perf_counter() - started


_FILTER_SQL = (
    "select {select} from read_csv(?, union_by_name = true) i"
    " join read_csv(?, union_by_name = true) o"
    ' on i."$aml_dc_correlation_id" = o."$aml_dc_correlation_id"'
    ' where i."{column}" < ?'
)


def arm_duckdb_filter(inputs: list[str], outputs: list[str], column: str, bound: str) -> int:
    """Hand-written raw DuckDB: inputs joined with outputs on the correlation id, filtered."""
    import duckdb  # noqa: PLC0415

    sql = _FILTER_SQL.format(select="count(*)", column=column)
    row = duckdb.connect().execute(sql, [inputs, outputs, float(bound)]).fetchone()
    return int(row[0]) if row else 0


def arm_duckdb_filter_rows(inputs: list[str], outputs: list[str], column: str, bound: str) -> int:
    """The same query, its rows fetched into Python (as the engine must deliver them)."""
    import duckdb  # noqa: PLC0415

    sql = _FILTER_SQL.format(select="*", column=column)
    cursor = duckdb.connect().execute(sql, [inputs, outputs, float(bound)])
    rows = 0
    while batch := cursor.fetchmany(1000):
        rows += len(batch)
    return rows


_JSON_FILTER_SQL = (
    "with i as (select correlationid c, unnest(data) d from read_json(?,"
    " format = 'newline_delimited', columns = {correlationid: 'VARCHAR', data: 'JSON[]'})),"
    " o as (select correlationid c from read_json(?,"
    " format = 'newline_delimited', columns = {correlationid: 'VARCHAR'}))"
    " select count(*) from i join o using (c) where try_cast(d ->> ? as double) < ?"
)


def arm_duckdb_json_filter(inputs: list[str], outputs: list[str], column: str, bound: str) -> int:
    """Hand-written raw DuckDB over JSONL: input rows joined with outputs, filtered."""
    import duckdb  # noqa: PLC0415

    params = [inputs, outputs, f"$.{column}", float(bound)]
    row = duckdb.connect().execute(_JSON_FILTER_SQL, params).fetchone()
    return int(row[0]) if row else 0


ARMS: dict[str, Callable[..., Any]] = {
    "duckdb-json-filter": arm_duckdb_json_filter,
    "duckdb-filter-rows": arm_duckdb_filter_rows,
    "mmap": arm_mmap,
    "grep": arm_grep,
    "grep-json": arm_grep_json,
    "duckdb-id": arm_duckdb_id,
    "pandas-id": arm_pandas_id,
    "engine": arm_engine,
    "engine-warm": arm_engine_warm,
    "engine-python": arm_engine_python,
    "index": arm_index,
    "duckdb-filter": arm_duckdb_filter,
}


def child(arm: str, args_file: str) -> None:
    """Run one arm; print seconds, peak RSS (MB, self + children) and the result."""
    args = json.loads(Path(args_file).read_text())
    started = time.perf_counter()
    result = ARMS[arm](*args)
    seconds = time.perf_counter() - started
    if arm in ("engine-warm", "index"):
        seconds = result
    rss = max(
        resource.getrusage(resource.RUSAGE_SELF).ru_maxrss,
        resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss,
    )
    print(json.dumps({"s": seconds, "rss": rss / 1024, "result": result}))


# -- the harness ----------------------------------------------------------------------


class Runner:
    """Runs arms in fresh processes; the engine gets a cache dir (cold or warm)."""

    def __init__(self, scratch: Path) -> None:
        self.scratch = scratch
        self.count = 0

    def run(self, arm: str, *args: Any, cache: Path | None = None) -> dict[str, Any]:
        self.count += 1
        args_file = self.scratch / f"args-{self.count}.json"
        args_file.write_text(json.dumps(args))
        cold = self.scratch / f"cold-{self.count}"
        env = {**os.environ, "XDG_CACHE_HOME": str(cache or cold)}
        out = subprocess.run(
            [sys.executable, __file__, "--arm", arm, str(args_file)],
            capture_output=True,
            text=True,
            env=env,
            check=True,
        ).stdout
        return json.loads(out.splitlines()[-1])

    def median(self, runs: int, arms: dict[str, tuple[Any, ...]], **kw: Any) -> dict[str, Any]:
        """Each arm ``runs`` times, interleaved; the median time and the peak RSS."""
        seen: dict[str, list[dict[str, Any]]] = {name: [] for name in arms}
        for _ in range(runs):
            for name, (arm, *args) in arms.items():
                seen[name].append(self.run(arm, *args, **kw))
        return {
            name: {
                "s": statistics.median(r["s"] for r in results),
                "min": min(r["s"] for r in results),
                "max": max(r["s"] for r in results),
                "rss": max(r["rss"] for r in results),
                "result": results[-1]["result"],
            }
            for name, results in seen.items()
        }


def show(title: str, goal: str, ours: dict[str, Any], base: dict[str, Any], label: str) -> None:
    ratio = ours["s"] / base["s"] if base["s"] else float("inf")
    print(
        f"{title}: {ours['s'] * 1000:,.0f} ms (min {ours['min'] * 1000:,.0f}, max"
        f" {ours['max'] * 1000:,.0f}, RSS {ours['rss']:,.0f} MB)  vs {label}"
        f" {base['s'] * 1000:,.0f} ms (RSS {base['rss']:,.0f} MB)  ratio {ratio:.2f}×"
        f"   goal: {goal}"
    )


def files(tree: Path, pattern: str) -> list[str]:
    return sorted(str(p) for p in tree.glob(pattern))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tree", type=Path, default=DEFAULT_TREE)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--filter-only", action="store_true", help="only the field filters")
    parser.add_argument("--arm", nargs=2, metavar=("NAME", "ARGS_FILE"))
    args = parser.parse_args()
    if args.arm:
        child(*args.arm)
        return
    tree: Path = args.tree
    needles = json.loads((tree / "needles.json").read_text())
    v1_in = files(tree, "modeldata/**/inputs/**/*.csv")
    v1_out = files(tree, "modeldata/**/predictions/**/*.csv")
    v2_in = files(tree, "modelDataCollector/**/model_inputs/**/*.jsonl")
    size = sum(Path(f).stat().st_size for f in v1_in + v2_in) / 1e9
    print(f"tree {tree}: {len(v1_in)} v1 + {len(v2_in)} v2 inputs files, {size:.2f} GB")
    print(
        f"machine: {platform.processor() or platform.machine()}, {os.cpu_count()} cores,"
        f" {os.sysconf('SC_PAGE_SIZE') * os.sysconf('SC_PHYS_PAGES') / 2**30:.0f} GiB,"
        f" Python {platform.python_version()}; runs: {args.runs}, median"
    )
    subprocess.run(["cat", *v1_in, *v1_out, *v2_in], stdout=subprocess.DEVNULL, check=True)
    with tempfile.TemporaryDirectory() as scratch:
        runner = Runner(Path(scratch))
        s = str(tree)
        v1_id, v2_id = needles["v1"]["50%"], needles["v2"]["50%"]
        v1_query = f"id:{v1_id} model:credit-model"  # the v1 (CSV) files only
        v2_query = f"id:{v2_id} endpoint:credit-ep"  # the v2 (JSONL) files only
        if not args.filter_only:
            cold = runner.median(
                args.runs,
                {
                    "engine": ("engine", s, v1_query, "all"),
                    "mmap": ("mmap", v1_in, v1_id),
                    "grep": ("grep", v1_in, v1_id),
                    "duckdb": ("duckdb-id", v1_in, v1_id),
                },
            )
            for name in ("mmap", "grep", "duckdb"):
                goal = {"mmap": "≤ 1.5×", "grep": "≤ 2×", "duckdb": "several times faster"}[name]
                show("v1 id lookup, cold (no index)", goal, cold["engine"], cold[name], name)
            pandas = runner.median(1, {"pandas": ("pandas-id", v1_in, v1_id)})["pandas"]
            show("v1 id lookup, cold", "≥ 5× faster (≤ 0.2×)", cold["engine"], pandas, "pandas")

            v2 = runner.median(
                args.runs,
                {
                    "engine": ("engine", s, v2_query, "all"),
                    "grep-json": ("grep-json", v2_in, v2_id),
                },
            )
            show("JSONL id lookup, cold", "≤ 1.5×", v2["engine"], v2["grep-json"], "grep -F + json")

            warm_cache = Path(scratch) / "warm"
            build = runner.run("index", s, f"id:{v1_id}", cache=warm_cache)  # all formats
            print(
                f"index build (one-off, background, whole tree): {build['s']:.1f} s,"
                f" RSS {build['rss']:,.0f} MB"
            )
            warm = runner.median(
                args.runs,
                {"v1": ("engine-warm", s, v1_query), "v2": ("engine-warm", s, v2_query)},
                cache=warm_cache,
            )
            show("v1 id lookup, index warm", "≤ 20 ms", warm["v1"], cold["engine"], "cold")
            show("JSONL id lookup, index warm", "≤ 20 ms", warm["v2"], v2["engine"], "cold")

        day_in = [f for f in v1_in if DAY in f]
        day_out = [f for f in v1_out if DAY in f]
        day = DAY.replace("/", "-")
        first = runner.median(
            args.runs,
            {
                "engine": ("engine", s, f"from:{day} to:{day} {FILTER}", "first"),
                "duckdb": ("duckdb-filter", day_in, day_out, "income", "40000"),
            },
        )
        show("one day + filter, first page", "≤ 200 ms", first["engine"], first["duckdb"], "DuckDB")
        month_in = [f for f in v1_in if "/credit-model/1/" in f]
        month_out = [f.replace("/inputs/", "/predictions/") for f in month_in]
        whole = runner.median(
            args.runs,
            {
                "engine": ("engine", s, f"model:credit-model:1 {FILTER}", "all"),
                "duckdb": ("duckdb-filter", month_in, month_out, "income", "40000"),
                "rows": ("duckdb-filter-rows", month_in, month_out, "income", "40000"),
            },
        )
        assert whole["engine"]["result"] == whole["duckdb"]["result"], whole
        assert whole["engine"]["result"] == whole["rows"]["result"], whole
        title = f"field filter, all pages (full month: {len(month_in)} day files of v1 model 1)"
        show(title, "≤ 1.2×", whole["engine"], whole["duckdb"], "DuckDB count(*)")
        show(title, "≤ 1.2×", whole["engine"], whole["rows"], "DuckDB rows fetched")
        python = runner.median(1, {"p": ("engine-python", s, f"model:credit-model:1 {FILTER}")})
        show("the same, Python parser only", "", python["p"], whole["duckdb"], "DuckDB count(*)")
        json_query = f"endpoint:credit-ep deployment:blue from:{day} to:{day} {FILTER}"
        json_day = [f for f in v2_in if f"/blue/model_inputs/{DAY}/" in f]
        title = f"JSONL field filter, all pages (one day of one deployment: {len(json_day)} files)"
        jsonl = json_versus_duckdb(runner, args.runs, title, "", s, json_query, json_day)
        python = runner.median(1, {"p": ("engine-python", s, json_query)})
        show("the same, Python parser only", "", python["p"], jsonl["duckdb"], "DuckDB count(*)")
        json_month = [f for f in v2_in if "/credit-ep/blue/model_inputs/" in f]
        title = (
            f"JSONL field filter, all pages (a month of one deployment: {len(json_month)} files)"
        )
        query = f"endpoint:credit-ep deployment:blue {FILTER}"
        json_versus_duckdb(runner, args.runs, title, "≤ 1.2×", s, query, json_month)


def json_versus_duckdb(
    runner: Runner, runs: int, title: str, goal: str, tree: str, query: str, inputs: list[str]
) -> dict[str, Any]:
    """The engine's JSONL field filter against the hand-written DuckDB join over the same
    files (they must find the same rows), printed; the timings."""
    outputs = [f.replace("/model_inputs/", "/model_outputs/") for f in inputs]
    timed = runner.median(
        runs,
        {
            "engine": ("engine", tree, query, "all"),
            "duckdb": ("duckdb-json-filter", inputs, outputs, "income", "40000"),
        },
    )
    assert timed["engine"]["result"] == timed["duckdb"]["result"], timed
    show(title, goal, timed["engine"], timed["duckdb"], "DuckDB count(*)")
    return timed


if __name__ == "__main__":
    main()
