"""The demo's story, shared by every generator: who, what and when.

A bank's mortgage-approval model.  Versions 1–2 ran on a v1 AKS web service (CSV
collector logs), 3–4 on a managed online endpoint (JSONL collector logs), 5 is a
candidate on the test endpoint.  Version 4 was trained after a commit that "tidied"
the scoring config and quietly raised the approval threshold from 0.50 to 0.62; an
auditor asks why application APP-2026-081734 was rejected on 2026-08-27.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

SUBSCRIPTION = "6f1c2b7e-3d4a-4c1e-9b2f-7a8d9e0f1a2b"
RESOURCE_GROUP = "rg-mortgage-ml"
WORKSPACE = "mlw-mortgage-prod"
WORKSPACE_GUID = "0d3f6c1a-58b2-4e9a-a7c4-91e2b3f4d5c6"
ORG_URL = "https://dev.azure.com/contoso-bank"
PROJECT = "mortgage-ml"
ACR = "crmortgageml.azurecr.io"
MODEL = "mortgage"
WS_ID = (
    f"/subscriptions/{SUBSCRIPTION}/resourceGroups/{RESOURCE_GROUP}/providers/"
    f"Microsoft.MachineLearningServices/workspaces/{WORKSPACE}"
)

AUTHORS = (
    ("Priya Raman", "priya.raman@contoso-bank.example"),
    ("Tomasz Nowak", "tomasz.nowak@contoso-bank.example"),
    ("Aisha Bello", "aisha.bello@contoso-bank.example"),
    ("Daniel Kim", "daniel.kim@contoso-bank.example"),
    ("Sofia Marquez", "sofia.marquez@contoso-bank.example"),
)

HISTORY_START = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
HISTORY_END = datetime(2026, 9, 30, 18, 0, tzinfo=UTC)
NOTEBOOKS_AT = datetime(2026, 7, 8, 11, 20, tzinfo=UTC)  # training notebooks changed
SUSPICIOUS_AT = datetime(2026, 7, 22, 16, 47, tzinfo=UTC)
FIX_AT = datetime(2026, 9, 21, 10, 5, tzinfo=UTC)
LOGS_END = datetime(2026, 10, 1, tzinfo=UTC)


@dataclass(frozen=True, slots=True)
class VersionPlan:
    """One model version: when it was built, where it ran, how good it was."""

    version: int
    built_at: datetime  # the nightly build that trained it
    deployed_at: datetime
    endpoint: str
    deployment: str
    log_format: str  # v1 or v2
    served_until: datetime
    threshold: float
    auc: float
    fpr_at_threshold: float
    image_tag: int
    daily_requests: int


VERSIONS = (
    VersionPlan(
        1,
        datetime(2026, 4, 6, 2, 0, tzinfo=UTC),
        datetime(2026, 4, 8, 9, 30, tzinfo=UTC),
        "mortgage-aks",
        "v1",
        "v1",
        datetime(2026, 5, 12, tzinfo=UTC),
        0.50,
        0.812,
        0.27,
        11,
        1400,
    ),
    VersionPlan(
        2,
        datetime(2026, 5, 11, 2, 0, tzinfo=UTC),
        datetime(2026, 5, 12, 9, 30, tzinfo=UTC),
        "mortgage-aks",
        "v2",
        "v1",
        datetime(2026, 6, 16, tzinfo=UTC),
        0.50,
        0.838,
        0.24,
        12,
        1400,
    ),
    VersionPlan(
        3,
        datetime(2026, 6, 15, 2, 0, tzinfo=UTC),
        datetime(2026, 6, 16, 9, 30, tzinfo=UTC),
        "mortgage-prod",
        "m3",
        "v2",
        datetime(2026, 8, 11, tzinfo=UTC),
        0.50,
        0.861,
        0.21,
        13,
        1250,
    ),
    VersionPlan(
        4,
        datetime(2026, 8, 10, 2, 0, tzinfo=UTC),
        datetime(2026, 8, 11, 9, 30, tzinfo=UTC),
        "mortgage-prod",
        "m4",
        "v2",
        LOGS_END,
        0.62,
        0.859,
        0.09,
        14,
        1250,
    ),
    VersionPlan(
        5,
        datetime(2026, 9, 27, 2, 0, tzinfo=UTC),
        datetime(2026, 9, 28, 9, 30, tzinfo=UTC),
        "mortgage-test",
        "candidate",
        "v2",
        LOGS_END,
        0.50,
        0.866,
        0.20,
        15,
        150,
    ),
)

ENDPOINT_KINDS = {
    "mortgage-aks": "Kubernetes",
    "mortgage-prod": "Managed",
    "mortgage-test": "Managed",
}

# The shapes a real workspace mixes in, each on a version other than the culprit's:
MODEL_URI_ONLY = 2  # registered from its job's output: only modelUri names the job
STAGE_SCOPED = 3  # its release sets MODEL_VERSION/IMAGE on the prod stage, not the release
CONDA_BUILT = 5  # its serving environment is a conda file on the base image Azure ML built on

CASE_APPLICATION = "APP-2026-081734"
CASE_TIME = datetime(2026, 8, 27, 14, 32, 5, 412000, tzinfo=UTC)
CASE_QUESTION = (
    f"Why was mortgage application {CASE_APPLICATION} rejected on 2026-08-27? "
    "Its score looks like one that was approved a month earlier."
)


def run_id(plan: VersionPlan) -> str:
    """The training run (Azure ML job) name of a version."""
    return f"mortgage-train-{plan.built_at:%Y%m%d}-{plan.version:02d}"


def build_number(when: datetime, n: int = 1) -> str:
    """Azure DevOps build number format ``yyyymmdd.n``."""
    return f"{when:%Y%m%d}.{n}"


def data_snapshot(when: datetime) -> str:
    """The immutable training-data folder a build on ``when`` trains on (month-end snapshot)."""
    first = when.replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    return f"training-data/applications/{first:%Y-%m-%dT%H%M%SZ}"
