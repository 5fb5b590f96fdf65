"""A local HTTP(S) server harness and an MLflow REST fake served from a documents folder.

The folder has the local-rest layout (``mlflow/runs``, ``mlflow/metrics``,
``mlflow/artifacts``, ``azureml/models``), so a test can compare what the REST providers
read with what the local provider reads from the same files.  Lists are paged with tiny
pages so that paging is exercised.  Every request is logged; faults can be queued.
"""

from __future__ import annotations

import json
import ssl
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

from mlflow_job_datasets import job_datasets
from quietserver import QuietHTTPServer

from providers.timeutil import parse_iso


@dataclass
class Reply:
    """What the fake answers: status, headers, body (bytes or JSON-able), optional delay."""

    status: int = 200
    body: Any = None
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0


@dataclass(frozen=True)
class Seen:
    """One request the fake received."""

    method: str
    path: str
    query: dict[str, str]
    authorization: str | None


Route = Callable[[str, str, dict[str, str]], Reply]


class FakeServer:
    """ThreadingHTTPServer on 127.0.0.1 (free port), in a thread, with a request log.

    ``route(method, path, query)`` answers each request unless a queued fault matches.
    """

    def __init__(self, route: Route, *, tls: ssl.SSLContext | None = None) -> None:
        self.route = route
        self.seen: list[Seen] = []
        self._faults: list[tuple[str, Reply]] = []
        self._lock = threading.Lock()
        self.httpd = QuietHTTPServer(("127.0.0.1", 0), self._handler())
        self.httpd.daemon_threads = True
        if tls is not None:
            self.httpd.socket = tls.wrap_socket(self.httpd.socket, server_side=True)
        scheme = "https" if tls else "http"
        self.url = f"{scheme}://127.0.0.1:{self.httpd.server_address[1]}"
        self._thread = threading.Thread(target=self.httpd.serve_forever, args=(0.05,), daemon=True)

    def __enter__(self) -> FakeServer:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()

    def fail(self, path_part: str, *replies: Reply) -> None:
        """Answer the next requests whose path contains ``path_part`` with ``replies``."""
        with self._lock:
            self._faults += [(path_part, r) for r in replies]

    def methods(self) -> set[str]:
        """The HTTP methods received so far."""
        return {s.method for s in self.seen}

    def _take_fault(self, path: str) -> Reply | None:
        with self._lock:
            for i, (part, reply) in enumerate(self._faults):
                if part in path:
                    del self._faults[i]
                    return reply
        return None

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        server = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, format: str, *args: Any) -> None:  # quiet
                pass

            def _answer(self) -> None:
                parts = urlsplit(self.path)
                query = {k: v[-1] for k, v in parse_qs(parts.query).items()}
                server.seen.append(
                    Seen(self.command, parts.path, query, self.headers.get("Authorization"))
                )
                reply = server._take_fault(parts.path)
                if reply is None:
                    reply = (
                        server.route(self.command, parts.path, query)
                        if self.command == "GET"
                        else Reply(405, {"error": "read-only fake"})
                    )
                time.sleep(reply.delay)
                body = reply.body
                data = body if isinstance(body, bytes) else json.dumps(body).encode()
                try:
                    self.send_response(reply.status)
                    kind = "application/octet-stream" if isinstance(body, bytes) else "json"
                    self.send_header("Content-Type", kind.replace("json", "application/json"))
                    self.send_header("Content-Length", str(len(data)))
                    for key, value in reply.headers.items():
                        self.send_header(key, value)
                    self.end_headers()
                    self.wfile.write(data)
                except (BrokenPipeError, ConnectionResetError, ssl.SSLError):
                    pass  # the client gave up (timeout tests)

            do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = _answer

        return Handler


def page(items: list[Any], token: str | None, size: int) -> tuple[list[Any], str | None]:
    """One page of ``items`` from the offset in ``token`` and the next token."""
    start = int(token or 0)
    end = start + size
    return items[start:end], (str(end) if end < len(items) else None)


def _not_found(message: str) -> Reply:
    return Reply(404, {"error_code": "RESOURCE_DOES_NOT_EXIST", "message": message})


class MlflowStore:
    """MLflow REST answers (tracking and model registry) from a local-rest folder."""

    def __init__(self, docs: Path, *, page_size: int = 2, log_job_inputs: bool = False) -> None:
        self.docs = docs
        self.page_size = page_size
        self.log_job_inputs = log_job_inputs  # each run logged its job's data as datasets

    def __call__(self, method: str, path: str, query: dict[str, str]) -> Reply:
        """Answer ``path`` relative to the tracking base (``/api/2.0/mlflow/...``)."""
        api = path.split("/api/2.0/mlflow/", 1)
        if path.endswith("/get-artifact"):
            return self._artifact(query.get("run_uuid", ""), query.get("path", ""))
        if len(api) != 2:
            return Reply(404, {"error_code": "ENDPOINT_NOT_FOUND", "message": path})
        handler = getattr(self, "_" + api[1].replace("/", "_").replace("-", "_"), None)
        if handler is None:
            return Reply(404, {"error_code": "ENDPOINT_NOT_FOUND", "message": path})
        reply: Reply = handler(query)
        return reply

    def _load(self, relative: str) -> Any:
        path = self.docs / relative
        return json.loads(path.read_text()) if path.is_file() else None

    # -- tracking ----------------------------------------------------------------------

    def _runs_get(self, query: dict[str, str]) -> Reply:
        run_id = query.get("run_id", "")
        doc = self._load(f"mlflow/runs/{run_id}.json")
        if doc and self.log_job_inputs:
            datasets = job_datasets(self.docs, run_id)
            doc["run"]["inputs"] = {"dataset_inputs": datasets} if datasets else {}
        return Reply(body=doc) if doc else _not_found(f"Run '{run_id}' not found")

    def _metrics_get_history(self, query: dict[str, str]) -> Reply:
        run_id, key = query.get("run_id", ""), query.get("metric_key", "")
        run = self._load(f"mlflow/runs/{run_id}.json")
        if run is None:
            return _not_found(f"Run '{run_id}' not found")
        doc = self._load(f"mlflow/metrics/{run_id}/{key}.json")
        if doc is None:  # a metric logged once: its history is its latest value
            doc = {"metrics": [m for m in run["run"]["data"]["metrics"] if m["key"] == key]}
        size = min(int(query.get("max_results", 25000)), self.page_size)
        items, token = page(doc["metrics"], query.get("page_token"), size)
        return Reply(body={"metrics": items, **({"next_page_token": token} if token else {})})

    def _artifacts_list(self, query: dict[str, str]) -> Reply:
        run_id, sub = query.get("run_id", ""), query.get("path", "")
        if self._load(f"mlflow/runs/{run_id}.json") is None:
            return _not_found(f"Run '{run_id}' not found")
        root = self.docs / "mlflow/artifacts" / run_id
        folder = root / sub
        children = sorted(folder.iterdir()) if folder.is_dir() else []
        files = [
            {
                "path": str(p.relative_to(root)),
                "is_dir": p.is_dir(),
                **({"file_size": p.stat().st_size} if p.is_file() else {}),
            }
            for p in children
        ]
        items, token = page(files, query.get("page_token"), self.page_size)
        body: dict[str, Any] = {"root_uri": f"mlflow-artifacts:/{run_id}/artifacts"}
        if items:
            body["files"] = items
        if token:
            body["next_page_token"] = token
        return Reply(body=body)

    def _artifact(self, run_id: str, path: str) -> Reply:
        target = self.docs / "mlflow/artifacts" / run_id / path
        if not target.is_file():
            return _not_found(f"artifact {path} of run {run_id}")
        return Reply(body=target.read_bytes())

    def _experiments_get(self, query: dict[str, str]) -> Reply:
        wanted = query.get("experiment_id", "")
        for path in sorted((self.docs / "mlflow/runs").glob("*.json")):
            run = json.loads(path.read_text())["run"]
            tags = {t["key"]: t["value"] for t in run["data"].get("tags", [])}
            if run["info"]["experiment_id"] == wanted:
                name = tags.get("mlflow.experimentName", f"experiment-{wanted}")
                return Reply(body={"experiment": {"experiment_id": wanted, "name": name}})
        return _not_found(f"No Experiment with id={wanted} exists")

    # -- model registry ----------------------------------------------------------------

    def _model_names(self) -> list[str]:
        folder = self.docs / "azureml/models"
        return sorted(p.name for p in folder.iterdir() if p.is_dir()) if folder.is_dir() else []

    def _registry_version(self, name: str, version: str) -> dict[str, Any] | None:
        doc = self._load(f"azureml/models/{name}/versions/{version}.json")
        if doc is None:
            return None
        props, system = doc["properties"], doc.get("systemData", {})
        created = parse_iso(system.get("createdAt"))
        millis = int(created.timestamp() * 1000) if created else None
        return {
            "name": name,
            "version": version,
            "creation_timestamp": millis,
            "last_updated_timestamp": millis,
            "user_id": system.get("createdBy"),
            "current_stage": props.get("stage", "None"),
            "description": props.get("description", ""),
            "source": props.get("modelUri", ""),
            "run_id": props.get("jobName", ""),
            "status": "READY",
            "tags": [{"key": k, "value": v} for k, v in props.get("tags", {}).items()],
        }

    def _registered_models_search(self, query: dict[str, str]) -> Reply:
        models = [{"name": n} for n in self._model_names()]
        items, token = page(models, query.get("page_token"), self.page_size)
        body: dict[str, Any] = {"registered_models": items}
        return Reply(body={**body, **({"next_page_token": token} if token else {})})

    def _registered_models_get(self, query: dict[str, str]) -> Reply:
        name = query.get("name", "")
        if name not in self._model_names():
            return _not_found(f"Registered Model with name={name} not found")
        return Reply(body={"registered_model": {"name": name}})

    def _model_versions_search(self, query: dict[str, str]) -> Reply:
        wanted = query.get("filter", "").removeprefix("name='").removesuffix("'")
        folder = self.docs / "azureml/models" / wanted / "versions"
        names = sorted(p.stem for p in folder.glob("*.json")) if folder.is_dir() else []
        # newest first, as MLflow orders by default
        docs = [self._registry_version(wanted, v) for v in sorted(names, key=int, reverse=True)]
        items, token = page(docs, query.get("page_token"), self.page_size)
        return Reply(
            body={"model_versions": items, **({"next_page_token": token} if token else {})}
        )

    def _model_versions_get(self, query: dict[str, str]) -> Reply:
        name, version = query.get("name", ""), query.get("version", "")
        doc = self._registry_version(name, version)
        if doc is None:
            return _not_found(f"Model Version (name={name}, version={version}) not found")
        return Reply(body={"model_version": doc})


def make_runs_realistic(docs: Path) -> None:
    """Add each history's latest value to its run's ``runs/get`` metrics, as MLflow does."""
    for run_file in sorted((docs / "mlflow/runs").glob("*.json")):
        doc = json.loads(run_file.read_text())
        metrics: list[Mapping[str, Any]] = doc["run"]["data"]["metrics"]
        known = {m["key"] for m in metrics}
        for history in sorted((docs / "mlflow/metrics" / run_file.stem).glob("*.json")):
            points = json.loads(history.read_text())["metrics"]
            if history.stem not in known and points:
                metrics.append(max(points, key=lambda m: (m["step"], m["timestamp"])))
        run_file.write_text(json.dumps(doc, indent=1))
