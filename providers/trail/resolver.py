"""The trail resolver: from a logged prediction (or any record on the way) to the commit.

Each hop records *why* it links to the previous one, so the trail is evidence an
auditor can check.  A hop that cannot be resolved is reported with its reason and the
resolver carries on with whatever other evidence it has (a run's git-commit tag when no
release is found, say).  No UI code here.
"""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from contextvars import copy_context
from dataclasses import dataclass, field
from datetime import datetime
from functools import partial
from typing import Any, ClassVar, TypeVar

from providers.azureml.parse import in_registry
from providers.backends import Backends
from providers.errors import NotFound, ProviderError
from providers.predictions.misses import id_miss, store_of
from providers.records import (
    Build,
    Commit,
    Deployment,
    ModelVersion,
    Prediction,
    Release,
    Source,
    TrainingRun,
)
from providers.redaction import redact
from providers.timeutil import date_text
from providers.trail.choice import pick
from providers.trail.data_evidence import check_training_data
from providers.trail.explanation import DecisionRule, Explanation, explain
from providers.trail.hop_status import RESOLVED, UNCERTAIN, UNRESOLVED
from providers.trail.run_link import registry_run_link
from providers.trail.served import ServedBy, served_by
from providers.trail.training_inputs import cross_check

HOP_KINDS = ("prediction", "deployment", "model", "run", "release", "build", "data", "commit")
RUN_COMMIT_TAGS = ("mlflow.source.git.commit", "git_commit")

NO_RUN = (
    "names no training run: its registry entry records none (Azure ML: no jobName, no job "
    "in its modelUri, no azureml.runId property, no run-id tag; MLflow: no run_id); was it "
    "registered from a file or by hand?"
)

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class Hop:
    """One link of the trail: what was found, how sure, and why it links (redacted: a
    reason may quote a backend's answer)."""

    kind: str
    label: str
    status: str
    reason: str
    record: Any = None
    source: Source | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "reason", redact(self.reason))


@dataclass(frozen=True, slots=True)
class Trail:
    """The hops resolved from a starting point, in trail order, and (from a prediction)
    why its decision came out as it did."""

    start: str
    hops: tuple[Hop, ...]
    explanation: Explanation | None = None

    def hop(self, kind: str) -> Hop | None:
        """The hop of ``kind``, if the trail has one."""
        return next((h for h in self.hops if h.kind == kind), None)

    @property
    def complete(self) -> bool:
        """True when every hop is resolved (uncertain counts as resolved)."""
        return all(h.status != UNRESOLVED for h in self.hops)


@dataclass
class _State:
    prediction: Prediction | None = None
    deployment: Deployment | None = None
    model: ModelVersion | None = None
    model_ref: tuple[str, str] | None = None
    registry_ref: str | None = None  # a registry model (azureml://registries/…)
    model_why: str = ""
    run: TrainingRun | None = None
    release: Release | None = None
    build: Build | None = None
    commit_sha: str | None = None
    commit_reasons: list[str] = field(default_factory=list)
    other_versions: list[ModelVersion] = field(default_factory=list)
    other_versions_missing: str = ""  # why the model's other versions could not be listed
    hops: list[Hop] = field(default_factory=list)
    pool: ThreadPoolExecutor | None = None
    pending: dict[str, Future[Any]] = field(default_factory=dict)

    def soon(self, key: str, call: Callable[[], Any]) -> None:
        """Start ``call`` now in the background; :meth:`get` collects it later."""
        if self.pool is not None and key not in self.pending:
            # Each call runs in a copy of this context, so the cache mode and what the
            # cache served follow it into the pool's threads.
            self.pending[key] = self.pool.submit(copy_context().run, call)

    def get(self, key: str, call: Callable[[], T]) -> T:
        """The result of the call started as ``key`` (raising its error), else ``call()``."""
        future = self.pending.pop(key, None)
        result: T = future.result() if future is not None else call()
        return result

    @property
    def when(self) -> datetime | None:
        return self.prediction.timestamp if self.prediction else None


class TrailResolver:
    """Resolve trails over a profile's backends (any of which may be missing)."""

    def __init__(
        self, backends: Backends, *, release_scan: int = 500, rule: DecisionRule | None = None
    ) -> None:
        self.backends = backends
        self.release_scan = release_scan
        self.rule = rule or DecisionRule()

    # -- entry points --------------------------------------------------------------

    def find_prediction(self, request_id: str, row: int | None = None) -> Prediction:
        """The one prediction logged for ``request_id`` (its ``row``-th, from 1, when
        several are); NotFound / :class:`SeveralPredictions` otherwise."""
        return pick(self.find_predictions(request_id), row, f"request id {request_id!r}")

    def find_predictions(self, request_id: str) -> tuple[Prediction, ...]:
        """Every prediction logged for ``request_id`` (the rows of a batched record, a
        request logged twice), in log order; NotFound saying what was searched if none."""
        if self.backends.predictions is None:
            raise NotFound(
                "no predictions provider in this profile", hint=self.backends.missing("predictions")
            )
        page = self.backends.predictions.find(request_id)
        if not page.rows:
            raise NotFound(
                f"request id {request_id!r} is not in the prediction logs",
                hint=id_miss(page, store_of(self.backends.predictions)),
            )
        return page.rows

    def trace(self, request_id: str) -> Trail:
        """Resolve the whole trail of the prediction logged for ``request_id``."""
        return self.from_prediction(self.find_prediction(request_id))

    def from_prediction(self, prediction: Prediction) -> Trail:
        """The trail from a prediction already loaded."""
        state = _State(prediction=prediction)
        state.hops.append(
            Hop(
                "prediction",
                prediction.request_id,
                RESOLVED,
                f"logged at {prediction.timestamp.isoformat()} by {prediction.endpoint}"
                + (f"/{prediction.deployment}" if prediction.deployment else "")
                + f" ({prediction.log_format} collector log)",
                prediction,
                prediction.source,
            )
        )
        return self._run(state, prediction.request_id, self._STEPS)

    def from_model(self, name: str, version: str) -> Trail:
        """The trail from a model version down to its commit."""
        state = _State(model_ref=(name, version))
        return self._run(state, f"{name}:{version}", self._STEPS[1:])

    def from_release(self, release_id: int) -> Trail:
        """The trail from a release down to its commit."""
        state = _State()
        steps: list[Callable[[TrailResolver, _State], Hop | None]] = [
            TrailResolver._load_release(release_id),
            TrailResolver._build_step,
            TrailResolver._data_step,
            TrailResolver._commit_step,
        ]
        return self._run(state, f"release {release_id}", steps)

    # -- machinery -----------------------------------------------------------------

    def _run(
        self, state: _State, start: str, steps: list[Callable[[TrailResolver, _State], Hop | None]]
    ) -> Trail:
        """Run the steps in order; calls that do not depend on each other overlap.

        What the starting point already names (the deployment and model a log names, the
        release list) is fetched at once in parallel, and the run is fetched while the
        release and build are resolved; hops are then put back in trail order.
        """
        with ThreadPoolExecutor(max_workers=8, thread_name_prefix="trail") as pool:
            state.pool = pool
            self._prefetch(state)
            for step in steps:
                hop = step(self, state)
                if hop is not None:
                    state.hops.append(hop)
            explanation = self._explain(state)
            state.pool = None
        hops = sorted(state.hops, key=lambda h: HOP_KINDS.index(h.kind))
        return Trail(start, tuple(hops), explanation)

    def _explain(self, state: _State) -> Explanation | None:
        """Why the prediction's decision came out as it did, under the served version and
        under each other version of the model (their runs started by the model step)."""
        if state.prediction is None:
            return None
        models = self.backends.models
        others: list[tuple[ModelVersion, Callable[[], TrainingRun]]] = []
        if models is not None:
            for other in state.other_versions:
                read = partial(models.get_run, other.run_id or "")
                others.append((other, partial(state.get, f"run:{other.run_id}", read)))
        return explain(
            state.prediction, state.model, state.run, self.rule, others,
            others_missing=state.other_versions_missing,
        )  # fmt: skip

    def _prefetch(self, state: _State) -> None:
        pred, backends = state.prediction, self.backends
        if pred is not None and pred.deployment and backends.deployments is not None:
            deployments, endpoint, name = backends.deployments, pred.endpoint, pred.deployment
            state.soon("deployment", lambda: deployments.get_deployment(endpoint, name))
        ref = state.model_ref or (
            (pred.model_name, pred.model_version)
            if pred and pred.model_name and pred.model_version
            else None
        )
        if ref is not None and backends.models is not None:
            models = backends.models
            state.soon("model", lambda: models.get_version(*ref))
        if backends.releases is not None and state.release is None:
            releases, top = backends.releases, self.release_scan
            state.soon("releases", lambda: releases.list_releases(top=top))

    # -- steps ---------------------------------------------------------------------

    def _deployment_step(self, state: _State) -> Hop | None:
        pred = state.prediction
        if pred is None:
            return None
        provider = self.backends.deployments
        label = f"{pred.endpoint}/{pred.deployment or '?'}"
        if provider is None:
            return Hop("deployment", label, UNRESOLVED, self.backends.missing("deployments"))
        try:
            certain = True
            if pred.deployment:
                endpoint, name = pred.endpoint, pred.deployment
                dep = state.get("deployment", lambda: provider.get_deployment(endpoint, name))
                reason = f"the log folder names deployment {pred.endpoint}/{pred.deployment}"
            else:
                found = self._served_by(pred)
                if found.deployment is None:
                    return Hop("deployment", label, UNRESOLVED, found.reason)
                dep, reason, certain = found.deployment, found.reason, found.certain
        except ProviderError as exc:
            return Hop("deployment", label, UNRESOLVED, str(exc))
        state.deployment = dep
        reason += f"; it runs model {dep.model_name}:{dep.model_version}"
        reason += f" in image {dep.image}" if dep.image else f" ({_image_unknown(dep)})"
        status = RESOLVED if certain else UNCERTAIN
        if dep.updated_at and dep.updated_at > pred.timestamp:
            status = UNCERTAIN
            reason += (
                f"; but the deployment was modified at {dep.updated_at.isoformat()}, after the "
                "prediction, so it may have run another model then"
            )
        logged = (pred.model_name, pred.model_version)
        if pred.model_version and dep.model_version and pred.model_version != dep.model_version:
            status = UNCERTAIN
            reason += f"; the log names model version {logged[1]}, not {dep.model_version}"
        return Hop("deployment", f"{dep.endpoint}/{dep.name}", status, reason, dep, dep.source)

    def _served_by(self, pred: Prediction) -> ServedBy:
        """The deployment that served a prediction whose log names none (see served_by)."""
        provider = self.backends.deployments
        assert provider is not None
        deployments = provider.list_deployments(pred.endpoint)
        endpoint = None
        if not (pred.model_name and pred.model_version):  # then the traffic split decides
            endpoint = next((e for e in provider.list_endpoints() if e.name == pred.endpoint), None)
        return served_by(pred, endpoint, deployments)

    def _model_ref_step(self, state: _State) -> Hop | None:
        """Decide which model version to look up and start fetching it (no hop yet)."""
        pred, dep = state.prediction, state.deployment
        if state.model_ref:
            state.model_why = "asked for"
        elif pred and pred.model_name and pred.model_version:
            state.model_ref = (pred.model_name, pred.model_version)
            state.model_why = "the prediction log names it"
        elif dep and dep.model_name and dep.model_version:
            state.model_ref = (dep.model_name, dep.model_version)
            state.model_why = f"deployment {dep.endpoint}/{dep.name} references {dep.model_ref}"
        elif dep and dep.model_ref and in_registry(dep.model_ref):
            state.registry_ref = registry = dep.model_ref
            state.model_why = f"deployment {dep.endpoint}/{dep.name} references {registry}"
        ref, models = state.model_ref, self.backends.models
        if state.registry_ref and models is not None:
            state.soon("model", partial(models.get_registry_version, state.registry_ref))
        if ref is not None and models is not None:
            state.soon("model", lambda: models.get_version(*ref))
            if state.prediction is not None:  # for the explanation's other versions
                state.soon("versions", lambda: models.list_versions(ref[0]))
        return None

    def _model_step(self, state: _State) -> Hop | None:
        ref, why = state.model_ref, state.model_why
        if ref is None and state.registry_ref:
            return self._registry_model_step(state, state.registry_ref)
        if ref is None:
            return Hop("model", "?", UNRESOLVED, _no_model_ref(state.deployment))
        label = f"{ref[0]}:{ref[1]}"
        if self.backends.models is None:
            return Hop("model", label, UNRESOLVED, f"{why}; but {self.backends.missing('models')}")
        try:
            models = self.backends.models
            model = state.get("model", lambda: models.get_version(*ref))
        except ProviderError as exc:
            return Hop("model", label, UNRESOLVED, f"{why}; but {exc}")
        state.model = model
        if model.run_id:
            run_id = model.run_id
            state.soon("run", lambda: models.get_run(run_id))
        if state.prediction is not None:
            self._other_versions(state, model)
        created = f", registered {model.created_at:%Y-%m-%d}" if model.created_at else ""
        return Hop("model", label, RESOLVED, f"{why}{created}", model, model.source)

    def _registry_model_step(self, state: _State, ref: str) -> Hop:
        """The registry model a deployment references, read in its registry (its other
        versions are the registry's: not compared)."""
        if self.backends.models is None:
            return Hop("model", ref, UNRESOLVED, self.backends.missing("models"))
        models = self.backends.models
        try:
            model = state.get("model", partial(models.get_registry_version, ref))
        except ProviderError as exc:
            return Hop("model", ref, UNRESOLVED, f"{state.model_why}; but {exc}")
        state.model = model
        state.other_versions_missing = "a registry model: its other versions are not read"
        registry = model.properties.get("registry", "?")
        label = f"{model.name}:{model.version} ({registry})"
        why = f"{state.model_why}, read in registry {registry}"
        return Hop("model", label, RESOLVED, why, model, model.source)

    def _other_versions(self, state: _State, model: ModelVersion) -> None:
        """Collect the model's other versions for the explanation, or why they are missing,
        and start reading their runs (alongside the served version's run)."""
        models = self.backends.models
        assert models is not None
        try:
            versions = state.get("versions", lambda: models.list_versions(model.name))
        except ProviderError as exc:
            state.other_versions_missing = str(exc)
            return
        state.other_versions = [v for v in versions if v.version != model.version]
        if self.rule.threshold.startswith("param:"):
            for other in state.other_versions:
                if other.run_id:
                    state.soon(f"run:{other.run_id}", partial(models.get_run, other.run_id))

    def _run_step(self, state: _State) -> Hop | None:
        model = state.model
        if model is None:
            return Hop("run", "?", UNRESOLVED, "no model version to read the run id from")
        if not model.run_id:
            gap = model.run_note or NO_RUN
            return Hop("run", "?", UNRESOLVED, f"model {model.name}:{model.version} {gap}")
        why = f"model {model.name}:{model.version} was produced by run {model.run_id}"
        why += f" ({model.run_note})" if model.run_note else ""
        if self.backends.models is None:
            return Hop("run", model.run_id, UNRESOLVED, self.backends.missing("models"))
        try:
            models, run_id = self.backends.models, model.run_id
            run = state.get("run", lambda: models.get_run(run_id))
        except ProviderError as exc:
            return Hop("run", model.run_id, UNRESOLVED, f"{why}; but {exc}")
        state.run = run
        for tag in RUN_COMMIT_TAGS:
            if run.tags.get(tag):
                state.commit_reasons.append(f"run {run.run_id} tag {tag}={run.tags[tag][:12]}")
                state.commit_sha = state.commit_sha or run.tags[tag]
                break
        check, link = cross_check(run, state.build), registry_run_link(model, run)
        said = (check.sentence, link.sentence if link else "")
        reason = f"{why} ({run.status})" + "".join(f"; {s}" for s in said if s)
        doubt = check.disagrees or model.run_disputed or (link is not None and not link.tied)
        status = UNCERTAIN if doubt else RESOLVED
        return Hop("run", run.run_id, status, reason, run, run.source)

    def _release_step(self, state: _State) -> Hop | None:
        ref = state.model_ref
        image = state.deployment.image if state.deployment else None
        pred = state.prediction
        served_by = (pred.endpoint, pred.deployment) if pred and pred.deployment else None
        if ref is None and image is None and served_by is None:
            return Hop("release", "?", UNRESOLVED, "no model, image or deployment to match")
        if self.backends.releases is None:
            return Hop("release", "?", UNRESOLVED, self.backends.missing("releases"))
        try:
            provider, top = self.backends.releases, self.release_scan
            releases = state.get("releases", lambda: provider.list_releases(top=top))
        except ProviderError as exc:
            return Hop("release", "?", UNRESOLVED, str(exc))
        matches = [r for r in releases if _release_matches(r, ref, image)]
        fallback = not matches and served_by is not None
        if fallback:
            matches = [r for r in releases if _release_targets(r, served_by)]
        if not matches:
            what = (
                f"model {ref[0]}:{ref[1]}"
                if ref
                else f"image {image}"
                if image
                else (f"deployment {served_by[0]}/{served_by[1]}" if served_by else "it")
            )
            return Hop(
                "release",
                "?",
                UNRESOLVED,
                f"none of the {len(releases)} newest releases deployed {what}",
            )
        release = _pick_release(matches, state.when)
        state.release = release
        target = release.target
        assert target is not None
        deployed = [
            f"{e.name} at {e.deployed_at:%Y-%m-%d %H:%M}"
            for e in release.environments
            if e.deployed_at and e.status == "succeeded"
        ]
        what = f"model {target.model_name}:{target.model_version}" if target.model_version else ""
        if target.image:
            what += f"{' with ' if what else ''}image {target.image}"
        reason = f"release {release.name} deployed {what}"
        reason += f" ({', '.join(deployed)})" if deployed else ""
        reason += f"; matched by {target.rule}"
        if len(matches) > 1:
            reason += f"; {len(matches)} releases match, chose the last before the prediction"
        if fallback:
            reason += "; matched only by the endpoint/deployment that served the prediction"
        status = UNCERTAIN if fallback else RESOLVED
        return Hop("release", release.name, status, reason, release, release.source)

    @staticmethod
    def _load_release(release_id: int) -> Callable[[TrailResolver, _State], Hop | None]:
        def step(self: TrailResolver, state: _State) -> Hop | None:
            if self.backends.releases is None:
                return Hop(
                    "release", str(release_id), UNRESOLVED, self.backends.missing("releases")
                )
            try:
                state.release = self.backends.releases.get_release(release_id)
            except ProviderError as exc:
                return Hop("release", str(release_id), UNRESOLVED, str(exc))
            rel = state.release
            return Hop("release", rel.name, RESOLVED, "asked for", rel, rel.source)

        return step

    def _build_step(self, state: _State) -> Hop | None:
        release = state.release
        if release is None or release.build_id is None:
            why = "no release found" if release is None else f"{release.name} has no build artifact"
            return Hop("build", "?", UNRESOLVED, why)
        assert self.backends.releases is not None
        try:
            build = self.backends.releases.get_build(release.build_id)
        except ProviderError as exc:
            return Hop("build", str(release.build_id), UNRESOLVED, str(exc))
        state.build = build
        reason = f"release {release.name}'s primary artifact is build {build.number}"
        reason += f" of {build.definition} on {build.branch}" if build.branch else ""
        if build.source_commit:
            state.commit_reasons.insert(0, f"build {build.number} sourceVersion")
            state.commit_sha = sha = build.source_commit
            commits = self.backends.commits
            if commits is not None:
                state.soon(f"commit:{sha}", lambda: commits.get_commit(sha, with_diff=False))
        return Hop("build", build.number, RESOLVED, reason, build, build.source)

    def _data_step(self, state: _State) -> Hop | None:
        build = state.build
        if build is None:
            return Hop("data", "?", UNRESOLVED, "no build whose artifact lists the training data")
        with_folders = [a for a in build.artifacts if a.data_folders]
        if not with_folders:
            return Hop("data", "?", UNRESOLVED, f"no artifact of build {build.number} lists data")
        art = with_folders[0]
        for a in build.artifacts:
            if a.commit:
                state.commit_reasons.append(f"artifact {a.name} records commit {a.commit[:12]}")
                if state.commit_sha and not a.commit.startswith(state.commit_sha[:7]):
                    state.commit_reasons.append(
                        "WARNING: it differs from the build's sourceVersion "
                        f"{state.commit_sha[:12]}"
                    )
        folders = ", ".join(art.data_folders)
        reason = (
            f"artifact {art.name} of build {build.number} lists training-data folders {folders}"
        )
        label = (
            art.data_folders[0]
            if len(art.data_folders) == 1
            else f"{len(art.data_folders)} folders"
        )
        found = check_training_data(
            self.backends.data, self.backends.missing("data"), art, build, state.run
        )
        return Hop("data", label, RESOLVED, f"{reason}; {found[1]}", found[0], art.source)

    def _commit_step(self, state: _State) -> Hop | None:
        sha = state.commit_sha
        if sha is None:
            return Hop("commit", "?", UNRESOLVED, "no build, artifact or run names a commit")
        reason = "; ".join(state.commit_reasons)
        if self.backends.commits is None:
            return Hop(
                "commit", sha[:10], UNRESOLVED, f"{reason}; but {self.backends.missing('commits')}"
            )
        try:
            commits = self.backends.commits
            commit: Commit = state.get(
                f"commit:{sha}", lambda: commits.get_commit(sha, with_diff=False)
            )
        except ProviderError as exc:
            return Hop("commit", sha[:10], UNRESOLVED, f"{reason}; but {exc}")
        status = UNCERTAIN if "WARNING" in reason else RESOLVED
        when = date_text(commit.authored_at, "%Y-%m-%d")
        reason += f"; {commit.author.name}, {when}: {commit.subject}"
        return Hop("commit", commit.short_sha, status, reason, commit, commit.source)

    # Steps run in the order of what they need, not in trail order: the model version is
    # fetched while the release and build are matched, the run and the commit together;
    # hops are sorted into trail order afterwards.
    _STEPS: ClassVar[list[Callable[[TrailResolver, _State], Hop | None]]] = [
        _deployment_step,
        _model_ref_step,
        _release_step,
        _build_step,
        _model_step,
        _run_step,
        _data_step,
        _commit_step,
    ]


def _image_unknown(dep: Deployment) -> str:
    """Why a deployment's image is not known, as its provider said."""
    return f"image unknown: {dep.image_note or 'its provider did not say why'}"


def _no_model_ref(dep: Deployment | None) -> str:
    """Why no model version can be looked up."""
    if dep is not None and dep.model_ref:
        return (
            f"deployment {dep.endpoint}/{dep.name} references {dep.model_ref}, which names no "
            "model of this profile's workspace nor a registry model version "
            "(azureml://registries/<registry>/models/<name>/versions/<version>); a workspace "
            "model of the same name would be another model"
        )
    return "neither the log nor the deployment names a model"


def _release_matches(release: Release, ref: tuple[str, str] | None, image: str | None) -> bool:
    target = release.target
    if target is None:
        return False
    if ref and target.model_name == ref[0] and target.model_version == ref[1]:
        return True
    return bool(image and target.image == image)


def _release_targets(release: Release, served_by: tuple[str, str | None] | None) -> bool:
    target = release.target
    return bool(target and served_by and (target.endpoint, target.deployment) == served_by)


def _pick_release(matches: list[Release], when: datetime | None) -> Release:
    """The last release deployed before ``when`` (else the earliest one)."""

    def deployed(r: Release) -> datetime | None:
        times = [e.deployed_at for e in r.environments if e.deployed_at]
        return min(times) if times else r.created_at

    dated = sorted((d, r.release_id, r) for r in matches if (d := deployed(r)) is not None)
    if when is not None:
        before = [r for d, _, r in dated if d <= when]
        if before:
            return before[-1]
    return dated[0][2] if dated else matches[0]
