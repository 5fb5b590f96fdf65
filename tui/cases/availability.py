"""Which objects of a case can no longer be fetched (from the backends, or from the cache
when offline).  The case keeps its own copy of each, so it still shows; this says which
ones an auditor could not look up again."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from providers.backends import Backends
from providers.errors import NotFound, ProviderError
from tui.cases.model import Case, Snapshot

# The concern that serves each kind of object, and how to fetch one from its record.
_FETCH: dict[str, tuple[str, Callable[[Any, dict[str, Any]], object]]] = {
    "prediction": ("predictions", lambda p, r: _found(p.find(r["request_id"]).rows)),
    "deployment": ("deployments", lambda p, r: p.get_deployment(r["endpoint"], r["name"])),
    "model": ("models", lambda p, r: p.get_version(r["name"], r["version"])),
    "run": ("models", lambda p, r: p.get_run(r["run_id"])),
    "release": ("releases", lambda p, r: p.get_release(r["release_id"])),
    "build": ("releases", lambda p, r: p.get_build(r["build_id"])),
    "commit": ("commits", lambda p, r: p.get_commit(r["sha"], with_diff=False)),
}
_KIND_OF_TYPE = {
    "Prediction": "prediction",
    "Deployment": "deployment",
    "ModelVersion": "model",
    "TrainingRun": "run",
    "Release": "release",
    "Build": "build",
    "Commit": "commit",
}


@dataclass(frozen=True, slots=True)
class Missing:
    """An object of the case that could not be fetched again, and why."""

    kind: str
    label: str
    reason: str


def _found(rows: list[Any]) -> object:
    if not rows:
        raise NotFound("no longer in the prediction logs")
    return rows[0]


def _snapshots(case: Case) -> Iterator[tuple[str, Snapshot]]:
    if case.trail is not None:
        for hop in case.trail.hops:
            if hop.snapshot is not None:
                yield hop.label, hop.snapshot
    for bookmark in case.bookmarks:
        if bookmark.snapshot is not None:
            yield bookmark.label, bookmark.snapshot
        for related in bookmark.related:
            yield related.native_id, related


def missing_objects(case: Case, backends: Backends) -> list[Missing]:
    """Fetch each object of the case again; the ones that fail, with the reason.

    Objects without a lookup of their own (the training-data artifact) are checked with
    the build they belong to.
    """
    missing, seen = [], set()
    for label, snap in _snapshots(case):
        kind = _KIND_OF_TYPE.get(snap.record_type)
        if kind is None or (kind, snap.native_id) in seen:
            continue
        seen.add((kind, snap.native_id))
        concern, fetch = _FETCH[kind]
        provider = getattr(backends, concern)
        if provider is None:
            missing.append(Missing(kind, label, backends.missing(concern)))
            continue
        try:
            fetch(provider, snap.record)
        except ProviderError as exc:
            missing.append(Missing(kind, label, str(exc)))
        except (KeyError, TypeError):
            missing.append(
                Missing(kind, label, "its record in the case lacks the id to look it up")
            )
    return missing
