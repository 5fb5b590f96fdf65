"""The training job's audit evidence on the run hop — its inputs (data assets with their
versions and paths, URIs), environment (image, conda packages), code snapshot and compute —
read through the real azure-ai-ml SDK from the official CommandJob example served by the
fake workspace, and cross-checked with the build artifact's training-data folders.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from consoleapp import screen_text
from fake_azureml import WS, fake_workspace_server, self_signed_tls, workspace_settings
from fake_mlflow import FakeServer, make_runs_realistic
from test_reading_details import page_until, press, run_traced

from providers.azureml.provider import AzureMLProvider
from providers.backends import Backends
from providers.local.documents import LocalDocumentsProvider
from providers.protocols import ProviderContext
from providers.serialize import to_jsonable
from providers.trail.resolver import RESOLVED, UNCERTAIN, TrailResolver
from tui.demo.workspace import DemoCase

pytestmark = pytest.mark.timeout(120)

OFFICIAL = Path(__file__).parent / "official"
RUN = "mortgage-train-20260810-04"  # model mortgage:4, built by build 447
TOKEN_ENV = "MT_TRAINING_EVIDENCE_TOKEN"
DATASTORE = "azureml://datastores/workspaceblobstore/paths"
APPLICATIONS = "training-data/applications/2026-08-01T000000Z"  # build 447's folders
REFERENCE = "training-data/reference/postcode-risk-v3"
CONDA = (
    "channels: [conda-forge]\n"
    "dependencies:\n  - python=3.11.9\n  - scikit-learn=1.5.2\n  - pip:\n    - mlflow==2.16.0\n"
)


def official_body(name: str) -> dict[str, Any]:
    body: dict[str, Any] = json.loads((OFFICIAL / name).read_text())["responses"]["200"]["body"]
    return body


def write(path: Path, doc: dict[str, Any]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(doc))


def serve_job(
    docs: Path, server_url: str, inputs: dict[str, Any], *, mlflow_datasets: bool = False
) -> None:
    """The official CommandJob example as job RUN, its placeholders filled: the ARM id and
    name, ``inputs``, environment, code and compute ids, and the Tracking service (the
    workspace's MLflow, where the run's metrics are and, when ``mlflow_datasets``, a
    dataset the run logged)."""
    if mlflow_datasets:  # as mlflow.log_input records a dataset of the training context
        run_doc = docs / f"mlflow/runs/{RUN}.json"
        doc = json.loads(run_doc.read_text())
        source = json.dumps({"uri": f"{DATASTORE}/{APPLICATIONS}/"})
        dataset = {"name": "applications", "digest": "5f1d2c3b", "source_type": "uri_folder"}
        tags = [{"key": "mlflow.data.context", "value": "training"}]
        doc["run"]["inputs"] = {
            "dataset_inputs": [{"tags": tags, "dataset": {**dataset, "source": source}}]
        }
        run_doc.write_text(json.dumps(doc))
    body = official_body("azureml/CommandJob-get.json")
    props = body["properties"]
    body.update(id=f"{WS}/jobs/{RUN}", name=RUN)
    host = server_url.removeprefix("https://")
    props.update(
        inputs=inputs,
        outputs={},
        experimentName="mortgage-nightly",
        status="Completed",
        environmentId="azureml:mortgage-train-env:1",
        codeId=f"{WS}/codes/0b7ad4d2-6d4b-4f3e-a7d1-0e1f2a3b4c5d/versions/1",
        computeId=f"{WS}/computes/cpu-cluster",
        services={
            "Tracking": {
                "jobServiceType": "Tracking",
                "endpoint": f"azureml://{host}/mlflow/v1.0{WS}",
            }
        },
    )
    write(docs / f"azureml/jobs/{RUN}.json", body)
    env = {
        "id": f"{WS}/environments/mortgage-train-env/versions/1",
        "name": "1",
        "properties": {
            "image": "mcr.microsoft.com/azureml/openmpi4.1.0-ubuntu22.04",
            "condaFile": CONDA,
        },
    }
    write(docs / "azureml/environments/mortgage-train-env/versions/1.json", env)
    data = official_body("azureml/DataVersion-get.json")
    data.update(id=f"{WS}/data/postcode-risk/versions/3", name="3")
    data["properties"].update(dataType="uri_folder", dataUri=f"{DATASTORE}/{REFERENCE}/")
    write(docs / "azureml/data/postcode-risk/versions/3.json", data)


@pytest.fixture
def workspace(
    demo: tuple[Path, DemoCase], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[tuple[Path, str, AzureMLProvider]]:
    docs = tmp_path / "docs"
    shutil.copytree(demo[0] / "docs", docs)
    make_runs_realistic(docs)
    monkeypatch.setenv(TOKEN_ENV, "eyJ0eXAiOiJKV1QifQ.training-evidence")
    monkeypatch.setenv("AZUREML_CURRENT_CLOUD", "AzureCloud")
    (tmp_path / "tls").mkdir()
    tls, cert = self_signed_tls(tmp_path / "tls")
    server: FakeServer
    with fake_workspace_server(docs, tls) as server:
        settings = workspace_settings(server.url, cert, TOKEN_ENV)
        yield (
            docs,
            server.url,
            AzureMLProvider.from_settings(settings, ProviderContext("t", tmp_path)),
        )


def trail_of_model_4(docs: Path, provider: AzureMLProvider) -> Any:
    releases = LocalDocumentsProvider(docs)
    return TrailResolver(Backends("t", models=provider, releases=releases)).from_model(
        "mortgage", "4"
    )


def folder_input(folder: str) -> dict[str, Any]:
    return {"jobInputType": "uri_folder", "uri": f"{DATASTORE}/{folder}/", "mode": "ReadOnlyMount"}


def test_the_job_inputs_environment_code_and_compute_are_run_evidence(
    workspace: tuple[Path, str, AzureMLProvider],
) -> None:
    docs, url, provider = workspace
    serve_job(
        docs,
        url,
        {
            "applications": folder_input(APPLICATIONS),
            "postcodes": {"jobInputType": "mltable", "uri": "azureml:postcode-risk:3"},
            "threshold": {"jobInputType": "literal", "value": "0.62"},
        },
        mlflow_datasets=True,
    )
    run = provider.get_run(RUN)
    by_name = {i.name: i for i in run.inputs}  # was (): the job's inputs were never read
    assert by_name["applications"].uri == f"{DATASTORE}/{APPLICATIONS}/"
    assert by_name["postcodes"].asset == "azureml:postcode-risk:3"
    assert by_name["postcodes"].uri == f"{DATASTORE}/{REFERENCE}/"  # the data version's path
    assert by_name["threshold"].note == "value 0.62"
    assert run.setup is not None
    assert run.setup.packages == ("python=3.11.9", "scikit-learn=1.5.2", "pip: mlflow==2.16.0")
    assert run.setup.image == "mcr.microsoft.com/azureml/openmpi4.1.0-ubuntu22.04"
    assert run.setup.note.startswith("Azure ML built the training image from a conda file on")
    assert run.setup.code and run.setup.code.endswith("/versions/1")
    assert run.setup.compute == "cpu-cluster"  # the SDK gives the compute's name
    assert run.metrics  # the MLflow side is still read
    trail = trail_of_model_4(docs, provider)
    hop = trail.hop("run")
    assert hop is not None and hop.status == RESOLVED
    assert (
        "its inputs agree with artifact model-meta of build 20260810.1's data folders "
        f"({APPLICATIONS}, {REFERENCE})" in hop.reason
    )
    data = to_jsonable(trail)  # what trace --json prints
    run_json = next(h for h in data["hops"] if h["kind"] == "run")["record"]
    origins = [(i["name"], i["origin"]) for i in run_json["inputs"]]
    assert origins == [  # the job's, then those MLflow logged
        ("applications", "job input"),
        ("postcodes", "job input"),
        ("threshold", "job input"),
        ("applications", "MLflow dataset (training)"),
    ]
    assert run_json["setup"]["packages"][1] == "scikit-learn=1.5.2"


def test_a_registry_data_asset_is_read_in_its_registry(
    workspace: tuple[Path, str, AzureMLProvider],
) -> None:
    docs, url, provider = workspace
    asset = "azureml://registries/shared-data/data/postcode-risk/versions/3"
    unknown = "azureml://registries/elsewhere/data/postcode-risk/versions/3"
    serve_job(
        docs,
        url,
        {
            "postcodes": {"jobInputType": "uri_folder", "uri": asset},
            "other": {"jobInputType": "uri_folder", "uri": unknown},
        },
    )
    data = official_body("azureml/Registry-DataVersion-get.json")  # placeholders filled
    data["properties"].update(dataType="uri_folder", dataUri=f"{DATASTORE}/{REFERENCE}/")
    data.update(id=asset, name="3")  # azure-ai-ml reads a registry asset's id in this form
    write(docs / "azureml/registries/shared-data/data/postcode-risk/versions/3.json", data)
    by_name = {i.name: i for i in provider.get_run(RUN).inputs}
    assert by_name["postcodes"].uri == f"{DATASTORE}/{REFERENCE}/"  # was: "not read yet"
    assert by_name["other"].uri is None
    assert by_name["other"].note == (
        "its path could not be read: azureml: data asset postcode-risk:3 in registry elsewhere "
        "not found (NotFound: registry elsewhere was not found.)"
    )


@pytest.mark.parametrize(
    ("inputs", "status", "said"),
    [
        (  # a newer snapshot than the build lists: the two sides disagree
            {
                "applications": folder_input("training-data/applications/2026-08-09T000000Z"),
                "postcodes": folder_input(REFERENCE),
            },
            UNCERTAIN,
            "training data DISAGREE: artifact model-meta of build 20260810.1 lists "
            f"{APPLICATIONS}, which no input of the run reads; the run read applications "
            f"({DATASTORE}/training-data/applications/2026-08-09T000000Z/), which artifact "
            "model-meta of build 20260810.1 does not list",
        ),
        (  # the official example's one literal input: no data inputs recorded
            {"string": {"description": "string", "jobInputType": "literal", "value": "string"}},
            RESOLVED,
            f"training data: only artifact model-meta of build 20260810.1's folders are known "
            f"({APPLICATIONS}, {REFERENCE}); run {RUN} records no data inputs",
        ),
    ],
    ids=["disagree", "only-the-build"],
)
def test_the_run_inputs_and_the_build_folders_are_cross_checked(
    workspace: tuple[Path, str, AzureMLProvider], inputs: dict[str, Any], status: str, said: str
) -> None:
    docs, url, provider = workspace
    serve_job(docs, url, inputs)
    hop = trail_of_model_4(docs, provider).hop("run")
    assert hop is not None and hop.status == status
    assert said in hop.reason


@pytest.mark.parametrize("size", [(80, 24)], ids=["80x24"])
def test_the_models_detail_shows_what_the_run_trained_on(
    demo: tuple[Path, DemoCase], size: tuple[int, int]
) -> None:
    async def scenario(app: Any, pilot: Any) -> None:
        await press(pilot, "3")
        await press(pilot, "v")
        rows = [
            r"^ *trained on",
            r"^ *applications · uri_folder · job input",
            r"^ *azureml://datastores/workspaceblobstore/paths/training-data/applicati",
            r"^ *postcode_risk · uri_folder · job input",
            r"^ *environment azureml:mortgage-train-env:1 *$",
            r"^ *image mcr\.microsoft\.com/azureml/openmpi4\.1\.0-ubuntu22\.04",
            r"^ *code snapshot mortgage-train-20260810-04 version 1",
            r"^ *packages: python=3\.11\.9, scikit-learn=1\.5\.2, pip: mlflow==2\.16\.0",
            r"^ *compute cpu-cluster",
            r"^ *build data folders its inputs agree with artifact model-meta",
        ]
        assert await page_until(pilot, *rows) == set(rows), screen_text(pilot)

    run_traced(demo, size, scenario)


# --- Kubernetes deployments (the official example) and a malformed deployment id --------


def aks_deployment(docs: Path, name: str, *, arm_id: bool) -> None:
    """The official KubernetesOnlineDeployment example as deployment ``name`` of
    mortgage-aks; its ``id`` filled with the ARM id (else the example's ``"string"``, an
    id the SDK cannot read), model and environment named as the demo's are."""
    body = official_body("azureml/KubernetesOnlineDeployment-get.json")
    body["name"] = name
    if arm_id:
        body["id"] = f"{WS}/onlineEndpoints/mortgage-aks/deployments/{name}"
    body["properties"].update(
        model=f"{WS}/models/mortgage/versions/4",
        environmentId=f"{WS}/environments/mortgage-score-env/versions/4",
    )
    write(docs / f"azureml/onlineEndpoints/mortgage-aks/deployments/{name}.json", body)


def test_a_kubernetes_deployment_keeps_its_dates(
    workspace: tuple[Path, str, AzureMLProvider],
) -> None:
    docs, _, provider = workspace
    aks_deployment(docs, "k8s", arm_id=True)
    dep = provider.get_deployment("mortgage-aks", "k8s")
    assert dep.created_at is not None  # was None: azure-ai-ml drops a Kubernetes systemData
    assert dep.created_at.isoformat().startswith("2020-01-01T12:34:56")
    listed = {d.name: d for d in provider.list_deployments("mortgage-aks")}
    assert listed["k8s"].updated_at == dep.updated_at


def test_a_malformed_deployment_id_costs_that_deployment_only(
    workspace: tuple[Path, str, AzureMLProvider],
) -> None:
    docs, _, provider = workspace
    aks_deployment(docs, "broken", arm_id=False)  # id "string", as in the example
    listed = {d.name: d for d in provider.list_deployments("mortgage-aks")}
    assert len(listed) > 1  # was: the whole listing failed
    broken = listed["broken"]
    assert broken.state == "unreadable"
    assert broken.image_note.startswith("the deployment could not be read: ")
    assert all(d.state != "unreadable" for n, d in listed.items() if n != "broken")
