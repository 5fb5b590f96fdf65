"""Pure formatting of records into table cells and detail text (no Textual, unit-testable)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from providers.records import DataIssue, Deployment, Endpoint, Prediction, Release
from tui.render.plain import safe_text

PREDICTION_COLUMNS: tuple[tuple[str, int], ...] = (
    ("Time (UTC)", 19),
    ("Request id", 13),
    ("Served by", 18),
    ("Model", 10),
    ("Outputs", 0),  # 0 = the rest of the width
)


def when(value: datetime | None) -> str:
    """``YYYY-MM-DD HH:MM:SS`` in UTC, or an empty string."""
    return value.strftime("%Y-%m-%d %H:%M:%S") if value else ""


def prediction_cells(p: Prediction) -> list[str]:
    """The cells of one prediction row, in ``PREDICTION_COLUMNS`` order, made safe."""
    served = p.endpoint + (f"/{p.deployment}" if p.deployment else "")
    model = f"{p.model_name or ''}:{p.model_version}" if p.model_version else ""
    outputs = " · ".join(str(v) for v in p.outputs.values())
    cells = [when(p.timestamp), p.request_id[:13], served, model, outputs]
    return [safe_text(c).replace("\n", " ") for c in cells]


def prediction_line(p: Prediction) -> str:
    """One prediction on a line: time (UTC), request id, served by, model, outputs."""
    served = p.endpoint + (f"/{p.deployment}" if p.deployment else "")
    model = f"{p.model_name or '?'}:{p.model_version}" if p.model_version else "-"
    outputs = " ".join(f"{key}={value}" for key, value in p.outputs.items())
    cells = [when(p.timestamp), p.request_id, served, model, outputs]
    return "  ".join(safe_text(c).replace("\n", " ") for c in cells)


def issue_text(issue: DataIssue) -> str:
    """A skipped piece of bad data: where and why."""
    return safe_text(f"Skipped bad data at {issue.location}: {issue.message}")


def fit(cells: Sequence[str], widths: Sequence[int], total: int) -> str:
    """Lay cells out in fixed-width columns (the 0-width column takes the rest)."""
    fixed = sum(w for w in widths if w) + len(widths) - 1
    rest = max(total - fixed, 4)
    out = []
    for cell, fixed_width in zip(cells, widths, strict=True):
        width = fixed_width or rest
        out.append(cell[: width - 1] + "…" if len(cell) > width else cell.ljust(width))
    return " ".join(out)[:total].ljust(total)


def deployment_cells(ep: Endpoint, dep: Deployment) -> list[str]:
    """Cells of one deployment row of the Deployments pane."""
    model = f"{dep.model_name}:{dep.model_version}" if dep.model_name else (dep.model_ref or "")
    share = "" if dep.traffic_share is None else f"{dep.traffic_share}%"
    cells = [
        ep.name,
        dep.name,
        share,
        model,
        dep.image or "unknown (see detail)",
        dep.state or "",
        when(dep.created_at)[:16],
        when(dep.updated_at)[:16],
    ]
    return [safe_text(c) for c in cells]


def release_cells(r: Release) -> list[str]:
    """Cells of one release row of the Releases pane."""
    target = r.target
    model = f"{target.model_name}:{target.model_version}" if target and target.model_version else ""
    stages = " ".join(
        f"{e.name}:{e.status}{'@' + e.deployed_at.strftime('%m-%d %H:%M') if e.deployed_at else ''}"
        for e in r.environments
    )
    cells = [str(r.release_id), r.name, r.status, model, r.build_number or "", stages]
    return [safe_text(c) for c in cells]
