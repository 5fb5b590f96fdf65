"""A read-only MLflow REST client on httpx, for any MLflow-compatible tracking server.

It speaks the documented ``/api/2.0/mlflow`` API (self-hosted MLflow, Databricks, Azure
ML's tracking service) and maps HTTP failures to the typed errors of
:mod:`providers.errors`.  Only reads are sent: GET requests, nothing else.

Retries are bounded: 429 and 503 are retried when the server's ``Retry-After`` is short
enough, timeouts and other 5xx answers with a short backoff; then the typed error is
raised.  Neither the token nor any header value ever appears in a message.

Each request is bounded (:mod:`providers.http_bounds`): ``timeout`` is its deadline for
the whole answer, not for each read; an answer over 64 MiB is not read; a list stops at a
repeated page token or after 1000 pages; JSON nested too deeply to parse is BadData.
"""

from __future__ import annotations

import ssl
import time
from collections.abc import Callable, Iterator, Mapping
from typing import Any
from urllib.parse import quote, urlsplit

import httpcore
import httpx

from providers.errors import BadData, ProviderError, Unavailable, retry_after
from providers.http_bounds import (
    DEADLINE_HINT,
    MAX_ANSWER_BYTES,
    Overdue,
    PageGuard,
    bounded,
    parse_json,
    read_capped,
    seconds_text,
    too_large,
    wait_text,
    watch_socket,
)
from providers.http_status import Words, status_error
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
        self.timeout = connection.timeout
        self._token = connection.token
        self._sleep = sleep
        verify = _tls(connection.verify)
        self._http = httpx.Client(
            base_url=self.base_url + "/",
            verify=verify,  # for proxy transports httpx makes from the environment
            transport=_watched_transport(verify),
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

    def get_logged_model(self, model_id: str) -> dict[str, Any]:
        """``logged-models/{model_id}`` (MLflow 3): a logged model with its source run."""
        return self.get_json(
            f"{API}/logged-models/{quote(model_id, safe='')}", {}, what=f"logged model {model_id!r}"
        )

    # -- transport ---------------------------------------------------------------------

    def pages(
        self, path: str, params: Mapping[str, str], what: str, items: str
    ) -> Iterator[list[dict[str, Any]]]:
        """The ``items`` list of each page, following ``next_page_token``."""
        token: str | None = None
        guard = PageGuard(what, self.host, self.provider)
        while True:
            query = dict(params, **({"page_token": token} if token else {}))
            doc = self.get_json(path, query, what=what)
            found = doc.get(items, [])
            if not isinstance(found, list):
                raise BadData(f"{what}: {items!r} is not a list", provider=self.provider)
            yield [i for i in found if isinstance(i, dict)]
            following = doc.get("next_page_token") or None
            if following is None:
                return
            token = guard.next(str(following))

    def get_json(self, path: str, params: Mapping[str, str], *, what: str) -> dict[str, Any]:
        """GET ``path`` and decode its JSON object; typed errors on failure."""
        _, body = self._get(path, params, what)
        doc = parse_json(body, what=what, host=self.host, provider=self.provider)
        if not isinstance(doc, dict):
            raise BadData(f"{what}: expected a JSON object", provider=self.provider)
        return doc

    def _get(self, path: str, params: Mapping[str, str], what: str) -> tuple[httpx.Response, bytes]:
        """The response and its body, each attempt under the deadline ``timeout``."""
        policy = self.retry
        for attempt in range(1, policy.attempts + 1):
            last = attempt == policy.attempts
            headers = {"Authorization": f"Bearer {self._token()}"} if self._token else {}
            try:
                with bounded(self.timeout, what=what, host=self.host, provider=self.provider):
                    response, body = self._fetch(path, params, headers, what)
            except (httpx.TimeoutException, Overdue):
                if last:
                    raise Unavailable(
                        f"{what}: {self.host} did not answer within "
                        f"{seconds_text(self.timeout)} ({attempt} attempts)",
                        hint=DEADLINE_HINT,
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
                return response, body
            wait = self._retry_wait(response, attempt)
            if wait is None or last:
                raise self._error(response, body, what, attempt)
            self._sleep(wait)
        raise AssertionError("unreachable")  # pragma: no cover - the loop always returns/raises

    def _fetch(
        self, path: str, params: Mapping[str, str], headers: Mapping[str, str], what: str
    ) -> tuple[httpx.Response, bytes]:
        """One GET, its body streamed and read up to :data:`MAX_ANSWER_BYTES`."""
        with self._http.stream("GET", path, params=params, headers=headers) as response:
            declared = response.headers.get("Content-Length", "")
            if declared.isdigit() and int(declared) > MAX_ANSWER_BYTES:
                raise too_large(what, self.host, MAX_ANSWER_BYTES, self.provider)
            body = read_capped(
                response.iter_bytes(),
                MAX_ANSWER_BYTES,
                what=what,
                host=self.host,
                provider=self.provider,
            )
        return response, body

    def _retry_wait(self, response: httpx.Response, attempt: int) -> float | None:
        """Seconds to wait before retrying ``response``, or None not to retry it."""
        status = response.status_code
        if status not in (429, 500, 502, 503, 504):
            return None
        after = retry_after(response.headers.get("Retry-After"))
        if after is None:
            return self.retry.backoff * 2.0 ** (attempt - 1)
        return after if after <= self.retry.max_wait else None

    def _error(
        self, response: httpx.Response, body: bytes, what: str, attempts: int
    ) -> ProviderError:
        status = response.status_code
        detail = _server_message(body)
        where = f"{self.host} answered HTTP {status}" + (f": {detail}" if detail else "")
        after = retry_after(response.headers.get("Retry-After"))
        tries = f"{what}: {where} after {attempts} attempt(s)"
        error = status_error(
            status,
            after,
            self.provider,
            refused=Words(
                f"{what}: {where}",
                "the token is missing, expired or lacks read permission on this server; "
                "check the environment variable the profile names",
            ),
            not_found=Words(f"{what} not found ({where})"),
            throttled=Words(
                tries + wait_text(after, self.retry.max_wait),
                "the server is rate limiting; try again later",
            ),
            unavailable=Words(tries, "the tracking server has a problem; try again later"),
        )
        return error or ProviderError(
            f"{what}: {where}", hint="the server rejected the request", provider=self.provider
        )


def _server_message(body: bytes) -> str:
    """The server's own error text: MLflow's ``error_code``/``message`` or a short body."""
    try:
        doc = parse_json(body, what="", host="", provider="")
    except BadData:
        return body.decode("utf-8", errors="replace").strip()[:200]
    if isinstance(doc, dict):
        parts = [str(doc[k]) for k in ("error_code", "message") if doc.get(k)]
        return ": ".join(parts)[:300]
    return ""


class _WatchedStream(httpcore.NetworkStream):
    """A connection whose socket is put under the calling thread's deadline at each use."""

    def __init__(self, inner: httpcore.NetworkStream) -> None:
        self._inner = inner

    def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        watch_socket(self._inner.get_extra_info("socket"))
        return self._inner.read(max_bytes, timeout)

    def write(self, buffer: bytes, timeout: float | None = None) -> None:
        watch_socket(self._inner.get_extra_info("socket"))
        self._inner.write(buffer, timeout)

    def close(self) -> None:
        self._inner.close()

    def start_tls(
        self,
        ssl_context: ssl.SSLContext,
        server_hostname: str | None = None,
        timeout: float | None = None,
    ) -> httpcore.NetworkStream:
        return _WatchedStream(self._inner.start_tls(ssl_context, server_hostname, timeout))

    def get_extra_info(self, info: str) -> Any:
        return self._inner.get_extra_info(info)


class _WatchedBackend(httpcore.NetworkBackend):
    """httpcore's own backend, its connections watched (see :class:`_WatchedStream`)."""

    def __init__(self, inner: httpcore.NetworkBackend) -> None:
        self._inner = inner

    def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Any = None,
    ) -> httpcore.NetworkStream:
        return _WatchedStream(
            self._inner.connect_tcp(host, port, timeout, local_address, socket_options)
        )

    def sleep(self, seconds: float) -> None:
        self._inner.sleep(seconds)


def _watched_transport(verify: bool | ssl.SSLContext) -> httpx.HTTPTransport:
    """httpx's transport with :class:`_WatchedBackend` (httpx takes no backend of its own)."""
    transport = httpx.HTTPTransport(verify=verify)
    pool: Any = transport._pool  # httpcore.ConnectionPool; httpx has no public way in
    pool._network_backend = _WatchedBackend(pool._network_backend)
    return transport


def _tls(verify: bool | str) -> bool | ssl.SSLContext:
    """httpx's ``verify``: a CA bundle path becomes an SSL context (the path form is deprecated)."""
    return ssl.create_default_context(cafile=verify) if isinstance(verify, str) else verify
