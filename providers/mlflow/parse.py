"""MLflow REST documents (``runs/get``, ``metrics/get-history``, curve artifacts, model
registry versions) to records.

Used for Azure ML runs (its tracking service speaks MLflow REST) and for any
MLflow-compatible server.  Curves may be logged two ways, both supported:

- as a JSON artifact: ``{"fpr": [...], "tpr": [...]}`` (ROC), ``{"recall": [...],
  "precision": [...]}`` (PR), or ``{"x": [...], "y": [...]}``;
- as two metric histories aligned by step (e.g. ``roc_fpr`` / ``roc_tpr``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from providers.errors import BadData
from providers.mlflow.run_inputs import run_inputs, run_outputs
from providers.records import (
    ConfusionCounts,
    Curve,
    MetricPoint,
    ModelVersion,
    Source,
    TrainingRun,
)
from providers.timeutil import parse_iso

_AXES = {"roc": ("fpr", "tpr"), "pr": ("recall", "precision")}


@dataclass(frozen=True, slots=True)
class CurveSpec:
    """Where a run keeps one curve: an artifact path, or two metric keys."""

    name: str
    artifact: str | None = None
    x_metric: str | None = None
    y_metric: str | None = None


DEFAULT_CURVES = (
    CurveSpec("roc", artifact="curves/roc.json", x_metric="roc_fpr", y_metric="roc_tpr"),
    CurveSpec("pr", artifact="curves/pr.json", x_metric="pr_recall", y_metric="pr_precision"),
)
CONFUSION_KEYS = ("true_positive", "false_positive", "true_negative", "false_negative")


def _kv(items: Any) -> dict[str, str]:
    if not isinstance(items, list):
        return {}
    return {
        str(i["key"]): str(i.get("value", "")) for i in items if isinstance(i, dict) and "key" in i
    }


def parse_history(doc: Mapping[str, Any]) -> tuple[MetricPoint, ...]:
    """A ``metrics/get-history`` response to points ordered by step."""
    metrics = doc.get("metrics")
    if not isinstance(metrics, list):
        raise BadData("metric history: missing 'metrics' list")
    points = [
        MetricPoint(
            step=int(m.get("step", 0)),
            value=float(m["value"]),
            timestamp=parse_iso(m.get("timestamp")),
        )
        for m in metrics
        if isinstance(m, dict) and "value" in m
    ]
    return tuple(sorted(points, key=lambda p: p.step))


def curve_from_artifact(name: str, doc: Mapping[str, Any]) -> Curve:
    """A curve from a JSON artifact (see the module docstring for the shapes)."""
    x_key, y_key = _AXES.get(name, ("x", "y"))
    if x_key not in doc or y_key not in doc:
        x_key, y_key = "x", "y"
    xs, ys = doc.get(x_key), doc.get(y_key)
    if not isinstance(xs, list) or not isinstance(ys, list) or len(xs) != len(ys):
        raise BadData(f"curve {name}: needs two lists of equal length ({x_key}, {y_key})")
    return Curve(
        name, x_key, y_key, tuple((float(x), float(y)) for x, y in zip(xs, ys, strict=True))
    )


def curve_from_histories(
    spec: CurveSpec, x: Sequence[MetricPoint], y: Sequence[MetricPoint]
) -> Curve:
    """A curve from two metric histories aligned by step."""
    ys = {p.step: p.value for p in y}
    points = tuple((p.value, ys[p.step]) for p in x if p.step in ys)
    return Curve(spec.name, spec.x_metric or "x", spec.y_metric or "y", points)


def confusion_from(
    metrics: Mapping[str, float], artifact: Mapping[str, Any] | None
) -> ConfusionCounts | None:
    """Confusion counts from an artifact ``{"true_positive": …}`` or the run's metrics."""
    for source in (artifact or {}, metrics):
        if all(k in source for k in CONFUSION_KEYS):
            return ConfusionCounts(*(int(float(source[k])) for k in CONFUSION_KEYS))
    return None


def parse_run(
    doc: Mapping[str, Any],
    provider: str,
    *,
    histories: Mapping[str, tuple[MetricPoint, ...]] | None = None,
    curves: tuple[Curve, ...] = (),
    confusion_artifact: Mapping[str, Any] | None = None,
    url: str | None = None,
    experiment: str | None = None,
) -> TrainingRun:
    """A ``runs/get`` response plus the histories and curves fetched for it.

    ``experiment`` is the experiment's name when the caller looked it up; otherwise the
    ``mlflow.experimentName`` tag or the experiment id stands for it.
    """
    run = doc.get("run")
    if not isinstance(run, Mapping) or not isinstance(run.get("info"), Mapping):
        raise BadData("MLflow run: missing 'run.info'")
    info, data = run["info"], run.get("data") or {}
    run_id = str(info.get("run_id") or info.get("run_uuid") or "")
    if not run_id:
        raise BadData("MLflow run: missing 'run_id'")
    metrics = {k: float(v) for k, v in _kv(data.get("metrics")).items()}
    tags = _kv(data.get("tags"))
    return TrainingRun(
        run_id=run_id,
        status=str(info.get("status", "UNKNOWN")),
        experiment=experiment
        or tags.get("mlflow.experimentName")
        or str(info.get("experiment_id") or "")
        or None,
        parameters=_kv(data.get("params")),
        metrics=metrics,
        histories=dict(histories or {}),
        curves=curves,
        confusion=confusion_from(metrics, confusion_artifact),
        tags=tags,
        started_at=parse_iso(info.get("start_time")),
        ended_at=parse_iso(info.get("end_time")),
        source=Source(provider, run_id, url),
        inputs=run_inputs(run),
        outputs=run_outputs(run),
    )


def metric_keys(doc: Mapping[str, Any]) -> list[str]:
    """The keys of the metrics a ``runs/get`` response lists, in their order."""
    run = doc.get("run")
    data = run.get("data") if isinstance(run, Mapping) else None
    return list(_kv(data.get("metrics"))) if isinstance(data, Mapping) else []


_REGISTRY_PROPERTIES = ("current_stage", "status", "source", "run_link", "model_id")


def parse_registry_version(
    doc: Mapping[str, Any], provider: str, run_id_tag: str = "training_run_id"
) -> ModelVersion:
    """A model registry ``model_version`` object (``model-versions/get`` or ``search``).

    MLflow has no free-form properties, so the stage, status, source and run link stand
    in for them; the run id is ``run_id``, else the tag named ``run_id_tag``.
    """
    name, version = doc.get("name"), doc.get("version")
    if not name or version in (None, ""):
        raise BadData("MLflow model version: missing 'name' or 'version'")
    tags = _kv(doc.get("tags"))
    aliases = doc.get("aliases")
    properties = {k: str(doc[k]) for k in _REGISTRY_PROPERTIES if doc.get(k)}
    if isinstance(aliases, list) and aliases:
        properties["aliases"] = ", ".join(str(a) for a in aliases)
    run_id = doc.get("run_id") or tags.get(run_id_tag)
    return ModelVersion(
        name=str(name),
        version=str(version),
        description=str(doc.get("description") or ""),
        tags=tags,
        properties=properties,
        run_id=str(run_id) if run_id else None,
        created_by=str(doc["user_id"]) if doc.get("user_id") else None,
        created_at=parse_iso(doc.get("creation_timestamp")),
        source=Source(provider, f"models:/{name}/{version}"),
    )
