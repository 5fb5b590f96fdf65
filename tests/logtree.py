"""Writers of small v1 (CSV) and v2 (JSONL) model data collection trees for tests."""

from __future__ import annotations

import csv
import io
import json
import uuid
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from providers.predictions.formats.csv_v1 import CORRELATION_COLUMNS

WORKSPACE = "sub-1/rg-1/ws-1"


def _date_path(when: datetime, hourly: bool) -> str:
    return when.strftime("%Y/%m/%d/%H" if hourly else "%Y/%m/%d")


def v1_path(
    root: Path,
    designation: str,
    when: datetime,
    *,
    service: str = "churn-svc",
    model: str = "churn",
    version: str = "3",
    hourly: bool = False,
    container: str = "modeldata",
    name: str = "data.csv",
) -> Path:
    """Where the v1 collector writes ``designation`` rows of ``when``."""
    folder = f"{container}/{WORKSPACE}/{service}/{model}/{version}/{designation}"
    return root / folder / _date_path(when, hourly) / name


def v2_path(
    root: Path,
    collection: str,
    when: datetime,
    *,
    endpoint: str = "churn-ep",
    deployment: str = "blue",
    hourly: bool = True,
    prefix: str = "modelDataCollector",
    name: str = "instance-0.jsonl",
) -> Path:
    """Where the v2 collector writes ``collection`` records of ``when``."""
    folder = f"{prefix}/{endpoint}/{deployment}/{collection}"
    return root / folder / _date_path(when, hourly) / name


def write_bytes(path: Path, data: bytes) -> Path:
    """Write a raw file, creating its folders."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return path


def v1_csv(features: list[str], rows: list[list[Any]]) -> bytes:
    """CSV bytes as ``csv.writer`` writes them: header (features + correlation columns), rows."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([*features, *CORRELATION_COLUMNS])
    writer.writerows(rows)
    return out.getvalue().encode()


def correlation(
    when: datetime,
    corr: str,
    request_id: str,
    *,
    service: str = "churn-svc",
    model: str = "churn",
    version: str = "3",
) -> list[str]:
    """The 8 correlation values of a v1 row, in column order."""
    stamp = when.astimezone(UTC).replace(tzinfo=None).isoformat()
    return [corr, stamp, "1440", WORKSPACE, service, model, version, request_id]


@dataclass
class V1Tree:
    """Collects v1 input and prediction rows, then writes one data.csv per day folder."""

    root: Path
    hourly: bool = False
    files: dict[Path, tuple[list[str], list[list[Any]]]] = field(default_factory=dict)

    def add(
        self,
        when: datetime,
        features: dict[str, Any],
        outputs: dict[str, Any] | None,
        *,
        corr: str | None = None,
        request_id: str | None = None,
        service: str = "churn-svc",
        model: str = "churn",
        version: str = "3",
    ) -> str:
        """Log one scoring call (``outputs`` None: no prediction row); return its correlation id."""
        corr = corr or str(uuid.uuid4())
        request_id = request_id or str(uuid.uuid4())
        extra = correlation(when, corr, request_id, service=service, model=model, version=version)
        for designation, values in (("inputs", features), ("predictions", outputs)):
            if values is None:
                continue
            path = v1_path(
                self.root,
                designation,
                when,
                service=service,
                model=model,
                version=version,
                hourly=self.hourly,
            )
            columns, rows = self.files.setdefault(path, (list(values), []))
            rows.append([*(values[c] for c in columns), *extra])
        return corr

    def write(self) -> None:
        """Write every collected file."""
        for path, (columns, rows) in self.files.items():
            write_bytes(path, v1_csv(columns, rows))


@dataclass
class V2Tree:
    """Collects v2 records, then writes one JSONL file per hour folder and instance."""

    root: Path
    hourly: bool = True
    prefix: str = "modelDataCollector"
    files: dict[Path, list[dict[str, Any]]] = field(default_factory=lambda: defaultdict(list))

    def add(
        self,
        when: datetime,
        inputs: Any,
        outputs: Any | None,
        *,
        corr: str | None = None,
        request_id: str | None = None,
        endpoint: str = "churn-ep",
        deployment: str = "blue",
        model_version: str = "default",
        payload: bool = False,
        instance: str = "instance-0",
    ) -> str:
        """Log one call (``inputs`` = rows or a payload body); return its correlation id."""
        corr = corr or str(uuid.uuid4())
        names = ("request", "response") if payload else ("model_inputs", "model_outputs")
        for collection, data in zip(names, (inputs, outputs), strict=True):
            if data is None:
                continue
            path = v2_path(
                self.root,
                collection,
                when,
                endpoint=endpoint,
                deployment=deployment,
                hourly=self.hourly,
                prefix=self.prefix,
                name=f"{instance}.jsonl",
            )
            self.files[path].append(
                v2_record(
                    when,
                    collection,
                    data,
                    corr=corr,
                    request_id=request_id or corr,
                    model_version=model_version,
                )
            )
        return corr

    def write(self) -> None:
        """Write every collected file."""
        for path, records in self.files.items():
            text = "".join(json.dumps(r) + "\n" for r in records)
            write_bytes(path, text.encode())


def v2_record(
    when: datetime,
    collection: str,
    data: Any,
    *,
    corr: str,
    request_id: str,
    model_version: str = "default",
) -> dict[str, Any]:
    """One CloudEvents-like record as the v2 collector writes it."""
    return {
        "specversion": "1.0",
        "id": str(uuid.uuid4()),
        "source": "/subscriptions/sub-1/resourceGroups/rg-1/providers/"
        "Microsoft.MachineLearningServices/workspaces/ws-1/onlineEndpoints/churn-ep",
        "type": f"azureml.inference.{collection}",
        "datacontenttype": "application/json",
        "time": when.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "data": data,
        "correlationid": corr,
        "xrequestid": request_id,
        "modelversion": model_version,
        "collectdatatype": "pandas.core.frame.DataFrame",
        "agent": "azureml-ai-monitoring/1.0.0",
    }


def big_v1_tree(root: Path, rows: int, *, start: datetime, days: int = 10) -> list[str]:
    """Write ``rows`` v1 calls spread over ``days`` day folders, fast; return request ids."""
    per_day = rows // days
    ids = []
    for day in range(days):
        when = start + timedelta(days=day)
        inputs, outputs = [], []
        for i in range(per_day):
            request_id = str(uuid.uuid4())
            corr = str(uuid.uuid4())
            stamp = (when + timedelta(seconds=i % 86400)).replace(tzinfo=None).isoformat()
            tail = f"{corr},{stamp},1440,{WORKSPACE},churn-svc,churn,3,{request_id}\r\n"
            inputs.append(f"{i},{i * 1.5},plan-{i % 7},{tail}")
            outputs.append(f"{i % 2},{(i % 100) / 100},{tail}")
            ids.append(request_id)
        header = ",".join(CORRELATION_COLUMNS) + "\r\n"
        write_bytes(
            v1_path(root, "inputs", when),
            ("age,income,plan," + header + "".join(inputs)).encode(),
        )
        write_bytes(
            v1_path(root, "predictions", when),
            ("churn,score," + header + "".join(outputs)).encode(),
        )
    return ids
