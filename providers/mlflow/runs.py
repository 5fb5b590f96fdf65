"""Read one MLflow run into a :class:`~providers.records.TrainingRun` over the REST client.

Shared by the MLflow provider and the Azure ML provider (whose tracking service speaks
MLflow REST).  Curves are read as JSON artifacts, as pairs of metric histories, or both
(artifact first), as :class:`RunOptions` says; the confusion counts come from a JSON
artifact or the run's metrics.
"""

from __future__ import annotations

import posixpath
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from providers.errors import BadData, ConfigError, NotFound, ProviderError
from providers.mlflow.parse import (
    DEFAULT_CURVES,
    CurveSpec,
    curve_from_artifact,
    curve_from_histories,
    metric_keys,
    parse_history,
    parse_run,
)
from providers.records import Curve, MetricPoint, TrainingRun

if TYPE_CHECKING:
    from providers.mlflow.client import MlflowClient

CURVE_SOURCES = ("auto", "artifacts", "metrics")


@dataclass(frozen=True, slots=True)
class RunOptions:
    """What to read besides ``runs/get``.

    ``curve_source``: ``auto`` (artifact, else metric histories), ``artifacts`` or
    ``metrics``.  ``history_metrics``: the metrics whose history to fetch (None: every
    metric the run logged); only histories of two or more points are kept.
    ``confusion_artifact``: a JSON artifact with the four counts (None: metrics only).
    """

    curves: tuple[CurveSpec, ...] = DEFAULT_CURVES
    curve_source: str = "auto"
    history_metrics: tuple[str, ...] | None = None
    confusion_artifact: str | None = "confusion.json"


def run_options(settings: Mapping[str, Any], provider: str) -> RunOptions:
    """RunOptions from a profile's ``curves``, ``curve_source``, ``history_metrics`` and
    ``confusion_artifact`` settings (each optional)."""
    source = str(settings.get("curve_source", "auto"))
    if source not in CURVE_SOURCES:
        raise ConfigError(
            f"{provider}: curve_source must be one of {', '.join(CURVE_SOURCES)}, not {source!r}"
        )
    curves: tuple[CurveSpec, ...] = DEFAULT_CURVES
    if "curves" in settings:
        try:
            curves = tuple(CurveSpec(**table) for table in settings["curves"])
        except TypeError as exc:
            raise ConfigError(
                f"{provider}: each [[curves]] table takes name, artifact, x_metric, y_metric "
                f"({exc})"
            ) from None
    keys = settings.get("history_metrics")
    confusion = settings.get("confusion_artifact", "confusion.json")
    return RunOptions(
        curves=curves,
        curve_source=source,
        history_metrics=tuple(str(k) for k in keys) if keys is not None else None,
        confusion_artifact=str(confusion) if confusion else None,
    )


def read_run(
    client: MlflowClient,
    run_id: str,
    options: RunOptions,
    *,
    ui_url: str | None = None,
    experiment: str | None = None,
) -> TrainingRun:
    """The run with its histories, curves and confusion counts, as ``options`` ask.

    ``ui_url`` may hold ``{experiment_id}`` and ``{run_id}``, filled from the run.
    """
    doc = client.get_run(run_id)
    keys = options.history_metrics if options.history_metrics is not None else metric_keys(doc)
    histories: dict[str, tuple[MetricPoint, ...]] = {}
    try:
        for key in keys:
            points = parse_history(client.get_history(run_id, key))
            if len(points) > 1:
                histories[key] = points
        artifacts = _Artifacts(client, run_id, options)
        curves = _curves(options, artifacts, histories)
        confusion = artifacts.json(options.confusion_artifact)
        if experiment is None:
            experiment = _experiment_name(client, doc)
        return parse_run(
            doc,
            client.provider,
            histories=histories,
            curves=curves,
            confusion_artifact=confusion if isinstance(confusion, Mapping) else None,
            url=_fill(ui_url, doc),
            experiment=experiment,
        )
    except BadData as exc:
        raise BadData(f"run {run_id}: {exc.message}", provider=client.provider) from None


def _curves(
    options: RunOptions, artifacts: _Artifacts, histories: Mapping[str, Sequence[MetricPoint]]
) -> tuple[Curve, ...]:
    curves: list[Curve] = []
    for spec in options.curves:
        doc = artifacts.json(spec.artifact) if options.curve_source != "metrics" else None
        x, y = histories.get(spec.x_metric or ""), histories.get(spec.y_metric or "")
        if isinstance(doc, Mapping):
            curves.append(curve_from_artifact(spec.name, doc))
        elif options.curve_source != "artifacts" and x and y:
            curves.append(curve_from_histories(spec, x, y))
    return tuple(curves)


def _fill(template: str | None, doc: Mapping[str, Any]) -> str | None:
    info = (doc.get("run") or {}).get("info") or {}
    if template is None:
        return None
    for field in ("experiment_id", "run_id"):
        template = template.replace("{" + field + "}", str(info.get(field, "")))
    return template


def _experiment_name(client: MlflowClient, doc: Mapping[str, Any]) -> str | None:
    """The experiment's name when the run has no ``mlflow.experimentName`` tag."""
    run = doc.get("run") or {}
    tags = (run.get("data") or {}).get("tags") or []
    if any(isinstance(t, dict) and t.get("key") == "mlflow.experimentName" for t in tags):
        return None
    experiment_id = (run.get("info") or {}).get("experiment_id")
    if not experiment_id:
        return None
    try:
        found = client.get_json(
            "api/2.0/mlflow/experiments/get",
            {"experiment_id": str(experiment_id)},
            what=f"experiment {experiment_id}",
        )
    except NotFound:
        return None
    name = (found.get("experiment") or {}).get("name")
    return str(name) if name else None


class _Artifacts:
    """A run's artifacts, listed once per folder and downloaded only where they exist."""

    def __init__(self, client: MlflowClient, run_id: str, options: RunOptions) -> None:
        self.client, self.run_id = client, run_id
        wanted = [options.confusion_artifact]
        if options.curve_source != "metrics":
            wanted += [c.artifact for c in options.curves]
        self._present = self._list({posixpath.dirname(p) for p in wanted if p})

    def _list(self, folders: set[str]) -> set[str]:
        present: set[str] = set()
        for folder in sorted(folders):
            try:
                files = self.client.list_artifacts(self.run_id, folder)
            except NotFound:
                continue
            present |= {str(f["path"]) for f in files if "path" in f and not f.get("is_dir")}
        return present

    def json(self, path: str | None) -> Any:
        """The decoded artifact at ``path``, None when the run has none there."""
        if not path or path not in self._present:
            return None
        try:
            return self.client.get_artifact_json(self.run_id, path)
        except NotFound as exc:  # listed, but this server does not serve downloads that way
            raise ProviderError(
                f"run {self.run_id}: artifact {path} is listed but cannot be downloaded "
                f"({exc.message})",
                hint='set curve_source = "metrics" and confusion_artifact = "" if the server '
                "serves no artifact downloads",
                provider=self.client.provider,
            ) from None
