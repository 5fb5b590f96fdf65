"""Populate a real MLflow tracking server from a local-rest documents folder.

Run with a Python that has ``mlflow`` installed (its own virtual environment: mlflow's
dependencies clash with azure-ai-ml's)::

    python tests/mlflow_populate.py TRACKING_URI DOCS_FOLDER

It logs each run of ``mlflow/runs`` with its params, tags, start and end times, metric
histories (``mlflow/metrics``), artifacts (``mlflow/artifacts``) and its job's data inputs as
logged datasets (mlflow_job_datasets) through MLflow's own client, registers the versions
of ``azureml/models`` against those runs, and prints a JSON map from each document's run id
to the id MLflow gave it.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from mlflow.entities import Dataset, DatasetInput, InputTag, Metric, Param, RunTag
from mlflow.tracking import MlflowClient
from mlflow_job_datasets import job_datasets


def log_run(client: MlflowClient, docs: Path, run_doc: dict) -> str:
    """Log one ``runs/get`` document (and its histories and artifacts); the new run id."""
    info, data = run_doc["run"]["info"], run_doc["run"]["data"]
    tags = {t["key"]: t["value"] for t in data.get("tags", [])}
    name = tags.get("mlflow.experimentName", "Default")
    experiment = client.get_experiment_by_name(name)
    experiment_id = experiment.experiment_id if experiment else client.create_experiment(name)
    run = client.create_run(experiment_id, start_time=info["start_time"], run_name=info["run_name"])
    run_id = run.info.run_id
    folder = docs / "mlflow/metrics" / info["run_id"]
    histories = {p.stem: json.loads(p.read_text())["metrics"] for p in folder.glob("*.json")}
    metrics = [
        Metric(m["key"], m["value"], m["timestamp"], m["step"])
        for m in data.get("metrics", [])
        if m["key"] not in histories
    ]
    metrics += [
        Metric(m["key"], m["value"], m["timestamp"], m["step"])
        for points in histories.values()
        for m in points
    ]
    client.log_batch(
        run_id,
        metrics=metrics,
        params=[Param(p["key"], p["value"]) for p in data.get("params", [])],
        tags=[RunTag(k, v) for k, v in tags.items()],
    )
    artifacts = docs / "mlflow/artifacts" / info["run_id"]
    for path in sorted(p for p in artifacts.rglob("*") if p.is_file()):
        parent = str(path.parent.relative_to(artifacts))
        client.log_artifact(run_id, str(path), None if parent == "." else parent)
    datasets = [
        DatasetInput(Dataset(**d["dataset"]), [InputTag(**t) for t in d["tags"]])
        for d in job_datasets(docs, info["run_id"])
    ]
    if datasets:
        client.log_inputs(run_id, datasets=datasets)
    client.set_terminated(run_id, info["status"], end_time=info["end_time"])
    return run_id


def job_name(props: dict) -> str:
    """The training job a version names: its ``jobName``, else the job of its ``modelUri``
    (``azureml://jobs/<job>/outputs/...``, as the demo's mortgage:2 has it)."""
    if props.get("jobName"):
        return props["jobName"]
    return props["modelUri"].removeprefix("azureml://jobs/").split("/", 1)[0]


def register_versions(client: MlflowClient, docs: Path, run_ids: dict[str, str]) -> None:
    """Register every ``azureml/models/<name>/versions/<v>.json``, oldest first."""
    for model in sorted(p for p in (docs / "azureml/models").iterdir() if p.is_dir()):
        client.create_registered_model(model.name)
        versions = sorted((model / "versions").glob("*.json"), key=lambda p: int(p.stem))
        for path in versions:
            props = json.loads(path.read_text())["properties"]
            run_id = run_ids[job_name(props)]
            client.create_model_version(
                model.name,
                source=f"runs:/{run_id}/model",
                run_id=run_id,
                tags={**props.get("tags", {}), "training_run_id": run_id},
                description=props.get("description", ""),
            )


def main() -> None:
    uri, docs = sys.argv[1], Path(sys.argv[2])
    client = MlflowClient(tracking_uri=uri, registry_uri=uri)
    run_ids = {
        path.stem: log_run(client, docs, json.loads(path.read_text()))
        for path in sorted((docs / "mlflow/runs").glob("*.json"))
    }
    register_versions(client, docs, run_ids)
    print(json.dumps(run_ids))


if __name__ == "__main__":
    main()
