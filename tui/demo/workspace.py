"""Generate the demo workspace (deterministically) and read its case file.

Layout of a workspace (what :func:`providers.config.workspace_profile` serves)::

    blobs/      the storage account: modeldata/… (v1 CSV) and
                azureml-blobstore-…/modelDataCollector/… (v2 JSONL)
    docs/       Azure ML, MLflow and Azure DevOps documents (see providers.local.documents)
    repo/       the model's git repository
    training-data/applications/<timestamp>/   immutable training-data snapshots
    demo-case.json   the auditor's question and the answer the trail should lead to
"""

from __future__ import annotations

import json
import random
import shutil
import time
from dataclasses import asdict, dataclass
from pathlib import Path

from platformdirs import user_data_path

from tui.demo.logs import write_logs
from tui.demo.repo import generate_repo
from tui.demo.rest_documents import nightly_builds, write_documents
from tui.demo.scenario import CASE_APPLICATION, CASE_QUESTION, CASE_TIME
from tui.demo.training_data import write_training_data

GENERATOR_VERSION = 4
SEED = 20260827
CASE_FILE = "demo-case.json"


@dataclass(frozen=True, slots=True)
class DemoCase:
    """The auditor's case in the demo, and where the trail should lead."""

    workspace: str
    question: str
    request_id: str
    application_id: str
    logged_at: str
    model: str
    suspicious_commit: str
    fix_commit: str
    predictions: int
    generator_version: int
    seconds: float


def default_demo_path() -> Path:
    """Where ``modeltrail demo`` keeps its workspace: the user data dir."""
    return user_data_path("modeltrail") / "demo"


def load_case(workspace: Path) -> DemoCase | None:
    """The case of an up-to-date demo workspace, or None if it must be (re)generated."""
    try:
        data = json.loads((workspace / CASE_FILE).read_text(encoding="utf-8"))
        case = DemoCase(**data)
    except (OSError, ValueError, TypeError):
        return None
    return case if case.generator_version == GENERATOR_VERSION else None


def ensure_demo(workspace: Path) -> tuple[DemoCase, bool]:
    """The demo case at ``workspace``, generating it first if needed; (case, generated)."""
    case = load_case(workspace)
    if case is not None and (workspace / "repo" / ".git").is_dir():
        return case, False
    return generate_demo(workspace), True


def generate_demo(workspace: Path) -> DemoCase:
    """(Re)create the whole demo workspace at ``workspace``; deterministic for a given seed.

    Generation happens in a sibling temporary folder that is renamed into place, so an
    interrupted run never leaves a half-written workspace behind.
    """
    started = time.perf_counter()
    workspace = workspace.expanduser().resolve()
    staging = workspace.with_name(workspace.name + ".partial")
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir(parents=True)
    rng = random.Random(SEED)
    repo = generate_repo(staging / "repo", random.Random(rng.getrandbits(32)))
    write_documents(staging / "docs", repo, random.Random(rng.getrandbits(32)))
    write_training_data(staging, nightly_builds(), random.Random(rng.getrandbits(32)))
    total, request_id = write_logs(staging / "blobs", random.Random(rng.getrandbits(32)))
    case = DemoCase(
        workspace=str(workspace),
        question=CASE_QUESTION,
        request_id=request_id,
        application_id=CASE_APPLICATION,
        logged_at=CASE_TIME.isoformat(),
        model="mortgage:4",
        suspicious_commit=repo.suspicious_sha,
        fix_commit=repo.fix_sha,
        predictions=total,
        generator_version=GENERATOR_VERSION,
        seconds=round(time.perf_counter() - started, 2),
    )
    (staging / CASE_FILE).write_text(json.dumps(asdict(case), indent=2) + "\n", encoding="utf-8")
    if workspace.exists():
        shutil.rmtree(workspace)
    staging.rename(workspace)
    return case
