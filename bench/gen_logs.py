"""A realistic model data collection tree for the log benchmarks (issue 9).

Writes ``--rows`` predictions (10 M by default) under ``bench/data/logs-<rows>/``:

- v1 CSV (``modeldata/<sub>/<rg>/<ws>/credit-svc/credit-model/<1..3>/{inputs,predictions}/
  YYYY/MM/DD/data.csv``): 60 % of the rows, one daily file per model version; version 3
  gains a ``device`` feature column from day 15 (a header change mid-month);
- v2 JSONL (``modelDataCollector/credit-ep/{blue,green}/{model_inputs,model_outputs}/
  YYYY/MM/DD/HH/instance-0.jsonl``): 40 %, hourly files.

Thirteen feature columns (ints, floats, categories, a quoted JSON-ish list with
commas), timestamps increasing through the day, uuid4 correlation and request ids.  Day
and model/deployment chunks are written by a process pool (2 cores: a few minutes for
10 M rows).  ``needles.json`` lists request ids at 0.1 %, 50 % and 99.999 % of each
format's rows (in file order) and an absent one.

    .venv/bin/python bench/gen_logs.py [--rows 10000000] [--days 30] [--jobs 2]
"""

from __future__ import annotations

import argparse
import json
import random
import time
from datetime import UTC, datetime, timedelta
from multiprocessing import Pool
from pathlib import Path

CORRELATION = (
    "$aml_dc_correlation_id,$aml_dc_scoring_timestamp,$aml_dc_boundary,$aml_workspace,"
    "$aml_service_name,$aml_model_name,$aml_model_version,$aml_request_id"
)
FEATURES = (
    "age,income,credit_score,loan_amount,term_months,employment_years,debt_ratio,"
    "region,channel,product,num_accounts,recent_inquiries"
)
WORKSPACE = "0a1b2c3d-sub/credit-rg/credit-ws"
START = datetime(2026, 10, 1, tzinfo=UTC)
V1_VERSIONS = ("1", "2", "3")
V2_DEPLOYMENTS = ("blue", "green")
HEADER_CHANGE_DAY = 15
REGIONS = ("north", "south", "east", "west", "central")
CHANNELS = ("web", "mobile", "branch", "partner")
PRODUCTS = ("personal", "auto", "mortgage", "student")
SOURCE = (
    "/subscriptions/0a1b2c3d-sub/resourceGroups/credit-rg/providers/"
    "Microsoft.MachineLearningServices/workspaces/credit-ws/onlineEndpoints/credit-ep/"
    "deployments/"
)


def uuid(rng: random.Random) -> str:
    """A uuid4-shaped random id."""
    h = f"{rng.getrandbits(128):032x}"
    return f"{h[:8]}-{h[8:12]}-4{h[13:16]}-a{h[17:20]}-{h[20:]}"


def features(rng: random.Random) -> list[object]:
    """One applicant's feature values."""
    r = rng.random
    return [
        18 + int(r() * 60),
        round(15000 + r() * 185000, 2),
        300 + int(r() * 550),
        round(1000 + r() * 99000, 2),
        (12, 24, 36, 48, 60)[int(r() * 5)],
        int(r() * 40),
        round(r(), 4),
        REGIONS[int(r() * 5)],
        CHANNELS[int(r() * 4)],
        PRODUCTS[int(r() * 4)],
        int(r() * 12),
        int(r() * 6),
    ]


def outputs(rng: random.Random, values: list[object]) -> tuple[str, float]:
    """The model's decision and score for the features."""
    score = round(min(max((int(values[2]) - 300) / 550 + rng.random() * 0.3 - 0.15, 0), 1), 4)
    return ("approved" if score >= 0.5 else "rejected"), score


def v1_day(root: str, version: str, day: int, rows: int, seed: int) -> list[str]:
    """Write one model version's inputs and predictions of one day; return its request ids."""
    rng = random.Random(f"{seed}-v1-{version}-{day}")
    when = START + timedelta(days=day)
    folder = f"{root}/modeldata/{WORKSPACE}/credit-svc/credit-model/{version}"
    date = when.strftime("%Y/%m/%d")
    device = version == "3" and day >= HEADER_CHANGE_DAY
    inputs = [f"{FEATURES},recent_scores{',device' if device else ''},{CORRELATION}\r\n"]
    preds = [f"decision,score,{CORRELATION}\r\n"]
    ids = []
    base = when.replace(tzinfo=None)
    for i in range(rows):
        values = features(rng)
        stamp = (base + timedelta(microseconds=int(86_400e6 * i / rows))).isoformat()
        cid, rid = uuid(rng), uuid(rng)
        tail = f"{cid},{stamp},1440,{WORKSPACE},credit-svc,credit-model,{version},{rid}\r\n"
        cells = ",".join(map(str, values))
        extra = f",{('ios', 'android', 'desktop')[i % 3]}" if device else ""
        history = f'"[{values[2] - 7}, {values[2] + 3}, {values[2]}]"'
        inputs.append(f"{cells},{history}{extra},{tail}")
        decision, score = outputs(rng, values)
        preds.append(f"{decision},{score},{tail}")
        ids.append(rid)
    for designation, lines in (("inputs", inputs), ("predictions", preds)):
        path = Path(f"{folder}/{designation}/{date}/data.csv")
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("".join(lines))
    return ids


def v2_day(root: str, deployment: str, day: int, rows: int, seed: int) -> list[str]:
    """Write one deployment's hourly inputs and outputs of one day; return its request ids."""
    rng = random.Random(f"{seed}-v2-{deployment}-{day}")
    when = START + timedelta(days=day)
    folder = f"{root}/modelDataCollector/credit-ep/{deployment}"
    names = FEATURES.split(",")
    ids = []
    per_hour = rows // 24
    for hour in range(24):
        inputs, outs = [], []
        at = when + timedelta(hours=hour)
        for i in range(per_hour if hour < 23 else rows - per_hour * 23):
            stamp = (at + timedelta(seconds=3600 * i / per_hour)).strftime("%Y-%m-%dT%H:%M:%SZ")
            values = features(rng)
            cid = uuid(rng)
            record = dict(zip(names, values, strict=True))
            record["recent_scores"] = [values[2] - 7, values[2] + 3, values[2]]
            decision, score = outputs(rng, values)
            for collection, data, lines in (
                ("model_inputs", [record], inputs),
                ("model_outputs", [{"decision": decision, "score": score}], outs),
            ):
                lines.append(
                    json.dumps(
                        {
                            "specversion": "1.0",
                            "id": uuid(rng),
                            "source": SOURCE + deployment,
                            "type": f"azureml.inference.{collection}",
                            "datacontenttype": "application/json",
                            "time": stamp,
                            "data": data,
                            "correlationid": cid,
                            "xrequestid": cid,
                            "modelversion": "default",
                            "collectdatatype": "pandas.core.frame.DataFrame",
                            "agent": "azureml-ai-monitoring/1.0.0",
                        },
                        separators=(",", ":"),
                    )
                )
            ids.append(cid)
        for collection, lines in (("model_inputs", inputs), ("model_outputs", outs)):
            path = Path(f"{folder}/{collection}/{at.strftime('%Y/%m/%d/%H')}/instance-0.jsonl")
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text("\n".join(lines) + "\n")
    return ids


def _run(task: tuple[str, str, str, int, int, int]) -> tuple[tuple[str, str, int], list[str]]:
    kind, root, group, day, rows, seed = task
    write = v1_day if kind == "v1" else v2_day
    return (kind, group, day), write(root, group, day, rows, seed)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=10_000_000)
    parser.add_argument("--days", type=int, default=30)
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--out", type=Path, default=None)
    args = parser.parse_args()
    out = args.out or Path(__file__).parent / "data" / f"logs-{args.rows}"
    v1_rows = args.rows * 6 // 10 // (len(V1_VERSIONS) * args.days)
    v2_rows = args.rows * 4 // 10 // (len(V2_DEPLOYMENTS) * args.days)
    tasks = [
        ("v1", str(out), v, d, v1_rows, args.seed) for d in range(args.days) for v in V1_VERSIONS
    ]
    tasks += [
        ("v2", str(out), g, d, v2_rows, args.seed) for d in range(args.days) for g in V2_DEPLOYMENTS
    ]
    started = time.perf_counter()
    with Pool(args.jobs) as pool:
        done = dict(pool.imap_unordered(_run, tasks, chunksize=1))
    needles: dict[str, dict[str, str]] = {}
    for kind in ("v1", "v2"):
        order = sorted((k for k in done if k[0] == kind), key=lambda k: (k[2], k[1]))
        ids = [i for key in order for i in done[key]]
        needles[kind] = {
            "0.1%": ids[len(ids) // 1000],
            "50%": ids[len(ids) // 2],
            "99.999%": ids[len(ids) * 99_999 // 100_000],
            "absent": "ffffffff-0000-4000-a000-000000000000",
        }
    (out / "needles.json").write_text(json.dumps(needles, indent=2))
    size = sum(p.stat().st_size for p in out.rglob("*") if p.is_file())
    elapsed = time.perf_counter() - started
    print(f"{args.rows:,} rows, {size / 1e9:.2f} GB in {out} ({elapsed:.0f} s, {args.jobs} jobs)")


if __name__ == "__main__":
    main()
