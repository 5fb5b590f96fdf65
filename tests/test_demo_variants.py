"""The real-workspace variants the demo carries, walked as a user meets them: a release
that sets what it deployed on its prod stage, a model version that names its job only in
its ``modelUri``, and a serving environment Azure ML built from a conda file."""

from __future__ import annotations

import asyncio
import csv
import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from consoleapp import demo_app, quiet, screen_text
from fake_azureml import fake_workspace_server, self_signed_tls, workspace_settings

from providers.azureml.provider import AzureMLProvider
from providers.backends import open_backends
from providers.config import workspace_profile
from providers.protocols import ProviderContext
from providers.trail.resolver import RESOLVED, TrailResolver
from tui.demo.workspace import DemoCase

BIN = Path(sys.executable).parent / "modeltrail"
TOKEN_ENV = "MT_TEST_AZURE_TOKEN"
URI_ONLY_RUN = "mortgage-train-20260511-02"
CONDA_NOTE = (
    "built by Azure ML from this base, crmortgageml.azurecr.io/mortgage-score:15, and a conda "
    "file (python=3.11.9, scikit-learn=1.5.2, pip: azureml-inference-server-http==1.3.2, "
    "pip: mlflow==2.16.0); the built image is not exposed by the environment's record"
)


def v2_request(workspace: Path, deployment: str) -> str:
    """The first request a v2 collector logged for ``endpoint/deployment``."""
    logs = sorted((workspace / "blobs").rglob(f"{deployment}/model_inputs/**/*.jsonl"))
    return str(json.loads(logs[0].read_text().splitlines()[0])["correlationid"])


def v1_request(workspace: Path, version: int) -> str:
    """The first request the v1 collector logged for mortgage:``version`` on mortgage-aks."""
    logs = sorted(
        (workspace / "blobs/modeldata").rglob(f"mortgage-aks/mortgage/{version}/inputs/**/data.csv")
    )
    with logs[0].open(encoding="utf-8") as rows:
        return str(next(csv.DictReader(rows))["$aml_request_id"])


def trace_json(workspace: Path, request_id: str) -> dict[str, dict[str, Any]]:
    """``modeltrail trace --json`` run as the user runs it: its hops by kind."""
    result = subprocess.run(
        [str(BIN), "trace", request_id, "--workspace", str(workspace), "--json"],
        check=False,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    return {hop["kind"]: hop for hop in json.loads(result.stdout)["hops"]}


def test_a_release_scoped_to_its_prod_stage_is_matched_naming_the_stage(
    demo: tuple[Path, DemoCase],
) -> None:
    workspace, _ = demo
    release = json.loads((workspace / "docs/devops/releases/3.json").read_text())
    assert "MODEL_VERSION" not in release["variables"]  # only the prod stage sets it
    hops = trace_json(workspace, v2_request(workspace, "mortgage-prod/m3"))
    hop = hops["release"]
    assert hop["status"] == RESOLVED
    assert hop["reason"].startswith(
        "release mortgage-deploy-2026.06.16.1 deployed model mortgage:3 with image "
        "crmortgageml.azurecr.io/mortgage-score:13"
    )
    assert hop["reason"].endswith(
        "matched by release variables MODEL_NAME/MODEL_VERSION/IMAGE of stage prod"
    )
    assert all(h["status"] == RESOLVED for h in hops.values())


def test_the_stage_scoped_release_shows_its_stage_in_the_releases_pane_at_80x24(
    demo: tuple[Path, DemoCase],
) -> None:
    async def scenario() -> None:
        async with demo_app(*demo).run_test(size=(80, 24)) as pilot:
            await quiet(pilot)
            for key in ("4", "down", "down"):  # Releases; newest first: 5, 4, then 3
                await pilot.press(key)
                await quiet(pilot)
            text = " ".join(screen_text(pilot).split())
            assert "Release: mortgage-deploy-2026.06.16.1" in text
            assert "Deployed: mortgage:3 image crmortgageml.azurecr.io/mortgage-score:13" in text
            assert "[rule: release variables MODEL_NAME/MODEL_VERSION/IMAGE" in text
            assert "of stage prod]" in text

    asyncio.run(scenario())


def test_a_model_version_without_job_name_finds_its_run_through_model_uri(
    demo: tuple[Path, DemoCase],
) -> None:
    workspace, _ = demo
    doc = json.loads((workspace / "docs/azureml/models/mortgage/versions/2.json").read_text())
    assert "jobName" not in doc["properties"] and "azureml.runId" not in str(doc)
    hops = trace_json(workspace, v1_request(workspace, 2))
    assert hops["model"]["label"] == "mortgage:2"
    run = hops["run"]
    assert run["status"] == RESOLVED and run["label"] == URI_ONLY_RUN
    assert run["reason"].startswith(
        f"model mortgage:2 was produced by run {URI_ONLY_RUN} (the job its modelUri "
        f"azureml://jobs/{URI_ONLY_RUN}/outputs/artifacts/paths/model/ names; no jobName)"
    )
    assert all(h["status"] == RESOLVED for h in hops.values())


def test_a_conda_built_serving_environment_says_its_base_and_packages(
    demo: tuple[Path, DemoCase],
) -> None:
    workspace, _ = demo
    backends = open_backends(workspace_profile(workspace))
    try:
        trail = TrailResolver(backends).trace(v2_request(workspace, "mortgage-test/candidate"))
    finally:
        backends.close()
    hop = trail.hop("deployment")
    assert hop is not None and hop.status == RESOLVED
    assert hop.record.image is None  # the base image did not serve: never taken for it
    assert hop.reason.endswith(f"it runs model mortgage:5 (image unknown: {CONDA_NOTE})")
    assert trail.complete


def test_the_conda_built_deployment_says_so_in_the_deployments_pane_at_80x24(
    demo: tuple[Path, DemoCase],
) -> None:
    async def scenario() -> None:
        async with demo_app(*demo).run_test(size=(80, 24)) as pilot:
            await quiet(pilot)
            for key in ("2", "down", "down", "down", "down"):  # Deployments: the last, candidate
                await pilot.press(key)
                await quiet(pilot)
            row = next(line for line in screen_text(pilot).splitlines() if "candidate" in line)
            assert "mortgage:5  unknown (see detail)" in row  # was the base image, or blank
            await pilot.press("v", "pagedown")  # read the detail
            await quiet(pilot)
            assert f"Image: unknown ({CONDA_NOTE})" in " ".join(screen_text(pilot).split())

    asyncio.run(scenario())


@pytest.fixture
def azureml(
    demo: tuple[Path, DemoCase], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[AzureMLProvider]:
    """The Azure ML provider (the real SDK) against the fake serving the demo's documents."""
    (tmp_path / "tls").mkdir()
    tls = self_signed_tls(tmp_path / "tls")
    monkeypatch.setenv(TOKEN_ENV, "eyJ0eXAiOiJKV1QiLCJhbGciOiJSUzI1NiJ9.fake-aad-token")
    monkeypatch.setenv("AZUREML_CURRENT_CLOUD", "AzureCloud")  # MLClient sets it process-wide
    with fake_workspace_server(demo[0] / "docs", tls[0]) as server:
        settings = workspace_settings(server.url, tls[1], TOKEN_ENV, max_retry_wait=2)
        yield AzureMLProvider.from_settings(settings, ProviderContext("t", tmp_path))


def test_the_azure_ml_sdk_reads_the_same_variants(azureml: AzureMLProvider) -> None:
    version = azureml.get_version("mortgage", "2")
    assert version.run_id == URI_ONLY_RUN
    assert version.run_note == (
        f"the job its modelUri azureml://jobs/{URI_ONLY_RUN}/outputs/artifacts/paths/model/ "
        "names; no jobName"
    )
    candidate = azureml.get_deployment("mortgage-test", "candidate")
    assert candidate.image is None and candidate.image_note == CONDA_NOTE
