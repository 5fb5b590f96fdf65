"""Records and trails into a case, and the typed ``Trail`` back out of one."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from providers.datafolders.diff import DataDiff
from providers.errors import BadData
from providers.records import (
    Build,
    BuildArtifact,
    Commit,
    Deployment,
    Endpoint,
    ModelVersion,
    Prediction,
    Release,
    Source,
    TrainingData,
    TrainingRun,
)
from providers.serialize import from_jsonable, to_jsonable
from providers.trail.resolver import Hop, Trail
from tui.cases.model import CaseHop, CaseTrail, Snapshot
from tui.cases.redact import scrub_secrets

RECORD_TYPES: dict[str, type[Any]] = {
    cls.__name__: cls
    for cls in (
        Prediction,
        Endpoint,
        Deployment,
        ModelVersion,
        TrainingRun,
        Release,
        Build,
        BuildArtifact,
        TrainingData,
        DataDiff,
        Commit,
    )
}


def snapshot_of(record: Any, source: Source | None = None) -> Snapshot:
    """A snapshot of ``record`` (one of :data:`RECORD_TYPES`), secrets removed."""
    name = type(record).__name__
    if name not in RECORD_TYPES:
        raise TypeError(f"cannot keep a {name} in a case")
    source = source or getattr(record, "source", None)
    if source is None:  # a commit read without a source: its sha finds it
        source = Source("", str(getattr(record, "sha", "")))
    data = scrub_secrets(to_jsonable(record))
    return Snapshot(source.provider, source.native_id, source.url, name, data)


def record_of(snapshot: Snapshot, where: str) -> Any:
    """The typed record of a snapshot; BadData naming ``where`` if it cannot be rebuilt."""
    cls = RECORD_TYPES.get(snapshot.record_type)
    if cls is None:
        raise BadData(f"{where}: unknown record type {snapshot.record_type!r}")
    try:
        return from_jsonable(cls, snapshot.record)
    except (ValueError, TypeError, KeyError) as exc:
        raise BadData(
            f"{where}: the {snapshot.record_type} record cannot be read ({exc})",
            hint="the case file was edited by hand; restore that record or remove it",
        ) from None


def case_trail(trail: Trail, retrieved_at: datetime) -> CaseTrail:
    """A resolved trail as the case keeps it."""
    hops = tuple(
        CaseHop(
            hop.kind,
            hop.label,
            hop.status,
            hop.reason,
            retrieved_at,
            snapshot_of(hop.record, hop.source) if hop.record is not None else None,
        )
        for hop in trail.hops
    )
    return CaseTrail(trail.start, retrieved_at, hops, trail.explanation)


def trail_from_case(trail: CaseTrail) -> Trail:
    """The ``Trail`` a case recorded, with typed records, so the console can show it again."""
    hops = []
    for index, hop in enumerate(trail.hops):
        snap = hop.snapshot
        record = record_of(snap, f"trail hop {index + 1} ({hop.kind})") if snap else None
        source = Source(snap.provider, snap.native_id, snap.url) if snap else None
        hops.append(Hop(hop.kind, hop.label, hop.status, hop.reason, record, source))
    return Trail(trail.start, tuple(hops), trail.explanation)
