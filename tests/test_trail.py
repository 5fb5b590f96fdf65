"""The trail resolver on the demo workspace: full trails, the auditor's case, and hops that
cannot be resolved."""

from __future__ import annotations

import csv
import json
import random
import shutil
import subprocess
from pathlib import Path

import pytest

from providers.backends import Backends, open_backends
from providers.config import Profile, ProviderSpec, workspace_profile
from providers.errors import Ambiguous, NotFound
from providers.trail.resolver import HOP_KINDS, RESOLVED, UNCERTAIN, UNRESOLVED, TrailResolver
from tui.demo.workspace import DemoCase


def backends_for(workspace: Path, **overrides: ProviderSpec) -> Backends:
    base = workspace_profile(workspace)
    concerns = {**base.concerns, **overrides}
    return open_backends(Profile("test", base.base_dir, concerns))


def sample_request_ids(workspace: Path, rng: random.Random) -> list[str]:
    """Request ids picked at random from both collector formats."""
    v1 = sorted((workspace / "blobs/modeldata").rglob("inputs/**/data.csv"))
    v2 = sorted((workspace / "blobs").rglob("model_inputs/**/*.jsonl"))
    ids = []
    for path in rng.sample(v1, 3):
        rows = list(csv.DictReader(path.open()))
        ids.append(rng.choice(rows)["$aml_request_id"])
    for path in rng.sample(v2, 3):
        lines = path.read_text().splitlines()
        ids.append(json.loads(rng.choice(lines))["xrequestid"])
    return ids


def test_random_requests_of_both_formats_resolve_to_a_commit(demo: tuple[Path, DemoCase]) -> None:
    workspace, _ = demo
    backends = backends_for(workspace)
    resolver = TrailResolver(backends)
    for request_id in sample_request_ids(workspace, random.Random(7)):
        trail = resolver.trace(request_id)
        assert [h.kind for h in trail.hops] == list(HOP_KINDS)
        assert all(h.status == RESOLVED for h in trail.hops), [
            (h.kind, h.reason) for h in trail.hops if h.status != RESOLVED
        ]
        assert all(h.reason and h.source for h in trail.hops)
        sha = trail.hops[-1].record.sha
        subprocess.run(["git", "-C", str(workspace / "repo"), "cat-file", "-e", sha], check=True)
    backends.close()


def test_the_auditors_case_leads_to_the_suspicious_commit(demo: tuple[Path, DemoCase]) -> None:
    workspace, case = demo
    backends = backends_for(workspace)
    trail = TrailResolver(backends).trace(case.request_id)
    assert trail.complete
    prediction = trail.hop("prediction")
    assert prediction and prediction.record.outputs["decision"] == "rejected"
    assert trail.hop("model") and trail.hop("model").label == case.model
    assert "threshold" in trail.hop("run").record.parameters
    build_commit = trail.hop("commit").record.sha
    assert backends.commits is not None
    walked = []
    for page in backends.commits.history(build_commit, first_parent=True, page_size=10):
        walked += [c.sha for c in page]
        if case.suspicious_commit in walked:
            break
    assert case.suspicious_commit in walked[:10]
    suspicious = backends.commits.get_commit(case.suspicious_commit)
    (change,) = suspicious.files
    assert change.path == "config/scoring.yaml"
    assert "+  threshold: 0.62" in (change.diff or "")
    backends.close()


def test_missing_releases_leave_the_rest_resolved(
    demo: tuple[Path, DemoCase], tmp_path: Path
) -> None:
    workspace, case = demo
    docs = tmp_path / "docs"
    shutil.copytree(workspace / "docs", docs)
    shutil.rmtree(docs / "devops/releases")
    backends = backends_for(
        workspace,
        models=ProviderSpec("local-rest", {"path": str(docs)}),
        releases=ProviderSpec("local-rest", {"path": str(docs)}),
    )
    trail = TrailResolver(backends).trace(case.request_id)
    status = {h.kind: h.status for h in trail.hops}
    assert status["release"] == status["build"] == status["data"] == UNRESOLVED
    assert "none of the 0 newest releases deployed model mortgage:4" in trail.hop("release").reason
    # The commit is still found, through the run's git-commit tag.
    assert status["commit"] == RESOLVED
    assert "tag mlflow.source.git.commit" in trail.hop("commit").reason
    backends.close()


def test_missing_repository_and_deployments_are_reported_per_hop(
    demo: tuple[Path, DemoCase], tmp_path: Path
) -> None:
    workspace, case = demo
    backends = backends_for(
        workspace,
        commits=ProviderSpec("git", {"path": str(tmp_path / "not-a-repo")}),
        deployments=ProviderSpec("local-rest", {"path": str(tmp_path / "nothing")}),
    )
    trail = TrailResolver(backends).trace(case.request_id)
    deployment, commit = trail.hop("deployment"), trail.hop("commit")
    assert deployment.status == UNRESOLVED and "no such folder" in deployment.reason
    assert trail.hop("model").status == UNRESOLVED  # a v2 log names no model version itself
    # The release is still found through the endpoint/deployment the log names, and the
    # commit id through its build, but the repository is missing.
    release = trail.hop("release")
    assert release.status == UNCERTAIN and "matched only by the endpoint" in release.reason
    assert commit.status == UNRESOLVED and "not-a-repo" in commit.reason
    assert "build 20260810.1 sourceVersion" in commit.reason
    backends.close()


def test_v1_prediction_resolves_its_model_from_the_log_path_alone(
    demo: tuple[Path, DemoCase], tmp_path: Path
) -> None:
    workspace, _ = demo
    (request_id,) = sample_request_ids(workspace, random.Random(3))[:1]
    backends = backends_for(
        workspace, deployments=ProviderSpec("local-rest", {"path": str(tmp_path / "none")})
    )
    trail = TrailResolver(backends).trace(request_id)
    assert trail.hop("deployment").status == UNRESOLVED
    assert trail.hop("model").status == RESOLVED
    assert "the prediction log names it" in trail.hop("model").reason
    assert trail.hop("commit").status == RESOLVED
    backends.close()


def test_unknown_and_duplicated_request_ids(demo: tuple[Path, DemoCase], tmp_path: Path) -> None:
    workspace, case = demo
    blobs = tmp_path / "blobs"
    hour = "2026/08/27/14"
    source = next((workspace / "blobs").rglob(f"mortgage-prod/m4/model_inputs/{hour}"))
    for collection in ("model_inputs", "model_outputs"):
        src = source.parent.parent.parent.parent.parent / collection / hour
        for n, folder_hour in enumerate(("14", "15")):
            dst = (
                blobs
                / "c/modelDataCollector/mortgage-prod/m4"
                / collection
                / hour[:-2]
                / folder_hour
            )
            dst.mkdir(parents=True)
            for f in src.iterdir():
                text = f.read_text()
                if n:  # the same request id logged again under another correlation id
                    text = text.replace(
                        f'"correlationid":"{case.request_id}"',
                        '"correlationid":"0000aaaa-0000-4000-8000-000000000001"',
                    )
                (dst / f.name).write_text(text)
    backends = backends_for(workspace, predictions=ProviderSpec("local-logs", {"path": str(blobs)}))
    resolver = TrailResolver(backends)
    with pytest.raises(
        Ambiguous, match=r"matches 2 logged predictions: 1\. .* at .*:\d+; 2\. .* at .*:\d+"
    ):
        resolver.trace(case.request_id)
    with pytest.raises(NotFound, match="is not in the prediction logs"):
        resolver.trace("ffffffff-ffff-4fff-bfff-ffffffffffff")
    backends.close()


def test_trail_from_a_model_or_a_release(demo: tuple[Path, DemoCase]) -> None:
    workspace, case = demo
    backends = backends_for(workspace)
    resolver = TrailResolver(backends)
    from_model = resolver.from_model("mortgage", "3")
    assert [h.kind for h in from_model.hops] == list(HOP_KINDS[2:]) and from_model.complete
    from_release = resolver.from_release(4)
    assert [h.kind for h in from_release.hops] == ["release", "build", "data", "commit"]
    assert (
        from_release.hop("commit").record.sha
        == resolver.trace(case.request_id).hop("commit").record.sha
    )
    assert resolver.from_release(999).hops[0].status == UNRESOLVED
    backends.close()
