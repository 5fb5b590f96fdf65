"""Model versions and training runs from any MLflow-compatible tracking server.

Works with self-hosted MLflow, Databricks (``tracking_uri`` = the workspace URL,
``token_env`` = the variable holding a personal access token) and Azure ML's tracking
service.  Read-only: only GET requests are sent.  httpx is imported on the first
request, not when the profile is opened.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, ClassVar, Self
from urllib.parse import urlsplit

from providers.errors import BadData, ConfigError
from providers.mlflow.logged_models import link_run
from providers.mlflow.parse import parse_registry_version
from providers.mlflow.runs import RunOptions, read_run, run_options
from providers.mlflow.settings import (
    CONNECTION_SETTINGS,
    RUN_SETTINGS,
    Connection,
    connection,
    env_token,
)
from providers.protocols import ModelsProvider, Provider, ProviderContext
from providers.records import ModelVersion, TrainingRun
from providers.settings_check import check_table, unchecked

if TYPE_CHECKING:
    from providers.mlflow.client import MlflowClient

_SETTINGS = unchecked("tracking_uri", "token_env", "run_id_tag")
_SETTINGS |= CONNECTION_SETTINGS | RUN_SETTINGS


class MlflowModelsProvider(Provider, ModelsProvider):
    """Registered model versions and runs (metrics, histories, curves) over MLflow REST."""

    name: ClassVar[str] = "mlflow"
    concerns: ClassVar[frozenset[str]] = frozenset({"models"})

    def __init__(
        self,
        connection: Connection,
        *,
        options: RunOptions | None = None,
        run_id_tag: str = "training_run_id",
    ) -> None:
        self.connection = connection
        self.options = options or RunOptions()
        self.run_id_tag = run_id_tag
        self._client: MlflowClient | None = None
        self._lock = threading.Lock()

    @property
    def client(self) -> MlflowClient:
        """The REST client, made on first use."""
        with self._lock:
            if self._client is None:
                from providers.mlflow.client import MlflowClient  # noqa: PLC0415 - lazy httpx

                self._client = MlflowClient(self.connection, provider=self.name)
            return self._client

    @classmethod
    def from_settings(cls, settings: Mapping[str, Any], context: ProviderContext) -> Self:
        """Settings: ``tracking_uri``; optional ``token_env``, ``ca_bundle``, ``timeout``,
        ``retries``, ``max_retry_wait``, ``run_id_tag`` and the curve settings
        (``curve_source``, ``[[curves]]``, ``history_metrics``, ``confusion_artifact``)."""
        check_table(settings, _SETTINGS, provider=cls.name)
        uri = str(settings.get("tracking_uri") or "")
        parts = urlsplit(uri)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise ConfigError(f"{cls.name} needs tracking_uri = an http(s) URL, not {uri!r}")
        if parts.username or parts.password:
            raise ConfigError(
                f"{cls.name}: tracking_uri must not hold credentials",
                hint='put a token in an environment variable and set token_env = "VAR_NAME"',
            )
        token_env = settings.get("token_env")
        token = env_token(str(token_env), cls.name) if token_env else None
        return cls(
            connection(
                uri,
                settings,
                context,
                token,
                credential=f"the token named by token_env ({token_env})" if token_env else None,
            ),
            options=run_options(settings, cls.name),
            run_id_tag=str(settings.get("run_id_tag", "training_run_id")),
        )

    def identity(self) -> Mapping[str, str]:
        """The tracking server's URL (never the token)."""
        return {"tracking_uri": self.connection.base_url}

    def close(self) -> None:
        """Close the HTTP connection pool, if one was opened."""
        with self._lock:
            if self._client is not None:
                self._client.close()
                self._client = None

    def list_models(self) -> list[str]:
        """Names of the registered models, sorted."""
        return sorted(str(m["name"]) for m in self.client.registered_models() if m.get("name"))

    def list_versions(self, name: str) -> list[ModelVersion]:
        """All versions of ``name``, oldest first (numeric order where numbers)."""
        versions = [self._version(doc) for doc in self.client.model_versions(name)]
        versions = [v if v.run_id else self._linked(v) for v in versions]
        if not versions:
            self.client.get_registered_model(name)  # NotFound when the model does not exist
        return sorted(versions, key=lambda v: _version_order(v.version))

    def get_version(self, name: str, version: str) -> ModelVersion:
        """One model version; NotFound if it does not exist."""
        doc = self.client.get_model_version(name, version).get("model_version")
        if not isinstance(doc, Mapping):
            raise BadData(f"model version {name}:{version}: no 'model_version'", provider=self.name)
        return self._linked(self._version(doc))

    def get_run(self, run_id: str) -> TrainingRun:
        """The run with its metrics, histories, curves and confusion counts."""
        ui = f"{self.connection.base_url}/#/experiments/{{experiment_id}}/runs/{{run_id}}"
        return read_run(self.client, run_id, self.options, ui_url=ui)

    def _linked(self, version: ModelVersion) -> ModelVersion:
        """The version with its run found through its logged model, or why none is known."""
        return link_run(self.client, version, self.run_id_tag, self.connection.base_url)

    def _version(self, doc: Mapping[str, Any]) -> ModelVersion:
        try:
            return parse_registry_version(doc, self.name, self.run_id_tag)
        except BadData as exc:
            raise BadData(exc.message, provider=self.name) from None


def _version_order(version: str) -> tuple[bool, int, str]:
    return (not version.isdigit(), int(version) if version.isdigit() else 0, version)
