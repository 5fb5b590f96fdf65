"""MLflow 3 model versions on the run hop: registered from a logged model (``models:/m-…``,
``model_id``) they reach their run and its logged datasets through the logged model;
registered from a plain source without a run they give a gap that says what they carry.

The real ``mlflow server`` (MODELTRAIL_MLFLOW_PYTHON) makes each shape it can; the fake
answers only the one it cannot: a version that carries ``model_id`` without ``run_id``
(MLflow 3.17's own server fills ``run_id`` from the logged model and omits ``model_id``).
"""

from __future__ import annotations

import json
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from fake_mlflow import FakeServer, Reply
from test_mlflow_provider import MLFLOW_PYTHON, ROOT, real_mlflow  # noqa: F401 - fixture

from providers.backends import Backends
from providers.mlflow.provider import MlflowModelsProvider
from providers.protocols import ProviderContext
from providers.records import TrainingRun
from providers.trail.resolver import RESOLVED, UNCERTAIN, UNRESOLVED, Hop, TrailResolver

RUN = "5d1a0c2b7e8f4a6b9c3d2e1f0a9b8c7d"
MODEL_ID = "m-0f3e2d1c4b5a69788796a5b4c3d2e1f0"


def run_hop(provider: MlflowModelsProvider, version: str) -> Hop:
    hop = TrailResolver(Backends("t", models=provider)).from_model("credit", version).hop("run")
    assert hop is not None
    return hop


@pytest.fixture
def populated(
    real_mlflow: str,  # noqa: F811 - the fixture imported above
    tmp_path: Path,
) -> Iterator[tuple[MlflowModelsProvider, dict]]:
    made = subprocess.run(
        [str(MLFLOW_PYTHON), str(ROOT / "tests/mlflow_logged_models_populate.py"), real_mlflow],
        capture_output=True,
        text=True,
        check=True,
        timeout=240,
    )
    ids = json.loads(made.stdout.splitlines()[-1])
    provider = MlflowModelsProvider.from_settings(
        {"tracking_uri": real_mlflow, "timeout": 20}, ProviderContext("t", tmp_path)
    )
    yield provider, ids
    provider.close()


def test_real_server_logged_model_versions_and_a_plain_source(
    populated: tuple[MlflowModelsProvider, dict],
) -> None:
    provider, ids = populated
    logged = run_hop(provider, "1")
    assert (logged.status, logged.label) == (RESOLVED, ids["run"])
    assert f"registered from logged model {ids['logged']} ('model'), which that run logged" in (
        logged.reason
    )
    assert isinstance(logged.record, TrainingRun)
    data = [i for i in logged.record.inputs if i.kind.startswith("dataset")]
    assert [(i.name, i.uri, i.origin) for i in data] == [
        (
            "credit-2026-08-01",
            "abfss://training@mortgagedata.dfs.core.windows.net/credit/2026-08-01T0200Z/",
            "MLflow dataset (training)",
        )
    ]
    assert data[0].asset and data[0].asset.startswith("digest ")
    assert logged.record.outputs == {ids["logged"]: f"models:/{ids['logged']}"}

    outside = run_hop(provider, "2")
    assert (outside.status, outside.label) == (UNRESOLVED, "?")
    assert f"its source is logged model {ids['outside']} ('hand-made'), logged outside any run" in (
        outside.reason
    )
    assert f"#/experiments/1/models/{ids['outside']}" in outside.reason
    assert "registered from a file or by hand?" not in outside.reason  # not the generic gap

    plain = run_hop(provider, "3")
    assert plain.status == UNRESOLVED
    assert (
        "it was registered from "
        "wasbs://models@mortgagemodels.blob.core.windows.net/credit/manual-2026-08-20/ and no run"
    ) in plain.reason
    assert "Try: the run that logged the artifacts under that path" in plain.reason
    versions = provider.list_versions("credit")
    assert [v.run_id for v in versions] == [ids["run"], None, None, ids["other"]]
    assert "logged outside any run" in versions[1].run_note

    # The version names one run, its logged model another: neither is taken as sure.
    disputed = run_hop(provider, "4")
    assert (disputed.status, disputed.label) == (UNCERTAIN, ids["other"])
    assert (
        f"UNCERTAIN: the version names run {ids['other']}, but its source, logged model "
        f"{ids['logged']} ('model'), was logged by run {ids['run']}: the registry and the "
        "logged model disagree"
    ) in disputed.reason


def version_body(**extra: str) -> dict:
    """A ``model-versions/get`` answer as MLflow 3.17 gives one, plus ``extra`` fields."""
    doc = {
        "name": "credit",
        "version": "4",
        "creation_timestamp": 1796604912441,
        "last_updated_timestamp": 1796604912441,
        "current_stage": "None",
        "description": "",
        "source": f"s3://bucket/models/{MODEL_ID}/artifacts",
        "run_id": "",
        "status": "READY",
        "run_link": "",
    }
    return {"model_version": {**doc, **extra}}


def logged_model_body(source_run_id: str) -> dict:
    """A ``logged-models/{id}`` answer as MLflow 3.17's server gives one."""
    return {
        "model": {
            "info": {
                "model_id": MODEL_ID,
                "experiment_id": "1",
                "name": "model",
                "creation_timestamp_ms": 1796604903090,
                "last_updated_timestamp_ms": 1796604910609,
                "artifact_uri": f"mlflow-artifacts:/1/models/{MODEL_ID}/artifacts",
                "status": "LOGGED_MODEL_READY",
                "model_type": "",
                "source_run_id": source_run_id,
                "tags": [],
            },
            "data": {},
        }
    }


def run_body() -> dict:
    info = {"run_id": RUN, "experiment_id": "1", "status": "FINISHED", "start_time": 1796604900000}
    return {
        "run": {"info": info, "data": {"tags": [{"key": "mlflow.experimentName", "value": "c"}]}}
    }


def serve(logged: Reply) -> FakeServer:
    def route(method: str, path: str, query: dict[str, str]) -> Reply:
        if path.endswith("/model-versions/get"):
            return Reply(body=version_body(model_id=MODEL_ID))
        if path.endswith(f"/logged-models/{MODEL_ID}"):
            return logged
        if path.endswith("/runs/get") and query.get("run_id") == RUN:
            return Reply(body=run_body())
        if path.endswith("/artifacts/list"):
            return Reply(body={})
        return Reply(404, {"error_code": "ENDPOINT_NOT_FOUND", "message": path})

    return FakeServer(route)


def fake_provider(server: FakeServer, tmp_path: Path) -> MlflowModelsProvider:
    return MlflowModelsProvider.from_settings(
        {"tracking_uri": server.url, "retries": 0}, ProviderContext("t", tmp_path)
    )


def test_a_version_carrying_model_id_reaches_the_run_of_its_logged_model(tmp_path: Path) -> None:
    with serve(Reply(body=logged_model_body(RUN))) as server:
        hop = run_hop(fake_provider(server, tmp_path), "4")
    assert (hop.status, hop.label) == (RESOLVED, RUN)
    assert f"found through its source, logged model {MODEL_ID} ('model'), whose source_run_id" in (
        hop.reason
    )
    assert server.methods() == {"GET"}


def test_an_unreadable_logged_model_is_the_reason_for_no_run(tmp_path: Path) -> None:
    missing = Reply(404, {"error_code": "RESOURCE_DOES_NOT_EXIST", "message": "Logged model"})
    with serve(missing) as server:
        hop = run_hop(fake_provider(server, tmp_path), "4")
    assert hop.status == UNRESOLVED
    assert f"its source, logged model {MODEL_ID}, could not be read to find one" in hop.reason
    assert "not found" in hop.reason
