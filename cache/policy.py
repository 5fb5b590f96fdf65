"""What may be cached for good and what only for a while, by kind of record.

Immutable (cached for good): a commit named by its full sha, a model version, a finished
run, a finished build, a release whose every stage is settled, a task log of such a
release, predictions logged before today (UTC), a history from a full sha.
Everything else (endpoints, deployments, listings, today's logs, running things) is
fresh for the profile's time to live, then served stale while it is refetched.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, time

from providers.protocols import PredictionPage
from providers.query import PredictionQuery
from providers.records import Build, Release, TrainingRun

_FULL_SHA = re.compile(r"[0-9a-f]{40}([0-9a-f]{24})?")
_RUN_DONE = {"completed", "finished", "failed", "canceled", "cancelled", "killed"}
_STAGE_SETTLED = {"succeeded", "partiallysucceeded", "rejected", "canceled", "cancelled", "failed"}


def today_start() -> datetime:
    """Midnight UTC today: logs before it belong to closed days."""
    return datetime.combine(datetime.now(UTC).date(), time(), tzinfo=UTC)


def is_full_sha(text: str) -> bool:
    """True for a full SHA-1 or SHA-256 object name (not a branch or an abbreviation)."""
    return bool(_FULL_SHA.fullmatch(text.lower()))


def run_settled(run: TrainingRun) -> bool:
    """A run that has ended: its metrics no longer change."""
    return run.status.lower() in _RUN_DONE


def build_settled(build: Build) -> bool:
    """A completed build (whatever its result)."""
    return build.status.lower() == "completed"


def release_settled(release: Release) -> bool:
    """A release abandoned, or whose every stage has finished deploying."""
    if release.status.lower() == "abandoned":
        return True
    stages = release.environments
    return bool(stages) and all(e.status.lower() in _STAGE_SETTLED for e in stages)


def page_closed(page: PredictionPage) -> bool:
    """Predictions found, all logged on closed days."""
    cutoff = today_start()
    return bool(page.rows) and all(p.timestamp < cutoff for p in page.rows)


def query_closed(query: PredictionQuery) -> bool:
    """A query bounded to closed days: its answer cannot grow any more."""
    return query.end is not None and query.end <= today_start()
