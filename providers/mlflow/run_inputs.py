"""What an MLflow run records it read and wrote: ``run.inputs.dataset_inputs`` (logged
datasets: name, digest, source) and, from MLflow 3, ``run.inputs.model_inputs`` and
``run.outputs.model_outputs`` (logged models by id).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from providers.records import RunInput

_SOURCE_KEYS = ("uri", "path", "url", "table_name", "source")


def _items(value: Any) -> list[Mapping[str, Any]]:
    return [v for v in value if isinstance(v, Mapping)] if isinstance(value, list) else []


def _context(tags: Any) -> str:
    for tag in _items(tags):
        if tag.get("key") == "mlflow.data.context" and tag.get("value"):
            return str(tag["value"])
    return ""


def dataset_source(source_type: Any, source: Any) -> str | None:
    """Where a logged dataset came from: the URI/path/table in its JSON ``source``, else
    the source text itself (None when it names nothing)."""
    text = str(source or "").strip()
    if not text:
        return None
    try:
        decoded = json.loads(text)
    except ValueError:
        return text
    if isinstance(decoded, Mapping):
        found = next((decoded[k] for k in _SOURCE_KEYS if decoded.get(k)), None)
        if found:
            return str(found)
        return f"{source_type or 'unknown'} source {json.dumps(decoded, sort_keys=True)}"
    return text


def run_inputs(run: Mapping[str, Any]) -> tuple[RunInput, ...]:
    """The datasets (with their digest and source) and MLflow 3 logged models a run's
    ``inputs`` name; their context (training, eval …) in ``origin``."""
    inputs = run.get("inputs")
    if not isinstance(inputs, Mapping):
        return ()
    found: list[RunInput] = []
    for entry in _items(inputs.get("dataset_inputs")):
        dataset = entry.get("dataset")
        if not isinstance(dataset, Mapping):
            continue
        context = _context(entry.get("tags"))
        found.append(
            RunInput(
                name=str(dataset.get("name") or "?"),
                kind=f"dataset ({dataset.get('source_type') or 'unknown source'})",
                uri=dataset_source(dataset.get("source_type"), dataset.get("source")),
                asset=f"digest {dataset['digest']}" if dataset.get("digest") else None,
                origin=f"MLflow dataset ({context})" if context else "MLflow dataset",
            )
        )
    for entry in _items(inputs.get("model_inputs")):
        if entry.get("model_id"):
            model = str(entry["model_id"])
            found.append(RunInput(model, "logged model", f"models:/{model}", None, "MLflow input"))
    return tuple(found)


def run_outputs(run: Mapping[str, Any]) -> dict[str, str]:
    """The MLflow 3 logged models a run's ``outputs`` name (``model_id`` -> ``models:/…``)."""
    outputs = run.get("outputs")
    if not isinstance(outputs, Mapping):
        return {}
    return {
        str(entry["model_id"]): f"models:/{entry['model_id']}"
        for entry in _items(outputs.get("model_outputs"))
        if entry.get("model_id")
    }
