"""The data hop as evidence: each training-data folder a build recorded, read through the
profile's data provider — exists, file count, total size, manifest hash — and checked
against the earliest of the build's queue time and the run's start: a file modified later
is a red flag, said as such.  A folder named but missing, or empty, is said plainly.
The hop stays resolved (the build does name these folders): what the folders hold is
evidence about the data, stated in the hop's reason and shown with it."""

from __future__ import annotations

from datetime import datetime

from providers.datafolders.manifest import manifest_hash
from providers.errors import ProviderError
from providers.protocols import DataProvider
from providers.records import Build, BuildArtifact, FolderEvidence, TrainingData, TrainingRun

RED_FLAG = "RED FLAG"


def reference_time(build: Build, run: TrainingRun | None) -> tuple[str, datetime | None]:
    """The earliest of the build's queue time and the run's start, and what it is."""
    times = []
    if build.queued_at is not None:
        times.append((build.queued_at, f"build {build.number} was queued"))
    if run is not None and run.started_at is not None:
        times.append((run.started_at, f"run {run.run_id} started"))
    if not times:
        return f"build {build.number} records no queue time and no run start", None
    when, what = min(times, key=lambda t: t[0])
    return f"{what} at {when:%Y-%m-%d %H:%M} UTC", when


def folder_evidence(provider: DataProvider, folder: str, when: datetime | None) -> FolderEvidence:
    """One folder's evidence (a provider error is kept as the folder's problem)."""
    try:
        found = provider.list_folder(folder)
    except ProviderError as exc:
        return FolderEvidence(folder, False, 0, 0, "", (), (), 0, "", "", problem=str(exc))
    touched = tuple(
        f for f in found.files if when is not None and f.modified_at and f.modified_at > when
    )
    return FolderEvidence(
        folder,
        found.exists,
        len(found.files),
        sum(f.size for f in found.files),
        manifest_hash(found.files),
        found.files,
        touched,
        sum(1 for f in found.files if f.content_hash is None),
        found.immutability,
        found.hash_origin,
    )


def folder_verdict(ev: FolderEvidence) -> str:
    """What one folder's evidence says, in one line ("" when nothing is wrong)."""
    if ev.problem:
        return f"{ev.folder}: could not be read: {ev.problem}"
    if not ev.exists:
        return f"{ev.folder}: MISSING: the build names it but the store has no such folder"
    if not ev.file_count:
        return f"{ev.folder}: EMPTY: the folder holds no file"
    if ev.touched_after:
        names = ", ".join(f.path for f in ev.touched_after[:3])
        more = f" and {len(ev.touched_after) - 3} more" if len(ev.touched_after) > 3 else ""
        return (
            f"{RED_FLAG}: {ev.folder}: {len(ev.touched_after)} file(s) modified after training"
            f" started: {names}{more}"
        )
    return ""


def check_training_data(
    provider: DataProvider | None,
    missing: str,
    artifact: BuildArtifact,
    build: Build,
    run: TrainingRun | None,
) -> tuple[TrainingData, str]:
    """Read every folder ``artifact`` lists (``missing`` says why there is no provider):
    the evidence, and one sentence saying what it shows."""
    reference, when = reference_time(build, run)
    if provider is None:
        evidence = TrainingData(artifact, (), reference, when, artifact.source)
        return evidence, f"the folders were not checked: {missing}"
    folders = tuple(folder_evidence(provider, f, when) for f in artifact.data_folders)
    evidence = TrainingData(artifact, folders, reference, when, artifact.source)
    verdicts = [v for v in (folder_verdict(ev) for ev in folders) if v]
    files = sum(ev.file_count for ev in folders)
    read = f"{len(folders)} folder(s), {files:,} file(s) read"
    if not verdicts:
        return evidence, f"{read}; none modified after {reference}"
    return evidence, f"{read}; " + "; ".join(verdicts)
