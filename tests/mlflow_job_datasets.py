"""An Azure ML job's data inputs as the datasets its MLflow run logged, in MLflow's shape.

Shared by the MLflow REST fake (fake_mlflow) and the script that populates a real MLflow
server (mlflow_populate, run in MLflow's own environment: this module imports only the
standard library), so both serve the same ``run.inputs.dataset_inputs``.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

TRAINING = [{"key": "mlflow.data.context", "value": "training"}]


def job_datasets(docs: Path, run_id: str) -> list[dict[str, Any]]:
    """Job ``run_id``'s data inputs (``azureml/jobs/<run_id>.json``) as the entries of
    ``inputs.dataset_inputs``, as a training script logging each with
    ``mlflow.log_input(mlflow.data.from_pandas(frame, source=uri, name=input),
    context="training")`` records them: where the URI's scheme has an artifact repository
    (``azureml`` with azureml-mlflow, ``abfss``…) MLflow's source type is the scheme and
    its source ``{"uri": …}``.  MLflow's digest hashes the data; this one hashes the URI.
    Literals are no datasets."""
    path = docs / "azureml/jobs" / f"{run_id}.json"
    job = json.loads(path.read_text()) if path.is_file() else {}
    inputs = job.get("properties", {}).get("inputs") or {}
    found = []
    for name, value in sorted(inputs.items()):
        uri = value.get("uri") if value.get("jobInputType") != "literal" else None
        if not uri:
            continue
        dataset = {
            "name": name,
            "digest": hashlib.sha256(uri.encode()).hexdigest()[:8],
            "source_type": uri.split("://", 1)[0] if "://" in uri else "local",
            "source": json.dumps({"uri": uri}),
        }
        found.append({"tags": TRAINING, "dataset": dataset})
    return found
