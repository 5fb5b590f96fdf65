"""A training job's audit evidence: the inputs it read (data assets with versions, URIs),
its environment (image, conda packages), code snapshot and compute.

One reading for the REST document (``properties.inputs`` with ``jobInputType``/``uri``) and
the azure-ai-ml entity (``Input`` objects with ``type``/``path``, literals as plain values):
both are duck-typed here, so this module imports no Azure SDK.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Mapping
from typing import Any

from providers.records import RunInput, RunSetup, TrainingRun

# azureml:name:version, or an ARM id / azureml:// URI ending in /data/<name>/versions/<v>
_SHORT_DATA = re.compile(r"^azureml:(?P<name>[^:/]+):(?P<version>[^:/]+)$")
_LONG_DATA = re.compile(r"/data/(?P<name>[^/]+)/versions/(?P<version>[^/]+)/?$", re.IGNORECASE)
_JOB_INPUT = "job input"


def data_asset_ref(uri: str | None) -> tuple[str, str] | None:
    """(name, version) of a data asset an input references (workspace or registry)."""
    if not uri:
        return None
    match = _SHORT_DATA.match(uri) or _LONG_DATA.search(uri)
    return (match["name"], match["version"]) if match else None


def _field(value: Any, *names: str) -> Any:
    for name in names:
        found = value.get(name) if isinstance(value, Mapping) else getattr(value, name, None)
        if found is not None:
            return found
    return None


def job_input(name: str, value: Any) -> RunInput:
    """One job input, REST or SDK shape; a literal keeps its value in the note."""
    value = getattr(value, "_data", value)  # the SDK wraps each input (NodeInput)
    kind = _field(value, "jobInputType", "type")
    if kind is None:  # a literal the SDK unpacked
        return RunInput(name, "literal", None, None, _JOB_INPUT, f"value {value}")
    kind = str(getattr(kind, "value", kind))
    if kind == "literal":
        return RunInput(name, kind, None, None, _JOB_INPUT, f"value {_field(value, 'value')}")
    uri = _field(value, "uri", "path")
    uri = str(uri) if uri else None
    if data_asset_ref(uri) is None:
        return RunInput(name, kind, uri, None, _JOB_INPUT)
    return RunInput(name, kind, None, uri, _JOB_INPUT)  # its path is the asset's, read apart


def job_inputs(inputs: Any) -> tuple[RunInput, ...]:
    """Every input of a job's ``inputs`` map, by name."""
    if not isinstance(inputs, Mapping):
        return ()
    return tuple(job_input(str(k), v) for k, v in sorted(inputs.items()) if v is not None)


def job_outputs(outputs: Any) -> dict[str, str]:
    """A job's outputs that name where they were written (name -> URI)."""
    if not isinstance(outputs, Mapping):
        return {}
    found = {str(k): _field(v, "uri", "path") for k, v in outputs.items() if v is not None}
    return {k: str(v) for k, v in sorted(found.items()) if v}


def conda_packages(conda: Any) -> tuple[str, ...]:
    """The packages a conda spec lists (``dependencies`` and their ``pip`` list), as
    written: ``scikit-learn=1.5.2`` is pinned, ``pandas`` is not.  A spec given as YAML
    text is read with ``yaml.safe_load`` (data only)."""
    if isinstance(conda, str):
        import yaml  # noqa: PLC0415 - only when a job's environment has a conda file

        try:
            conda = yaml.safe_load(conda)
        except yaml.YAMLError:
            return ()
    deps = conda.get("dependencies") if isinstance(conda, Mapping) else None
    found: list[str] = []
    for dep in deps if isinstance(deps, list) else ():
        if isinstance(dep, Mapping):
            found += [f"pip: {p}" for p in dep.get("pip") or () if isinstance(p, str)]
        elif isinstance(dep, str | int | float):
            found.append(str(dep))
    return tuple(found)


def compute_name(compute: Any) -> str | None:
    """A job's compute by name (the SDK gives the name, the REST body the ARM id)."""
    text = str(compute or "").rstrip("/")
    return text.rsplit("/computes/", 1)[-1] if text else None


def training_environment(
    image: Any, conda: Any, build: Any
) -> tuple[str | None, tuple[str, ...], str]:
    """(image, conda packages, note) of a training job's environment: the base image, and
    the packages as pinned, where Azure ML built the image from a conda file."""
    how = "a conda file on this base image" if conda else "a Dockerfile" if build else ""
    note = f"Azure ML built the training image from {how}; the built image is not recorded"
    return (str(image) if image else None), conda_packages(conda), note if how else ""


def job_setup(
    props: Mapping[str, Any], environment: tuple[str | None, tuple[str, ...], str]
) -> RunSetup:
    """A job's setup from its REST ``properties`` and its environment as read."""
    image, packages, note = environment
    return RunSetup(
        environment=str(props.get("environmentId") or "") or None,
        image=image,
        packages=packages,
        code=str(props.get("codeId") or "") or None,
        compute=compute_name(props.get("computeId")),
        note=note,
    )


def with_job_evidence(
    run: TrainingRun, inputs: tuple[RunInput, ...], outputs: Mapping[str, str], setup: RunSetup
) -> TrainingRun:
    """The run with its job's inputs first (then what MLflow logged), outputs and setup."""
    return dataclasses.replace(
        run, inputs=inputs + run.inputs, outputs={**outputs, **run.outputs}, setup=setup
    )
