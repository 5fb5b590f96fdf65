"""Endpoints, deployments, models, runs, releases and builds from a folder of JSON documents.

The folder mirrors the REST paths of the services, and each file holds the response
body the service would send (same field names), so the parsing code is the one the
Azure providers use::

    azureml/onlineEndpoints/<ep>.json
    azureml/onlineEndpoints/<ep>/deployments/<dep>.json
    azureml/environments/<env>/versions/<v>.json
    azureml/models/<name>/versions/<v>.json
    mlflow/runs/<run>.json                       (runs/get)
    mlflow/metrics/<run>/<key>.json              (metrics/get-history)
    mlflow/artifacts/<run>/<path>                (curve and confusion artifacts)
    devops/releases/<id>.json
    devops/releases/<id>/logs/<env>/<phase>/<task>.log
    devops/builds/<id>.json
    devops/builds/<id>/artifacts.json            (artifact list)
    devops/builds/<id>/artifacts/<name>/<file>   (artifact contents, e.g. meta.json)
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import replace
from pathlib import Path
from typing import Any, ClassVar, Self

from providers.azureml.job_inputs import (
    job_inputs,
    job_outputs,
    job_setup,
    training_environment,
    with_job_evidence,
)
from providers.azureml.parse import (
    environment_gap,
    parse_deployment,
    parse_endpoint,
    parse_environment_image,
    parse_environment_ref,
    parse_model_version,
)
from providers.builtin_settings import local_rest_rules
from providers.devops.parse import (
    MetadataKeys,
    TargetRule,
    parse_artifact,
    parse_build,
    parse_release,
)
from providers.errors import BadData, NotFound
from providers.mlflow.parse import (
    DEFAULT_CURVES,
    curve_from_artifact,
    curve_from_histories,
    parse_history,
    parse_run,
)
from providers.protocols import (
    DeploymentsProvider,
    ModelsProvider,
    Provider,
    ProviderContext,
    ReleasesProvider,
)
from providers.records import Build, Curve, Deployment, Endpoint, ModelVersion, Release, TrainingRun


class LocalDocumentsProvider(Provider, DeploymentsProvider, ModelsProvider, ReleasesProvider):
    """Serves deployments, models & runs, and releases & builds from JSON files on disk."""

    name: ClassVar[str] = "local-rest"
    concerns: ClassVar[frozenset[str]] = frozenset({"deployments", "models", "releases"})

    def __init__(
        self,
        root: Path,
        *,
        rule: TargetRule | None = None,
        metadata_keys: MetadataKeys | None = None,
    ) -> None:
        if not root.is_dir():
            raise NotFound(f"no such folder: {root}", provider=self.name)
        self.root = root
        self.rule = rule or TargetRule()
        self.metadata_keys = metadata_keys or MetadataKeys()

    @classmethod
    def from_settings(cls, settings: Mapping[str, Any], context: ProviderContext) -> Self:
        """Settings: ``path``; optional tables ``release_variables`` and ``artifact_metadata``."""
        rule, keys = local_rest_rules(settings)
        root = (context.base_dir / Path(str(settings["path"])).expanduser()).resolve()
        return cls(root, rule=rule, metadata_keys=keys)

    def identity(self) -> Mapping[str, str]:
        """The folder served."""
        return {"path": str(self.root)}

    # -- files -------------------------------------------------------------------------

    def _load(self, relative: str, what: str) -> Any:
        path = self.root / relative
        try:
            text = path.read_text(encoding="utf-8")
        except FileNotFoundError:
            raise NotFound(f"{what} not found ({path})", provider=self.name) from None
        except (UnicodeDecodeError, OSError) as exc:
            raise BadData(f"cannot read {path}: {exc}", provider=self.name) from None
        try:
            return json.loads(text)
        except json.JSONDecodeError as exc:
            raise BadData(
                f"{path}: invalid JSON at line {exc.lineno} column {exc.colno}", provider=self.name
            ) from None

    def _parsed(self, relative: str, what: str, parse: Any, *args: Any, **kwargs: Any) -> Any:
        doc = self._load(relative, what)
        try:
            return parse(doc, *args, **kwargs)
        except BadData as exc:
            raise BadData(f"{self.root / relative}: {exc.message}", provider=self.name) from None
        except (KeyError, TypeError, ValueError, AttributeError) as exc:
            raise BadData(
                f"{self.root / relative}: unexpected shape ({type(exc).__name__}: {exc})",
                provider=self.name,
            ) from None

    def _names(self, relative: str) -> list[str]:
        folder = self.root / relative
        if not folder.is_dir():
            return []
        return sorted(p.stem for p in folder.glob("*.json"))

    # -- deployments -------------------------------------------------------------------

    def list_endpoints(self) -> list[Endpoint]:
        """Every ``azureml/onlineEndpoints/*.json``."""
        return [self._endpoint(n) for n in self._names("azureml/onlineEndpoints")]

    def _endpoint(self, name: str) -> Endpoint:
        endpoint: Endpoint = self._parsed(
            f"azureml/onlineEndpoints/{name}.json", f"endpoint {name!r}", parse_endpoint, self.name
        )
        return endpoint

    def list_deployments(self, endpoint: str) -> list[Deployment]:
        """The deployments of ``endpoint`` with traffic from the endpoint document."""
        ep = self._endpoint(endpoint)
        names = self._names(f"azureml/onlineEndpoints/{endpoint}/deployments")
        return [self._deployment(ep, n) for n in names]

    def get_deployment(self, endpoint: str, name: str) -> Deployment:
        """One deployment, its image read from its environment version."""
        return self._deployment(self._endpoint(endpoint), name)

    def _deployment(self, ep: Endpoint, name: str) -> Deployment:
        relative = f"azureml/onlineEndpoints/{ep.name}/deployments/{name}.json"
        dep: Deployment = self._parsed(
            relative,
            f"deployment {ep.name}/{name}",
            parse_deployment,
            ep.name,
            self.name,
            traffic_share=ep.traffic.get(name),
        )
        env = parse_environment_ref(dep.environment)
        if env is None:
            return replace(dep, image=None, image_note=environment_gap(dep.environment))
        try:
            doc = self._load(f"azureml/environments/{env[0]}/versions/{env[1]}.json", "environment")
        except NotFound:
            return replace(dep, image=None, image_note=f"environment {env[0]}:{env[1]} not found")
        if not isinstance(doc, Mapping):
            return replace(dep, image=None, image_note="the environment's record is not an object")
        image, note = parse_environment_image(doc)
        return replace(dep, image=image, image_note=note)

    # -- models and runs ---------------------------------------------------------------

    def list_models(self) -> list[str]:
        """Folders under ``azureml/models``."""
        folder = self.root / "azureml/models"
        return sorted(p.name for p in folder.iterdir() if p.is_dir()) if folder.is_dir() else []

    def list_versions(self, name: str) -> list[ModelVersion]:
        """Versions sorted numerically where they are numbers."""
        versions = self._names(f"azureml/models/{name}/versions")
        if not versions and not (self.root / f"azureml/models/{name}").is_dir():
            raise NotFound(f"unknown model {name!r}", provider=self.name)
        ordered = sorted(versions, key=lambda v: (not v.isdigit(), int(v) if v.isdigit() else 0, v))
        return [self.get_version(name, v) for v in ordered]

    def get_version(self, name: str, version: str) -> ModelVersion:
        """One model version."""
        return self._parsed(  # type: ignore[no-any-return]
            f"azureml/models/{name}/versions/{version}.json",
            f"model {name}:{version}",
            parse_model_version,
            name,
            self.name,
        )

    def get_run(self, run_id: str) -> TrainingRun:
        """A run with its metric histories, curves and confusion counts."""
        doc = self._load(f"mlflow/runs/{run_id}.json", f"run {run_id!r}")
        histories = {
            key: self._parsed(f"mlflow/metrics/{run_id}/{key}.json", "history", parse_history)
            for key in self._names(f"mlflow/metrics/{run_id}")
        }
        curves = self._curves(run_id, histories)
        confusion = self._optional(f"mlflow/artifacts/{run_id}/confusion.json")
        try:
            run = parse_run(
                doc, self.name, histories=histories, curves=curves, confusion_artifact=confusion
            )
        except BadData as exc:
            raise BadData(f"run {run_id}: {exc.message}", provider=self.name) from None
        job = self._optional(f"azureml/jobs/{run_id}.json")
        props = job.get("properties") if isinstance(job, Mapping) else None
        if not isinstance(props, Mapping):
            return run
        setup = job_setup(props, self._training_environment(props.get("environmentId")))
        return with_job_evidence(
            run, job_inputs(props.get("inputs")), job_outputs(props.get("outputs")), setup
        )

    def _training_environment(self, ref: Any) -> tuple[str | None, tuple[str, ...], str]:
        """A training job's environment: (base image, conda packages, note)."""
        env = parse_environment_ref(str(ref) if ref else None)
        if env is None:
            return None, (), environment_gap(str(ref) if ref else None, "job")
        doc = self._optional(f"azureml/environments/{env[0]}/versions/{env[1]}.json")
        props = doc.get("properties") if isinstance(doc, Mapping) else None
        if not isinstance(props, Mapping):
            return None, (), f"environment {env[0]}:{env[1]} not found"
        return training_environment(props.get("image"), props.get("condaFile"), props.get("build"))

    def _optional(self, relative: str) -> Any:
        try:
            return self._load(relative, relative)
        except NotFound:
            return None

    def _curves(self, run_id: str, histories: Mapping[str, Any]) -> tuple[Curve, ...]:
        curves: list[Curve] = []
        for spec in DEFAULT_CURVES:
            doc = self._optional(f"mlflow/artifacts/{run_id}/{spec.artifact}")
            if isinstance(doc, Mapping):
                curves.append(curve_from_artifact(spec.name, doc))
            elif (x := histories.get(spec.x_metric or "")) and (
                y := histories.get(spec.y_metric or "")
            ):
                curves.append(curve_from_histories(spec, x, y))
        return tuple(curves)

    # -- releases and builds -----------------------------------------------------------

    def list_releases(self, top: int = 100) -> list[Release]:
        """Newest (highest id) first."""
        ids = sorted((int(n) for n in self._names("devops/releases") if n.isdigit()), reverse=True)
        return [self.get_release(i) for i in ids[:top]]

    def get_release(self, release_id: int) -> Release:
        """One release; its target read with the profile's variable rule."""
        return self._parsed(  # type: ignore[no-any-return]
            f"devops/releases/{release_id}.json",
            f"release {release_id}",
            parse_release,
            self.name,
            self.rule,
        )

    def list_builds(self, top: int = 100) -> list[Build]:
        """Newest (highest id) first."""
        ids = sorted((int(n) for n in self._names("devops/builds") if n.isdigit()), reverse=True)
        return [self.get_build(i) for i in ids[:top]]

    def get_build(self, build_id: int) -> Build:
        """One build with each artifact's metadata file read."""
        listing = self._optional(f"devops/builds/{build_id}/artifacts.json") or {}
        keys = self.metadata_keys
        artifacts = []
        for entry in listing.get("value") or []:
            name = str(entry.get("name", ""))
            meta = self._optional(f"devops/builds/{build_id}/artifacts/{name}/{keys.file}")
            artifacts.append(parse_artifact(entry, meta, keys, self.name))
        return self._parsed(  # type: ignore[no-any-return]
            f"devops/builds/{build_id}.json",
            f"build {build_id}",
            parse_build,
            self.name,
            tuple(artifacts),
        )

    def get_task_log(self, release_id: int, env_id: int, phase_id: int, task_id: int) -> str:
        """The log text of one release task."""
        path = self.root / f"devops/releases/{release_id}/logs/{env_id}/{phase_id}/{task_id}.log"
        try:
            return path.read_text(encoding="utf-8", errors="replace")
        except FileNotFoundError:
            raise NotFound(f"no log for task {task_id} of release {release_id}") from None
