"""The demo's prediction logs: v1 ``modeldata`` CSV and v2 ``modelDataCollector`` JSONL."""

from __future__ import annotations

import csv
import io
import json
import math
import random
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from tui.demo.scenario import (
    CASE_APPLICATION,
    CASE_TIME,
    MODEL,
    RESOURCE_GROUP,
    SUBSCRIPTION,
    VERSIONS,
    WORKSPACE,
    WORKSPACE_GUID,
    WS_ID,
    VersionPlan,
)

FEATURES = (
    "application_id",
    "applicant_age",
    "postcode",
    "annual_income",
    "loan_amount",
    "property_value",
    "term_months",
    "credit_score",
    "debt_to_income",
    "employment_years",
    "first_time_buyer",
)
CORRELATION = (
    "$aml_dc_correlation_id",
    "$aml_dc_scoring_timestamp",
    "$aml_dc_boundary",
    "$aml_workspace",
    "$aml_service_name",
    "$aml_model_name",
    "$aml_model_version",
    "$aml_request_id",
)
OUTPUTS = ("approval_probability", "decision")
V2_CONTAINER = f"azureml-blobstore-{WORKSPACE_GUID}"
BATCHED_HOUR = datetime(2026, 8, 27, 15, tzinfo=UTC)
"""The hour after the case's, whose first two requests came close enough together for the
v2 collector to batch them into one record: two rows, one correlation id (as the Azure ML
docs show it happen)."""
_POSTCODES = ("EC1A", "SW1A", "M1", "B2", "LS1", "G1", "CF10", "BS1", "NE1", "L1", "EH1", "BT1")


@dataclass(frozen=True, slots=True)
class Row:
    """One scored application."""

    when: datetime
    request_id: str
    correlation_id: str
    features: dict[str, Any]
    probability: float
    decision: str


def _uuid(rng: random.Random) -> str:
    return str(uuid.UUID(int=rng.getrandbits(128), version=4))


def _application(rng: random.Random, n: int) -> dict[str, Any]:
    income = round(rng.lognormvariate(math.log(52_000), 0.45), -2)
    value = round(income * rng.uniform(3.5, 9.0), -3)
    loan = round(value * rng.uniform(0.55, 0.95), -3)
    return {
        "application_id": f"APP-2026-{n:06d}",
        "applicant_age": rng.randint(21, 67),
        "postcode": rng.choice(_POSTCODES),
        "annual_income": income,
        "loan_amount": loan,
        "property_value": value,
        "term_months": rng.choice((180, 240, 300, 360)),
        "credit_score": min(850, max(420, round(rng.gauss(690, 60)))),
        "debt_to_income": round(min(0.75, max(0.02, rng.gauss(0.32, 0.1))), 3),
        "employment_years": round(min(40.0, rng.expovariate(1 / 7)), 1),
        "first_time_buyer": int(rng.random() < 0.35),
    }


def score(features: dict[str, Any], version: int) -> float:
    """The demo model's approval probability (a logistic score; sharper in later versions)."""
    income = float(features["annual_income"])
    loan = float(features["loan_amount"])
    ltv = loan / float(features["property_value"])
    z = (
        0.4
        + 2.1 * (float(features["credit_score"]) - 690) / 100
        - 4.0 * (float(features["debt_to_income"]) - 0.32)
        - 2.5 * (ltv - 0.75)
        - 0.25 * (loan / income - 4.5)
        + 0.03 * float(features["employment_years"])
    ) * (0.8 + 0.1 * min(version, 4))
    return round(1 / (1 + math.exp(-z)), 4)


def _case_features() -> dict[str, Any]:
    """The auditor's application: a probability between the old and the new threshold."""
    return {
        "application_id": CASE_APPLICATION,
        "applicant_age": 38,
        "postcode": "LS1",
        "annual_income": 61_500.0,
        "loan_amount": 236_000.0,
        "property_value": 295_000.0,
        "term_months": 300,
        "credit_score": 702,
        "debt_to_income": 0.338,
        "employment_years": 9.5,
        "first_time_buyer": 1,
    }


def _day_times(rng: random.Random, day: datetime, count: int) -> list[datetime]:
    """``count`` request times in one day, busier in office hours."""
    times = []
    for _ in range(count):
        hour = rng.choices(
            range(24),
            weights=[1, 1, 1, 1, 1, 2, 3, 5, 8, 9, 9, 9, 8, 9, 9, 9, 8, 7, 6, 5, 4, 3, 2, 1],
        )[0]
        times.append(day + timedelta(hours=hour, seconds=rng.random() * 3600))
    return sorted(times)


def _rows(plan: VersionPlan, rng: random.Random, counter: list[int]) -> Iterator[list[Row]]:
    """The rows each served day, day by day."""
    day = plan.deployed_at.replace(hour=0, minute=0, second=0, microsecond=0) + timedelta(days=1)
    while day < plan.served_until:
        count = round(
            plan.daily_requests * rng.uniform(0.85, 1.15) * (0.7 if day.weekday() >= 5 else 1)
        )
        rows = []
        for when in _day_times(rng, day, count):
            counter[0] += 1
            features = _application(rng, counter[0])
            p = score(features, plan.version)
            rows.append(
                Row(
                    when,
                    _uuid(rng),
                    _uuid(rng),
                    features,
                    p,
                    "approved" if p >= plan.threshold else "rejected",
                )
            )
        if plan.version == 4 and day.date() == CASE_TIME.date():
            features = _case_features()
            p = 0.574
            rows.append(Row(CASE_TIME, _uuid(rng), _uuid(rng), features, p, "rejected"))
            rows.sort(key=lambda r: r.when)
        yield rows
        day += timedelta(days=1)


def write_logs(blobs: Path, rng: random.Random) -> tuple[int, str]:
    """Write every version's logs under ``blobs``; return (row count, the case's request id)."""
    counter = [100_000]
    total, case_id = 0, ""
    for plan in VERSIONS:
        for rows in _rows(plan, rng, counter):
            total += len(rows)
            if plan.log_format == "v1":
                _write_v1(blobs, plan, rows)
            else:
                _write_v2(blobs, plan, rows)
            case_id = case_id or next(
                (r.request_id for r in rows if r.features["application_id"] == CASE_APPLICATION), ""
            )
    return total, case_id


def _write_v1(blobs: Path, plan: VersionPlan, rows: list[Row]) -> None:
    workspace = f"{SUBSCRIPTION}/{RESOURCE_GROUP}/{WORKSPACE}".lower()
    day = rows[0].when
    base = blobs / "modeldata" / workspace / plan.endpoint / MODEL / str(plan.version)
    for designation in ("inputs", "predictions"):
        buf = io.StringIO()
        writer = csv.writer(buf, lineterminator="\n")
        columns = FEATURES if designation == "inputs" else OUTPUTS
        writer.writerow((*columns, *CORRELATION))
        for r in rows:
            values = (
                [r.features[c] for c in FEATURES]
                if designation == "inputs"
                else [r.probability, r.decision]
            )
            stamp = r.when.replace(tzinfo=None).isoformat(timespec="microseconds")
            writer.writerow(
                (
                    *values,
                    r.correlation_id,
                    stamp,
                    1440,
                    workspace,
                    plan.endpoint,
                    MODEL,
                    plan.version,
                    r.request_id,
                )
            )
        folder = base / designation / f"{day:%Y/%m/%d}"
        folder.mkdir(parents=True, exist_ok=True)
        (folder / "data.csv").write_text(buf.getvalue(), encoding="utf-8")


def _write_v2(blobs: Path, plan: VersionPlan, rows: list[Row]) -> None:
    source = f"{WS_ID}/onlineEndpoints/{plan.endpoint}/deployments/{plan.deployment}"
    instance = f"{plan.deployment}-{rows[0].when:%m%d}-7f9c5d"
    by_hour: dict[datetime, list[Row]] = {}
    for r in rows:
        by_hour.setdefault(r.when.replace(minute=0, second=0, microsecond=0), []).append(r)
    base = blobs / V2_CONTAINER / "modelDataCollector" / plan.endpoint / plan.deployment
    for hour, hour_rows in by_hour.items():
        for collection in ("model_inputs", "model_outputs"):
            lines = []
            for batch in _records(hour, hour_rows):
                r = batch[0]
                if collection == "model_inputs":
                    data = [b.features for b in batch]
                else:
                    data = [
                        {"approval_probability": b.probability, "decision": b.decision}
                        for b in batch
                    ]
                payload = json.dumps(data, separators=(",", ":"))
                event_id = (
                    r.correlation_id
                    if collection == "model_inputs"
                    else r.correlation_id[:-12] + r.request_id[-12:]
                )
                stamp = r.when.strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"
                lines.append(
                    f'{{"specversion":"1.0","id":"{event_id}","source":"{source}",'
                    f'"type":"azureml.inference.{collection}","datacontenttype":"application/json",'
                    f'"time":"{stamp}","data":{payload},"correlationid":"{r.request_id}",'
                    f'"xrequestid":"{r.request_id}","modelversion":"default",'
                    f'"collectdatatype":"pandas.core.frame.DataFrame",'
                    f'"agent":"azureml-ai-monitoring/1.0.0"}}'
                )
            folder = base / collection / f"{hour:%Y/%m/%d/%H}"
            folder.mkdir(parents=True, exist_ok=True)
            (folder / f"{instance}.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")


def _records(hour: datetime, rows: list[Row]) -> list[list[Row]]:
    """The hour's rows as the collector's records: one each, but the first two of
    :data:`BATCHED_HOUR` batched into one."""
    if hour == BATCHED_HOUR and len(rows) > 1:
        return [rows[:2], *([r] for r in rows[2:])]
    return [[r] for r in rows]
