"""Whether a registry model's training job, found by name in this profile's workspace, is
surely the job that trained it.

A registry model records its job by name only (``jobName``, or a modelUri
``azureml://jobs/<job>/outputs/…``); the job is looked up in this profile's workspace, and
a job of the same name in another workspace would be another job.  It is tied only when
the model's path is (under) one of the found job's outputs, both read as full storage
locations: a workspace-relative ``azureml://datastores/<d>/paths/<p>`` output is placed in
the job's workspace (from its ARM id); a path naming a job by name ties nothing.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import urlsplit

from providers.records import ModelVersion, TrainingRun

_WORKSPACE = re.compile(
    r"/subscriptions/(?P<s>[^/]+)/resourcegroups/(?P<g>[^/]+)/providers/"
    r"microsoft\.machinelearningservices/workspaces/(?P<w>[^/]+)/",
    re.IGNORECASE,
)
_LONG = re.compile(
    r"^azureml://(subscriptions/[^/]+/resourcegroups/[^/]+/workspaces/[^/]+/datastores/[^/]+)"
    r"/paths/(.*)$",
    re.IGNORECASE,
)
_STORAGE_SCHEMES = ("abfss", "abfs", "wasbs", "wasb", "https", "http", "s3", "gs", "dbfs")


@dataclass(frozen=True, slots=True)
class RunLink:
    """Whether the run is tied to the model, and the sentence saying so or why not."""

    tied: bool
    sentence: str


def job_workspace(run: TrainingRun) -> str | None:
    """``subscriptions/<s>/resourcegroups/<g>/workspaces/<w>`` of a job's ARM id."""
    found = _WORKSPACE.search(run.source.native_id + "/")
    if found is None:
        return None
    return f"subscriptions/{found['s']}/resourcegroups/{found['g']}/workspaces/{found['w']}"


def location(uri: str, workspace: str | None) -> str | None:
    """The full storage location ``uri`` names (the datastore part lower-cased), or None
    when it names none by itself (a job by name, a relative datastore path and no
    workspace to place it in, an unknown scheme)."""
    uri = uri.strip().rstrip("/")
    if uri.startswith("azureml://datastores/") and workspace:
        uri = f"azureml://{workspace}/{uri.removeprefix('azureml://')}"
    long = _LONG.match(uri)
    if long:
        return f"azureml://{long[1].lower()}/paths/{long[2].strip('/')}"
    parts = urlsplit(uri)
    if parts.scheme.lower() in _STORAGE_SCHEMES and parts.netloc:
        return f"{parts.scheme.lower()}://{parts.netloc.lower()}/{parts.path.strip('/')}"
    return None


def _under(path: str, folder: str) -> bool:
    return path == folder or path.startswith(folder.rstrip("/") + "/")


def registry_run_link(model: ModelVersion, run: TrainingRun) -> RunLink | None:
    """For a registry model (None otherwise): is the job found in this workspace the one
    whose output it was registered from?"""
    registry = model.properties.get("registry")
    if not registry:
        return None
    model_uri = model.properties.get("modelUri", "")
    workspace = job_workspace(run)
    where = f"workspace {workspace.rsplit('/', 1)[-1]}" if workspace else "this workspace"
    wanted = location(model_uri, None) if model_uri else None
    for name, uri in run.outputs.items():
        placed = location(uri, workspace)
        if wanted and placed and _under(wanted, placed):
            return RunLink(
                True,
                f"tied: the model of registry {registry} was registered from {model_uri}, "
                f"which is the job's output {name} ({uri}) in {where}",
            )
    outputs = ", ".join(f"{k} ({v})" for k, v in run.outputs.items()) or "it records none"
    path = (
        f"its path {model_uri} is none of the job's outputs ({outputs})"
        if wanted
        else f"its path ({model_uri or 'none recorded'}) names no storage location by itself"
    )
    return RunLink(
        False,
        f"UNCERTAIN: job {run.run_id} was found by name in {where}, but nothing ties it to "
        f"the model of registry {registry}: {path}; a job of the same name in another workspace "
        "may have trained it",
    )
