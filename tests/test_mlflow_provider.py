"""The MLflow REST provider (real httpx client) against a local MLflow REST fake and, when
``MODELTRAIL_MLFLOW_PYTHON`` names a Python with ``mlflow`` installed (its own virtual
environment), against a real ``mlflow server`` populated through MLflow's own client.

Both answer from a copy of the demo's documents, so every run read over HTTP is
compared with what the local provider reads from the same files.
"""

from __future__ import annotations

import dataclasses
import json
import logging
import os
import shutil
import signal
import socket
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fake_mlflow import FakeServer, MlflowStore, Reply, make_runs_realistic

from providers.errors import (
    ConfigError,
    NotFound,
    ProviderError,
    Throttled,
    Unauthorized,
    Unavailable,
)
from providers.local.documents import LocalDocumentsProvider
from providers.mlflow.provider import MlflowModelsProvider
from providers.protocols import ProviderContext
from providers.records import Source, TrainingRun
from providers.serialize import from_jsonable, to_jsonable
from providers.trail.training_inputs import data_inputs

ROOT = Path(__file__).resolve().parent.parent
MLFLOW_PYTHON = os.environ.get("MODELTRAIL_MLFLOW_PYTHON")
TOKEN = "s3cr3t-databricks-pat-0123456789"
RUN = "mortgage-train-20260810-04"


@pytest.fixture
def docs(demo: tuple[Path, object], tmp_path: Path) -> Path:
    target = tmp_path / "docs"
    shutil.copytree(demo[0] / "docs", target)
    make_runs_realistic(target)
    return target


@pytest.fixture
def server(docs: Path) -> Iterator[FakeServer]:
    with FakeServer(MlflowStore(docs, log_job_inputs=True)) as fake:
        yield fake


def provider_for(server: FakeServer, tmp_path: Path, **settings: Any) -> MlflowModelsProvider:
    return MlflowModelsProvider.from_settings(
        {"tracking_uri": server.url, "max_retry_wait": 2, **settings},
        ProviderContext("t", tmp_path),
    )


def without_source(run: TrainingRun) -> TrainingRun:
    return dataclasses.replace(run, source=Source("-", run.run_id))


def assert_same_run(remote: TrainingRun, local: TrainingRun) -> None:
    """What both providers can know of a run is equal.  The local documents hold the Azure
    ML job too, so the local run has the job's evidence: its environment, code snapshot and
    compute (``setup``), its outputs, literal inputs and inputs' kinds; MLflow knows only what
    the run logged, here its data inputs as datasets (mlflow_job_datasets).  The
    data each read — names and URIs — must be the same."""
    assert remote.setup is None and local.setup is not None and local.setup.compute
    read = [(i.name, i.uri) for i in data_inputs(remote)]
    assert read and read == [(i.name, i.uri) for i in data_inputs(local)]
    assert {i.origin for i in remote.inputs} == {"MLflow dataset (training)"}

    def known_to_both(run: TrainingRun) -> TrainingRun:
        return dataclasses.replace(without_source(run), inputs=(), outputs={}, setup=None)

    assert known_to_both(remote) == known_to_both(local)


def test_runs_match_the_local_provider_on_the_same_documents(
    server: FakeServer, docs: Path, tmp_path: Path
) -> None:
    provider = provider_for(server, tmp_path)
    local = LocalDocumentsProvider(docs)
    for version in local.list_versions("mortgage"):
        assert version.run_id
        remote = provider.get_run(version.run_id)
        assert_same_run(remote, local.get_run(version.run_id))
    run = provider.get_run(RUN)
    assert {c.name for c in run.curves} == {"roc", "pr"}
    assert run.confusion and run.confusion.true_positive == 3430
    assert len(run.histories["val_auc"]) == 20  # paged 2 points at a time
    assert "auc" not in run.histories  # a metric logged once has no history to show
    assert run.tags["mlflow.source.git.commit"].startswith("b470b23d")
    assert run.source.url == f"{server.url}/#/experiments/7/runs/{RUN}"
    assert server.methods() == {"GET"}
    assert from_jsonable(TrainingRun, to_jsonable(run)) == run


def write_history(folder: Path, key: str, values: list[float]) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    points = [
        {"key": key, "value": v, "timestamp": 1786327440000, "step": i}
        for i, v in enumerate(values)
    ]
    (folder / f"{key}.json").write_text(json.dumps({"metrics": points}))


@pytest.fixture
def curves_as_metrics(docs: Path) -> Path:
    """Run RUN logs its ROC curve as two metric histories and keeps its PR artifact."""
    write_history(docs / "mlflow/metrics" / RUN, "roc_fpr", [0.0, 0.1, 0.4, 1.0])
    write_history(docs / "mlflow/metrics" / RUN, "roc_tpr", [0.0, 0.5, 0.8, 1.0])
    (docs / "mlflow/artifacts" / RUN / "curves/roc.json").unlink()
    make_runs_realistic(docs)
    return docs


def test_curves_from_metric_histories_match_the_local_provider(
    server: FakeServer, curves_as_metrics: Path, tmp_path: Path
) -> None:
    run = provider_for(server, tmp_path).get_run(RUN)
    roc = next(c for c in run.curves if c.name == "roc")
    assert roc.points == ((0.0, 0.0), (0.1, 0.5), (0.4, 0.8), (1.0, 1.0))
    assert (roc.x_label, roc.y_label) == ("roc_fpr", "roc_tpr")
    local = LocalDocumentsProvider(curves_as_metrics).get_run(RUN)
    assert_same_run(run, local)


def test_curve_source_setting_picks_one_style(
    server: FakeServer, curves_as_metrics: Path, tmp_path: Path
) -> None:
    only_artifacts = provider_for(server, tmp_path, curve_source="artifacts").get_run(RUN)
    assert [c.name for c in only_artifacts.curves] == ["pr"]
    only_metrics = provider_for(server, tmp_path, curve_source="metrics").get_run(RUN)
    assert [c.name for c in only_metrics.curves] == ["roc"]
    assert not any(
        s.path.endswith("get-artifact") and "curves" in s.query.get("path", "")
        for s in server.seen[-12:]
    )
    custom = provider_for(
        server,
        tmp_path,
        curves=[{"name": "pr", "artifact": "curves/pr.json"}],
        confusion_artifact="",
        history_metrics=["val_auc"],
    ).get_run(RUN)
    assert [c.name for c in custom.curves] == ["pr"]
    assert list(custom.histories) == ["val_auc"]
    assert custom.confusion and custom.confusion.true_positive == 3430  # from the metrics
    with pytest.raises(ConfigError, match="curve_source"):
        provider_for(server, tmp_path, curve_source="both")
    with pytest.raises(ConfigError, match=r"\[\[curves\]\]"):
        provider_for(server, tmp_path, curves=[{"name": "roc", "file": "x"}])


def test_an_artifact_listed_but_not_downloadable_says_what_to_set(
    server: FakeServer, tmp_path: Path
) -> None:
    provider = provider_for(server, tmp_path)
    server.fail("/get-artifact", Reply(404, {"error_code": "ENDPOINT_NOT_FOUND"}))
    with pytest.raises(ProviderError, match="listed but cannot be downloaded") as exc:
        provider.get_run(RUN)
    assert not isinstance(exc.value, NotFound)  # the run itself exists
    assert 'curve_source = "metrics"' in exc.value.hint


def test_experiment_name_is_looked_up_when_the_run_has_no_name_tag(
    server: FakeServer, docs: Path, tmp_path: Path
) -> None:
    path = docs / "mlflow/runs" / f"{RUN}.json"
    doc = json.loads(path.read_text())
    data = doc["run"]["data"]
    data["tags"] = [t for t in data["tags"] if t["key"] != "mlflow.experimentName"]
    path.write_text(json.dumps(doc))
    # another run of experiment 7 still names it
    assert provider_for(server, tmp_path).get_run(RUN).experiment == "mortgage-nightly"


def test_model_registry_versions_oldest_first(server: FakeServer, tmp_path: Path) -> None:
    provider = provider_for(server, tmp_path)
    assert provider.list_models() == ["mortgage"]
    versions = provider.list_versions("mortgage")
    assert [v.version for v in versions] == ["1", "2", "3", "4", "5"]  # over three pages
    four = provider.get_version("mortgage", "4")
    assert four == versions[3]
    assert four.run_id == RUN
    assert four.tags["git_commit"].startswith("b470b23d")
    assert four.properties["current_stage"] == "Production"
    assert four.created_by == "svc-mortgage-pipeline"
    assert four.created_at and four.created_at.isoformat() == "2026-08-10T02:48:00+00:00"
    with pytest.raises(NotFound, match="Registered Model with name=nope"):
        provider.list_versions("nope")
    with pytest.raises(NotFound, match="model version mortgage:99 not found"):
        provider.get_version("mortgage", "99")
    with pytest.raises(NotFound, match="run 'ghost' not found"):
        provider.get_run("ghost")
    assert server.methods() == {"GET"}


def test_auth_errors_are_typed_and_say_what_to_do(server: FakeServer, tmp_path: Path) -> None:
    provider = provider_for(server, tmp_path)
    server.fail("runs/get", Reply(401, {"error_code": "UNAUTHENTICATED", "message": "no token"}))
    with pytest.raises(Unauthorized, match="HTTP 401: UNAUTHENTICATED: no token") as exc:
        provider.get_run(RUN)
    assert "environment variable" in exc.value.hint
    server.fail("runs/get", Reply(403, {"error_code": "PERMISSION_DENIED", "message": "read"}))
    with pytest.raises(Unauthorized, match="HTTP 403"):
        provider.get_run(RUN)


def test_429_is_retried_after_retry_after_then_succeeds(server: FakeServer, tmp_path: Path) -> None:
    provider = provider_for(server, tmp_path, retries=2)
    busy = Reply(429, {"error_code": "REQUEST_LIMIT_EXCEEDED"}, {"Retry-After": "0"})
    server.fail("model-versions/get", busy, busy)
    assert provider.get_version("mortgage", "4").version == "4"
    assert sum(s.path.endswith("model-versions/get") for s in server.seen) == 3


def test_429_retries_are_bounded(server: FakeServer, tmp_path: Path) -> None:
    provider = provider_for(server, tmp_path, retries=1)
    busy = Reply(429, {"error_code": "REQUEST_LIMIT_EXCEEDED"}, {"Retry-After": "0"})
    server.fail("model-versions/get", busy, busy, busy)
    with pytest.raises(Throttled, match="after 2 attempt") as exc:
        provider.get_version("mortgage", "4")
    assert exc.value.retry_after == 0
    assert sum(s.path.endswith("model-versions/get") for s in server.seen) == 2


def test_long_retry_after_is_not_waited_for(server: FakeServer, tmp_path: Path) -> None:
    provider = provider_for(server, tmp_path)
    server.fail("runs/get", Reply(503, {}, {"Retry-After": "120"}))
    with pytest.raises(Throttled, match="asks to wait 120s") as exc:
        provider.get_run(RUN)
    assert exc.value.retry_after == 120
    assert sum(s.path.endswith("runs/get") for s in server.seen) == 1


def test_server_errors_and_timeouts_are_unavailable(server: FakeServer, tmp_path: Path) -> None:
    provider = provider_for(server, tmp_path, retries=1)
    server.fail("runs/get", Reply(503, {"message": "down"}), Reply(503, {"message": "down"}))
    with pytest.raises(Unavailable, match=r"HTTP 503.*after 2 attempt"):
        provider.get_run(RUN)
    slow = provider_for(server, tmp_path, retries=1, timeout=0.2)
    server.fail("runs/get", Reply(delay=0.6), Reply(delay=0.6))
    with pytest.raises(Unavailable, match=r"did not answer within 0\.2s \(2 attempts\)"):
        slow.get_run(RUN)
    gone = MlflowModelsProvider.from_settings(
        {"tracking_uri": "http://127.0.0.1:9", "retries": 0}, ProviderContext("t", tmp_path)
    )
    with pytest.raises(Unavailable, match=r"cannot reach 127\.0\.0\.1:9"):
        gone.list_models()


def test_token_comes_from_the_named_env_var_and_never_leaks(
    server: FakeServer,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    provider = provider_for(server, tmp_path, token_env="MT_TEST_MLFLOW_TOKEN")
    monkeypatch.delenv("MT_TEST_MLFLOW_TOKEN", raising=False)
    with pytest.raises(Unauthorized, match="MT_TEST_MLFLOW_TOKEN is empty or not set"):
        provider.list_models()
    monkeypatch.setenv("MT_TEST_MLFLOW_TOKEN", TOKEN)
    run = provider.get_run(RUN)
    assert server.seen[-1].authorization == f"Bearer {TOKEN}"
    server.fail("model-versions/get", Reply(401, {"message": "bad token"}))
    with pytest.raises(Unauthorized) as exc:
        provider.get_version("mortgage", "4")
    exposed = [json.dumps(to_jsonable(run)), str(exc.value), json.dumps(dict(provider.identity()))]
    exposed += [r.getMessage() for r in caplog.records]
    assert not [text for text in exposed if TOKEN in text]


def test_settings_are_validated(tmp_path: Path) -> None:
    context = ProviderContext("t", tmp_path)
    with pytest.raises(ConfigError, match="needs tracking_uri"):
        MlflowModelsProvider.from_settings({}, context)
    with pytest.raises(ConfigError, match="must not hold credentials"):
        MlflowModelsProvider.from_settings({"tracking_uri": "https://u:p@db.example"}, context)
    with pytest.raises(ConfigError, match=r"unknown setting.*: tracking"):
        MlflowModelsProvider.from_settings({"tracking": "x"}, context)
    with pytest.raises(ConfigError, match="ca_bundle file not found"):
        MlflowModelsProvider.from_settings(
            {"tracking_uri": "https://db.example", "ca_bundle": "nope.pem"}, context
        )
    provider = MlflowModelsProvider.from_settings({"tracking_uri": "https://db.example/"}, context)
    assert provider.identity() == {"tracking_uri": "https://db.example"}


@pytest.fixture
def real_mlflow(tmp_path: Path) -> Iterator[str]:
    """A real ``mlflow server`` on a free loopback port (SQLite store, local artifacts)."""
    if not MLFLOW_PYTHON:
        why = "set MODELTRAIL_MLFLOW_PYTHON to a Python with mlflow installed (make test does)"
        if os.environ.get("CI"):
            pytest.fail(why)  # CI must run against the real server, never skip it silently
        pytest.skip(why)
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    store = tmp_path / "mlflow-server"
    store.mkdir()
    log = (store / "server.log").open("w")
    server = subprocess.Popen(
        [
            MLFLOW_PYTHON,
            "-m",
            "mlflow",
            "server",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--workers",
            "1",
            "--backend-store-uri",
            f"sqlite:///{store / 'db.sqlite'}",
            "--artifacts-destination",
            str(store / "artifacts"),
        ],
        stdout=log,
        stderr=subprocess.STDOUT,
        cwd=store,
        start_new_session=True,  # its own process group: the server and its workers
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 120
        while True:
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=1):
                    break
            except OSError:
                if time.monotonic() > deadline or server.poll() is not None:
                    pytest.fail(
                        f"mlflow server did not start: {(store / 'server.log').read_text()}"
                    )
                time.sleep(0.5)
        yield url
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)
        log.close()


def test_a_real_mlflow_server_gives_what_the_local_provider_reads(
    real_mlflow: str, docs: Path, tmp_path: Path
) -> None:
    populate = subprocess.run(
        [str(MLFLOW_PYTHON), str(ROOT / "tests/mlflow_populate.py"), real_mlflow, str(docs)],
        capture_output=True,
        text=True,
        check=True,
        timeout=300,
    )
    run_ids: dict[str, str] = json.loads(populate.stdout.splitlines()[-1])
    provider = MlflowModelsProvider.from_settings(
        {"tracking_uri": real_mlflow}, ProviderContext("t", tmp_path)
    )
    local = LocalDocumentsProvider(docs)
    assert provider.list_models() == ["mortgage"]
    versions = provider.list_versions("mortgage")
    assert [v.version for v in versions] == ["1", "2", "3", "4", "5"]
    for version, expected in zip(versions, local.list_versions("mortgage"), strict=True):
        assert expected.run_id and version.run_id == run_ids[expected.run_id]
        assert version.description == expected.description
        remote = provider.get_run(version.run_id)
        wanted = local.get_run(expected.run_id)
        assert remote.tags.pop("mlflow.runName") == expected.run_id  # set by the server
        assert remote.source.url and remote.source.url.startswith(real_mlflow)
        assert_same_run(remote, dataclasses.replace(wanted, run_id=remote.run_id))
        assert {c.name for c in remote.curves} == {"roc", "pr"} and remote.confusion
