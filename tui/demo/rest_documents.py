"""The demo's Azure ML, MLflow and Azure DevOps documents, shaped like the REST responses."""

from __future__ import annotations

import json
import math
import random
from datetime import datetime, timedelta
from pathlib import Path
from statistics import NormalDist
from typing import Any

from tui.demo.repo import RepoResult
from tui.demo.scenario import (
    ACR,
    AUTHORS,
    CONDA_BUILT,
    ENDPOINT_KINDS,
    HISTORY_END,
    MODEL,
    MODEL_URI_ONLY,
    ORG_URL,
    PROJECT,
    STAGE_SCOPED,
    VERSIONS,
    WS_ID,
    VersionPlan,
    build_number,
    data_snapshot,
    run_id,
)

_NORMAL = NormalDist()
POSITIVE_SHARE = 0.6  # share of applications that would repay
EVAL_ROWS = 10_000
DATASTORE = "azureml://datastores/workspaceblobstore/paths"
REFERENCE_DATA = "training-data/reference/postcode-risk-v3"
FIRST_BUILD_ID = 300
SCORE_CONDA = (
    "channels: [conda-forge]\ndependencies:\n  - python=3.11.9\n  - scikit-learn=1.5.2\n"
    "  - pip:\n    - azureml-inference-server-http==1.3.2\n    - mlflow==2.16.0\n"
)


def _write(root: Path, relative: str, doc: Any) -> None:
    path = root / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(doc, indent=1) + "\n", encoding="utf-8")


def _iso(when: datetime) -> str:
    return when.strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


def _system(created: datetime, by: str, modified: datetime | None = None) -> dict[str, str]:
    return {
        "createdBy": by,
        "createdByType": "User",
        "createdAt": _iso(created),
        "lastModifiedAt": _iso(modified or created),
    }


def nightly_builds() -> list[datetime]:
    """One nightly build at 02:00 every day with commits, from the second week on."""
    first = VERSIONS[0].built_at - timedelta(days=21)
    days = (HISTORY_END - first).days
    return [first + timedelta(days=d) for d in range(days + 1)]


def build_id_at(when: datetime) -> int:
    """The id of the nightly build that ran at ``when``."""
    return FIRST_BUILD_ID + nightly_builds().index(when)


def write_documents(root: Path, repo: RepoResult, rng: random.Random) -> None:
    """Write every document under ``root`` (the ``docs`` folder of the workspace)."""
    _azureml(root, repo)
    for plan in VERSIONS:
        _run(root, plan, repo, rng)
        _job(root, plan)
    _write(
        root,
        "azureml/environments/mortgage-train-env/versions/1.json",
        {
            "id": f"{WS_ID}/environments/mortgage-train-env/versions/1",
            "name": "1",
            "properties": {
                "image": "mcr.microsoft.com/azureml/openmpi4.1.0-ubuntu22.04",
                "condaFile": "channels: [conda-forge]\ndependencies:\n  - python=3.11.9\n"
                "  - scikit-learn=1.5.2\n  - pip:\n    - mlflow==2.16.0\n",
            },
        },
    )
    _builds(root, repo)
    for index, plan in enumerate(VERSIONS, start=1):
        _release(root, index, plan)


# -- Azure ML ------------------------------------------------------------------------


def _azureml(root: Path, repo: RepoResult) -> None:
    deployer = AUTHORS[2][1]
    endpoints: dict[str, list[VersionPlan]] = {}
    for plan in VERSIONS:
        endpoints.setdefault(plan.endpoint, []).append(plan)
    for name, plans in endpoints.items():
        live = plans[-1].deployment
        traffic = {p.deployment: 100 if p.deployment == live else 0 for p in plans}
        created = plans[0].deployed_at - timedelta(hours=2)
        _write(
            root,
            f"azureml/onlineEndpoints/{name}.json",
            {
                "id": f"{WS_ID}/onlineEndpoints/{name}",
                "name": name,
                "type": "Microsoft.MachineLearningServices/workspaces/onlineEndpoints",
                "location": "westeurope",
                "kind": ENDPOINT_KINDS[name],
                "tags": {"team": "credit-risk"},
                "identity": {"type": "SystemAssigned"},
                "systemData": _system(created, deployer, plans[-1].deployed_at),
                "properties": {
                    "authMode": "Key",
                    "description": f"Mortgage approval scoring ({name.split('-')[1]})",
                    "scoringUri": f"https://{name}.westeurope.inference.ml.azure.com/score",
                    "swaggerUri": f"https://{name}.westeurope.inference.ml.azure.com/swagger.json",
                    "provisioningState": "Succeeded",
                    "traffic": traffic,
                    "publicNetworkAccess": "Enabled",
                },
            },
        )
        for plan in plans:
            _deployment(root, plan, deployer)
    for plan in VERSIONS:
        _model_version(root, plan, repo.commit_at(plan.built_at))
        _score_environment(root, plan)


def _score_environment(root: Path, plan: VersionPlan) -> None:
    """A version's serving environment: its image, or (the candidate) a conda file that
    Azure ML builds an image from, on that image as its base."""
    properties = {"image": f"{ACR}/mortgage-score:{plan.image_tag}", "osType": "Linux"}
    if plan.version == CONDA_BUILT:
        properties["condaFile"] = SCORE_CONDA
    _write(
        root,
        f"azureml/environments/mortgage-score-env/versions/{plan.version}.json",
        {
            "id": f"{WS_ID}/environments/mortgage-score-env/versions/{plan.version}",
            "name": str(plan.version),
            "properties": properties,
        },
    )


def _model_version(root: Path, plan: VersionPlan, commit: str) -> None:
    """A model version registered by the nightly pipeline; one (MODEL_URI_ONLY) registered from
    its job's output alone (``modelUri`` names the job: no ``jobName``, no run id property
    or tag), as the official model-version example is."""
    run = run_id(plan)
    by_uri_only = plan.version == MODEL_URI_ONLY
    tags = {
        **({} if by_uri_only else {"training_run_id": run}),
        "git_commit": commit,
        "data_folder": data_snapshot(plan.built_at),
        "build": build_number(plan.built_at),
    }
    properties = {"mlflow.modelSourceUri": f"runs:/{run}/model"}
    _write(
        root,
        f"azureml/models/{MODEL}/versions/{plan.version}.json",
        {
            "id": f"{WS_ID}/models/{MODEL}/versions/{plan.version}",
            "name": str(plan.version),
            "type": "Microsoft.MachineLearningServices/workspaces/models/versions",
            "systemData": _system(plan.built_at + timedelta(minutes=48), "svc-mortgage-pipeline"),
            "properties": {
                "description": f"Nightly training of {plan.built_at:%Y-%m-%d}",
                "tags": tags,
                "properties": properties if by_uri_only else {"azureml.runId": run, **properties},
                "modelType": "mlflow_model",
                "modelUri": f"azureml://jobs/{run}/outputs/artifacts/paths/model/",
                **({} if by_uri_only else {"jobName": run}),
                "stage": "Production" if plan.version == 4 else "Archived",
                "isArchived": False,
            },
        },
    )


def _deployment(root: Path, plan: VersionPlan, deployer: str) -> None:
    name, endpoint = plan.deployment, plan.endpoint
    collectors = {
        "model_inputs": {"dataCollectionMode": "Enabled", "samplingRate": 1.0},
        "model_outputs": {"dataCollectionMode": "Enabled", "samplingRate": 1.0},
    }
    _write(
        root,
        f"azureml/onlineEndpoints/{endpoint}/deployments/{name}.json",
        {
            "id": f"{WS_ID}/onlineEndpoints/{endpoint}/deployments/{name}",
            "name": name,
            "type": "Microsoft.MachineLearningServices/workspaces/onlineEndpoints/deployments",
            "kind": ENDPOINT_KINDS[endpoint],
            "sku": {"name": "Default", "capacity": 3 if endpoint == "mortgage-prod" else 1},
            "systemData": _system(
                plan.deployed_at - timedelta(minutes=25), deployer, plan.deployed_at
            ),
            "properties": {
                "endpointComputeType": ENDPOINT_KINDS[endpoint],
                "model": f"{WS_ID}/models/{MODEL}/versions/{plan.version}",
                "environmentId": f"{WS_ID}/environments/mortgage-score-env/versions/{plan.version}",
                "codeConfiguration": {"scoringScript": "src/mortgage/score.py"},
                "instanceType": "Standard_DS3_v2",
                "provisioningState": "Succeeded",
                "dataCollector": {"collections": collectors, "rollingRate": "Hour"}
                if plan.log_format == "v2"
                else None,
            },
        },
    )


# -- MLflow runs -----------------------------------------------------------------------


def roc_points(auc: float, n: int = 41) -> list[tuple[float, float]]:
    """A binormal ROC curve with the given AUC."""
    shift = math.sqrt(2) * _NORMAL.inv_cdf(auc)
    points = [(0.0, 0.0)]
    for i in range(1, n - 1):
        fpr = i / (n - 1)
        points.append((fpr, _NORMAL.cdf(shift + _NORMAL.inv_cdf(fpr))))
    return [*points, (1.0, 1.0)]


def _tpr(auc: float, fpr: float) -> float:
    return _NORMAL.cdf(math.sqrt(2) * _NORMAL.inv_cdf(auc) + _NORMAL.inv_cdf(fpr))


def _metrics(plan: VersionPlan) -> dict[str, float]:
    pos = round(EVAL_ROWS * POSITIVE_SHARE)
    neg = EVAL_ROWS - pos
    tp = round(_tpr(plan.auc, plan.fpr_at_threshold) * pos)
    fp = round(plan.fpr_at_threshold * neg)
    fn, tn = pos - tp, neg - fp
    precision, recall = tp / (tp + fp), tp / pos
    return {
        "auc": plan.auc,
        "accuracy": round((tp + tn) / EVAL_ROWS, 4),
        "precision": round(precision, 4),
        "recall": round(recall, 4),
        "f1": round(2 * precision * recall / (precision + recall), 4),
        "approval_rate": round((tp + fp) / EVAL_ROWS, 4),
        "true_positive": tp,
        "false_positive": fp,
        "true_negative": tn,
        "false_negative": fn,
    }


def _job(root: Path, plan: VersionPlan) -> None:
    """The Azure ML command job of the version's run: the immutable training-data folders
    it read (on the workspace's datastore), its environment (a base image and a conda file
    with pinned packages), code snapshot and compute."""
    run = run_id(plan)
    folders = {"applications": data_snapshot(plan.built_at), "postcode_risk": REFERENCE_DATA}
    inputs: dict[str, Any] = {
        name: {
            "jobInputType": "uri_folder",
            "uri": f"{DATASTORE}/{folder}/",
            "mode": "ReadOnlyMount",
        }
        for name, folder in folders.items()
    }
    inputs["threshold"] = {"jobInputType": "literal", "value": f"{plan.threshold:.2f}"}
    _write(
        root,
        f"azureml/jobs/{run}.json",
        {
            "id": f"{WS_ID}/jobs/{run}",
            "name": run,
            "type": "Microsoft.MachineLearningServices/workspaces/jobs",
            "properties": {
                "jobType": "Command",
                "displayName": run,
                "experimentName": "mortgage-nightly",
                "status": "Completed",
                "command": "python train.py --snapshot ${{inputs.applications}}",
                "environmentId": "azureml:mortgage-train-env:1",
                "codeId": f"{WS_ID}/codes/{run}/versions/1",
                "computeId": f"{WS_ID}/computes/cpu-cluster",
                "inputs": inputs,
                "outputs": {},
            },
        },
    )


def _run(root: Path, plan: VersionPlan, repo: RepoResult, rng: random.Random) -> None:
    run = run_id(plan)
    start = plan.built_at + timedelta(minutes=4)
    end = start + timedelta(minutes=41)
    ms = int(start.timestamp() * 1000)
    metrics = _metrics(plan)
    commit = repo.commit_at(plan.built_at)
    _write(
        root,
        f"mlflow/runs/{run}.json",
        {
            "run": {
                "info": {
                    "run_id": run,
                    "run_uuid": run,
                    "experiment_id": "7",
                    "run_name": run,
                    "user_id": "svc-mortgage-pipeline",
                    "status": "FINISHED",
                    "start_time": ms,
                    "end_time": int(end.timestamp() * 1000),
                    "artifact_uri": f"azureml://experiments/mortgage-nightly/runs/{run}/artifacts",
                    "lifecycle_stage": "active",
                },
                "data": {
                    "metrics": [
                        {"key": k, "value": v, "timestamp": ms, "step": 0}
                        for k, v in metrics.items()
                    ],
                    "params": [
                        {"key": "threshold", "value": f"{plan.threshold:.2f}"},
                        {"key": "learning_rate", "value": "0.08" if plan.version < 3 else "0.06"},
                        {"key": "max_iter", "value": "300" if plan.version < 3 else "420"},
                        {"key": "max_depth", "value": "6"},
                        {"key": "training_data", "value": data_snapshot(plan.built_at)},
                    ],
                    "tags": [
                        {"key": "mlflow.source.git.commit", "value": commit},
                        {"key": "mlflow.experimentName", "value": "mortgage-nightly"},
                        {"key": "mlflow.user", "value": "svc-mortgage-pipeline"},
                        {"key": "build", "value": build_number(plan.built_at)},
                    ],
                },
            }
        },
    )
    for key, final, start_value in (("val_auc", plan.auc, 0.62), ("train_loss", 0.31, 0.69)):
        history = []
        for step in range(20):
            frac = 1 - math.exp(-step / 5)
            noise = rng.uniform(-0.004, 0.004) if step < 19 else 0.0
            value = start_value + (final - start_value) * frac / (1 - math.exp(-19 / 5)) + noise
            history.append(
                {
                    "key": key,
                    "value": round(value, 4),
                    "timestamp": ms + step * 60_000,
                    "step": step,
                }
            )
        _write(root, f"mlflow/metrics/{run}/{key}.json", {"metrics": history})
    roc = roc_points(plan.auc)
    _write(
        root,
        f"mlflow/artifacts/{run}/curves/roc.json",
        {"fpr": [round(x, 4) for x, _ in roc], "tpr": [round(y, 4) for _, y in roc]},
    )
    pr = [
        (tpr, tpr * POSITIVE_SHARE / (tpr * POSITIVE_SHARE + fpr * (1 - POSITIVE_SHARE)))
        for fpr, tpr in roc[1:]
    ]
    _write(
        root,
        f"mlflow/artifacts/{run}/curves/pr.json",
        {"recall": [round(r, 4) for r, _ in pr], "precision": [round(p, 4) for _, p in pr]},
    )
    _write(
        root,
        f"mlflow/artifacts/{run}/confusion.json",
        {
            k: int(metrics[k])
            for k in ("true_positive", "false_positive", "true_negative", "false_negative")
        },
    )


# -- Azure DevOps ----------------------------------------------------------------------


def _builds(root: Path, repo: RepoResult) -> None:
    trained = {plan.built_at: plan for plan in VERSIONS}
    for when in nightly_builds():
        build_id = build_id_at(when)
        commit = repo.commit_at(when)
        plan = trained.get(when)
        number = build_number(when)
        finish = when + timedelta(minutes=52)
        _write(
            root,
            f"devops/builds/{build_id}.json",
            {
                "id": build_id,
                "buildNumber": number,
                "status": "completed",
                "result": "succeeded",
                "queueTime": _iso(when),
                "startTime": _iso(when + timedelta(seconds=40)),
                "finishTime": _iso(finish),
                "sourceBranch": "refs/heads/main",
                "sourceVersion": commit,
                "reason": "schedule",
                "definition": {"id": 12, "name": "mortgage-nightly-train", "path": "\\"},
                "project": {"id": "b7e1c9d2-4f3a-4e8b-9c1d-2a3b4c5d6e7f", "name": PROJECT},
                "repository": {"id": "mortgage-model", "name": "mortgage-model", "type": "TfsGit"},
                "requestedFor": {
                    "displayName": "Microsoft.VisualStudio.Services.TFS",
                    "uniqueName": "scheduler",
                },
                "tags": ["registered"] if plan else [],
                "uri": f"vstfs:///Build/Build/{build_id}",
                "_links": {
                    "web": {"href": f"{ORG_URL}/{PROJECT}/_build/results?buildId={build_id}"}
                },
            },
        )
        _write(
            root,
            f"devops/builds/{build_id}/artifacts.json",
            {
                "count": 1,
                "value": [
                    {
                        "id": build_id * 10,
                        "name": "model-meta",
                        "resource": {
                            "type": "Container",
                            "data": f"#/{build_id * 7}/model-meta",
                            "downloadUrl": f"{ORG_URL}/{PROJECT}/_apis/build/builds/"
                            f"{build_id}/artifacts"
                            "?artifactName=model-meta&api-version=7.1&%24format=zip",
                        },
                    }
                ],
            },
        )
        meta: dict[str, Any] = {
            "commit": commit,
            "branch": "refs/heads/main",
            "build": number,
            "training_data": [data_snapshot(when), "training-data/reference/postcode-risk-v3"],
            "run_id": run_id(plan) if plan else None,
            "model": {"name": MODEL, "version": str(plan.version)} if plan else None,
        }
        _write(root, f"devops/builds/{build_id}/artifacts/model-meta/meta.json", meta)


def _release(root: Path, release_id: int, plan: VersionPlan) -> None:
    build_id = build_id_at(plan.built_at)
    number = build_number(plan.built_at)
    image = f"{ACR}/mortgage-score:{plan.image_tag}"
    name = f"mortgage-deploy-{plan.deployed_at:%Y.%m.%d}.1"
    # what it deploys: release variables, or (one release) variables of its prod stage
    deployed = {"MODEL_VERSION": {"value": str(plan.version)}, "IMAGE": {"value": image}}
    stage_scoped = plan.version == STAGE_SCOPED
    envs = []
    stages = [("test", plan.deployed_at - timedelta(hours=20))]
    if plan.endpoint != "mortgage-test":
        stages.append(("prod", plan.deployed_at))
    for index, (stage, at) in enumerate(stages):
        env_id = release_id * 10 + index
        tasks = []
        for task_id, (task_name, minutes) in enumerate(
            [("Download artifacts", 1), ("AzureCLI: deploy model", 12), ("Smoke test", 3)], start=1
        ):
            start = at - timedelta(minutes=20 - task_id * 5)
            tasks.append(
                {
                    "id": task_id,
                    "name": task_name,
                    "status": "succeeded",
                    "startTime": _iso(start),
                    "finishTime": _iso(start + timedelta(minutes=minutes)),
                    "logUrl": f"logs/{env_id}/{env_id * 3}/{task_id}.log",
                }
            )
            log = _task_log(task_name, plan, stage, number, image, start)
            path = root / f"devops/releases/{release_id}/logs/{env_id}/{env_id * 3}/{task_id}.log"
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(log, encoding="utf-8")
        envs.append(
            {
                "id": env_id,
                "name": stage,
                "status": "succeeded",
                "releaseId": release_id,
                "variables": deployed if stage_scoped and stage == "prod" else {},
                "deploySteps": [
                    {
                        "id": env_id * 2,
                        "deploymentId": env_id * 5,
                        "attempt": 1,
                        "status": "succeeded",
                        "queuedOn": _iso(at - timedelta(minutes=30)),
                        "lastModifiedOn": _iso(at),
                        "requestedFor": {"displayName": AUTHORS[2][0]},
                        "releaseDeployPhases": [
                            {
                                "id": env_id * 3,
                                "name": "Agent job",
                                "status": "succeeded",
                                "deploymentJobs": [
                                    {
                                        "job": {
                                            "id": 1,
                                            "name": "Agent job",
                                            "status": "succeeded",
                                        },
                                        "tasks": tasks,
                                    }
                                ],
                            }
                        ],
                    }
                ],
            }
        )
    _write(
        root,
        f"devops/releases/{release_id}.json",
        {
            "id": release_id,
            "name": name,
            "status": "active",
            "createdOn": _iso(stages[0][1] - timedelta(hours=1)),
            "createdBy": {"displayName": AUTHORS[2][0], "uniqueName": AUTHORS[2][1]},
            "description": f"Deploy {MODEL}:{plan.version} to {plan.endpoint}/{plan.deployment}",
            "releaseDefinition": {"id": 4, "name": "mortgage-model-deploy"},
            "artifacts": [
                {
                    "alias": "_mortgage-nightly-train",
                    "type": "Build",
                    "isPrimary": True,
                    "sourceId": "b7e1c9d2-4f3a-4e8b-9c1d-2a3b4c5d6e7f:12",
                    "definitionReference": {
                        "version": {"id": str(build_id), "name": number},
                        "definition": {"id": "12", "name": "mortgage-nightly-train"},
                        "branch": {"id": "refs/heads/main", "name": "refs/heads/main"},
                    },
                }
            ],
            "environments": envs,
            "variables": {
                "MODEL_NAME": {"value": MODEL},
                **({} if stage_scoped else deployed),
                "ENDPOINT": {"value": plan.endpoint},
                "DEPLOYMENT": {"value": plan.deployment},
            },
            "_links": {
                "web": {"href": f"{ORG_URL}/{PROJECT}/_releaseProgress?releaseId={release_id}"}
            },
        },
    )


def _task_log(
    task: str, plan: VersionPlan, stage: str, build: str, image: str, at: datetime
) -> str:
    stamp = at.strftime("%Y-%m-%dT%H:%M:%S")
    endpoint = plan.endpoint if stage == "prod" else "mortgage-test"
    lines = [f"{stamp}.1034521Z ##[section]Starting: {task}"]
    if task == "Download artifacts":
        lines += [
            f"{stamp}.2210034Z Downloading artifact model-meta of build {build}",
            f"{stamp}.9812231Z Downloaded meta.json (412 bytes)",
        ]
    elif task.startswith("AzureCLI"):
        lines += [
            f"{stamp}.3310021Z [command]/usr/bin/az ml online-deployment create "
            f"--endpoint-name {endpoint} --name {plan.deployment} "
            f"--set model=azureml:{MODEL}:{plan.version} --set environment.image={image}",
            f"{stamp}.8800117Z Check: endpoint {endpoint} exists",
            f"{stamp}.9900231Z Creating/updating online deployment {plan.deployment}",
            f"{stamp}.9923456Z provisioningState: Succeeded",
        ]
        if stage == "prod":
            lines.append(f"{stamp}.9954321Z Setting traffic: {plan.deployment}=100")
    else:
        lines += [
            f"{stamp}.4410021Z POST https://{endpoint}.westeurope.inference.ml.azure.com/score",
            f"{stamp}.6611002Z HTTP 200 in 183 ms",
        ]
    lines.append(f"{stamp}.9999999Z ##[section]Finishing: {task}")
    return "\n".join(lines) + "\n"
