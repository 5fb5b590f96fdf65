"""Immutable domain records of the audit trail.

Every record carries a :class:`Source`: which provider produced it and the native id
or URL an auditor can use to find the same object in the backend.  Records hold plain
data only (str, int, float, bool, datetime, tuples and mappings of those) so that they
serialise to JSON losslessly (see :mod:`providers.serialize`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

JSONMapping = Mapping[str, Any]


@dataclass(frozen=True, slots=True)
class Source:
    """Where a record came from: the provider and the backend's own id or URL."""

    provider: str
    native_id: str
    url: str | None = None


@dataclass(frozen=True, slots=True)
class Prediction:
    """One logged scoring request with its inputs and outputs joined."""

    request_id: str
    correlation_id: str
    timestamp: datetime
    endpoint: str
    deployment: str | None
    model_name: str | None
    model_version: str | None
    inputs: JSONMapping
    outputs: JSONMapping
    log_format: str  # "v1" (modeldata CSV) or "v2" (modelDataCollector JSONL)
    source: Source


@dataclass(frozen=True, slots=True)
class Endpoint:
    """An online endpoint (or v1 web service) with its traffic split."""

    name: str
    scoring_uri: str | None
    auth_mode: str | None
    state: str | None
    kind: str | None
    traffic: Mapping[str, int]
    created_at: datetime | None
    updated_at: datetime | None
    source: Source


@dataclass(frozen=True, slots=True)
class Deployment:
    """A deployment behind an endpoint: the model it runs and the image it runs in."""

    endpoint: str
    name: str
    model_ref: str | None
    model_name: str | None
    model_version: str | None
    environment: str | None
    image: str | None
    instance_type: str | None
    instance_count: int | None
    traffic_share: int | None
    state: str | None
    created_at: datetime | None
    updated_at: datetime | None
    source: Source
    # collection name -> "Enabled 100%"; "rolling_rate" -> "Hour" (v2 data collector)
    data_collection: Mapping[str, str] = field(default_factory=dict)
    image_note: str = ""  # why the image is unknown (empty when it is known)


@dataclass(frozen=True, slots=True)
class ModelVersion:
    """A registered model version; ``run_id`` is the training run that produced it."""

    name: str
    version: str
    description: str
    tags: Mapping[str, str]
    properties: Mapping[str, str]
    run_id: str | None
    created_by: str | None
    created_at: datetime | None
    source: Source
    # how the run was found when the version does not name it, or why no run is known
    run_note: str = ""
    run_disputed: bool = False  # its records name different runs (run_note says which)


@dataclass(frozen=True, slots=True)
class MetricPoint:
    """One logged value of a metric."""

    step: int
    value: float
    timestamp: datetime | None = None


@dataclass(frozen=True, slots=True)
class Curve:
    """A curve logged by a run, e.g. ROC (x=FPR, y=TPR) or PR (x=recall, y=precision)."""

    name: str
    x_label: str
    y_label: str
    points: tuple[tuple[float, float], ...]


@dataclass(frozen=True, slots=True)
class ConfusionCounts:
    """Binary confusion counts on the evaluation set."""

    true_positive: int
    false_positive: int
    true_negative: int
    false_negative: int


@dataclass(frozen=True, slots=True)
class RunInput:
    """One input a training run read: a data asset, a URI (folder, file, table) or a
    dataset MLflow logged; ``origin`` says which record named it."""

    name: str
    kind: str  # uri_folder, uri_file, mltable, literal, dataset, ...
    uri: str | None  # the path read (a data asset's resolved path where known)
    asset: str | None  # a data asset's reference (azureml:name:version), or a dataset digest
    origin: str  # "job input", "MLflow dataset (training)", ...
    note: str = ""  # what could not be read about it


@dataclass(frozen=True, slots=True)
class RunSetup:
    """What a training job ran with: its environment (image, conda packages as pinned),
    code snapshot and compute; empty fields are unknown, ``note`` says why."""

    environment: str | None
    image: str | None
    packages: tuple[str, ...]
    code: str | None
    compute: str | None
    note: str = ""


@dataclass(frozen=True, slots=True)
class TrainingRun:
    """A training run (Azure ML job / MLflow run) with its metrics and curves."""

    run_id: str
    status: str
    experiment: str | None
    parameters: Mapping[str, str]
    metrics: Mapping[str, float]
    histories: Mapping[str, tuple[MetricPoint, ...]]
    curves: tuple[Curve, ...]
    confusion: ConfusionCounts | None
    tags: Mapping[str, str]
    started_at: datetime | None
    ended_at: datetime | None
    source: Source
    inputs: tuple[RunInput, ...] = ()  # what it trained on, as its job and MLflow record it
    outputs: Mapping[str, str] = field(default_factory=dict)  # output name -> URI / model id
    setup: RunSetup | None = None  # environment, code snapshot, compute (Azure ML jobs)


@dataclass(frozen=True, slots=True)
class ReleaseTask:
    """A task of a release deploy phase; ``log_id`` addresses its log."""

    task_id: int
    name: str
    status: str
    started_at: datetime | None
    finished_at: datetime | None
    phase_id: int | None
    log_id: str | None


@dataclass(frozen=True, slots=True)
class ReleaseEnvironment:
    """A stage of a release (e.g. test, prod) and when it was deployed."""

    env_id: int
    name: str
    status: str
    deployed_at: datetime | None
    tasks: tuple[ReleaseTask, ...]


@dataclass(frozen=True, slots=True)
class ReleaseTarget:
    """What a release deployed, as read from its variables by a named rule."""

    model_name: str | None
    model_version: str | None
    image: str | None
    endpoint: str | None
    deployment: str | None
    rule: str


@dataclass(frozen=True, slots=True)
class Release:
    """An Azure DevOps (classic) release."""

    release_id: int
    name: str
    definition: str
    status: str
    created_at: datetime | None
    created_by: str | None
    build_id: int | None
    build_number: str | None
    commit: str | None
    environments: tuple[ReleaseEnvironment, ...]
    variables: Mapping[str, str]
    target: ReleaseTarget | None
    source: Source


@dataclass(frozen=True, slots=True)
class BuildArtifact:
    """A build artifact and the metadata file it carries (commit id, training-data folders)."""

    name: str
    commit: str | None
    data_folders: tuple[str, ...]
    metadata: JSONMapping
    source: Source


@dataclass(frozen=True, slots=True)
class Build:
    """An Azure DevOps build (pipeline run)."""

    build_id: int
    number: str
    status: str
    result: str | None
    definition: str
    source_commit: str | None
    branch: str | None
    requested_by: str | None
    queued_at: datetime | None
    finished_at: datetime | None
    artifacts: tuple[BuildArtifact, ...]
    source: Source


@dataclass(frozen=True, slots=True)
class Person:
    """An author or committer."""

    name: str
    email: str


@dataclass(frozen=True, slots=True)
class FileChange:
    """One file changed by a commit, with its diff against the parent (None if not loaded)."""

    path: str
    old_path: str | None
    change: str  # added, modified, deleted, renamed, copied, type-changed
    additions: int | None
    deletions: int | None
    binary: bool
    diff: str | None = None


@dataclass(frozen=True, slots=True)
class Commit:
    """A commit; ``files`` is empty when only the summary was loaded.

    A date is None when git could not read that person's line (a NUL byte in it, say):
    the commit is kept and shown with its date unreadable, never dropped nor dated.
    """

    sha: str
    parents: tuple[str, ...]
    author: Person
    authored_at: datetime | None
    committer: Person
    committed_at: datetime | None
    message: str
    files: tuple[FileChange, ...] = field(default=())
    source: Source | None = None

    @property
    def subject(self) -> str:
        """The first line of the message."""
        return self.message.split("\n", 1)[0]

    @property
    def short_sha(self) -> str:
        """The sha abbreviated to 10 characters."""
        return self.sha[:10]


@dataclass(frozen=True, slots=True)
class DataIssue:
    """A problem found in backend data that was skipped so the rest stays usable."""

    location: str  # e.g. "path/to/data.csv:17" or a document id
    message: str


@dataclass(frozen=True, slots=True)
class DataFile:
    """One file of a training-data folder, as its store lists it.

    ``path`` is relative to the folder; ``content_hash`` is ``md5:<hex>`` (the store's
    Content-MD5, or computed locally) or None when the store keeps none; ``immutability``
    is what the store states for this file ("" when it states nothing).
    """

    path: str
    size: int
    content_hash: str | None
    modified_at: datetime | None
    immutability: str = ""


@dataclass(frozen=True, slots=True)
class DataFolder:
    """A training-data folder as its store lists it (``exists`` False: nothing there).

    ``immutability`` is the container's or folder's state, or what the store cannot say;
    ``hash_origin`` says where the hashes come from.
    """

    folder: str
    exists: bool
    files: tuple[DataFile, ...]
    immutability: str
    hash_origin: str
    immutable: bool
    source: Source


@dataclass(frozen=True, slots=True)
class FolderEvidence:
    """What a recorded training-data folder holds and whether it was touched after training.

    ``manifest_hash`` is ``sha256:<hex>`` over the sorted manifest (see
    :mod:`providers.datafolders.manifest`); ``touched_after`` lists the files modified after
    ``TrainingData.reference_at``; ``problem`` says why the folder could not be read.
    """

    folder: str
    exists: bool
    file_count: int
    total_bytes: int
    manifest_hash: str
    files: tuple[DataFile, ...]
    touched_after: tuple[DataFile, ...]
    unhashed: int
    immutability: str
    hash_origin: str
    problem: str = ""


@dataclass(frozen=True, slots=True)
class TrainingData:
    """The data hop's evidence: the artifact naming the folders and each folder's manifest,
    checked against the earliest of the build's queue time and the run's start."""

    artifact: BuildArtifact
    folders: tuple[FolderEvidence, ...]
    reference: str  # e.g. "build 20260810.1 queued 2026-08-10 02:00 UTC"
    reference_at: datetime | None
    source: Source
