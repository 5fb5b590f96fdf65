"""The local JSON-documents provider and the REST-shape parsers it shares with Azure."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from providers.azureml.parse import parse_model_ref
from providers.errors import BadData, ConfigError, NotFound
from providers.local.documents import LocalDocumentsProvider
from providers.protocols import ProviderContext


@pytest.fixture
def docs(demo: tuple[Path, object], tmp_path: Path) -> Path:
    """A private copy of the demo's documents that a test may damage."""
    target = tmp_path / "docs"
    shutil.copytree(demo[0] / "docs", target)
    return target


@pytest.mark.parametrize(
    ("ref", "expected"),
    [
        ("azureml:mortgage:4", ("mortgage", "4")),
        (
            "/subscriptions/s/resourceGroups/r/providers/Microsoft.MachineLearningServices/"
            "workspaces/w/models/mortgage/versions/12",
            ("mortgage", "12"),
        ),
        # a registry's model is not the workspace's churn:3 (issue 18): no workspace ref
        ("azureml://registries/shared/models/churn/versions/3", None),
        ("azureml:/subscriptions/s/resourceGroups/r/workspaces/w/models/m/versions/1", ("m", "1")),
        ("not a model", None),
        (None, None),
    ],
)
def test_model_references_in_both_forms(ref: str | None, expected: tuple[str, str] | None) -> None:
    assert parse_model_ref(ref) == expected


def test_endpoints_deployments_and_images(docs: Path) -> None:
    provider = LocalDocumentsProvider(docs)
    names = [e.name for e in provider.list_endpoints()]
    assert names == ["mortgage-aks", "mortgage-prod", "mortgage-test"]
    prod = {d.name: d for d in provider.list_deployments("mortgage-prod")}
    assert prod["m4"].traffic_share == 100 and prod["m3"].traffic_share == 0
    assert (prod["m4"].model_name, prod["m4"].model_version) == ("mortgage", "4")
    assert prod["m4"].image == "crmortgageml.azurecr.io/mortgage-score:14"
    assert prod["m4"].instance_count == 3
    assert prod["m4"].source.native_id.endswith("/onlineEndpoints/mortgage-prod/deployments/m4")


def test_models_runs_and_curves(docs: Path) -> None:
    provider = LocalDocumentsProvider(docs)
    versions = provider.list_versions("mortgage")
    assert [v.version for v in versions] == ["1", "2", "3", "4", "5"]
    four = provider.get_version("mortgage", "4")
    run = provider.get_run(four.run_id or "")
    assert run.status == "FINISHED"
    assert run.parameters["threshold"] == "0.62"
    assert {c.name for c in run.curves} == {"roc", "pr"}
    roc = next(c for c in run.curves if c.name == "roc")
    assert roc.points[0] == (0.0, 0.0) and roc.points[-1] == (1.0, 1.0)
    assert run.confusion is not None and run.confusion.true_positive > 0
    assert len(run.histories["val_auc"]) == 20
    three = provider.get_run(provider.get_version("mortgage", "3").run_id or "")
    assert run.metrics["recall"] < three.metrics["recall"] - 0.1  # the regression shows


def test_releases_builds_and_artifact_metadata(docs: Path) -> None:
    provider = LocalDocumentsProvider(docs)
    releases = provider.list_releases()
    assert [r.release_id for r in releases] == [5, 4, 3, 2, 1]
    release = provider.get_release(4)
    assert release.target is not None and release.target.model_version == "4"
    assert [e.name for e in release.environments] == ["test", "prod"]
    assert release.build_id is not None
    build = provider.get_build(release.build_id)
    assert build.source_commit and len(build.source_commit) == 40
    (artifact,) = build.artifacts
    assert artifact.commit == build.source_commit
    assert any(f.startswith("training-data/applications/") for f in artifact.data_folders)
    env = release.environments[1]
    task = env.tasks[1]
    log = provider.get_task_log(4, env.env_id, task.phase_id or 0, task.task_id)
    assert "az ml online-deployment create" in log and "mortgage:4" in log


def test_unknown_ids_are_not_found(docs: Path) -> None:
    provider = LocalDocumentsProvider(docs)
    with pytest.raises(NotFound, match="model mortgage:99"):
        provider.get_version("mortgage", "99")
    with pytest.raises(NotFound, match="unknown model"):
        provider.list_versions("nope")
    with pytest.raises(NotFound, match="release 77"):
        provider.get_release(77)
    with pytest.raises(NotFound, match="endpoint 'ghost'"):
        provider.get_deployment("ghost", "blue")
    with pytest.raises(NotFound, match="run 'nope'"):
        provider.get_run("nope")


def test_document_missing_fields_names_the_file(docs: Path) -> None:
    path = docs / "devops/releases/4.json"
    doc = json.loads(path.read_text())
    del doc["id"]
    path.write_text(json.dumps(doc))
    with pytest.raises(BadData, match=r"releases/4\.json: release: missing field 'id'"):
        LocalDocumentsProvider(docs).get_release(4)


def test_document_with_wrong_shape_names_the_file(docs: Path) -> None:
    path = docs / "azureml/models/mortgage/versions/3.json"
    path.write_text(json.dumps({"name": "3", "properties": "oops"}))
    with pytest.raises(BadData, match=r"versions/3\.json: .*'properties' is not an object"):
        LocalDocumentsProvider(docs).get_version("mortgage", "3")


def test_invalid_json_names_file_and_line(docs: Path) -> None:
    (docs / "devops/builds/400.json").write_text('{\n  "id": 400,\n  "buildNumber": \n}')
    with pytest.raises(BadData, match=r"builds/400\.json: invalid JSON at line 4"):
        LocalDocumentsProvider(docs).get_build(400)


def test_one_bad_document_leaves_the_others_usable(docs: Path) -> None:
    (docs / "azureml/onlineEndpoints/mortgage-test.json").write_text("{")
    provider = LocalDocumentsProvider(docs)
    with pytest.raises(BadData):
        provider.list_endpoints()
    assert provider.get_deployment("mortgage-prod", "m4").model_version == "4"


def test_settings_are_validated(tmp_path: Path) -> None:
    context = ProviderContext("p", tmp_path)
    with pytest.raises(ConfigError, match="needs a 'path'"):
        LocalDocumentsProvider.from_settings({}, context)
    with pytest.raises(ConfigError, match="unknown setting"):
        LocalDocumentsProvider.from_settings({"path": ".", "colour": "red"}, context)
    with pytest.raises(NotFound, match="no such folder"):
        LocalDocumentsProvider.from_settings({"path": "missing"}, context)
    custom = LocalDocumentsProvider.from_settings(
        {"path": ".", "release_variables": {"model_version": "MODEL_VER"}}, context
    )
    assert custom.rule.model_version == "MODEL_VER"
