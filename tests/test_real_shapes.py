"""Real shapes of the services, from their official examples (tests/official/SOURCES.md),
served by the local fakes to the real SDKs: each variant resolves correctly or is said.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from fake_azureml import (
    RESOURCE_GROUP,
    SUBSCRIPTION,
    WORKSPACE,
    fake_workspace_server,
    self_signed_tls,
    workspace_settings,
)
from fake_devops import FakeDevOps
from fake_mlflow import FakeServer, Reply, make_runs_realistic

from providers.azureml.provider import AzureMLProvider
from providers.backends import Backends
from providers.devops.provider import AzureDevOpsProvider
from providers.devops.settings import parse_settings
from providers.errors import Unauthorized
from providers.protocols import ProviderContext
from providers.records import Prediction, Source
from providers.trail.resolver import RESOLVED, UNCERTAIN, UNRESOLVED, TrailResolver
from tui.demo.workspace import DemoCase

OFFICIAL = Path(__file__).parent / "official"
RUN = "mortgage-train-20260810-04"
TOKEN_ENV = "MT_REAL_SHAPES_TOKEN"
WHEN = datetime(2026, 8, 27, 14, 32, tzinfo=UTC)


def official_body(name: str) -> dict[str, Any]:
    """The 200 response body of an official example."""
    example = json.loads((OFFICIAL / name).read_text())
    body: dict[str, Any] = example["responses"]["200"]["body"]
    return body


@pytest.fixture
def docs(demo: tuple[Path, DemoCase], tmp_path: Path) -> Path:
    target = tmp_path / "docs"
    shutil.copytree(demo[0] / "docs", target)
    make_runs_realistic(target)
    return target


@pytest.fixture
def served(
    docs: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[tuple[FakeServer, AzureMLProvider]]:
    monkeypatch.setenv(TOKEN_ENV, "eyJ0eXAiOiJKV1QifQ.real-shapes-token")
    monkeypatch.setenv("AZUREML_CURRENT_CLOUD", "AzureCloud")
    (tmp_path / "tls").mkdir()
    tls, cert = self_signed_tls(tmp_path / "tls")
    server: FakeServer
    with fake_workspace_server(docs, tls) as server:
        yield (
            server,
            AzureMLProvider.from_settings(
                workspace_settings(server.url, cert, TOKEN_ENV), ProviderContext("t", tmp_path)
            ),
        )


@pytest.fixture
def provider(served: tuple[FakeServer, AzureMLProvider]) -> AzureMLProvider:
    return served[1]


def serve_version(docs: Path, version: str, model_uri: str) -> None:
    """The official ModelVersion example as version ``version`` of model mortgage (no
    ``jobName``, as in the example), its placeholders filled: the ARM id (the SDK refuses
    ``"string"``), the version, and ``model_uri``."""
    body = official_body("azureml/ModelVersion-get.json")
    body["id"] = (
        f"/subscriptions/{SUBSCRIPTION}/resourceGroups/{RESOURCE_GROUP}/providers/"
        f"Microsoft.MachineLearningServices/workspaces/{WORKSPACE}/models/mortgage/versions/"
        f"{version}"
    )
    body["name"] = version
    body["properties"]["modelUri"] = model_uri
    folder = docs / "azureml/models/mortgage/versions"
    (folder / f"{version}.json").write_text(json.dumps(body))


def test_a_model_without_job_name_finds_its_job_in_the_model_uri(
    provider: AzureMLProvider, docs: Path
) -> None:
    serve_version(docs, "9", f"azureml://jobs/{RUN}/outputs/artifacts/paths/model/")
    model = provider.get_version("mortgage", "9")
    assert model.run_id == RUN  # was None: the example has no jobName
    trail = TrailResolver(Backends("t", models=provider)).from_model("mortgage", "9")
    run = trail.hop("run")
    assert run is not None and run.status != UNRESOLVED and run.label == RUN


def test_a_model_that_names_no_run_says_where_it_looked(
    provider: AzureMLProvider, docs: Path
) -> None:
    serve_version(docs, "9", "string")  # the example's placeholder: no job in it
    trail = TrailResolver(Backends("t", models=provider)).from_model("mortgage", "9")
    run = trail.hop("run")
    assert run is not None and run.status == UNRESOLVED
    assert run.reason.startswith("model mortgage:9 names no training run: ")
    assert "no job in its modelUri" in run.reason


# --- Azure DevOps releases (the official GET release example, 7.0) ----------------------

PAT = "real-shapes-pat-0123456789"


def release_doc(**prod: Any) -> dict[str, Any]:
    """The official release example (four stages, release and stage variables empty, no
    variable groups), with the PROD stage's keys set from ``prod``."""
    body = official_body("devops/GET__GetARelease.json")
    stage = next(env for env in body["environments"] if env["name"] == "PROD")
    stage.update(prod)
    return body


def read_release(doc: dict[str, Any]) -> Any:
    with FakeDevOps(pat=PAT) as fake:
        fake.releases[int(doc["id"])] = doc
        settings = {
            "organization_url": fake.base_url,
            "project": fake.project,
            "repository": fake.repository,
        }
        return AzureDevOpsProvider(parse_settings(settings), pat=PAT).get_release(int(doc["id"]))


def test_stage_scoped_variables_name_what_the_release_deployed() -> None:
    doc = release_doc(
        variables={"MODEL_NAME": {"value": "mortgage"}, "MODEL_VERSION": {"value": "4"}}
    )
    doc["variableGroups"] = [
        {"id": 3, "name": "images", "variables": {"IMAGE": {"value": "acr.io/score:14"}}}
    ]
    release = read_release(doc)
    target = release.target  # was None: only release-level variables were read
    assert (target.model_name, target.model_version, target.image) == (
        "mortgage",
        "4",
        "acr.io/score:14",
    )
    assert target.rule.endswith("of stage PROD")


def test_stages_that_disagree_are_named() -> None:
    doc = release_doc(
        variables={"MODEL_NAME": {"value": "mortgage"}, "MODEL_VERSION": {"value": "4"}}
    )
    qa = next(env for env in doc["environments"] if env["name"] == "QA")
    qa["variables"] = {"MODEL_NAME": {"value": "mortgage"}, "MODEL_VERSION": {"value": "5"}}
    target = read_release(doc).target
    assert target.model_version == "4"  # PROD: the last stage, none deployed yet
    assert "stage QA names mortgage:5" in target.rule


def test_a_step_never_queued_is_no_deployment_time() -> None:
    step = {"id": 1, "attempt": 1, "status": "notDeployed", "queuedOn": "0001-01-01T00:00:00"}
    release = read_release(release_doc(deploySteps=[step]))
    prod = next(env for env in release.environments if env.name == "PROD")
    assert prod.deployed_at is None  # was 0001-01-01, .NET's DateTime.MinValue


# --- Azure ML deployments: registry assets and built environments ----------------------


def edit(path: Path, change: Any) -> None:
    doc = json.loads(path.read_text())
    change(doc)
    path.write_text(json.dumps(doc))


def prod_m4(docs: Path) -> Path:
    return docs / "azureml/onlineEndpoints/mortgage-prod/deployments/m4.json"


def test_a_registry_model_is_never_taken_for_the_workspace_model(
    provider: AzureMLProvider, docs: Path
) -> None:
    registry = "azureml://registries/shared-models/models/mortgage/versions/4"
    edit(prod_m4(docs), lambda d: d["properties"].update(model=registry))
    deployment = provider.get_deployment("mortgage-prod", "m4")
    assert deployment.model_ref == registry
    assert (deployment.model_name, deployment.model_version) == (None, None)  # was mortgage:4
    logged = Prediction(
        "r1", "r1", WHEN, "mortgage-prod", "m4", None, None, {}, {}, "v2", Source("t", "r1")
    )
    backends = Backends("t", deployments=provider, models=provider)
    trail = TrailResolver(backends).from_prediction(logged)
    model = trail.hop("model")
    assert model is not None and model.status == UNRESOLVED
    assert model.reason == (  # read in its registry, which this fake does not know
        f"deployment mortgage-prod/m4 references {registry}; but azureml: model mortgage:4 in "
        "registry shared-models not found (NotFound: registry shared-models was not found.)"
    )


def serve_registry_asset(docs: Path, registry: str, kind: str, name: str, version: str) -> str:
    """The official registry example of ``kind`` served as ``name``:``version`` of
    ``registry``, its placeholder ``id`` (the SDK parses it) and ``name`` filled, a
    model's ``modelUri`` naming the job of its output, an environment's ``condaFile`` a
    conda spec; the asset's azureml:// reference."""
    example = {"models": "ModelVersion", "environments": "EnvironmentVersion"}[kind]
    body = official_body(f"azureml/Registry-{example}-get.json")
    ref = f"azureml://registries/{registry}/{kind}/{name}/versions/{version}"
    body["id"] = ref  # a registry asset's id: azure-ai-ml reads no ARM id of a registry
    body["name"] = version
    if kind == "models":
        body["properties"]["modelUri"] = f"azureml://jobs/{RUN}/outputs/artifacts/paths/model/"
    else:  # the SDK reads a condaFile that is not YAML as a file path
        body["properties"]["condaFile"] = "channels: [conda-forge]\ndependencies: [python=3.11]\n"
    target = docs / f"azureml/registries/{registry}/{kind}/{name}/versions/{version}.json"
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(json.dumps(body))
    return ref


def test_registry_model_and_environment_are_read_in_their_registry(
    provider: AzureMLProvider, docs: Path
) -> None:
    model = serve_registry_asset(docs, "shared-models", "models", "mortgage", "7")
    env = serve_registry_asset(docs, "shared-models", "environments", "tf-serving", "2")
    edit(prod_m4(docs), lambda d: d["properties"].update(model=model, environmentId=env))
    dep = provider.get_deployment("mortgage-prod", "m4")
    assert dep.image is None  # the registry example's environment is built from a conda file
    assert dep.image_note == (  # its base image named: the registry's environment was read
        "built by Azure ML from this base, docker.io/tensorflow/serving:latest, and a conda "
        "file (python=3.11); the built image is not exposed by the environment's record"
    )
    logged = Prediction(
        "r1", "r1", WHEN, "mortgage-prod", "m4", None, None, {}, {}, "v2", Source("t", "r1")
    )
    backends = Backends("t", deployments=provider, models=provider)
    trail = TrailResolver(backends).from_prediction(logged)
    hop = trail.hop("model")
    assert hop is not None and hop.status == RESOLVED
    assert hop.label == "mortgage:7 (shared-models)"  # not the workspace's mortgage:7
    assert hop.reason.startswith(f"deployment mortgage-prod/m4 references {model}, read in ")
    assert hop.record.source.native_id == model
    assert hop.record.properties["registry"] == "shared-models"
    run = trail.hop("run")
    assert run is not None and run.label == RUN  # the job its modelUri names
    assert "as registry shared-models records it; the job is looked up in workspace" in (run.reason)


def serve_registry_model(docs: Path, model_uri: str) -> str:
    """Registry shared-models' mortgage:7 (the official example) naming job RUN and
    registered from ``model_uri``, referenced by deployment mortgage-prod/m4."""
    model = serve_registry_asset(docs, "shared-models", "models", "mortgage", "7")
    path = docs / "azureml/registries/shared-models/models/mortgage/versions/7.json"
    edit(path, lambda d: d["properties"].update(jobName=RUN, modelUri=model_uri))
    edit(prod_m4(docs), lambda d: d["properties"].update(model=model))
    return model


def registry_run_hop(provider: AzureMLProvider) -> Any:
    logged = Prediction(
        "r1", "r1", WHEN, "mortgage-prod", "m4", None, None, {}, {}, "v2", Source("t", "r1")
    )
    backends = Backends("t", deployments=provider, models=provider)
    hop = TrailResolver(backends).from_prediction(logged).hop("run")
    assert hop is not None and hop.label == RUN
    return hop


def test_a_registry_models_job_found_by_name_alone_is_uncertain(
    provider: AzureMLProvider, docs: Path
) -> None:
    job_uri = f"azureml://jobs/{RUN}/outputs/artifacts/paths/model/"
    serve_registry_model(docs, job_uri)
    hop = registry_run_hop(provider)
    assert hop.status == UNCERTAIN  # was resolved: a same-named job elsewhere is possible
    assert (
        f"UNCERTAIN: job {RUN} was found by name in workspace {WORKSPACE}, but nothing ties "
        f"it to the model of registry shared-models: its path ({job_uri}) names no storage "
        "location by itself; a job of the same name in another workspace may have trained it"
    ) in hop.reason


def test_a_registry_models_job_is_tied_by_the_output_it_was_registered_from(
    provider: AzureMLProvider, docs: Path
) -> None:
    folder = f"ExperimentRun/dcid.{RUN}/outputs/model"
    output = f"azureml://datastores/workspaceartifactstore/paths/{folder}"
    job = docs / f"azureml/jobs/{RUN}.json"
    edit(
        job,
        lambda d: d["properties"].update(
            outputs={"model": {"jobOutputType": "mlflow_model", "uri": output}}
        ),
    )

    def registered_from(workspace: str) -> str:
        return (
            f"azureml://subscriptions/{SUBSCRIPTION}/resourcegroups/{RESOURCE_GROUP}/"
            f"workspaces/{workspace}/datastores/workspaceartifactstore/paths/{folder}/"
        )

    serve_registry_model(docs, registered_from(WORKSPACE))
    hop = registry_run_hop(provider)
    assert hop.status == RESOLVED
    assert (
        f"tied: the model of registry shared-models was registered from "
        f"{registered_from(WORKSPACE)}, which is the job's output model ({output}) in "
        f"workspace {WORKSPACE}"
    ) in hop.reason

    serve_registry_model(docs, registered_from("mlw-other"))  # the same path elsewhere
    hop = registry_run_hop(provider)
    assert hop.status == UNCERTAIN
    assert (
        f"its path {registered_from('mlw-other')} is none of the job's outputs (model ({output}))"
    ) in hop.reason


def test_a_registry_environment_named_by_label_latest_is_resolved_but_not_taken_as_served(
    provider: AzureMLProvider, docs: Path
) -> None:
    for version, created in (("1", "2026-03-01T00:00:00Z"), ("2", "2026-09-01T00:00:00Z")):
        serve_registry_asset(docs, "shared-envs", "environments", "sklearn-serve", version)
        path = (
            docs
            / f"azureml/registries/shared-envs/environments/sklearn-serve/versions/{version}.json"
        )
        edit(path, lambda d, when=created: d["systemData"].update(createdAt=when))
    label = "azureml://registries/shared-envs/environments/sklearn-serve/labels/latest"
    edit(prod_m4(docs), lambda d: d["properties"].update(environmentId=label))
    dep = provider.get_deployment("mortgage-prod", "m4")
    assert dep.image is None  # was: "a registry environment reference this provider does not read"
    assert dep.image_note == (
        "its environment sklearn-serve in registry shared-envs is named by label 'latest', "
        "which resolves now to version 2 (built by Azure ML from this base, "
        "docker.io/tensorflow/serving:latest, and a conda file (python=3.11); the built image "
        "is not exposed by the environment's record); a label names the version it points to "
        "when read, not the one used then, so the image is not known from it"
    )
    edit(
        prod_m4(docs),
        lambda d: d["properties"].update(environmentId=label.replace("latest", "prod")),
    )
    dep = provider.get_deployment("mortgage-prod", "m4")
    assert dep.image_note.startswith(  # azure-ai-ml resolves the managed label latest only
        "its environment is named by label 'prod', which was not resolved: "
    ), dep.image_note


FORBIDDEN = {
    "error": {
        "code": "AuthorizationFailed",
        "message": "The client does not have authorization to perform action "
        "'Microsoft.MachineLearningServices/registries/models/versions/read'.",
    }
}


def test_a_registry_that_refuses_says_so(
    served: tuple[FakeServer, AzureMLProvider], docs: Path
) -> None:
    server, provider = served
    model = serve_registry_asset(docs, "shared-models", "models", "mortgage", "7")
    server.fail("/registries/shared-models/models/", Reply(403, FORBIDDEN))
    with pytest.raises(Unauthorized, match="model mortgage:7 in registry shared-models") as err:
        provider.get_registry_version(model)
    assert "lacks read access" in str(err.value.hint)


def env_doc_of(docs: Path) -> Path:
    """The environment document of the m4 deployment."""
    env_id = json.loads(prod_m4(docs).read_text())["properties"]["environmentId"]
    name, version = env_id.split("/environments/")[1].split("/versions/")
    return docs / f"azureml/environments/{name}/versions/{version}.json"


@pytest.mark.parametrize(
    ("environment", "why"),
    [
        (
            "azureml://registries/azureml/environments/sklearn-1.5/versions/3",
            "the environment could not be read: azureml: environment sklearn-1.5:3 in registry "
            "azureml not found (NotFound: registry azureml was not found.)",
        ),
        (
            "built from a conda file",
            "built by Azure ML from this base, crmortgageml.azurecr.io/mortgage-score:14, and a "
            "conda file (python=3.11, scikit-learn=1.5.2); the built image is not exposed by the "
            "environment's record",
        ),
        ("a conda file that is a list", "the environment could not be read: azureml: "),
    ],
)
def test_an_image_that_cannot_be_read_is_said_not_replaced_by_the_base(
    provider: AzureMLProvider, docs: Path, environment: str, why: str
) -> None:
    if environment.startswith("azureml://"):
        edit(prod_m4(docs), lambda d: d["properties"].update(environmentId=environment))
    elif environment == "built from a conda file":  # the base image did not serve
        conda = "channels: [conda-forge]\ndependencies: [python=3.11, scikit-learn=1.5.2]\n"
        edit(env_doc_of(docs), lambda d: d["properties"].update(condaFile=conda))
    else:  # the SDK cannot read it: one bad environment costs its image, not the listing
        edit(env_doc_of(docs), lambda d: d["properties"].update(condaFile="- a\n- list\n"))
    names = [d.name for d in provider.list_deployments("mortgage-prod")]
    assert "m4" in names  # was: the whole listing failed on the list-shaped conda file
    logged = Prediction(
        "r1", "r1", WHEN, "mortgage-prod", "m4", None, None, {}, {}, "v2", Source("t", "r1")
    )
    trail = TrailResolver(Backends("t", deployments=provider)).from_prediction(logged)
    hop = trail.hop("deployment")
    assert hop is not None and hop.record.image is None  # was the base, or nothing said
    assert "(image unknown: " in hop.reason and why in hop.reason
