"""A read-only MLflow REST client on httpx, for any MLflow-compatible tracking server.

It speaks the documented ``/api/2.0/mlflow`` API (self-hosted MLflow, Databricks, Azure
ML's tracking service) and maps HTTP failures to the typed errors of
:mod:`providers.errors`.  Only reads are sent: GET requests, nothing else.

Retries are bounded: 429 and 503 are retried when the server's ``Retry-After`` is short
enough, timeouts and other 5xx answers with a short backoff; then the typed error is
raised.  Neither the token nor any header value ever appears in a message.
"""

from __future__ import annotations

import json
import ssl
import time
from collections.abc import Callable, Iterator, Mapping
from typing import Any
from urllib.parse import urlsplit

import httpx

from providers.errors import (
    BadData,
    NotFound,
    ProviderError,
    Throttled,
    Unauthorized,
    Unavailable,
    retry_after,
)
from providers.mlflow.settings import Connection

API = "api/2.0/mlflow"


class MlflowClient:
    """GET-only client for the MLflow tracking and model registry REST API."""

    def __init__(
        self, connection: Connection, *, provider: str, sleep: Callable[[float], None] = time.sleep
    ) -> None:
        self.base_url = connection.base_url.rstrip("/")
        self.provider = provider
        self.retry = connection.retry
        self._token = connection.token
        self._sleep = sleep
        self._http = httpx.Client(
            base_url=self.base_url + "/",
            verify=_tls(connection.verify),
            timeout=connection.timeout,
            follow_redirects=False,
        )
        self.host = urlsplit(self.base_url).netloc

    def close(self) -> None:
        """Close the connection pool."""
        self._http.close()

    # -- tracking ----------------------------------------------------------------------

    def get_run(self, run_id: str) -> dict[str, Any]:
        """``runs/get``: the run's info and its latest metrics, params and tags."""
        return self.get_json(f"{API}/runs/get", {"run_id": run_id}, what=f"run {run_id!r}")

    def get_history(self, run_id: str, key: str) -> dict[str, Any]:
        """``metrics/get-history``, every page merged into one ``{"metrics": [...]}``."""
        params = {"run_id": run_id, "metric_key": key, "max_results": "25000"}
        pages = self.pages(f"{API}/metrics/get-history", params, f"history of {key!r}", "metrics")
        return {"metrics": [m for page in pages for m in page]}

    def list_artifacts(self, run_id: str, path: str = "") -> list[dict[str, Any]]:
        """``artifacts/list``: the files and folders directly under ``path``."""
        params = {"run_id": run_id, **({"path": path} if path else {})}
        what = f"artifacts of run {run_id!r}"
        return [
            f for page in self.pages(f"{API}/artifacts/list", params, what, "files") for f in page
        ]

    def get_artifact_json(self, run_id: str, path: str) -> Any:
        """A JSON artifact through the server's ``get-artifact`` route."""
        return self.get_json(
            "get-artifact", {"run_uuid": run_id, "path": path}, what=f"artifact {path!r}"
        )

    # -- model registry ----------------------------------------------------------------

    def registered_models(self) -> Iterator[dict[str, Any]]:
        """``registered-models/search``, all pages."""
        for page in self.pages(
            f"{API}/registered-models/search",
            {"max_results": "1000"},
            "registered models",
            "registered_models",
        ):
            yield from page

    def get_registered_model(self, name: str) -> dict[str, Any]:
        """``registered-models/get``."""
        return self.get_json(
            f"{API}/registered-models/get", {"name": name}, what=f"registered model {name!r}"
        )

    def model_versions(self, name: str) -> Iterator[dict[str, Any]]:
        """``model-versions/search`` for one model name, all pages."""
        escaped = name.replace("'", "\\'")
        params = {"filter": f"name='{escaped}'", "max_results": "1000"}
        for page in self.pages(
            f"{API}/model-versions/search", params, f"versions of {name!r}", "model_versions"
        ):
            yield from page

    def get_model_version(self, name: str, version: str) -> dict[str, Any]:
        """``model-versions/get``."""
        return self.get_json(
            f"{API}/model-versions/get",
            {"name": name, "version": version},
            what=f"model version {name}:{version}",
        )

    # -- transport ---------------------------------------------------------------------

    def pages(
        self, path: str, params: Mapping[str, str], what: str, items: str
    ) -> Iterator[list[dict[str, Any]]]:
        """The ``items`` list of each page, following ``next_page_token``."""
        token: str | None = None
        while True:
            query = dict(params, **({"page_token": token} if token else {}))
            doc = self.get_json(path, query, what=what)
            found = doc.get(items, [])
            if not isinstance(found, list):
                raise BadData(f"{what}: {items!r} is not a list", provider=self.provider)
            yield [i for i in found if isinstance(i, dict)]
            token = doc.get("next_page_token") or None
            if token is None:
                return

    def get_json(self, path: str, params: Mapping[str, str], *, what: str) -> dict[str, Any]:
        """GET ``path`` and decode its JSON object; typed errors on failure."""
        response = self._get(path, params, what)
        try:
            doc = response.json()
        except (json.JSONDecodeError, UnicodeDecodeError):
            raise BadData(
                f"{what}: the server at {self.host} did not answer JSON", provider=self.provider
            ) from None
        if not isinstance(doc, dict):
            raise BadData(f"{what}: expected a JSON object", provider=self.provider)
        return doc

    def _get(self, path: str, params: Mapping[str, str], what: str) -> httpx.Response:
        policy = self.retry
        for attempt in range(1, policy.attempts + 1):
            last = attempt == policy.attempts
            headers = {"Authorization": f"Bearer {self._token()}"} if self._token else {}
            try:
                response = self._http.get(path, params=params, headers=headers)
            except httpx.TimeoutException:
                if last:
                    raise Unavailable(
                        f"{what}: {self.host} did not answer within "
                        f"{self._http.timeout.read}s ({attempt} attempts)",
                        hint="the tracking server is slow or down; try again later",
                        provider=self.provider,
                    ) from None
                self._sleep(policy.backoff * 2.0 ** (attempt - 1))
                continue
            except httpx.TransportError as exc:
                raise Unavailable(
                    f"{what}: cannot reach {self.host} ({type(exc).__name__})",
                    hint="check the tracking URI, the network and the TLS settings (ca_bundle)",
                    provider=self.provider,
                ) from None
            if response.status_code < 400:
                return response
            wait = self._retry_wait(response, attempt)
            if wait is None or last:
                raise self._error(response, what, attempt)
            self._sleep(wait)
        raise AssertionError("unreachable")  # pragma: no cover - the loop always returns/raises

    def _retry_wait(self, response: httpx.Response, attempt: int) -> float | None:
        """Seconds to wait before retrying ``response``, or None not to retry it."""
        status = response.status_code
        if status not in (429, 500, 502, 503, 504):
            return None
        after = retry_after(response.headers.get("Retry-After"))
        if after is None:
            return self.retry.backoff * 2.0 ** (attempt - 1)
        return after if after <= self.retry.max_wait else None

    def _error(self, response: httpx.Response, what: str, attempts: int) -> ProviderError:
        status = response.status_code
        detail = _server_message(response)
        where = f"{self.host} answered HTTP {status}" + (f": {detail}" if detail else "")
        kw: dict[str, Any] = {"provider": self.provider}
        if status in (401, 403):
            return Unauthorized(
                f"{what}: {where}",
                hint="the token is missing, expired or lacks read permission on this "
                "server; check the environment variable the profile names",
                **kw,
            )
        if status == 404:
            return NotFound(f"{what} not found ({where})", **kw)
        after = retry_after(response.headers.get("Retry-After"))
        if status == 429 or (status == 503 and after is not None):
            wait = f"; it asks to wait {after:g}s" if after is not None else ""
            return Throttled(
                f"{what}: {where} after {attempts} attempt(s){wait}",
                retry_after=after,
                hint="the server is rate limiting; try again later",
                **kw,
            )
        if status >= 500:
            return Unavailable(
                f"{what}: {where} after {attempts} attempt(s)",
                hint="the tracking server has a problem; try again later",
                **kw,
            )
        return ProviderError(f"{what}: {where}", hint="the server rejected the request", **kw)


def _server_message(response: httpx.Response) -> str:
    """The server's own error text: MLflow's ``error_code``/``message`` or a short body."""
    try:
        doc = response.json()
    except (json.JSONDecodeError, UnicodeDecodeError):
        return response.text.strip()[:200]
    if isinstance(doc, dict):
        parts = [str(doc[k]) for k in ("error_code", "message") if doc.get(k)]
        return ": ".join(parts)[:300]
    return ""


def _tls(verify: bool | str) -> bool | ssl.SSLContext:
    """httpx's ``verify``: a CA bundle path becomes an SSL context (the path form is deprecated)."""
    return ssl.create_default_context(cafile=verify) if isinstance(verify, str) else verify
