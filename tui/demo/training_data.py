"""The demo's training data: immutable monthly snapshots an auditor can diff.

Each snapshot folder ``training-data/applications/<month>`` holds two CSV parts of past
applications (1,200 rows each), the income-band reference table the features were built
with, and a manifest; ``training-data/reference/postcode-risk-v3`` holds the postcode
table every build reads.  What an auditor should notice between mortgage:3 (June) and
mortgage:4 (August):

- from August on, applications come in through a broker channel with higher
  debt-to-income (mean about 0.30 before, 0.41 after);
- the income-band table was swapped for another one: other thresholds, and a ``weight``
  column added;
- ``part-0001.csv`` of the August snapshot was touched on 2026-08-19, after build
  20260810.1 trained mortgage:4 on it: the red flag.

Every file's modification time is set, so the workspace is the same on every machine.
"""

from __future__ import annotations

import json
import os
import random
from datetime import UTC, datetime, timedelta
from pathlib import Path

from tui.demo.scenario import data_snapshot

ROWS_PER_PART = 1200
BROKER_FROM = datetime(2026, 8, 1, tzinfo=UTC)
REFERENCE = "training-data/reference/postcode-risk-v3"
TOUCHED = ("training-data/applications/2026-08-01T000000Z", "part-0001.csv")
TOUCHED_AT = datetime(2026, 8, 19, 11, 42, tzinfo=UTC)
LANDED_AFTER = timedelta(minutes=30)  # a snapshot lands at 00:30 on the first of its month
_OLD_BANDS = "band,min_income,max_income\nlow,0,40000\nmid,40000,90000\nhigh,90000,10000000\n"
_NEW_BANDS = (
    "band,min_income,max_income,weight\nlow,0,55000,1.3\nmid,55000,120000,1.0\n"
    "high,120000,10000000,0.8\n"
)


def write_training_data(root: Path, snapshot_times: list[datetime], rng: random.Random) -> None:
    """Write every snapshot for the builds at ``snapshot_times`` and the reference table."""
    months = sorted({data_snapshot(when) for when in snapshot_times})
    for folder in months:
        month = datetime.strptime(folder.rsplit("/", 1)[1], "%Y-%m-%dT%H%M%SZ").replace(tzinfo=UTC)
        broker = month >= BROKER_FROM
        landed = month + LANDED_AFTER
        for part in range(2):
            rows = [_row(rng, broker) for _ in range(ROWS_PER_PART)]
            header = "application_id,annual_income,loan_amount,credit_score,debt_to_income,repaid"
            _write(root / folder / f"part-{part:04d}.csv", "\n".join([header, *rows]), landed)
        _write(root / folder / "income_bands.csv", _NEW_BANDS if broker else _OLD_BANDS, landed)
        manifest = {"snapshot": folder, "immutable": True, "rows": 2 * ROWS_PER_PART}
        _write(root / folder / "_MANIFEST.json", json.dumps(manifest), landed)
    postcodes = ["postcode_area,risk_band,risk_weight"] + [
        f"{area}{n},{band},{weight:.2f}"
        for area in ("E", "N", "SW", "M", "LS")
        for n, (band, weight) in enumerate((("A", 0.9), ("B", 1.0), ("C", 1.2)), start=1)
    ]
    _write(
        root / REFERENCE / "postcode_risk.csv",
        "\n".join(postcodes),
        datetime(2026, 3, 1, tzinfo=UTC),
    )
    touched = root / TOUCHED[0] / TOUCHED[1]
    if touched.exists():
        os.utime(touched, (TOUCHED_AT.timestamp(), TOUCHED_AT.timestamp()))


def _row(rng: random.Random, broker: bool) -> str:
    income = rng.randrange(20, 150) * 1000
    dti = rng.gauss(0.41 if broker else 0.30, 0.08)
    return (
        f"H-{rng.randrange(10**6):06d},{income},{rng.randrange(80, 600) * 1000},"
        f"{rng.randrange(450, 850)},{min(max(dti, 0.02), 0.95):.3f},{int(rng.random() < 0.6)}"
    )


def _write(path: Path, text: str, when: datetime) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text + ("" if text.endswith("\n") else "\n"), encoding="utf-8")
    os.utime(path, (when.timestamp(), when.timestamp()))
