"""Azure ML REST documents (ARM shapes, camelCase) to records.

The same code reads the local demo's JSON files and, later, the responses the Azure
provider gets; field names follow the ``Microsoft.MachineLearningServices`` REST API.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from providers.azureml.job_inputs import conda_packages
from providers.errors import BadData
from providers.records import Deployment, Endpoint, ModelVersion, Source
from providers.timeutil import parse_iso

_ARM_MODEL = re.compile(r"/models/(?P<name>[^/]+)/versions/(?P<version>[^/]+)/?$", re.IGNORECASE)
_SHORT_MODEL = re.compile(r"^azureml:(?P<name>[^:/]+):(?P<version>[^:/]+)$")
_ARM_ENV = re.compile(r"/environments/(?P<name>[^/]+)/versions/(?P<version>[^/]+)/?$", re.I)


def in_registry(ref: str | None) -> bool:
    """True for an asset of an Azure ML registry (``azureml://registries/<r>/…``, or the
    ARM id the SDK turns it into): it is not the workspace's asset of the same name and
    version."""
    text = str(ref or "").lower()
    return "://registries/" in text or "/microsoft.machinelearningservices/registries/" in text


_REGISTRY_ASSET = re.compile(
    r"(?:^azureml:/|/providers/Microsoft\.MachineLearningServices)/registries/"
    r"(?P<registry>[^/]+)/(?P<kind>models|environments|data)/(?P<name>[^/]+)/versions/"
    r"(?P<version>[^/]+)/?$",
    re.IGNORECASE,
)


def registry_asset(ref: str | None, kind: str) -> tuple[str, str, str] | None:
    """(registry, name, version) of ``azureml://registries/<r>/<kind>/<n>/versions/<v>``
    or its ARM id (``kind``: models, environments or data); None for any other reference."""
    match = _REGISTRY_ASSET.search(ref or "")
    if match is None or match["kind"].lower() != kind:
        return None
    return match["registry"], match["name"], match["version"]


def parse_model_ref(ref: str | None) -> tuple[str, str] | None:
    """(name, version) of a workspace model from ``azureml:name:version``, an ARM id or an
    azureml:// URI; None for a registry model (see :func:`in_registry`)."""
    if not ref or in_registry(ref):
        return None
    match = _SHORT_MODEL.match(ref) or _ARM_MODEL.search(ref)
    return (match["name"], match["version"]) if match else None


def parse_environment_ref(ref: str | None) -> tuple[str, str] | None:
    """(name, version) of a workspace environment from its ARM id or
    ``azureml:name:version``; None for a registry environment."""
    if not ref or in_registry(ref):
        return None
    match = _SHORT_MODEL.match(ref) or _ARM_ENV.search(ref)
    return (match["name"], match["version"]) if match else None


def _require(doc: Mapping[str, Any], key: str, what: str) -> Any:
    if not isinstance(doc, Mapping) or key not in doc:
        raise BadData(f"{what}: missing field {key!r}")
    return doc[key]


def _props(doc: Mapping[str, Any], what: str) -> Mapping[str, Any]:
    props = doc.get("properties", {})
    if not isinstance(props, Mapping):
        raise BadData(f"{what}: 'properties' is not an object")
    return props


def _str_map(value: Any) -> dict[str, str]:
    if not isinstance(value, Mapping):
        return {}
    return {str(k): "" if v is None else str(v) for k, v in value.items()}


def _state(value: Any) -> str | None:
    return str(value) if value else None


def parse_endpoint(doc: Mapping[str, Any], provider: str) -> Endpoint:
    """An ``onlineEndpoints/{name}`` document."""
    name = str(_require(doc, "name", "online endpoint"))
    props = _props(doc, f"endpoint {name}")
    system = doc.get("systemData") or {}
    traffic = props.get("traffic") or {}
    return Endpoint(
        name=name,
        scoring_uri=props.get("scoringUri"),
        auth_mode=props.get("authMode"),
        state=_state(props.get("provisioningState")),
        kind=doc.get("kind"),
        traffic={str(k): int(v) for k, v in traffic.items()} if isinstance(traffic, dict) else {},
        created_at=parse_iso(system.get("createdAt")),
        updated_at=parse_iso(system.get("lastModifiedAt")),
        source=Source(provider, str(doc.get("id") or name)),
    )


def parse_deployment(
    doc: Mapping[str, Any],
    endpoint: str,
    provider: str,
    *,
    traffic_share: int | None = None,
    image: str | None = None,
) -> Deployment:
    """An ``onlineEndpoints/{ep}/deployments/{name}`` document; the image comes separately."""
    name = str(_require(doc, "name", f"deployment of {endpoint}"))
    props = _props(doc, f"deployment {endpoint}/{name}")
    model_ref = props.get("model")
    model = parse_model_ref(model_ref)
    system = doc.get("systemData") or {}
    sku = doc.get("sku") or {}
    return Deployment(
        endpoint=endpoint,
        name=name,
        model_ref=model_ref,
        model_name=model[0] if model else None,
        model_version=model[1] if model else None,
        environment=props.get("environmentId"),
        image=image,
        instance_type=props.get("instanceType"),
        instance_count=int(sku["capacity"]) if "capacity" in sku else None,
        traffic_share=traffic_share,
        state=_state(props.get("provisioningState")),
        created_at=parse_iso(system.get("createdAt")),
        updated_at=parse_iso(system.get("lastModifiedAt")),
        source=Source(provider, str(doc.get("id") or f"{endpoint}/{name}")),
        data_collection=parse_data_collector(props.get("dataCollector")),
    )


def parse_data_collector(collector: Any) -> dict[str, str]:
    """A deployment's ``dataCollector``: each collection's mode and sampling, the rolling rate."""
    if not isinstance(collector, Mapping):
        return {}
    out: dict[str, str] = {}
    collections = collector.get("collections")
    for name, spec in collections.items() if isinstance(collections, Mapping) else ():
        if not isinstance(spec, Mapping):
            continue
        mode = str(spec.get("dataCollectionMode") or "Enabled")
        rate = spec.get("samplingRate")
        sampled = f" {float(rate) * 100:g}%" if isinstance(rate, int | float) else ""
        out[str(name)] = mode + sampled
    if collector.get("rollingRate"):
        out["rolling_rate"] = str(collector["rollingRate"])
    return out


def environment_image(image: object, conda_file: object, build: object) -> tuple[str | None, str]:
    """(the image an environment runs in, or None and why): an image Azure ML builds (from
    a conda file on the base ``image``, or a Dockerfile) is not the base, and the built one
    is not in the environment's record; the base and the conda packages (pinned versions
    are audit evidence) are said."""
    if conda_file:
        packages = ", ".join(conda_packages(conda_file)) or "no packages listed"
        how = f"this base, {image}, and a conda file ({packages})"
    elif build:
        how = "a Dockerfile"
    else:
        return (str(image), "") if image else (None, "the environment names no image")
    not_exposed = "the built image is not exposed by the environment's record"
    return None, f"built by Azure ML from {how}; {not_exposed}"


def parse_environment_image(doc: Mapping[str, Any]) -> tuple[str | None, str]:
    """The image of an ``environments/{n}/versions/{v}`` document (see environment_image)."""
    props = doc.get("properties") or {}
    if not isinstance(props, Mapping):
        return None, "the environment's record has no properties"
    return environment_image(props.get("image"), props.get("condaFile"), props.get("build"))


_LABELLED_ENV = re.compile(
    r"^azureml://registries/(?P<registry>[^/]+)/environments/(?P<name>[^/]+)/labels/"
    r"(?P<label>[^/]+)/?$|^azureml:(?P<ws_name>[^:@/]+)@(?P<ws_label>[^:@/]+)$",
    re.IGNORECASE,
)


def environment_label(ref: str | None) -> tuple[str | None, str, str] | None:
    """(registry, or None for the workspace; name; label) of an environment named by its
    label (``azureml://registries/<r>/environments/<n>/labels/<l>``, ``azureml:<n>@<l>``)."""
    found = _LABELLED_ENV.match(ref or "")
    if found is None:
        return None
    if found["name"]:
        return found["registry"], found["name"], found["label"]
    return None, found["ws_name"], found["ws_label"]


def environment_gap(ref: str | None, owner: str = "deployment") -> str:
    """Why an environment reference gives no image before anything is read ("" if none)."""
    if not ref:
        return f"the {owner} names no environment"
    if environment_label(ref):
        return (
            f"{ref} names its environment by a label, not a version: only Azure ML resolves "
            "a label (the azureml provider reads it), these documents cannot"
        )
    if in_registry(ref):
        return (
            f"{ref} is a registry environment reference this provider does not read (it "
            "reads azureml://registries/<registry>/environments/<name>/versions/<version>)"
        )
    if parse_environment_ref(ref) is None:
        return f"{ref} is not an environment reference this provider reads"
    return ""


# A model registered from a job's output names the job in its URI (the Azure ML docs'
# azureml://jobs/<job>/outputs/artifacts/paths/model/, or MLflow's runs:/<run>/model).
_JOB_IN_URI = re.compile(r"^(?:azureml://(?:[^?#]*/)?jobs/([^/?#]+)/outputs/|runs:/([^/?#]+)/)")


def model_run_id(
    job_name: object,
    model_uri: object,
    properties: Mapping[str, str],
    tags: Mapping[str, str],
    run_id_tag: str,
) -> tuple[str | None, str]:
    """(the training run of a model version, how it was found when the version has no
    ``jobName``): its ``jobName``, else the job its ``modelUri`` names, else
    ``properties["azureml.runId"]``, else the tag ``run_id_tag``; None when none does (a
    model registered by hand, say)."""
    found = _JOB_IN_URI.match(model_uri) if isinstance(model_uri, str) else None
    from_uri = next((g for g in found.groups() if g), None) if found else None
    run_id = job_name or from_uri or properties.get("azureml.runId") or tags.get(run_id_tag)
    note = "" if job_name or not from_uri else f"the job its modelUri {model_uri} names; no jobName"
    return (str(run_id) if run_id else None), note


def parse_model_version(
    doc: Mapping[str, Any], model_name: str, provider: str, run_id_tag: str = "training_run_id"
) -> ModelVersion:
    """A ``models/{name}/versions/{v}`` document (its resource ``name`` is the version);
    the run id by :func:`model_run_id`."""
    version = str(_require(doc, "name", f"model {model_name} version"))
    props = _props(doc, f"model {model_name}:{version}")
    tags = _str_map(props.get("tags"))
    properties = _str_map(props.get("properties"))
    system = doc.get("systemData") or {}
    run_id, run_note = model_run_id(
        props.get("jobName"), props.get("modelUri"), properties, tags, run_id_tag
    )
    return ModelVersion(
        name=model_name,
        version=version,
        description=str(props.get("description") or ""),
        tags=tags,
        properties=properties,
        run_id=run_id,
        created_by=system.get("createdBy"),
        created_at=parse_iso(system.get("createdAt")),
        source=Source(provider, str(doc.get("id") or f"{model_name}:{version}")),
        run_note=run_note,
    )
