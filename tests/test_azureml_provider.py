"""The Azure ML provider: the real MLClient and the real httpx MLflow client against a local
HTTPS fake of the workspace (ARM shapes, MLflow tracking service), compared with the
local provider on the same documents; and the served-by rules of the trail."""

from __future__ import annotations

import dataclasses
import json
import logging
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from fake_azureml import (
    fake_workspace_server,
    self_signed_tls,
    workspace_settings,
)
from fake_mlflow import FakeServer, MlflowStore, Reply, make_runs_realistic

from providers.azureml.provider import AzureMLProvider
from providers.backends import Backends
from providers.errors import ConfigError, NotFound, Throttled, Unauthorized, Unavailable
from providers.local.documents import LocalDocumentsProvider
from providers.protocols import ProviderContext
from providers.records import Deployment, Endpoint, ModelVersion, Prediction, Source, TrainingRun
from providers.serialize import from_jsonable, to_jsonable
from providers.trail.resolver import RESOLVED, UNRESOLVED, TrailResolver
from providers.trail.served import served_by
from tui.demo.workspace import DemoCase

ROOT = Path(__file__).resolve().parent.parent
TOKEN = "eyJ0eXAiOiJKV1QiLCJhbGciOiJSUzI1NiJ9.fake-aad-token-for-tests"
TOKEN_ENV = "MT_TEST_AZURE_TOKEN"
RUN = "mortgage-train-20260810-04"


@pytest.fixture(scope="module")
def tls(tmp_path_factory: pytest.TempPathFactory) -> tuple[Any, Path]:
    return self_signed_tls(tmp_path_factory.mktemp("tls"))


@pytest.fixture
def docs(demo: tuple[Path, DemoCase], tmp_path: Path) -> Path:
    target = tmp_path / "docs"
    shutil.copytree(demo[0] / "docs", target)
    make_runs_realistic(target)
    return target


@pytest.fixture
def server(docs: Path, tls: tuple[Any, Path]) -> Iterator[FakeServer]:
    with fake_workspace_server(docs, tls[0]) as fake:
        yield fake


@pytest.fixture(autouse=True)
def _token(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(TOKEN_ENV, TOKEN)
    # MLClient sets this process-wide to the (per-port) cloud name; monkeypatch restores the
    # variable's absence after each test (delenv of an absent variable would not).
    monkeypatch.setenv("AZUREML_CURRENT_CLOUD", "AzureCloud")


def settings_for(server: FakeServer, cert: Path, **extra: Any) -> dict[str, Any]:
    return workspace_settings(server.url, cert, TOKEN_ENV, **{"max_retry_wait": 2, **extra})


@pytest.fixture
def provider(server: FakeServer, tls: tuple[Any, Path], tmp_path: Path) -> AzureMLProvider:
    return AzureMLProvider.from_settings(
        settings_for(server, tls[1]), ProviderContext("t", tmp_path)
    )


def same(record: Any) -> Any:
    """A record with its Source's provider name blanked (they differ by design)."""
    return dataclasses.replace(record, source=dataclasses.replace(record.source, provider="-"))


def test_endpoints_and_deployments_match_the_local_provider(
    provider: AzureMLProvider, server: FakeServer, docs: Path
) -> None:
    local = LocalDocumentsProvider(docs)
    endpoints = provider.list_endpoints()  # three endpoints over two pages
    assert [same(e) for e in endpoints] == [same(e) for e in local.list_endpoints()]
    prod = next(e for e in endpoints if e.name == "mortgage-prod")
    assert (prod.auth_mode, prod.state, prod.traffic) == ("Key", "Succeeded", {"m3": 0, "m4": 100})
    assert prod.scoring_uri == "https://mortgage-prod.westeurope.inference.ml.azure.com/score"
    for endpoint in endpoints:
        remote = provider.list_deployments(endpoint.name)
        expected = local.list_deployments(endpoint.name)
        # Kubernetes deployments too: their dates come from the REST body (the SDK drops them)
        assert [same(d) for d in remote] == [same(d) for d in expected]
    m4 = provider.get_deployment("mortgage-prod", "m4")
    assert same(m4) == same(local.get_deployment("mortgage-prod", "m4"))
    assert (m4.model_name, m4.model_version, m4.traffic_share) == ("mortgage", "4", 100)
    assert m4.image == "crmortgageml.azurecr.io/mortgage-score:14"
    assert (m4.instance_type, m4.instance_count) == ("Standard_DS3_v2", 3)
    assert any("$skipToken" in s.query for s in server.seen)  # nextLink paging was followed
    assert {s.authorization for s in server.seen} == {f"Bearer {TOKEN}"}
    assert server.methods() == {"GET"}
    assert from_jsonable(Deployment, to_jsonable(m4)) == m4
    assert from_jsonable(Endpoint, to_jsonable(prod)) == prod


def test_model_versions_match_the_local_provider(
    provider: AzureMLProvider, server: FakeServer, docs: Path
) -> None:
    local = LocalDocumentsProvider(docs)
    assert provider.list_models() == local.list_models() == ["mortgage"]
    versions = provider.list_versions("mortgage")
    assert [v.version for v in versions] == ["1", "2", "3", "4", "5"]
    assert [same(v) for v in versions] == [same(v) for v in local.list_versions("mortgage")]
    four = provider.get_version("mortgage", "4")
    assert four.run_id == RUN and four.properties["azureml.runId"] == RUN
    assert four.created_at == datetime(2026, 8, 10, 2, 48, tzinfo=UTC)
    assert from_jsonable(ModelVersion, to_jsonable(four)) == four
    assert server.methods() == {"GET"}


def test_runs_come_from_the_job_and_its_tracking_service(
    provider: AzureMLProvider, server: FakeServer, docs: Path
) -> None:
    local = LocalDocumentsProvider(docs)
    for version in local.list_versions("mortgage"):
        assert version.run_id
        remote = provider.get_run(version.run_id)
        assert same(remote) == dataclasses.replace(
            same(local.get_run(version.run_id)), source=same(remote).source
        )
    run = provider.get_run(RUN)
    assert run.experiment == "mortgage-nightly" and run.status == "FINISHED"
    assert run.tags["mlflow.source.git.commit"].startswith("b470b23d")
    assert {c.name for c in run.curves} == {"roc", "pr"}
    assert run.confusion and run.confusion.false_negative == 2570
    assert run.source.url and run.source.url.startswith("https://ml.azure.com/runs/" + RUN)
    tracking = [s for s in server.seen if s.path.startswith("/mlflow/v1.0/subscriptions/")]
    assert {s.path.rsplit("/", 2)[-2] + "/" + s.path.rsplit("/", 1)[-1] for s in tracking} >= {
        "runs/get",
        "metrics/get-history",
        "artifacts/list",
    }
    assert {s.authorization for s in tracking} == {f"Bearer {TOKEN}"}
    assert from_jsonable(TrainingRun, to_jsonable(run)) == run
    assert server.methods() == {"GET"}


def test_a_job_without_an_mlflow_run_still_shows_status_and_tags(
    provider: AzureMLProvider, server: FakeServer
) -> None:
    server.fail("/api/2.0/mlflow/runs/get", Reply(404, {"error_code": "RESOURCE_DOES_NOT_EXIST"}))
    run = provider.get_run(RUN)
    assert (run.status, run.experiment, run.metrics) == ("Completed", "mortgage-nightly", {})
    assert run.tags["mlflow.source.git.commit"].startswith("b470b23d")
    assert run.tags["build"] == "20260810.1"


def test_tracking_uri_setting_and_curves_as_metric_histories(
    server: FakeServer, tls: tuple[Any, Path], docs: Path, tmp_path: Path
) -> None:
    history = docs / "mlflow/metrics" / RUN
    for key, values in (("roc_fpr", [0.0, 0.3, 1.0]), ("roc_tpr", [0.0, 0.7, 1.0])):
        points = [{"key": key, "value": v, "timestamp": 0, "step": i} for i, v in enumerate(values)]
        (history / f"{key}.json").write_text(json.dumps({"metrics": points}))
    make_runs_realistic(docs)
    with FakeServer(MlflowStore(docs)) as tracking:
        settings = settings_for(server, tls[1], tracking_uri=tracking.url, curve_source="metrics")
        provider = AzureMLProvider.from_settings(settings, ProviderContext("t", tmp_path))
        run = provider.get_run(RUN)
        assert [c.name for c in run.curves] == ["roc"]
        assert run.curves[0].points == ((0.0, 0.0), (0.3, 0.7), (1.0, 1.0))
        assert tracking.seen and {s.authorization for s in tracking.seen} == {f"Bearer {TOKEN}"}
        assert provider.identity()["tracking_uri"] == tracking.url
    assert not any(s.path.startswith("/mlflow/") for s in server.seen)


def test_unknown_names_are_not_found(provider: AzureMLProvider) -> None:
    with pytest.raises(NotFound, match=r"deployment mortgage-prod/ghost not found"):
        provider.get_deployment("mortgage-prod", "ghost")
    with pytest.raises(NotFound, match=r"endpoint 'ghost' not found"):
        provider.list_deployments("ghost")
    with pytest.raises(NotFound, match=r"model mortgage:99 not found"):
        provider.get_version("mortgage", "99")
    with pytest.raises(NotFound, match=r"run 'ghost' not found"):
        provider.get_run("ghost")


def test_auth_errors_are_typed_and_say_what_to_do(
    provider: AzureMLProvider, server: FakeServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    denied = {"error": {"code": "AuthorizationFailed", "message": "no read access"}}
    server.fail("/onlineEndpoints", Reply(403, denied))
    with pytest.raises(Unauthorized, match="AuthorizationFailed: no read access") as exc:
        provider.list_endpoints()
    assert "Reader" in exc.value.hint
    server.fail("/models/", Reply(401, {"error": {"code": "InvalidAuthenticationToken"}}))
    with pytest.raises(Unauthorized, match="InvalidAuthenticationToken") as exc:
        provider.get_version("mortgage", "4")
    assert "az login" in exc.value.hint
    monkeypatch.delenv(TOKEN_ENV)
    with pytest.raises(Unauthorized, match=f"{TOKEN_ENV} is empty or not set"):
        provider.get_version("mortgage", "4")


def test_429_is_retried_after_retry_after_then_succeeds(
    provider: AzureMLProvider, server: FakeServer
) -> None:
    busy = Reply(429, {"error": {"code": "TooManyRequests"}}, {"Retry-After": "0"})
    server.fail("/versions/4", busy, busy)
    assert provider.get_version("mortgage", "4").version == "4"
    assert sum(s.path.endswith("/models/mortgage/versions/4") for s in server.seen) == 3


def test_429_retries_are_bounded(server: FakeServer, tls: tuple[Any, Path], tmp_path: Path) -> None:
    provider = AzureMLProvider.from_settings(
        settings_for(server, tls[1], retries=1), ProviderContext("t", tmp_path)
    )
    busy = Reply(429, {"error": {"code": "TooManyRequests"}}, {"Retry-After": "0"})
    server.fail("/versions/4", busy, busy, busy)
    with pytest.raises(Throttled, match="rate limiting") as exc:
        provider.get_version("mortgage", "4")
    assert exc.value.retry_after == 0
    assert sum(s.path.endswith("/models/mortgage/versions/4") for s in server.seen) == 2


def test_long_retry_after_is_not_waited_for(provider: AzureMLProvider, server: FakeServer) -> None:
    server.fail(
        "/versions/4", Reply(429, {"error": {"code": "TooManyRequests"}}, {"Retry-After": "90"})
    )
    with pytest.raises(Throttled, match="asks to wait 90s") as exc:
        provider.get_version("mortgage", "4")
    assert exc.value.retry_after == 90
    assert sum(s.path.endswith("/models/mortgage/versions/4") for s in server.seen) == 1


def test_server_errors_timeouts_and_bad_tls_are_unavailable(
    server: FakeServer, tls: tuple[Any, Path], tmp_path: Path
) -> None:
    context = ProviderContext("t", tmp_path)
    provider = AzureMLProvider.from_settings(settings_for(server, tls[1], retries=1), context)
    down = Reply(503, {"error": {"code": "ServiceUnavailable", "message": "down"}})
    server.fail("/jobs/", down, down)
    with pytest.raises(Unavailable, match="HTTP 503"):
        provider.get_run(RUN)
    slow = AzureMLProvider.from_settings(
        settings_for(server, tls[1], retries=0, timeout=0.3), context
    )
    server.fail("/versions/4", Reply(delay=1.0))
    with pytest.raises(Unavailable, match=r"no answer|cannot reach"):
        slow.get_version("mortgage", "4")
    untrusted = AzureMLProvider.from_settings(
        {**settings_for(server, tls[1], retries=0), "ca_bundle": ""}, context
    )
    with pytest.raises(Unavailable, match="cannot reach") as exc:
        untrusted.list_models()
    assert "ca_bundle" in exc.value.hint


def test_secrets_never_leak_and_nothing_is_printed(
    provider: AzureMLProvider,
    server: FakeServer,
    capfd: pytest.CaptureFixture[str],
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    records = [provider.get_deployment("mortgage-prod", "m4"), provider.get_run(RUN)]
    server.fail("/jobs/", Reply(401, {"error": {"code": "InvalidAuthenticationToken"}}))
    with pytest.raises(Unauthorized) as exc:
        provider.get_run(RUN)
    exposed = [json.dumps(to_jsonable(r)) for r in records]
    exposed += [str(exc.value), json.dumps(dict(provider.identity()))]
    exposed += [r.getMessage() for r in caplog.records]
    assert not [text for text in exposed if TOKEN in text]
    out, err = capfd.readouterr()
    assert (out, err) == ("", ""), "the SDK printed over the console"


def test_settings_are_validated(tmp_path: Path) -> None:
    context = ProviderContext("t", tmp_path)
    with pytest.raises(ConfigError, match=r"needs setting.*resource_group, workspace"):
        AzureMLProvider.from_settings({"subscription_id": "s"}, context)
    base = {"subscription_id": "s", "resource_group": "r", "workspace": "w"}
    with pytest.raises(ConfigError, match="credential must be one of"):
        AzureMLProvider.from_settings({**base, "credential": "password"}, context)
    with pytest.raises(ConfigError, match="needs token_env"):
        AzureMLProvider.from_settings({**base, "credential": "env-token"}, context)
    with pytest.raises(ConfigError, match=r"unknown setting.*: region"):
        AzureMLProvider.from_settings({**base, "region": "x"}, context)
    assert AzureMLProvider.from_settings(base, context).identity() == {
        "subscription_id": "s",
        "resource_group": "r",
        "workspace": "w",
    }


def test_opening_the_providers_imports_no_sdk_and_no_httpx() -> None:
    code = """
import sys, time
from pathlib import Path
from providers.protocols import ProviderContext
started = time.perf_counter()
from providers.azureml.provider import AzureMLProvider
from providers.mlflow.provider import MlflowModelsProvider
ctx = ProviderContext("t", Path("."))
AzureMLProvider.from_settings({"subscription_id": "s", "resource_group": "r", "workspace": "w",
                               "tracking_uri": "https://t.example"}, ctx)
MlflowModelsProvider.from_settings({"tracking_uri": "https://t.example"}, ctx)
print(sorted({m.split(".")[0] for m in sys.modules} & {"azure", "httpx", "msrest", "textual"}))
"""
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT
    ).stdout
    assert out.strip() == "[]"


# -- which deployment served a prediction ------------------------------------------------

WHEN = datetime(2026, 8, 27, 14, 32, tzinfo=UTC)


def _dep(name: str, model: str, share: int, created: datetime) -> Deployment:
    version = model.split(":")[1]
    return Deployment(
        "ep",
        name,
        f"azureml:{model}",
        "m",
        version,
        None,
        None,
        None,
        None,
        share,
        None,
        created,
        created,
        Source("t", name),
    )


def _endpoint(traffic: dict[str, int], modified: datetime) -> Endpoint:
    return Endpoint("ep", None, None, None, None, traffic, None, modified, Source("t", "ep"))


def _prediction(model_version: str | None = None) -> Prediction:
    return Prediction(
        "r",
        "c",
        WHEN,
        "ep",
        None,
        "m" if model_version else None,
        model_version,
        {},
        {},
        "v1",
        Source("t", "r"),
    )


BEFORE, AFTER = datetime(2026, 8, 1, tzinfo=UTC), datetime(2026, 9, 1, tzinfo=UTC)


def test_a_traffic_split_without_a_deployment_name_cannot_be_known() -> None:
    deps = [_dep("blue", "m:3", 60, BEFORE), _dep("green", "m:4", 40, BEFORE)]
    found = served_by(_prediction(), _endpoint({"blue": 60, "green": 40}, BEFORE), deps)
    assert found.deployment is None and not found.certain
    assert "splits its traffic (blue 60%, green 40%)" in found.reason
    assert "cannot be known for sure" in found.reason


def test_all_traffic_to_one_deployment_is_certain_only_if_unchanged_since() -> None:
    deps = [_dep("blue", "m:3", 0, BEFORE), _dep("green", "m:4", 100, BEFORE)]
    found = served_by(_prediction(), _endpoint({"blue": 0, "green": 100}, BEFORE), deps)
    assert found.deployment == deps[1] and found.certain
    changed = served_by(_prediction(), _endpoint({"blue": 0, "green": 100}, AFTER), deps)
    assert changed.deployment == deps[1] and not changed.certain
    assert "may have differed then" in changed.reason


def test_the_logged_model_picks_the_deployment_and_later_ones_are_ignored() -> None:
    deps = [_dep("blue", "m:3", 0, BEFORE), _dep("green", "m:4", 100, BEFORE)]
    assert served_by(_prediction("3"), None, deps).deployment == deps[0]
    late = [_dep("blue", "m:3", 100, AFTER)]
    found = served_by(_prediction("3"), None, late)
    assert found.deployment is None and "no deployment of ep existed" in found.reason
    twins = [_dep("a", "m:3", 100, BEFORE), _dep("b", "m:3", 0, BEFORE)]
    found = served_by(_prediction("3"), None, twins)
    assert found.deployment == twins[0] and not found.certain


# -- the whole trail against the fakes ------------------------------------------------------


def _config(path: Path, workspace: Path, docs: Path, server: FakeServer, cert: Path) -> Path:
    azure = settings_for(server, cert)
    table = "\n".join(f"{k} = {json.dumps(v)}" for k, v in azure.items())
    path.write_text(
        f"""
[profiles.fake]
description = "Azure ML through local fakes"
[profiles.fake.predictions]
provider = "local-logs"
path = "{workspace / "blobs"}"
[profiles.fake.deployments]
provider = "azureml"
{table}
[profiles.fake.models]
provider = "azureml"
{table}
[profiles.fake.releases]
provider = "local-rest"
path = "{docs}"
[profiles.fake.commits]
provider = "git"
path = "{workspace / "repo"}"

[profiles.local]
[profiles.local.predictions]
provider = "local-logs"
path = "{workspace / "blobs"}"
[profiles.local.deployments]
provider = "local-rest"
path = "{docs}"
[profiles.local.models]
provider = "local-rest"
path = "{docs}"
[profiles.local.releases]
provider = "local-rest"
path = "{docs}"
[profiles.local.commits]
provider = "git"
path = "{workspace / "repo"}"
"""
    )
    return path


def _trace(config: Path, profile: str, request_id: str) -> dict[str, Any]:
    out = subprocess.run(
        [
            sys.executable,
            "-m",
            "tui.cli.main",
            "--config",
            str(config),
            "--profile",
            profile,
            "trace",
            request_id,
            "--json",
        ],
        capture_output=True,
        text=True,
        check=False,
        cwd=ROOT,
        env=os.environ.copy(),
    )
    assert out.returncode == 0 and not out.stderr, out.stderr
    # A reason naming the profile (a concern none is configured for) differs by design too.
    trail: dict[str, Any] = json.loads(out.stdout.replace(f"profile '{profile}'", "profile P"))
    for hop in trail["hops"]:  # sources differ by design: provider, URL, a run's job id
        for node in (hop, hop.get("record") or {}):
            if isinstance(node.get("source"), dict):
                source = node["source"]
                source.update(provider="-", url=None)
                source["native_id"] = source["native_id"].rsplit("/jobs/", 1)[-1]
    return trail


def test_trace_through_the_fakes_equals_the_local_trace(
    demo: tuple[Path, DemoCase],
    docs: Path,
    server: FakeServer,
    tls: tuple[Any, Path],
    tmp_path: Path,
) -> None:
    workspace, case = demo
    config = _config(tmp_path / "config.toml", workspace, docs, server, tls[1])
    remote = _trace(config, "fake", case.request_id)
    local = _trace(config, "local", case.request_id)
    assert [h["status"] for h in remote["hops"]] == [h["status"] for h in local["hops"]]
    assert remote == local
    assert {h["kind"]: h["label"] for h in remote["hops"]}["model"] == case.model
    run = next(h for h in remote["hops"] if h["kind"] == "run")["record"]
    assert {c["name"] for c in run["curves"]} == {"roc", "pr"} and run["histories"]["val_auc"]
    assert server.methods() == {"GET"}


def test_the_trail_says_when_a_split_endpoint_hides_the_deployment(docs: Path) -> None:
    local = LocalDocumentsProvider(docs)
    resolver = TrailResolver(Backends("t", deployments=local, models=local))
    logged = dataclasses.replace(_prediction(), endpoint="mortgage-prod", log_format="v2")
    hop = resolver.from_prediction(logged).hop("deployment")
    assert hop and (hop.label, hop.status) == ("mortgage-prod/m4", RESOLVED)
    assert "sends 100% of its traffic to m4, unchanged since" in hop.reason
    path = docs / "azureml/onlineEndpoints/mortgage-prod.json"
    doc = json.loads(path.read_text())
    doc["properties"]["traffic"] = {"m3": 50, "m4": 50}
    path.write_text(json.dumps(doc))
    hop = resolver.from_prediction(logged).hop("deployment")
    assert hop and hop.status == UNRESOLVED
    assert "splits its traffic (m3 50%, m4 50%)" in hop.reason
