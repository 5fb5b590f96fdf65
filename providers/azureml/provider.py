"""Endpoints, deployments, model versions and runs of an Azure ML workspace.

Deployments and models come through azure-ai-ml (``MLClient``); run metrics, histories
and curves through the workspace's MLflow tracking service (REST, httpx).  Both are
imported on the first call, never when the profile is opened: ``azure.ai.ml`` alone
takes about 1.4 s to import.  Read-only: only GET requests are sent.
"""

from __future__ import annotations

import dataclasses
import threading
import warnings
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any, ClassVar, Self, TypeVar
from urllib.parse import urlsplit

from providers.azureml.job_inputs import (
    compute_name,
    data_asset_ref,
    job_inputs,
    job_outputs,
    training_environment,
    with_job_evidence,
)
from providers.azureml.parse import (
    environment_gap,
    environment_image,
    environment_label,
    in_registry,
    parse_environment_ref,
    registry_asset,
)
from providers.azureml.settings import CREDENTIALS, Workspace
from providers.errors import BadData, ConfigError, NotFound, ProviderError, Unavailable
from providers.http_bounds import bounded
from providers.mlflow.runs import RunOptions, read_run, run_options
from providers.mlflow.settings import (
    CONNECTION_SETTINGS,
    RUN_SETTINGS,
    Connection,
    RetryPolicy,
    connection,
    retry_policy,
    timeout,
    tls_verify,
)
from providers.protocols import DeploymentsProvider, ModelsProvider, Provider, ProviderContext
from providers.records import (
    Deployment,
    Endpoint,
    ModelVersion,
    RunInput,
    RunSetup,
    Source,
    TrainingRun,
)
from providers.settings_check import check_table, unchecked

if TYPE_CHECKING:
    from providers.mlflow.client import MlflowClient

T = TypeVar("T")
_REQUIRED = ("subscription_id", "resource_group", "workspace")
_SETTINGS = unchecked(
    *_REQUIRED,
    "credential",
    "token_env",
    "resource_manager_url",
    "cloud",
    "tracking_uri",
    "tracking_scope",
    "run_id_tag",
)
_SETTINGS |= CONNECTION_SETTINGS | RUN_SETTINGS
_JOB_TAG_PREFIXES = ("mlflow.", "azureml.git.")


class AzureMLProvider(Provider, DeploymentsProvider, ModelsProvider):
    """An Azure ML workspace: online endpoints and deployments, model versions, runs."""

    name: ClassVar[str] = "azureml"
    concerns: ClassVar[frozenset[str]] = frozenset({"deployments", "models"})

    def __init__(
        self,
        workspace: Workspace,
        *,
        tracking: Connection | None = None,
        tracking_scope: str | None = None,
        options: RunOptions | None = None,
        run_id_tag: str = "training_run_id",
    ) -> None:
        self.workspace = workspace
        self.tracking = tracking  # None: taken from each job's Tracking service
        self.tracking_scope = tracking_scope
        self.options = options or RunOptions()
        self.run_id_tag = run_id_tag
        self._lock = threading.Lock()
        self._ml: Any = None
        self._registries: dict[str, Any] = {}
        self._credential: Any = None
        self._mlflow: dict[str, MlflowClient] = {}
        self._images: dict[str, tuple[str | None, str]] = {}

    @classmethod
    def from_settings(cls, settings: Mapping[str, Any], context: ProviderContext) -> Self:
        """Settings: ``subscription_id``, ``resource_group``, ``workspace``; optional
        ``credential`` (default | cli | env-token, with ``token_env``),
        ``resource_manager_url`` or ``cloud``, ``tracking_uri``, ``tracking_scope``,
        ``ca_bundle``, ``timeout``, ``retries``, ``max_retry_wait``, ``run_id_tag`` and the
        curve settings (``curve_source``, ``[[curves]]``, ``history_metrics``,
        ``confusion_artifact``)."""
        check_table(settings, _SETTINGS, provider=cls.name)
        missing = [k for k in _REQUIRED if not settings.get(k)]
        if missing:
            raise ConfigError(f"{cls.name} needs setting(s) {', '.join(missing)}")
        credential = str(settings.get("credential", "default"))
        if credential not in CREDENTIALS:
            raise ConfigError(
                f"{cls.name}: credential must be one of {', '.join(CREDENTIALS)}, "
                f"not {credential!r}"
            )
        token_env = settings.get("token_env")
        if credential == "env-token" and not token_env:
            raise ConfigError(
                f'{cls.name}: credential = "env-token" needs token_env = "VARIABLE_NAME"'
            )
        policy = retry_policy(settings)
        workspace = Workspace(
            subscription_id=str(settings["subscription_id"]),
            resource_group=str(settings["resource_group"]),
            workspace=str(settings["workspace"]),
            credential=credential,
            token_env=str(token_env) if token_env else None,
            resource_manager_url=settings.get("resource_manager_url"),
            cloud=settings.get("cloud"),
            verify=tls_verify(settings, context),
            timeout=timeout(settings),
            retries=policy.attempts - 1,
            max_retry_wait=policy.max_wait,
        )
        uri = settings.get("tracking_uri")
        return cls(
            workspace,
            tracking=connection(
                str(uri), settings, context, credential=f"the {credential} credential's token"
            )
            if uri
            else None,
            tracking_scope=settings.get("tracking_scope"),
            options=run_options(settings, cls.name),
            run_id_tag=str(settings.get("run_id_tag", "training_run_id")),
        )

    def identity(self) -> Mapping[str, str]:
        """Subscription, resource group, workspace and endpoints (never a credential)."""
        ws = self.workspace
        found = {
            "subscription_id": ws.subscription_id,
            "resource_group": ws.resource_group,
            "workspace": ws.workspace,
        }
        if ws.resource_manager_url or ws.cloud:
            found["cloud"] = ws.resource_manager_url or ws.cloud or ""
        if self.tracking:
            found["tracking_uri"] = self.tracking.base_url
        return found

    def close(self) -> None:
        """Close the MLflow connection pools."""
        with self._lock:
            for client in self._mlflow.values():
                client.close()
            self._mlflow.clear()

    # -- the SDK -----------------------------------------------------------------------

    def _client(self) -> Any:
        with self._lock:
            if self._ml is None:
                # The SDK warns while it imports (marshmallow, experimental classes).
                warnings.filterwarnings("ignore", module=r"azure(\.|$)")
                from providers.azureml import sdk  # noqa: PLC0415 - imports azure.ai.ml

                self._credential = sdk.credential_for(self.workspace, self.name)
                self._ml = sdk.build_client(self.workspace, self._credential, self.name)
            return self._ml

    def _registry_client(self, registry: str) -> Any:
        """An MLClient on ``registry`` (the SDK asks the discovery service where it is)."""
        from providers.azureml import sdk  # noqa: PLC0415

        self._client()  # the credential
        with self._lock:
            if registry not in self._registries:
                self._registries[registry] = sdk.build_client(
                    self.workspace, self._credential, self.name, registry
                )
            return self._registries[registry]

    def _call(self, what: str, call: Callable[[Any], T], registry: str | None = None) -> T:
        """Run ``call(ml_client)`` on the workspace, or on ``registry``; SDK exceptions
        become typed errors about ``what``."""
        ml = None if registry else self._client()
        ws = self.workspace
        host = urlsplit(ws.resource_manager_url or "https://management.azure.com").netloc
        try:
            with bounded(ws.timeout, what=what, host=host, provider=self.name):
                return call(ml or self._registry_client(str(registry)))
        except Exception as exc:
            from providers.azureml import sdk  # noqa: PLC0415

            raise sdk.translate(exc, what, self.name) from None

    def _where(self) -> str:
        return f"workspace {self.workspace.workspace}"

    # -- deployments -------------------------------------------------------------------

    def list_endpoints(self) -> list[Endpoint]:
        """All online endpoints of the workspace, by name."""
        from providers.azureml.entities import endpoint_record  # noqa: PLC0415

        found = self._call(
            f"online endpoints of {self._where()}",
            lambda ml: [endpoint_record(e, self.name) for e in ml.online_endpoints.list()],
        )
        return sorted(found, key=lambda e: e.name)

    def _endpoint(self, name: str) -> Endpoint:
        from providers.azureml import sdk  # noqa: PLC0415
        from providers.azureml.entities import endpoint_record  # noqa: PLC0415

        return self._call(
            f"endpoint {name!r}",
            lambda ml: endpoint_record(sdk.endpoint_entity(ml, name), self.name),
        )

    def list_deployments(self, endpoint: str) -> list[Deployment]:
        """The deployments of ``endpoint`` by name, with traffic and image; one the SDK
        cannot read is listed as unreadable, with why."""
        from providers.azureml import sdk  # noqa: PLC0415

        ep = self._endpoint(endpoint)
        items = self._call(
            f"deployments of {endpoint!r}", lambda ml: sdk.rest_deployments(ml, endpoint)
        )
        found = [self._deployment(ep, item) for item in items]
        return sorted(found, key=lambda d: d.name)

    def get_deployment(self, endpoint: str, name: str) -> Deployment:
        """One deployment; NotFound if it (or its endpoint) does not exist."""
        from providers.azureml import sdk  # noqa: PLC0415

        ep = self._endpoint(endpoint)
        item = self._call(
            f"deployment {endpoint}/{name}", lambda ml: sdk.rest_deployment(ml, endpoint, name)
        )
        return self._deployment(ep, item)

    def _deployment(self, ep: Endpoint, rest: Any) -> Deployment:
        """One REST deployment converted by the SDK; its dates from the REST body where the
        SDK drops them (Kubernetes deployments)."""
        from providers.azureml import sdk  # noqa: PLC0415
        from providers.azureml.entities import (  # noqa: PLC0415
            deployment_record,
            system_dates,
            unreadable_deployment,
        )

        name = str(getattr(rest, "name", None) or "?")
        try:
            entity = sdk.deployment_entity(rest)
        except Exception as exc:
            error = sdk.translate(exc, f"deployment {ep.name}/{name}", self.name)
            bad = unreadable_deployment(ep.name, name, getattr(rest, "id", None), error, self.name)
            return dataclasses.replace(bad, traffic_share=ep.traffic.get(name))
        dep = deployment_record(
            entity, ep.name, self.name, traffic_share=ep.traffic.get(str(entity.name)), image=None
        )
        if dep.created_at is None and dep.updated_at is None:
            created, updated = system_dates(getattr(rest, "system_data", None))
            dep = dataclasses.replace(dep, created_at=created, updated_at=updated)
        image, note = self._image(dep.environment)
        return dataclasses.replace(dep, image=image, image_note=note)

    def _image(self, environment: str | None) -> tuple[str | None, str]:
        """The container image of an environment version, or None and why: one bad
        environment costs its deployments' image, never the listing."""
        if environment is None or environment not in self._images:
            env, note = self._environment(environment, "deployment")
            if env is None or environment is None:
                return None, note
            self._images[environment] = environment_image(
                env.image, getattr(env, "conda_file", None), getattr(env, "build", None)
            )
        return self._images[environment]

    def _environment(self, environment: str | None, owner: str) -> tuple[Any, str]:
        """(the environment entity, "") for a workspace or registry environment
        reference, else (None, why it was not read)."""
        labelled = environment_label(environment)
        if labelled is not None:
            return self._labelled_environment(*labelled)
        registry = registry_asset(environment, "environments")
        ref = registry[1:] if registry else parse_environment_ref(environment)
        if ref is None:
            return None, environment_gap(environment, owner)
        name, version = ref
        where = f" in registry {registry[0]}" if registry else ""
        try:
            env = self._call(
                f"environment {name}:{version}{where}",
                lambda ml: ml.environments.get(name, version),
                registry[0] if registry else None,
            )
        except ProviderError as exc:
            return None, f"the environment could not be read: {exc}"
        return env, ""

    def _labelled_environment(
        self, registry: str | None, name: str, label: str
    ) -> tuple[None, str]:
        """(None, what the label resolves to now and why that is not the image used):
        azure-ai-ml resolves the label ``latest`` (the newest version created) and no other."""
        where = f" in registry {registry}" if registry else f" in {self._where()}"
        try:
            env = self._call(
                f"environment {name} label {label}{where}",
                lambda ml: ml.environments.get(name, label=label),
                registry,
            )
        except ProviderError as exc:
            return (
                None,
                f"its environment is named by label {label!r}, which was not resolved: {exc}",
            )
        image, note = environment_image(
            env.image, getattr(env, "conda_file", None), getattr(env, "build", None)
        )
        return None, (
            f"its environment {name}{where} is named by label {label!r}, which resolves now to "
            f"version {env.version} ({f'image {image}' if image else note}); a label names the "
            "version it points to when read, not the one used then, so the image is not known "
            "from it"
        )

    # -- models and runs ---------------------------------------------------------------

    def list_models(self) -> list[str]:
        """Names of the registered models, sorted."""
        return sorted(
            self._call(
                f"models of {self._where()}",
                lambda ml: [str(m.name) for m in ml.models.list()],
            )
        )

    def list_versions(self, name: str) -> list[ModelVersion]:
        """All versions of ``name``, oldest first (numeric order where numbers)."""
        from providers.azureml.entities import model_record  # noqa: PLC0415

        versions = self._call(
            f"versions of model {name!r}",
            lambda ml: [
                model_record(m, self.name, self.run_id_tag) for m in ml.models.list(name=name)
            ],
        )
        if not versions:
            raise NotFound(f"unknown model {name!r} in {self._where()}", provider=self.name)
        return sorted(versions, key=lambda v: _version_order(v.version))

    def get_version(self, name: str, version: str) -> ModelVersion:
        """One model version; NotFound if it does not exist."""
        from providers.azureml.entities import model_record  # noqa: PLC0415

        return self._call(
            f"model {name}:{version}",
            lambda ml: model_record(ml.models.get(name, version), self.name, self.run_id_tag),
        )

    def get_registry_version(self, ref: str) -> ModelVersion:
        """A model version of an Azure ML registry, read in that registry."""
        from providers.azureml.entities import model_record, registry_version  # noqa: PLC0415

        asset = registry_asset(ref, "models")
        if asset is None:
            raise BadData(
                f"{ref} is not a registry model reference "
                "(azureml://registries/<registry>/models/<name>/versions/<version>)",
                provider=self.name,
            )
        registry, name, version = asset

        def read(ml: Any) -> ModelVersion:
            entity = ml.models.get(name, version)
            model = model_record(entity, self.name, self.run_id_tag)
            return registry_version(model, ref, registry, self.workspace.workspace, entity.path)

        return self._call(f"model {name}:{version} in registry {registry}", read, registry)

    def get_run(self, run_id: str) -> TrainingRun:
        """The job with its MLflow metrics, histories, curves and confusion counts.

        The job gives the experiment, the git tags and the tracking URI; MLflow the rest.
        A job that has no MLflow run still comes back, with its status and tags only.
        """
        from providers.azureml.entities import job_run_record  # noqa: PLC0415

        job = self._call(f"run {run_id!r}", lambda ml: ml.jobs.get(run_id))
        job_tags = {
            **{
                str(k): str(v)
                for k, v in (job.properties or {}).items()
                if str(k).startswith(_JOB_TAG_PREFIXES)
            },
            **{str(k): str(v) for k, v in (job.tags or {}).items()},
        }
        experiment = job.experiment_name or None
        studio = getattr(job, "studio_url", None)
        evidence = self._training_evidence(job)
        client = self._mlflow_client(job)
        try:
            run = read_run(client, run_id, self.options, ui_url=studio, experiment=experiment)
        except NotFound:
            return with_job_evidence(job_run_record(job, job_tags, self.name), *evidence)
        run = dataclasses.replace(
            run,
            tags={**job_tags, **run.tags},
            source=Source(self.name, str(job.id or run_id), studio),
        )
        return with_job_evidence(run, *evidence)

    def _training_evidence(self, job: Any) -> tuple[tuple[RunInput, ...], dict[str, str], RunSetup]:
        """The job's inputs (data assets read for their paths), outputs, and setup: its
        environment's image and conda packages, code snapshot and compute."""
        from providers.azureml.entities import asset_ref  # noqa: PLC0415

        inputs = tuple(self._data_path(i) for i in job_inputs(getattr(job, "inputs", None)))
        environment = asset_ref(getattr(job, "environment", None))
        image, packages, note = self._training_environment(environment)
        setup = RunSetup(
            environment=environment,
            image=image,
            packages=packages,
            code=asset_ref(getattr(job, "code", None)),
            compute=compute_name(asset_ref(getattr(job, "compute", None))),
            note=note,
        )
        return inputs, job_outputs(getattr(job, "outputs", None)), setup

    def _data_path(self, found: RunInput) -> RunInput:
        """A data-asset input with the path its version points at, or why not."""
        ref = data_asset_ref(found.asset)
        if ref is None or found.uri:
            return found
        registry = registry_asset(found.asset, "data")
        if in_registry(found.asset) and registry is None:
            note = "a registry data asset reference this provider does not read"
            return dataclasses.replace(found, note=note)
        where = f" in registry {registry[0]}" if registry else ""
        try:
            data = self._call(
                f"data asset {ref[0]}:{ref[1]}{where}",
                lambda ml: ml.data.get(*ref),
                registry[0] if registry else None,
            )
        except ProviderError as exc:
            return dataclasses.replace(found, note=f"its path could not be read: {exc}")
        return dataclasses.replace(found, uri=str(getattr(data, "path", "") or "") or None)

    def _training_environment(
        self, environment: str | None
    ) -> tuple[str | None, tuple[str, ...], str]:
        """(image, conda packages, note) of a training job's environment: the base image
        and the packages as pinned where Azure ML built the image from a conda file."""
        env, note = self._environment(environment, "job")
        if env is None:
            return None, (), note
        return training_environment(
            env.image, getattr(env, "conda_file", None), getattr(env, "build", None)
        )

    def _mlflow_client(self, job: Any) -> MlflowClient:
        """The MLflow client of the profile's tracking URI, else of the job's."""
        if self.tracking is not None:
            tracking = dataclasses.replace(self.tracking, token=self._tracking_token)
        else:
            tracking = self._tracking_of(job)
        with self._lock:
            client = self._mlflow.get(tracking.base_url)
            if client is None:
                from providers.mlflow.client import MlflowClient  # noqa: PLC0415

                client = MlflowClient(tracking, provider=self.name)
                self._mlflow[tracking.base_url] = client
            return client

    def _tracking_of(self, job: Any) -> Connection:
        services = getattr(job, "services", None) or {}
        service = services.get("Tracking")
        endpoint = getattr(service, "endpoint", None)
        if endpoint is None and isinstance(service, Mapping):
            endpoint = service.get("endpoint")
        if not endpoint:
            raise Unavailable(
                f"job {job.name} names no MLflow tracking service",
                hint="set tracking_uri in the profile (the workspace's MLflow tracking URI)",
                provider=self.name,
            )
        base = "https://" + str(endpoint).split("://", 1)[-1]
        ws = self.workspace
        return Connection(
            base,
            token=self._tracking_token,
            verify=ws.verify,
            timeout=ws.timeout,
            retry=RetryPolicy(attempts=ws.retries + 1, max_wait=ws.max_retry_wait),
        )

    def _tracking_token(self) -> str:
        """An Azure AD token for the tracking service, from the workspace credential."""
        from providers.azureml import sdk  # noqa: PLC0415

        ml = self._client()
        scope = self.tracking_scope or sdk.resource_manager_scope(ml)
        try:
            return str(self._credential.get_token(scope).token)
        except ProviderError:
            raise
        except Exception as exc:
            raise sdk.translate(exc, "token for the MLflow tracking service", self.name) from None


def _version_order(version: str) -> tuple[bool, int, str]:
    return (not version.isdigit(), int(version) if version.isdigit() else 0, version)
