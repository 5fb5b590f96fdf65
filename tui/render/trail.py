"""The trail as text, hop by hop: one rule for ``trace``, the breadcrumb and the trail view
(no Textual import).

A hop reads as its mark, kind and label (with its status when not resolved), why it links,
where it came from, and — when it could not be resolved — what to do about it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from providers.records import Prediction, TrainingData
from providers.trail.explanation import Explanation, explanation_lines
from providers.trail.hop_status import RESOLVED, UNCERTAIN, UNRESOLVED
from tui.render.data_evidence import evidence_lines
from tui.render.plain import safe_text

if TYPE_CHECKING:
    from providers.trail.resolver import Hop, Trail

MARKS = {RESOLVED: "✓", UNCERTAIN: "~", UNRESOLVED: "✗"}
# The profile's table (``[profiles.NAME.CONCERN]``) whose provider answers each hop.
CONCERN_OF_HOP = {
    "prediction": "predictions",
    "deployment": "deployments",
    "model": "models",
    "run": "models",
    "release": "releases",
    "build": "releases",
    "data": "releases",
    "commit": "commits",
}


def hop_head(hop: Hop) -> str:
    """``✓ model      mortgage:4`` (``  (unresolved)`` added when not resolved)."""
    status = "" if hop.status == RESOLVED else f"  ({hop.status})"
    return f"{MARKS.get(hop.status, '?')} {hop.kind:<10} {safe_text(hop.label)}{status}"


def hop_lines(hop: Hop, profile: str = "") -> list[str]:
    """The hop's head, then ``why:``, ``from:`` (when known) and, for a hop that could not
    be resolved, ``to do:``."""
    lines = [hop_head(hop), f"why: {safe_text(hop.reason)}"]
    if isinstance(hop.record, TrainingData):
        lines += evidence_lines(hop.record)
    if hop.source:
        where = hop.source.url or hop.source.native_id
        lines.append(f"from: {safe_text(hop.source.provider)} {safe_text(where)}")
    if hop.status == UNRESOLVED:
        lines.append(f"to do: {what_to_do(hop, profile)}")
    return lines


def failure_text(hop: Hop, limit: int = 140) -> str:
    """A hop's reason for a short notice: its end (where the failure is said, after what
    did link) when it is long."""
    reason = safe_text(hop.reason)
    return reason if len(reason) <= limit else "…" + reason[-(limit - 1) :]


def what_to_do(hop: Hop, profile: str = "") -> str:
    """Where to look for an unresolved hop: the provider serving it, then trace again."""
    concern = CONCERN_OF_HOP.get(hop.kind, hop.kind)
    table = f" (its [profiles.{safe_text(profile)}.{concern}] table)" if profile else ""
    return (
        f"check the {concern} provider of the profile{table}, or the data it serves, "
        "for what the why says; then trace again"
    )


def decision_lines(explanation: Explanation) -> list[str]:
    """``Decision: <sentence>``, then the rule, ranked reasons and what each other version
    would have decided, indented."""
    first, *rest = explanation_lines(explanation)
    return [f"Decision: {safe_text(first)}", *(f"    {safe_text(line)}" for line in rest)]


def decision_of(trail: Trail | None, prediction: Prediction) -> list[str]:
    """The decision explained when ``trail`` was traced from ``prediction``, else nothing."""
    hop = trail.hop("prediction") if trail else None
    if trail is None or trail.explanation is None or hop is None:
        return []
    traced = hop.record
    if not isinstance(traced, Prediction) or (traced.request_id, traced.correlation_id) != (
        prediction.request_id,
        prediction.correlation_id,
    ):
        return []
    return decision_lines(trail.explanation)


def trail_lines(trail: Trail, profile: str = "") -> list[str]:
    """The decision explained, then the trail hop by hop, then whether it is complete."""
    lines = [f"Trail of {safe_text(trail.start)}"]
    if trail.explanation is not None:
        lines += [f"  {line}" for line in decision_lines(trail.explanation)]
    for hop in trail.hops:
        head, *details = hop_lines(hop, profile)
        lines.append(f"  {head}")
        lines += [f"      {line}" for line in details]
    status = "complete" if trail.complete else "incomplete (✗ hops could not be resolved)"
    lines.append(f"Trail {status}.")
    return lines
