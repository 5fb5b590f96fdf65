"""Real shapes of the services, from their official examples (tests/official/SOURCES.md),
served by the local fakes to the real SDKs: each variant resolves correctly or is said.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fake_azureml import (
    RESOURCE_GROUP,
    SUBSCRIPTION,
    WORKSPACE,
    fake_workspace_server,
    self_signed_tls,
)
from fake_mlflow import FakeServer, make_runs_realistic

from providers.azureml.provider import AzureMLProvider
from providers.backends import Backends
from providers.protocols import ProviderContext
from providers.trail.resolver import UNRESOLVED, TrailResolver
from tui.demo.workspace import DemoCase

OFFICIAL = Path(__file__).parent / "official"
RUN = "mortgage-train-20260810-04"
TOKEN_ENV = "MT_REAL_SHAPES_TOKEN"


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
def provider(
    docs: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[AzureMLProvider]:
    monkeypatch.setenv(TOKEN_ENV, "eyJ0eXAiOiJKV1QifQ.real-shapes-token")
    monkeypatch.setenv("AZUREML_CURRENT_CLOUD", "AzureCloud")
    (tmp_path / "tls").mkdir()
    tls, cert = self_signed_tls(tmp_path / "tls")
    server: FakeServer
    with fake_workspace_server(docs, tls) as server:
        yield AzureMLProvider.from_settings(
            {
                "subscription_id": SUBSCRIPTION,
                "resource_group": RESOURCE_GROUP,
                "workspace": WORKSPACE,
                "credential": "env-token",
                "token_env": TOKEN_ENV,
                "resource_manager_url": server.url,
                "ca_bundle": str(cert),
            },
            ProviderContext("t", tmp_path),
        )


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
