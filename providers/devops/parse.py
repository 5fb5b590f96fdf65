"""Azure DevOps REST documents (releases, builds, artifact metadata) to records."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Any

from providers.errors import BadData
from providers.records import (
    Build,
    BuildArtifact,
    Release,
    ReleaseEnvironment,
    ReleaseTarget,
    ReleaseTask,
    Source,
)
from providers.timeutil import parse_iso


@dataclass(frozen=True, slots=True)
class TargetRule:
    """Which release variables name what a release deployed (configurable per profile)."""

    model_name: str = "MODEL_NAME"
    model_version: str = "MODEL_VERSION"
    image: str = "IMAGE"
    endpoint: str = "ENDPOINT"
    deployment: str = "DEPLOYMENT"

    def describe(self) -> str:
        """How the rule reads, for the trail's reasons."""
        return f"release variables {self.model_name}/{self.model_version}/{self.image}"

    def apply(self, variables: Mapping[str, str]) -> ReleaseTarget | None:
        """The target named by ``variables``, or None if they name nothing.

        ``parse_release`` passes the release's variables and its artifacts' predefined
        ``Release.Artifacts.{alias}.*`` variables (see :func:`artifact_variables`).
        """
        values = {f: variables.get(getattr(self, f)) for f in _TARGET_FIELDS}
        if not any(values.values()):
            return None
        return ReleaseTarget(**values, rule=self.describe())


_TARGET_FIELDS = ("model_name", "model_version", "image", "endpoint", "deployment")


@dataclass(frozen=True, slots=True)
class LogRule:
    """Find what a release deployed in its task logs (configurable per profile).

    ``pattern`` is a regular expression with named groups among model_name,
    model_version, image, endpoint and deployment; it is searched in the logs of the
    tasks called ``task`` (every task if empty), in order, and the first match wins.
    """

    pattern: str
    task: str = ""

    def __post_init__(self) -> None:
        try:
            groups = set(re.compile(self.pattern).groupindex)
        except re.error as exc:
            message = f"log pattern {self.pattern!r} is not a regular expression: {exc}"
            raise ValueError(message) from None
        if not groups & set(_TARGET_FIELDS):
            raise ValueError(
                f"log pattern {self.pattern!r} names none of the groups {', '.join(_TARGET_FIELDS)}"
            )

    def wants(self, task_name: str) -> bool:
        """True if the logs of tasks called ``task_name`` are searched."""
        return not self.task or self.task.lower() == task_name.lower()

    def apply(self, log: str, task_name: str) -> ReleaseTarget | None:
        """The target the first match in ``log`` names, or None."""
        match = re.search(self.pattern, log, re.MULTILINE)
        if match is None:
            return None
        found = match.groupdict()
        values = {f: found.get(f) for f in _TARGET_FIELDS}
        if not any(values.values()):
            return None
        return ReleaseTarget(**values, rule=f"log of task {task_name} matching {self.pattern!r}")


def artifact_variables(artifacts: Sequence[Mapping[str, Any]]) -> dict[str, str]:
    """The predefined ``Release.Artifacts.{alias}.*`` variables of a release's artifacts.

    A TargetRule may name them, e.g. ``image = "Release.Artifacts._image.BuildNumber"``.
    """
    found: dict[str, str] = {}
    for artifact in artifacts:
        ref = artifact.get("definitionReference") or {}
        prefix = f"Release.Artifacts.{artifact.get('alias', '')}."
        for name, key in _ARTIFACT_FIELDS:
            value = (ref.get(key) or {}).get("name" if name != "BuildId" else "id")
            if value:
                found[prefix + name] = str(value)
    return found


_ARTIFACT_FIELDS = (
    ("BuildId", "version"),
    ("BuildNumber", "version"),
    ("SourceVersion", "sourceVersion"),
    ("SourceBranch", "branch"),
    ("DefinitionName", "definition"),
    ("RepositoryName", "repository"),
)


@dataclass(frozen=True, slots=True)
class MetadataKeys:
    """Where the artifact metadata file records the commit and the training-data folders."""

    file: str = "meta.json"
    commit: str = "commit"
    data_folders: str = "training_data"


def _person(value: Any) -> str | None:
    if not isinstance(value, Mapping):
        return None
    name = value.get("displayName") or value.get("uniqueName")
    return str(name) if name else None


def _tasks(env: Mapping[str, Any]) -> tuple[ReleaseTask, ...]:
    tasks: list[ReleaseTask] = []
    for step in env.get("deploySteps") or []:
        for phase in step.get("releaseDeployPhases") or []:
            for job in phase.get("deploymentJobs") or []:
                for task in job.get("tasks") or []:
                    tasks.append(
                        ReleaseTask(
                            task_id=int(task["id"]),
                            name=str(task.get("name", "")),
                            status=str(task.get("status", "")),
                            started_at=parse_iso(task.get("startTime")),
                            finished_at=parse_iso(task.get("finishTime")),
                            phase_id=int(phase["id"]) if "id" in phase else None,
                            log_id=task.get("logUrl"),
                        )
                    )
    return tuple(tasks)


def _deployed_at(env: Mapping[str, Any]) -> Any:
    steps = env.get("deploySteps") or []
    times = [s.get("lastModifiedOn") or s.get("queuedOn") for s in steps]
    times = [t for t in times if t]
    return max(times) if times else None


def _values(variables: Any) -> dict[str, str]:
    """``{"NAME": {"value": …}}`` as ``{"NAME": value}``; secret variables (no value) left out."""
    if not isinstance(variables, Mapping):
        return {}
    return {
        str(k): str(v.get("value", "")) if isinstance(v, Mapping) else str(v)
        for k, v in variables.items()
        if not (isinstance(v, Mapping) and v.get("isSecret") and "value" not in v)
    }


def _scoped(scope: Mapping[str, Any]) -> dict[str, str]:
    """A scope's variables over its variable groups' (the scope's own win, as in Azure
    DevOps; later groups over earlier ones)."""
    merged: dict[str, str] = {}
    for group in scope.get("variableGroups") or []:
        if isinstance(group, Mapping):
            merged |= _values(group.get("variables"))
    return merged | _values(scope.get("variables"))


def _target(
    doc: Mapping[str, Any],
    rule: TargetRule,
    artifacts: dict[str, str],
    released: dict[str, str],
    environments: Sequence[ReleaseEnvironment],
) -> ReleaseTarget | None:
    """What the release deployed: from its variables and variable groups, unless stages
    set the rule's variables themselves (stage scope wins, as in Azure DevOps); stages that
    disagree are named, and the one deployed last (else the last stage) is taken."""
    names = {getattr(rule, f) for f in _TARGET_FIELDS}
    staged = []
    for env_doc, env in zip(doc.get("environments") or [], environments, strict=True):
        own = _scoped(env_doc)
        if names & own.keys():
            target = rule.apply({**artifacts, **released, **own})
            if target is not None:
                staged.append((env, target))
    if not staged:
        return rule.apply({**artifacts, **released})
    latest = max(
        staged, key=lambda st: (st[0].deployed_at is not None, st[0].deployed_at or 0, st[0].env_id)
    )
    env, target = latest
    others = [f"stage {e.name} names {_what(t)}" for e, t in staged if _what(t) != _what(target)]
    why = f"{target.rule} of stage {env.name}" + (f" ({'; '.join(others)})" if others else "")
    return replace(target, rule=why)


def _deployed_order(env: ReleaseEnvironment) -> tuple[datetime, int]:
    """Stages by when they were deployed (never deployed first), then by their id."""
    return (env.deployed_at or datetime.min.replace(tzinfo=UTC), env.env_id)


def _what(target: ReleaseTarget) -> str:
    model = f"{target.model_name}:{target.model_version}" if target.model_version else ""
    return " ".join(p for p in (model, target.image or "") if p) or "no model or image"


def parse_release(doc: Mapping[str, Any], provider: str, rule: TargetRule) -> Release:
    """A ``Release/releases/{id}`` document; what it deployed from the rule's variables at
    release scope (with variable groups) or, where stages set them, at stage scope."""
    if not isinstance(doc, Mapping) or "id" not in doc:
        raise BadData("release: missing field 'id'")
    release_id = int(doc["id"])
    variables = _scoped(doc)
    artifacts: Sequence[Mapping[str, Any]] = doc.get("artifacts") or []
    primary = next(
        (a for a in artifacts if a.get("isPrimary")), artifacts[0] if artifacts else None
    )
    ref = (primary or {}).get("definitionReference") or {}
    build_id = (ref.get("version") or {}).get("id")
    environments = tuple(
        ReleaseEnvironment(
            env_id=int(env["id"]),
            name=str(env.get("name", "")),
            status=str(env.get("status", "")),
            deployed_at=parse_iso(_deployed_at(env)),
            tasks=_tasks(env),
        )
        for env in doc.get("environments") or []
    )
    web = ((doc.get("_links") or {}).get("web") or {}).get("href")
    return Release(
        release_id=release_id,
        name=str(doc.get("name", release_id)),
        definition=str((doc.get("releaseDefinition") or {}).get("name", "")),
        status=str(doc.get("status", "")),
        created_at=parse_iso(doc.get("createdOn")),
        created_by=_person(doc.get("createdBy")),
        build_id=int(build_id) if build_id else None,
        build_number=(ref.get("version") or {}).get("name"),
        commit=(ref.get("sourceVersion") or {}).get("id"),
        environments=environments,
        variables=variables,
        target=_target(doc, rule, artifact_variables(artifacts), variables, environments),
        source=Source(provider, f"release {release_id}", web),
    )


def parse_artifact(
    doc: Mapping[str, Any], metadata: Mapping[str, Any] | None, keys: MetadataKeys, provider: str
) -> BuildArtifact:
    """A build artifact entry plus the parsed metadata file it carries (if any)."""
    name = str(doc.get("name", ""))
    meta = metadata or {}
    folders = meta.get(keys.data_folders) or []
    if not isinstance(folders, list):
        raise BadData(f"artifact {name}: {keys.data_folders!r} is not a list")
    commit = meta.get(keys.commit)
    resource = doc.get("resource") or {}
    return BuildArtifact(
        name=name,
        commit=str(commit) if commit else None,
        data_folders=tuple(str(f) for f in folders),
        metadata=dict(meta),
        source=Source(provider, f"artifact {name}", resource.get("downloadUrl")),
    )


def parse_build(
    doc: Mapping[str, Any], provider: str, artifacts: tuple[BuildArtifact, ...]
) -> Build:
    """A ``build/builds/{id}`` document with its artifacts already read."""
    if not isinstance(doc, Mapping) or "id" not in doc:
        raise BadData("build: missing field 'id'")
    build_id = int(doc["id"])
    web = ((doc.get("_links") or {}).get("web") or {}).get("href")
    return Build(
        build_id=build_id,
        number=str(doc.get("buildNumber", build_id)),
        status=str(doc.get("status", "")),
        result=doc.get("result"),
        definition=str((doc.get("definition") or {}).get("name", "")),
        source_commit=doc.get("sourceVersion"),
        branch=doc.get("sourceBranch"),
        requested_by=_person(doc.get("requestedFor")),
        queued_at=parse_iso(doc.get("queueTime")),
        finished_at=parse_iso(doc.get("finishTime")),
        artifacts=artifacts,
        source=Source(provider, f"build {build_id}", web),
    )
