"""azure-ai-ml entities to records, matching what :mod:`providers.azureml.parse` reads
from the REST documents (so the SDK and the local provider give equal records).

Works on attributes only (duck typing), so this module imports no Azure SDK.  Where
the SDK reshapes the wire data, the wire form is restored: auth modes are lower-cased
by the SDK (``key`` -> ``Key``); endpoints keep their dates in ``properties``;
deployments keep them in a camelCase ``creation_context`` dict.  Kubernetes deployments
come without dates (azure-ai-ml 1.35 drops their ``systemData``): the provider takes them
from the REST body (:func:`system_dates`).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from providers.azureml.parse import model_run_id, parse_data_collector, parse_model_ref
from providers.records import Deployment, Endpoint, ModelVersion, Source, TrainingRun
from providers.timeutil import parse_iso

_AUTH_MODES = {"key": "Key", "aml_token": "AMLToken", "aad_token": "AADToken"}


def _value(enum_or_str: Any) -> str | None:
    """An SDK enum's value, or the string itself."""
    value = getattr(enum_or_str, "value", enum_or_str)
    return str(value) if value else None


def _when(value: Any) -> datetime | None:
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=UTC)
    return parse_iso(value)


def _str_map(value: Any) -> dict[str, str]:
    if not isinstance(value, Mapping):
        return {}
    return {str(k): "" if v is None else str(v) for k, v in value.items()}


def asset_ref(value: Any) -> str | None:
    """An asset reference that the SDK gives as a string or as an entity with an id."""
    if value is None or isinstance(value, str):
        return value or None
    found = getattr(value, "id", None)
    return str(found) if found else None


def endpoint_record(entity: Any, provider: str) -> Endpoint:
    """An online endpoint entity (managed or Kubernetes)."""
    props = entity.properties or {}
    auth = _value(entity.auth_mode)
    traffic = entity.traffic or {}
    return Endpoint(
        name=str(entity.name),
        scoring_uri=entity.scoring_uri,
        auth_mode=_AUTH_MODES.get(auth or "", auth),
        state=_value(entity.provisioning_state),
        kind=entity.kind,
        traffic={str(k): int(v) for k, v in traffic.items()},
        created_at=parse_iso(props.get("createdAt")),
        updated_at=parse_iso(props.get("lastModifiedAt")),
        source=Source(provider, str(entity.id or entity.name)),
    )


def deployment_record(
    entity: Any, endpoint: str, provider: str, *, traffic_share: int | None, image: str | None
) -> Deployment:
    """An online deployment entity; its image comes from its environment, looked up apart."""
    model_ref = asset_ref(entity.model)
    model = parse_model_ref(model_ref)
    context = entity.creation_context
    if isinstance(context, Mapping):
        created_at = parse_iso(context.get("createdAt"))
        updated_at = parse_iso(context.get("lastModifiedAt"))
    else:  # a SystemData object, or None (Kubernetes deployments)
        created_at = _when(getattr(context, "created_at", None))
        updated_at = _when(getattr(context, "last_modified_at", None))
    count = entity.instance_count
    return Deployment(
        endpoint=endpoint,
        name=str(entity.name),
        model_ref=model_ref,
        model_name=model[0] if model else None,
        model_version=model[1] if model else None,
        environment=asset_ref(entity.environment),
        image=image,
        instance_type=entity.instance_type,
        instance_count=int(count) if count is not None else None,
        traffic_share=traffic_share,
        state=_value(entity.provisioning_state),
        created_at=created_at,
        updated_at=updated_at,
        source=Source(provider, str(entity.id or f"{endpoint}/{entity.name}")),
        data_collection=parse_data_collector(_collector_doc(entity)),
    )


def system_dates(system: Any) -> tuple[datetime | None, datetime | None]:
    """(created, last modified) of a REST ``systemData`` (the generated client's model)."""
    return (
        _when(getattr(system, "created_at", None)),
        _when(getattr(system, "last_modified_at", None)),
    )


def unreadable_deployment(
    endpoint: str, name: str, native_id: Any, error: Exception, provider: str
) -> Deployment:
    """A deployment the SDK could not read: listed with its name, state ``unreadable`` and
    why, so one bad item costs that item and not the endpoint's listing."""
    return Deployment(
        endpoint=endpoint,
        name=name,
        model_ref=None,
        model_name=None,
        model_version=None,
        environment=None,
        image=None,
        instance_type=None,
        instance_count=None,
        traffic_share=None,
        state="unreadable",
        created_at=None,
        updated_at=None,
        source=Source(provider, str(native_id or f"{endpoint}/{name}")),
        image_note=f"the deployment could not be read: {error}",
    )


def _collector_doc(entity: Any) -> dict[str, Any] | None:
    """The deployment's ``DataCollector`` in the REST shape :func:`parse_data_collector` reads."""
    collector = getattr(entity, "data_collector", None)
    if collector is None:
        return None
    collections = {}
    for name, spec in (getattr(collector, "collections", None) or {}).items():
        enabled = str(getattr(spec, "enabled", "true")).lower() != "false"
        collections[str(name)] = {
            "dataCollectionMode": "Enabled" if enabled else "Disabled",
            "samplingRate": getattr(spec, "sampling_rate", None)
            or getattr(collector, "sampling_rate", None),
        }
    return {
        "collections": collections,
        "rollingRate": _value(getattr(collector, "rolling_rate", None)),
    }


def model_record(entity: Any, provider: str, run_id_tag: str = "training_run_id") -> ModelVersion:
    """A model version entity (``path`` is the REST ``modelUri``); the run id by
    :func:`~providers.azureml.parse.model_run_id`."""
    tags, properties = _str_map(entity.tags), _str_map(entity.properties)
    run_id, run_note = model_run_id(entity.job_name, entity.path, properties, tags, run_id_tag)
    system = entity.creation_context
    return ModelVersion(
        name=str(entity.name),
        version=str(entity.version),
        description=str(entity.description or ""),
        tags=tags,
        properties=properties,
        run_id=run_id,
        created_by=getattr(system, "created_by", None),
        created_at=_when(getattr(system, "created_at", None)),
        source=Source(provider, str(entity.id or f"{entity.name}:{entity.version}")),
        run_note=run_note,
    )


def registry_version(
    model: ModelVersion, ref: str, registry: str, workspace: str, model_uri: object = None
) -> ModelVersion:
    """A model version read in ``registry``: its source is the registry reference, its
    path (``modelUri``) kept to tie its run to it, and its run (a job of the workspace
    that published it) is said to be looked up in ``workspace``, or why none is known."""
    if model.run_id:
        note = (
            f"as registry {registry} records it; the job is looked up in workspace "
            f"{workspace}, a job of that name in another workspace would be another job"
        )
    else:
        note = (
            f"names no training run: registry {registry}'s entry records none (no jobName, "
            "no job in its modelUri, no azureml.runId property); look in the workspace "
            "that published it to the registry"
        )
    return dataclasses.replace(
        model,
        properties={
            **model.properties,
            "registry": registry,
            **({"modelUri": str(model_uri)} if model_uri else {}),
        },
        source=Source(model.source.provider, ref),
        run_note=note,
    )


def job_run_record(job: Any, tags: Mapping[str, str], provider: str) -> TrainingRun:
    """A run from a job alone (one without an MLflow run): status, experiment, tags."""
    studio = getattr(job, "studio_url", None)
    return TrainingRun(
        run_id=str(job.name),
        status=_value(job.status) or "Unknown",
        experiment=job.experiment_name or None,
        parameters={},
        metrics={},
        histories={},
        curves=(),
        confusion=None,
        tags=dict(tags),
        started_at=_when(getattr(job.creation_context, "created_at", None)),
        ended_at=None,
        source=Source(provider, str(job.id or job.name), studio),
    )
