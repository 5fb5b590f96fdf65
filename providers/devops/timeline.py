"""A build's timeline (stages, jobs, tasks) from the ``build/builds/{id}/timeline`` shape."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from providers.timeutil import parse_iso


@dataclass(frozen=True, slots=True)
class BuildStep:
    """One timeline record: a stage, phase, job or task of a build, and how it ended."""

    step_id: str
    parent_id: str | None
    kind: str  # Stage, Phase, Job, Task, Checkpoint
    name: str
    state: str
    result: str | None
    started_at: datetime | None
    finished_at: datetime | None
    log_id: int | None
    errors: int
    warnings: int


def parse_timeline(doc: Mapping[str, Any]) -> tuple[BuildStep, ...]:
    """The records of a ``Timeline`` document, in the order they started."""
    steps = []
    for record in doc.get("records") or []:
        log = record.get("log") or {}
        steps.append(
            (
                record.get("order") or 0,
                BuildStep(
                    step_id=str(record["id"]),
                    parent_id=record.get("parentId"),
                    kind=str(record.get("type", "")),
                    name=str(record.get("name", "")),
                    state=str(record.get("state", "")),
                    result=record.get("result"),
                    started_at=parse_iso(record.get("startTime")),
                    finished_at=parse_iso(record.get("finishTime")),
                    log_id=int(log["id"]) if log.get("id") is not None else None,
                    errors=int(record.get("errorCount") or 0),
                    warnings=int(record.get("warningCount") or 0),
                ),
            )
        )
    never = datetime.max.replace(tzinfo=None)

    def started(item: tuple[int, BuildStep]) -> tuple[bool, str, int]:
        when = item[1].started_at
        return (when is None, when.isoformat() if when else never.isoformat(), item[0])

    return tuple(step for _order, step in sorted(steps, key=started))
