"""How an MLflow model version links to its training run when the version may not say.

MLflow 3 registers *logged models*: a version's ``source`` is ``models:/m-…`` (and it may
carry ``model_id``); the logged model's ``source_run_id`` is the run that logged it
(``GET logged-models/{model_id}``).  A version registered from a plain path (the UI's
"register model" on a file, ``create_model_version`` without a run) names no run at all:
that is said with what the version does carry, never as a guess.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from providers.errors import ProviderError
from providers.records import ModelVersion

if TYPE_CHECKING:
    from providers.mlflow.client import MlflowClient

LOGGED_MODEL_PREFIX = "m-"


def logged_model_id(version: ModelVersion) -> str | None:
    """The logged model a version was registered from: its ``model_id``, else a
    ``models:/m-…`` source (``models:/NAME/VERSION`` names a registered model, not one)."""
    if version.properties.get("model_id"):
        return version.properties["model_id"]
    rest = version.properties.get("source", "").removeprefix("models:/")
    if rest.startswith(LOGGED_MODEL_PREFIX) and "/" not in rest:
        return rest
    return None


def no_run_note(version: ModelVersion, run_id_tag: str) -> str:
    """Why a version registered from a plain source (or none) has no training run."""
    source = version.properties.get("source")
    carries = f"it was registered from {source}" if source else "it was registered with no source"
    by = f", or ask who registered it ({version.created_by})" if version.created_by else ""
    return (
        f"names no training run: {carries} and no run (MLflow: no run_id, no "
        f"{run_id_tag!r} tag), as a file registered from the UI or by create_model_version "
        "without a run is; the registry cannot say which run trained it. Try: the run that "
        f"logged the artifacts under that path, the version's description and tags{by}"
    )


def link_run(
    client: MlflowClient, version: ModelVersion, run_id_tag: str, ui_base: str
) -> ModelVersion:
    """``version`` with its run found through its logged model, or a note saying why
    no run is known (unchanged when it names its run and has no logged model)."""
    model_id = logged_model_id(version)
    if model_id is None:
        if version.run_id:
            return version
        return dataclasses.replace(version, run_note=no_run_note(version, run_id_tag))
    try:
        doc = client.get_logged_model(model_id)
    except ProviderError as exc:
        if version.run_id:
            note = f"its source, logged model {model_id}, could not be read: {exc}"
        else:
            note = (
                f"names no training run itself, and its source, logged model {model_id}, "
                f"could not be read to find one: {exc}"
            )
        return dataclasses.replace(version, run_note=note)
    info = _info(doc)
    label = f"logged model {model_id}" + (f" ({info['name']!r})" if info.get("name") else "")
    source_run = str(info.get("source_run_id") or "")
    if version.run_id:
        if source_run == version.run_id:
            note = f"registered from {label}, which that run logged"
        elif source_run:
            note = (
                f"UNCERTAIN: the version names run {version.run_id}, but its source, {label}, "
                f"was logged by run {source_run}: the registry and the logged model disagree"
            )
            return dataclasses.replace(version, run_note=note, run_disputed=True)
        else:
            note = f"its source, {label}, names no run"
        return dataclasses.replace(version, run_note=note)
    if source_run:
        return dataclasses.replace(
            version,
            run_id=source_run,
            run_note=f"found through its source, {label}, whose source_run_id it is; "
            "the version itself names no run",
        )
    page = f"{ui_base}/#/experiments/{info.get('experiment_id') or '?'}/models/{model_id}"
    return dataclasses.replace(
        version,
        run_note=(
            f"names no training run: its source is {label}, logged outside any run (no "
            "source_run_id), and the version names none, so no run, parameters or logged "
            f"datasets record its training. Try: the logged model's page {page} (its params, "
            "metrics and tags), or the runs of its experiment around its creation"
        ),
    )


def _info(doc: Mapping[str, Any]) -> Mapping[str, Any]:
    model = doc.get("model")
    info = model.get("info") if isinstance(model, Mapping) else None
    return info if isinstance(info, Mapping) else {}
