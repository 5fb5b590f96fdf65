"""A local HTTPS fake of the Azure ML workspace REST API (ARM shapes) for the real MLClient.

It serves a local-rest documents folder: online endpoints and deployments, model
containers and versions, environment versions, and jobs made from the MLflow runs.  The
workspace's MLflow tracking service is mounted under ``/mlflow/v1.0{WS}`` (the path the
jobs' ``Tracking`` service names).  ``api-version`` is ignored, as different SDK calls
send different ones; lists are paged with absolute ``nextLink`` URLs.

MLClient refuses bearer tokens over plain HTTP for the model calls, so the fake speaks
TLS with a self-signed certificate made here (SAN IP:127.0.0.1).
"""

from __future__ import annotations

import datetime as dt
import ipaddress
import json
import ssl
from pathlib import Path
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from fake_mlflow import FakeServer, MlflowStore, Reply, page

from providers.timeutil import parse_iso

WS = (
    "/subscriptions/6f1c2b7e-3d4a-4c1e-9b2f-7a8d9e0f1a2b/resourceGroups/rg-mortgage-ml"
    "/providers/Microsoft.MachineLearningServices/workspaces/mlw-mortgage-prod"
)
_, _, SUBSCRIPTION, _, RESOURCE_GROUP, _, _, _, WORKSPACE = WS.split("/")
DISCOVERY = "/registrymanagement/v1.0/registries/"
REGISTRY_FRONTEND = "/mferp/managementfrontend/"
REGISTRY_RESOURCE_GROUP = "rg-ml-shared"
_JOB_STATUS = {"FINISHED": "Completed", "FAILED": "Failed", "KILLED": "Canceled"}


def self_signed_tls(folder: Path) -> tuple[ssl.SSLContext, Path]:
    """A server TLS context for 127.0.0.1 and the path of its certificate (the CA bundle)."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = folder / "fake-arm.pem", folder / "fake-arm.key"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert_path, key_path)
    return context, cert_path


def _as_served(doc: dict[str, Any]) -> dict[str, Any]:
    """The document as ARM sends it: endpoints and deployments always carry a (possibly
    empty) ``properties.properties`` map, deployments their scale settings, Kubernetes
    deployments their resource requests, model versions their flavors; the SDK requires
    them."""
    props = doc.get("properties")
    if isinstance(props, dict) and ("endpointComputeType" in props or "authMode" in props):
        props.setdefault("properties", {})
    if isinstance(props, dict) and "endpointComputeType" in props:
        props.setdefault("scaleSettings", {"scaleType": "Default"})
    if isinstance(props, dict) and props.get("endpointComputeType") == "Kubernetes":
        requests = {"containerResourceRequests": {"cpu": "1", "memory": "2Gi"}}
        props.setdefault("containerResourceRequirements", requests)
    if isinstance(props, dict) and "modelUri" in props:
        props.setdefault("flavors", {})
    return doc


def _arm_not_found(what: str) -> Reply:
    return Reply(404, {"error": {"code": "NotFound", "message": f"{what} was not found."}})


class FakeWorkspace:
    """The ARM routes of one workspace, answered from a local-rest folder."""

    def __init__(self, docs: Path, *, page_size: int = 2) -> None:
        self.docs = docs
        self.page_size = page_size
        self.mlflow = MlflowStore(docs, page_size=page_size)
        self.base_url = ""  # set once the server knows its port

    def __call__(self, method: str, path: str, query: dict[str, str]) -> Reply:
        tracking = f"/mlflow/v1.0{WS}"
        if path.startswith(tracking):
            return self.mlflow(method, path.removeprefix(tracking), query)
        if path.startswith((DISCOVERY, REGISTRY_FRONTEND)):
            return self._registry(path)
        if not path.startswith(WS + "/"):
            return Reply(404, {"error": {"code": "ResourceGroupNotFound", "message": f"no {path}"}})
        parts = path.removeprefix(WS + "/").split("/")
        token = query.get("$skipToken")
        match parts:
            case ["onlineEndpoints"]:
                return self._list(path, "azureml/onlineEndpoints", token)
            case ["onlineEndpoints", name]:
                return self._doc(f"azureml/onlineEndpoints/{name}.json", f"endpoint {name}")
            case ["onlineEndpoints", name, "deployments"]:
                if not (self.docs / f"azureml/onlineEndpoints/{name}.json").is_file():
                    return _arm_not_found(f"endpoint {name}")
                return self._list(path, f"azureml/onlineEndpoints/{name}/deployments", token)
            case ["onlineEndpoints", name, "deployments", dep]:
                rel = f"azureml/onlineEndpoints/{name}/deployments/{dep}.json"
                return self._doc(rel, f"deployment {name}/{dep}")
            case ["models"]:
                return self._model_containers(path, token)
            case ["models", name, "versions"]:
                if not (self.docs / f"azureml/models/{name}").is_dir():
                    return _arm_not_found(f"model {name}")
                return self._list(path, f"azureml/models/{name}/versions", token)
            case ["models", name, "versions", version]:
                rel = f"azureml/models/{name}/versions/{version}.json"
                return self._doc(rel, f"model {name}:{version}")
            case ["environments", name, "versions", version]:
                rel = f"azureml/environments/{name}/versions/{version}.json"
                return self._doc(rel, f"environment {name}:{version}")
            case ["data", name, "versions", version]:
                return self._doc(f"azureml/data/{name}/versions/{version}.json", f"data {name}")
            case ["jobs", name]:
                if (self.docs / f"azureml/jobs/{name}.json").is_file():  # a job document
                    return self._job_doc(name)
                return self._job(name)
        return _arm_not_found(path)

    def _registry(self, path: str) -> Reply:
        """The registry discovery service and a registry's assets, from
        ``azureml/registries/<registry>/{models,environments,data}/<name>/versions/<v>.json``
        (a registry without a folder is unknown); the discovery answer has the fields of
        azure-ai-ml's own test fixture (tests/official/azureml/RegistryDiscovery.json)."""
        if path.startswith(DISCOVERY):
            name = path.removeprefix(DISCOVERY).removesuffix("/discovery")
            if not (self.docs / "azureml/registries" / name).is_dir():
                return _arm_not_found(f"registry {name}")
            return Reply(
                body={
                    "registryName": name,
                    "primaryRegionResourceProviderUri": self.base_url + "/",
                    "resourceGroup": REGISTRY_RESOURCE_GROUP,
                    "subscriptionId": SUBSCRIPTION,
                }
            )
        match path.removeprefix(REGISTRY_FRONTEND).split("/"):
            case [
                "subscriptions", _, "resourceGroups", _, "providers", _, "registries", name,
                kind, asset, "versions", version,
            ]:  # fmt: skip
                rel = f"azureml/registries/{name}/{kind}/{asset}/versions/{version}.json"
                return self._doc(rel, f"{kind} {asset}:{version} of registry {name}")
            case [
                "subscriptions", _, "resourceGroups", _, "providers", _, "registries", name,
                kind, asset, "versions",
            ]:  # fmt: skip
                # newest created first: the SDK asks $orderBy=createdtime desc, $top=1
                folder = self.docs / f"azureml/registries/{name}/{kind}/{asset}/versions"
                docs = [json.loads(p.read_text()) for p in sorted(folder.glob("*.json"))]
                docs.sort(key=lambda d: d.get("systemData", {}).get("createdAt", ""), reverse=True)
                return Reply(body={"value": [_as_served(d) for d in docs]})
        return _arm_not_found(path)

    def _doc(self, relative: str, what: str) -> Reply:
        path = self.docs / relative
        if not path.is_file():
            return _arm_not_found(what)
        return Reply(body=_as_served(json.loads(path.read_text())))

    def _paged(self, path: str, items: list[Any], token: str | None) -> Reply:
        chunk, following = page(items, token, self.page_size)
        body: dict[str, Any] = {"value": chunk}
        if following:
            body["nextLink"] = (
                f"{self.base_url}{path}?api-version=2023-04-01&$skipToken={following}"
            )
        return Reply(body=body)

    def _list(self, path: str, folder: str, token: str | None) -> Reply:
        files = sorted((self.docs / folder).glob("*.json"))
        return self._paged(path, [_as_served(json.loads(f.read_text())) for f in files], token)

    def _model_containers(self, path: str, token: str | None) -> Reply:
        folder = self.docs / "azureml/models"
        names = sorted(p.name for p in folder.iterdir() if p.is_dir())
        containers = [
            {"id": f"{WS}/models/{n}", "name": n, "properties": {"description": "", "tags": {}}}
            for n in names
        ]
        return self._paged(path, containers, token)

    def _job_doc(self, name: str) -> Reply:
        """A job document over the job made from its MLflow run (tags, properties and the
        Tracking service, which every real job has), its own fields winning."""
        doc = json.loads((self.docs / f"azureml/jobs/{name}.json").read_text())
        made = self._job(name)
        if made.status == 200 and isinstance(made.body, dict):
            doc["properties"] = {**made.body["properties"], **doc["properties"]}
            doc.setdefault("systemData", made.body["systemData"])
        return Reply(body=doc)

    def _job(self, name: str) -> Reply:
        """A command job made from the MLflow run of the same name."""
        path = self.docs / f"mlflow/runs/{name}.json"
        if not path.is_file():
            return _arm_not_found(f"job {name}")
        run = json.loads(path.read_text())["run"]
        info, tags = run["info"], {t["key"]: t["value"] for t in run["data"].get("tags", [])}
        started = parse_iso(info.get("start_time"))
        host = self.base_url.removeprefix("https://")
        return Reply(
            body={
                "id": f"{WS}/jobs/{name}",
                "name": name,
                "type": "Microsoft.MachineLearningServices/workspaces/jobs",
                "systemData": {
                    "createdBy": info.get("user_id"),
                    "createdAt": started.isoformat() if started else None,
                },
                "properties": {
                    "jobType": "Command",
                    "displayName": info.get("run_name"),
                    "experimentName": tags.get("mlflow.experimentName", "Default"),
                    "status": _JOB_STATUS.get(info.get("status"), "Running"),
                    "tags": {k: v for k, v in tags.items() if not k.startswith("mlflow.")},
                    "properties": {k: v for k, v in tags.items() if k.startswith("mlflow.")},
                    "command": "python train.py",
                    "environmentId": "azureml:mortgage-train-env:1",
                    "computeId": f"{WS}/computes/cpu-cluster",
                    "inputs": {},
                    "outputs": {},
                    "services": {
                        "Tracking": {
                            "jobServiceType": "Tracking",
                            "endpoint": f"azureml://{host}/mlflow/v1.0{WS}",
                        },
                        "Studio": {
                            "jobServiceType": "Studio",
                            "endpoint": f"https://ml.azure.com/runs/{name}?wsid={WS}",
                        },
                    },
                },
            }
        )


def fake_workspace_server(docs: Path, tls: ssl.SSLContext) -> FakeServer:
    """An HTTPS FakeServer answering as the workspace in ``docs`` (not started yet)."""
    workspace = FakeWorkspace(docs)
    server = FakeServer(workspace, tls=tls)
    workspace.base_url = server.url
    return server


def workspace_settings(url: str, cert: Path, token_env: str, **extra: Any) -> dict[str, Any]:
    """An ``azureml`` profile table for the fake workspace served at ``url`` over TLS with
    ``cert``, signing in with the token in environment variable ``token_env``."""
    return {
        "subscription_id": SUBSCRIPTION,
        "resource_group": RESOURCE_GROUP,
        "workspace": WORKSPACE,
        "credential": "env-token",
        "token_env": token_env,
        "resource_manager_url": url,
        "ca_bundle": str(cert),
        **extra,
    }
